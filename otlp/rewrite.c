/* otlp/rewrite.c: copy a ResourceSpans with span drops and edits.
 *
 * How lengths are fixed: a rewritten nested message (ScopeSpans, an edited
 * Span, an edited Resource) is written after a length slot sized like the
 * input's length prefix (the usual outcome when little changes). When the
 * body is done, its real length is written; if that needs a different number
 * of bytes, the body moves by the difference (memmove). Unedited spans are
 * copied as whole fields, so the common path is one memcpy per span.
 *
 * An edited span is always decoded (rewrite_span.c), which also gives where
 * its name and attribute fields are: the span is then re-encoded as runs of
 * untouched bytes copied between those positions, without a second field
 * scan. Attribute keys are compared without decoding values. */
#include "otlp/rewrite.h"
#include "otlp/rewrite_span.h"
#include "otlp/wire_field.h"

#include <errno.h>
#include <string.h>

/* Inlined varint size and writer (wire.c's are out of line; the writers
 * below call them several times a KeyValue). */
static inline size_t vsize(uint64_t v)
{
	if (v < 0x80)
		return 1;
	return otlp_wire_varint_size(v);
}

static inline uint8_t *vput(uint8_t *p, uint64_t v)
{
	if (v < 0x80) {
		*p = (uint8_t)v;
		return p + 1;
	}
	return otlp_wire_put_varint(p, v);
}

struct wbuf {
	uint8_t *p, *end;
};

static int w_put(struct wbuf *w, const void *src, size_t n)
{
	if ((size_t)(w->end - w->p) < n)
		return -ENOSPC;
	if (n)
		memcpy(w->p, src, n);
	w->p += n;
	return 0;
}

static int w_varint(struct wbuf *w, uint64_t v)
{
	if ((size_t)(w->end - w->p) < vsize(v))
		return -ENOSPC;
	w->p = vput(w->p, v);
	return 0;
}

static int w_tag(struct wbuf *w, uint32_t num, uint32_t wt)
{
	return w_varint(w, ((uint64_t)num << 3) | wt);
}

static int w_len_field(struct wbuf *w, uint32_t num, const void *p, size_t n)
{
	int rc = w_tag(w, num, OTLP_WT_LEN);

	if (rc == 0)
		rc = w_varint(w, n);
	return rc ? rc : w_put(w, p, n);
}

/* Opens a nested message: tag, then a length slot of `slot` bytes. */
static int w_open(struct wbuf *w, uint32_t num, size_t slot, uint8_t **mark)
{
	int rc = w_tag(w, num, OTLP_WT_LEN);

	if (rc)
		return rc;
	if ((size_t)(w->end - w->p) < slot)
		return -ENOSPC;
	*mark = w->p;
	w->p += slot;
	return 0;
}

/* Closes it: writes the real length, moving the body if its size differs. */
static int w_close(struct wbuf *w, uint8_t *mark, size_t slot)
{
	size_t body = (size_t)(w->p - (mark + slot));
	size_t k = vsize(body);

	if (k > slot && (size_t)(w->end - w->p) < k - slot)
		return -ENOSPC;
	if (k != slot) {
		memmove(mark + k, mark + slot, body);
		w->p = mark + k + body;
	}
	vput(mark, body);
	return 0;
}

/* ----- attribute edits applied to one message ----- */

static inline int key_eq(struct otlp_bytes a, struct otlp_bytes b)
{
	/* first bytes inline: most keys of the same length differ there */
	return a.len == b.len && otlp_key_bytes_eq(a.p, b.p, a.len);
}

/* Runs the edits for `key` in order, starting from `present`, the Collector
 * way. Returns whether the attribute exists afterwards; *val is the new value
 * or NULL to keep the original. Marks the edits that named the key. */
static int fold(const struct otlp_rewrite_edits *e, struct otlp_bytes key, int present,
		const struct otlp_value **val, uint64_t *matched)
{
	*val = NULL;
	for (uint32_t i = 0; i < e->n_attr; i++) {
		const struct otlp_attr_edit *a = &e->attr[i];
		if (!key_eq(a->key, key))
			continue;
		*matched |= 1ull << i;
		switch (a->op) {
		case OTLP_ATTR_DELETE:
			present = 0;
			*val = NULL;
			break;
		case OTLP_ATTR_UPDATE:
			if (present)
				*val = &a->value;
			break;
		case OTLP_ATTR_UPSERT:
			present = 1;
			*val = &a->value;
			break;
		case OTLP_ATTR_INSERT:
			if (!present) {
				present = 1;
				*val = &a->value;
			}
			break;
		}
	}
	return present;
}

static size_t anyvalue_size(const struct otlp_value *v)
{
	switch (v->type) {
	case OTLP_VALUE_STRING:
	case OTLP_VALUE_ARRAY:
	case OTLP_VALUE_KVLIST:
	case OTLP_VALUE_BYTES:
		return 1 + vsize(v->u.b.len) + v->u.b.len;
	case OTLP_VALUE_BOOL:
		return 2;
	case OTLP_VALUE_INT:
		return 1 + vsize((uint64_t)v->u.i);
	case OTLP_VALUE_DOUBLE:
		return 9;
	default:
		return 0;
	}
}

/* Copies n bytes from s to d; short runs (keys, most values) without a
 * call: two overlapping loads of the widest size that fits, each within
 * [s, s+n) (s may end where a mapping ends) and stored within [d, d+n). */
static inline __attribute__((always_inline)) uint8_t *copy_short(uint8_t *d, const uint8_t *s,
								size_t n)
{
	if (n > 32) {
		memcpy(d, s, n);
	} else if (n >= 8) {
		uint64_t a, b, c, x;
		__builtin_memcpy(&a, s, 8);
		__builtin_memcpy(&x, s + n - 8, 8);
		if (n > 16) {
			__builtin_memcpy(&b, s + 8, 8);
			__builtin_memcpy(&c, s + n - 16, 8);
			__builtin_memcpy(d + 8, &b, 8);
			__builtin_memcpy(d + n - 16, &c, 8);
		}
		__builtin_memcpy(d, &a, 8);
		__builtin_memcpy(d + n - 8, &x, 8);
	} else if (n >= 4) {
		uint32_t a, x;
		__builtin_memcpy(&a, s, 4);
		__builtin_memcpy(&x, s + n - 4, 4);
		__builtin_memcpy(d, &a, 4);
		__builtin_memcpy(d + n - 4, &x, 4);
	} else if (n) {
		uint8_t a = s[0], b = s[n / 2], c = s[n - 1];  /* 1 to 3 bytes */
		d[0] = a, d[n / 2] = b, d[n - 1] = c;
	}
	return d + n;
}

/* Writes field `num` = KeyValue{key, value}: sizes first, one room check,
 * then straight stores. */
static __attribute__((noinline)) int w_kv_any(struct wbuf *w, uint32_t num, struct otlp_bytes key,
					      const struct otlp_value *v)
{
	size_t av = anyvalue_size(v);
	size_t body = 1 + vsize(key.len) + key.len +
		      1 + vsize(av) + av;
	uint64_t tag = ((uint64_t)num << 3) | OTLP_WT_LEN;
	uint8_t *p = w->p;

	if (av == 0)
		return -EINVAL;  /* not a type an edit can carry */
	if ((size_t)(w->end - p) < vsize(tag) + vsize(body) + body)
		return -ENOSPC;
	p = vput(p, tag);
	p = vput(p, body);
	*p++ = (OTLP_F_KV_KEY << 3) | OTLP_WT_LEN;
	p = vput(p, key.len);
	p = copy_short(p, key.p, key.len);
	*p++ = (OTLP_F_KV_VALUE << 3) | OTLP_WT_LEN;
	p = vput(p, av);
	switch (v->type) {
	case OTLP_VALUE_STRING:
	case OTLP_VALUE_ARRAY:   /* raw ArrayValue / KeyValueList bytes, copied */
	case OTLP_VALUE_KVLIST:
	case OTLP_VALUE_BYTES:
		*p++ = (uint8_t)((v->type << 3) | OTLP_WT_LEN);
		p = vput(p, v->u.b.len);
		p = copy_short(p, v->u.b.p, v->u.b.len);
		break;
	case OTLP_VALUE_BOOL:
		*p++ = (OTLP_VALUE_BOOL << 3) | OTLP_WT_VARINT;
		*p++ = v->u.boolean ? 1 : 0;
		break;
	case OTLP_VALUE_INT:
		*p++ = (OTLP_VALUE_INT << 3) | OTLP_WT_VARINT;
		p = vput(p, (uint64_t)v->u.i);
		break;
	default: {  /* DOUBLE: little-endian, as the wire wants */
		uint64_t bits;
		memcpy(&bits, &v->u.d, 8);
		bits = htole64(bits);
		*p++ = (OTLP_VALUE_DOUBLE << 3) | OTLP_WT_I64;
		__builtin_memcpy(p, &bits, 8);
		p += 8;
		break;
	}
	}
	w->p = p;
	return 0;
}

/* w_kv_any() for the usual edit, a string value and key and value under
 * 32 bytes: every length then fits one varint byte, so the bytes are laid
 * down in a line, without the size switch or the varint helpers. */
static inline int w_kv(struct wbuf *w, uint32_t num, struct otlp_bytes key, const struct otlp_value *v)
{
	size_t kl = key.len, vl = v->u.b.len;
	uint8_t *p = w->p;

	if (v->type != OTLP_VALUE_STRING || kl >= 32 || vl >= 32 || num >= 16)
		return w_kv_any(w, num, key, v);
	size_t body = 2 + kl + 2 + 2 + vl;  /* < 0x80 */
	if ((size_t)(w->end - p) < 2 + body)
		return -ENOSPC;
	p[0] = (uint8_t)((num << 3) | OTLP_WT_LEN);
	p[1] = (uint8_t)body;
	p[2] = (OTLP_F_KV_KEY << 3) | OTLP_WT_LEN;
	p[3] = (uint8_t)kl;
	p = copy_short(p + 4, key.p, kl);
	p[0] = (OTLP_F_KV_VALUE << 3) | OTLP_WT_LEN;
	p[1] = (uint8_t)(2 + vl);
	p[2] = (OTLP_VALUE_STRING << 3) | OTLP_WT_LEN;
	p[3] = (uint8_t)vl;
	w->p = copy_short(p + 4, v->u.b.p, vl);
	return 0;
}

/* Appends the keys no existing attribute had: each key once, in edit order. */
static int w_new_attrs(struct wbuf *w, uint32_t attr_num, const struct otlp_rewrite_edits *e,
		       uint64_t matched)
{
	int rc;

	for (uint32_t i = 0; i < e->n_attr; i++) {
		const struct otlp_value *nv;
		uint32_t j;
		if (matched & (1ull << i))
			continue;
		for (j = 0; j < i && !key_eq(e->attr[j].key, e->attr[i].key); j++)
			;
		if (j < i)
			continue;  /* handled with its first edit */
		if (fold(e, e->attr[i].key, 0, &nv, &matched) && nv &&
		    (rc = w_kv(w, attr_num, e->attr[i].key, nv)))
			return rc;
	}
	return 0;
}

/* Copies the body of message `msg`, applying edits to its attribute field
 * `attr_num` and, if rename is set, replacing field `name_num`. */
static int copy_edited(struct wbuf *w, struct otlp_bytes msg, uint32_t attr_num,
		       uint32_t name_num, const struct otlp_rewrite_edits *e, int rename)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint64_t matched = 0;
	int rc, named = 0;

	otlp_wire_reader_init(&r, msg.p, msg.len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		if (rename && f.num == name_num) {
			if (f.wt != OTLP_WT_LEN)
				return -EPROTO;
			if (!named && (rc = w_len_field(w, name_num, e->name.p, e->name.len)))
				return rc;
			named = 1;
			continue;
		}
		if (f.num == attr_num && e->n_attr) {
			struct otlp_bytes key, val;
			const struct otlp_value *nv;
			if (f.wt != OTLP_WT_LEN)
				return -EPROTO;
			if ((rc = otlp_rewrite_kv_split(f.b, &key, &val)) < 0)
				return rc;
			if (!fold(e, key, 1, &nv, &matched))
				continue;  /* deleted */
			if (nv) {
				if ((rc = w_kv(w, attr_num, key, nv)))
					return rc;
				continue;
			}
		}
		if ((rc = w_put(w, f.start, f.size)))
			return rc;
	}
	if (rc < 0)
		return rc;
	if (rename && !named && (rc = w_len_field(w, name_num, e->name.p, e->name.len)))
		return rc;
	return w_new_attrs(w, attr_num, e, matched);
}

/* Writes field `num` holding msg rewritten by copy_edited(). */
static int w_edited_msg(struct wbuf *w, uint32_t num, struct otlp_bytes msg,
			uint32_t attr_num, uint32_t name_num,
			const struct otlp_rewrite_edits *e, int rename)
{
	uint8_t *mark;
	size_t slot = vsize(msg.len);
	int rc = w_open(w, num, slot, &mark);

	if (rc == 0)
		rc = copy_edited(w, msg, attr_num, name_num, e, rename);
	return rc ? rc : w_close(w, mark, slot);
}

/* w_new_attrs() for hinted edits: keys are unique, so an edit no input
 * attribute matched appends (UPSERT, INSERT) or does nothing (UPDATE,
 * DELETE) on its own, which is what fold() from absent gives. */
static int w_new_attrs_hinted(struct wbuf *w, const struct otlp_rewrite_edits *e,
			      uint64_t matched)
{
	int rc;

	for (uint32_t i = 0; i < e->n_attr; i++) {
		const struct otlp_attr_edit *a = &e->attr[i];
		if (matched & (1ull << i) ||
		    (a->op != OTLP_ATTR_UPSERT && a->op != OTLP_ATTR_INSERT))
			continue;
		if ((rc = w_kv(w, OTLP_F_SPAN_ATTRIBUTES, a->key, &a->value)))
			return rc;
	}
	return 0;
}

/* copy_edited() for a decoded span whose attributes are all indexed and
 * which has at most one name field: copies the runs of bytes between the
 * fields that change. Same output as copy_edited(). hint: NULL, or the
 * caller's attr_edit[] (one entry an attribute, e->hinted checked): each
 * attribute's edit is then read from it instead of found by comparing keys,
 * and with keys unique one edit decides alone what fold() would. Inlined
 * twice (hint NULL and not): each loop is free of the other's tests. */
static inline __attribute__((always_inline)) int copy_indexed(
	struct wbuf *w, const struct otlp_rewrite_span_state *st,
	const struct otlp_rewrite_edits *e, const int8_t *hint)
{
	const uint8_t *cur = st->span.raw.p, *end = cur + st->span.raw.len;
	const uint8_t *name_at = e->rename && st->n_name ? st->name_field.p : NULL;
	uint64_t matched = 0, lens = 0;
	int rc;

	/* which key lengths the edits name: most attributes are ruled out by
	 * their key length alone, without fold() */
	for (uint32_t i = 0; i < e->n_attr && !hint; i++)
		lens |= 1ull << (e->attr[i].key.len & 63);

	for (uint32_t i = 0; i <= st->n_attr; i++) {
		const struct otlp_rewrite_attr *a = i < st->n_attr ? &st->attr[i] : NULL;
		const uint8_t *at = a ? a->start : end;
		const struct otlp_value *nv;
		int keep;
		if (name_at && name_at < at) {
			if ((rc = w_put(w, cur, (size_t)(name_at - cur))) ||
			    (rc = w_len_field(w, OTLP_F_SPAN_NAME, e->name.p, e->name.len)))
				return rc;
			cur = name_at + st->name_field.len;
			name_at = NULL;
		}
		if (!a)
			continue;
		if (hint) {
			/* -1 (and, defensively, any index past the edits) is "no
			 * edit": one unsigned compare */
			uint32_t k = (uint8_t)hint[i];
			if (k >= e->n_attr)
				continue;
			enum otlp_attr_op op = e->attr[k].op;
			matched |= 1ull << k;
			if (op != OTLP_ATTR_DELETE && op != OTLP_ATTR_UPDATE &&
			    op != OTLP_ATTR_UPSERT)
				continue;  /* INSERT on a present key: unchanged */
			keep = op != OTLP_ATTR_DELETE;
			nv = &e->attr[k].value;
		} else {
			if (!(lens >> (a->key.len & 63) & 1))
				continue;
			keep = fold(e, a->key, 1, &nv, &matched);
			if (keep && !nv)
				continue;  /* unchanged: stays in the run */
		}
		if ((rc = w_put(w, cur, (size_t)(a->start - cur))))
			return rc;
		cur = a->start + a->size;
		if (keep && (rc = w_kv(w, OTLP_F_SPAN_ATTRIBUTES, a->key, nv)))
			return rc;
	}
	if ((rc = w_put(w, cur, (size_t)(end - cur))))
		return rc;
	if (e->rename && !st->n_name &&
	    (rc = w_len_field(w, OTLP_F_SPAN_NAME, e->name.p, e->name.len)))
		return rc;
	if (hint)
		return w_new_attrs_hinted(w, e, matched);
	return w_new_attrs(w, OTLP_F_SPAN_ATTRIBUTES, e, matched);
}

/* Writes the edited span field (the span is decoded: st). */
static int w_edited_span(struct wbuf *w, struct otlp_rewrite_span_state *st,
			 const struct otlp_rewrite_edits *e)
{
	rewrite_span_split(st);
	if (!st->attrs_indexed || st->n_name > 1)
		return w_edited_msg(w, OTLP_F_SS_SPANS, st->span.raw, OTLP_F_SPAN_ATTRIBUTES,
				    OTLP_F_SPAN_NAME, e, e->rename);
	/* hints count the attributes the index lists; any other count means
	 * they were made for something else: compare keys instead */
	const int8_t *hint = e->hinted && e->n_hint == st->n_attr ? e->attr_edit : NULL;
	uint8_t *mark;
	size_t slot = vsize(st->span.raw.len);
	int rc = w_open(w, OTLP_F_SS_SPANS, slot, &mark);

	if (rc == 0)
		rc = hint ? copy_indexed(w, st, e, hint) : copy_indexed(w, st, e, NULL);
	return rc ? rc : w_close(w, mark, slot);
}

/* ----- the walk ----- */

struct rw {
	struct wbuf w;
	otlp_rewrite_span_fn fn;
	void *arg;
	struct otlp_rewrite_edits *scratch;
	struct otlp_rewrite_result res;
	struct otlp_bytes resource;
	struct otlp_rewrite_span_state st;  /* the current span, lazily decoded */
};

/* One ScopeSpans field `f`; writes it (or nothing if no span is kept). */
static int rw_scope_spans(struct rw *x, const struct otlp_wire_field *sf)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint8_t *start = x->w.p, *mark;
	size_t slot = vsize(sf->b.len);
	uint32_t kept = 0;
	int rc;

	if ((rc = w_open(&x->w, OTLP_F_RS_SCOPE_SPANS, slot, &mark)))
		return rc;
	struct otlp_rewrite_span_ctx ctx = { .resource = x->resource, .st = &x->st };
	/* one pass: the fields other than spans (scope, schema_url) are copied
	 * as they come; a second scan just to find the scope first cost 3-6 %
	 * of a chain run, and no processor reads the scope */
	otlp_wire_reader_init(&r, sf->b.p, sf->b.len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_SS_SPANS) {
			if ((f.num == OTLP_F_SS_SCOPE || f.num == OTLP_F_SS_SCHEMA_URL) &&
			    f.wt != OTLP_WT_LEN)
				return -EPROTO;
			if ((rc = w_put(&x->w, f.start, f.size)))
				return rc;
			continue;
		}
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		x->res.spans_in++;
		int keep = OTLP_REWRITE_KEEP;
		x->st.state = 0;
		if (x->fn) {
			/* word by word: f.b was just stored as two words, and a
			 * 16-byte reload of it stalls (no store forwarding) */
			ctx.raw.p = f.b.p;
			__asm__("" : : : "memory");
			ctx.raw.len = f.b.len;
			ctx.index = x->res.spans_in - 1;
			otlp_rewrite_edits_reset(x->scratch);
			keep = x->fn(x->arg, &ctx, x->scratch);
			if (keep < 0)
				return keep;
			if (x->st.state < 0)
				return x->st.state;  /* it asked for a malformed span */
		}
		if (keep == OTLP_REWRITE_DROP)
			continue;
		kept++;
		if (!x->fn || (x->scratch->n_attr == 0 && !x->scratch->rename))
			rc = w_put(&x->w, f.start, f.size);
		else if ((rc = rewrite_span_decode(&x->st, f.b)) == 0)
			rc = w_edited_span(&x->w, &x->st, x->scratch);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (kept == 0) {
		x->w.p = start;  /* an empty ScopeSpans is not worth sending */
		return 0;
	}
	x->res.spans_kept += kept;
	x->res.scope_spans_kept++;
	return w_close(&x->w, mark, slot);
}

int64_t otlp_rewrite_resource_spans(const void *in, size_t in_len,
				    uint8_t *out, size_t out_cap,
				    const struct otlp_rewrite_edits *redits,
				    otlp_rewrite_span_fn fn, void *arg,
				    struct otlp_rewrite_edits *scratch,
				    struct otlp_rewrite_result *res)
{
	struct otlp_bytes msg = { in, in_len };
	struct otlp_resource_spans rs;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct rw x = { .w = { out, out_cap ? out + out_cap : out }, .fn = fn,
			.arg = arg, .scratch = scratch };
	int rc, res_edit = redits && redits->n_attr > 0;

	if (res)
		memset(res, 0, sizeof(*res));
	if ((!in && in_len) || (!out && out_cap) || (fn && !scratch) ||
	    (redits && redits->n_attr > OTLP_EDITS_MAX))
		return -EINVAL;
	if ((rc = otlp_wire_resource_spans(msg, &rs)) < 0)
		return rc;
	x.resource = rs.resource;
	if (res_edit && !rs.has_resource) {
		static const struct otlp_bytes empty = { 0 };
		if ((rc = w_edited_msg(&x.w, OTLP_F_RS_RESOURCE, empty,
				       OTLP_F_RESOURCE_ATTRIBUTES, 0, redits, 0)))
			return rc;
		if (x.w.p - out == 2)
			x.w.p = out;  /* nothing inserted: leave Resource absent */
	}
	otlp_wire_reader_init(&r, in, in_len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		if (f.num == OTLP_F_RS_SCOPE_SPANS)
			rc = rw_scope_spans(&x, &f);
		else if (f.num == OTLP_F_RS_RESOURCE && res_edit)
			rc = w_edited_msg(&x.w, OTLP_F_RS_RESOURCE, f.b,
					  OTLP_F_RESOURCE_ATTRIBUTES, 0, redits, 0);
		else
			rc = w_put(&x.w, f.start, f.size);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	x.res.len = x.res.spans_kept ? (size_t)(x.w.p - out) : 0;
	if (res)
		*res = x.res;
	return (int64_t)x.res.len;
}
