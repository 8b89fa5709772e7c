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
#include "otlp/rewrite_write.h"
#include "otlp/wire_field.h"

#include <errno.h>
#include <string.h>

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
			continue; /* handled with its first edit */
		if (fold(e, e->attr[i].key, 0, &nv, &matched) && nv &&
		    (rc = w_kv(w, attr_num, e->attr[i].key, nv)))
			return rc;
	}
	return 0;
}

/* Copies the body of message `msg`, applying edits to its attribute field
 * `attr_num` and, if rename is set, replacing field `name_num`. */
static int copy_edited(struct wbuf *w, struct otlp_bytes msg, uint32_t attr_num, uint32_t name_num,
		       const struct otlp_rewrite_edits *e, int rename)
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
				continue; /* deleted */
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
static int w_edited_msg(struct wbuf *w, uint32_t num, struct otlp_bytes msg, uint32_t attr_num,
			uint32_t name_num, const struct otlp_rewrite_edits *e, int rename)
{
	uint8_t *mark;
	size_t slot = vsize(msg.len);
	int rc = w_open(w, num, slot, &mark);

	if (rc == 0)
		rc = copy_edited(w, msg, attr_num, name_num, e, rename);
	return rc ? rc : w_close(w, mark, slot);
}

/* copy_edited() for a decoded span whose attributes are all indexed and
 * which has at most one name field: copies the runs of bytes between the
 * fields that change. Same output as copy_edited(). */
static int copy_indexed(struct wbuf *w, const struct otlp_rewrite_span_state *st,
			const struct otlp_rewrite_edits *e)
{
	const uint8_t *cur = st->span.raw.p, *end = cur + st->span.raw.len;
	const uint8_t *name_at = e->rename && st->n_name ? st->name_field.p : NULL;
	uint64_t matched = 0, lens = 0;
	int rc;

	/* which key lengths the edits name: most attributes are ruled out by
	 * their key length alone, without fold() */
	for (uint32_t i = 0; i < e->n_attr; i++)
		lens |= 1ull << (e->attr[i].key.len & 63);

	for (uint32_t i = 0; i <= st->n_attr; i++) {
		const struct otlp_rewrite_attr *a = i < st->n_attr ? &st->attr[i] : NULL;
		const uint8_t *at = a ? a->start : end;
		const struct otlp_value *nv;
		if (name_at && name_at < at) {
			if ((rc = w_put(w, cur, (size_t)(name_at - cur))) ||
			    (rc = w_len_field(w, OTLP_F_SPAN_NAME, e->name.p, e->name.len)))
				return rc;
			cur = name_at + st->name_field.len;
			name_at = NULL;
		}
		if (!a || !(lens >> (a->key.len & 63) & 1))
			continue;
		int keep = fold(e, a->key, 1, &nv, &matched);
		if (keep && !nv)
			continue; /* unchanged: stays in the run */
		if ((rc = w_put(w, cur, (size_t)(a->start - cur))))
			return rc;
		cur = a->start + a->size;
		if (keep && (rc = w_kv(w, OTLP_F_SPAN_ATTRIBUTES, a->key, nv)))
			return rc;
	}
	if ((rc = w_put(w, cur, (size_t)(end - cur))))
		return rc;
	if (e->rename && !st->n_name && (rc = w_len_field(w, OTLP_F_SPAN_NAME, e->name.p, e->name.len)))
		return rc;
	return w_new_attrs(w, OTLP_F_SPAN_ATTRIBUTES, e, matched);
}

/* Are the hints usable for this span? In order, inside the span, clear of
 * the name field, naming edits that exist (see rewrite.h). */
static int hints_fit(const struct otlp_rewrite_span_state *st, const struct otlp_rewrite_edits *e)
{
	const uint8_t *cur = st->span.raw.p, *end = cur + st->span.raw.len;
	const uint8_t *name = st->n_name ? st->name_field.p : end;
	const uint8_t *name_end = st->n_name ? name + st->name_field.len : end;

	uint32_t n_hint = e->hinted ? e->n_hint : 0;

	if (st->n_name > 1 || n_hint > OTLP_REWRITE_ATTRS_MAX)
		return 0;
	for (uint32_t i = 0; i < n_hint; i++) {
		const struct otlp_attr_hint *h = &e->hint[i];
		if (h->start < cur || h->size > (size_t)(end - h->start) || h->size == 0 ||
		    h->edit >= e->n_attr || (h->start < name_end && h->start + h->size > name))
			return 0;
		cur = h->start + h->size;
	}
	return 1;
}

/* copy_indexed() for hinted edits: the runs between the hinted fields (and
 * the name) are copied; each hinted field takes its edit, which alone
 * decides what fold() would, keys being unique. Unmatched UPSERT and INSERT
 * edits then append, which is what fold() from absent gives. The loop
 * repeats copy_indexed()'s steps on purpose: the two sharing inline helpers
 * made the process stage 5 % slower (commit 99cb7f0). */
static int copy_hinted(struct wbuf *w, const struct otlp_rewrite_span_state *st,
		       const struct otlp_rewrite_edits *e)
{
	const uint8_t *cur = st->span.raw.p, *end = cur + st->span.raw.len;
	const uint8_t *name_at = e->rename && st->n_name ? st->name_field.p : NULL;
	uint32_t n_hint = e->hinted ? e->n_hint : 0;
	uint64_t matched = 0;
	int rc;

	for (uint32_t i = 0; i <= n_hint; i++) {
		const struct otlp_attr_hint *h = i < n_hint ? &e->hint[i] : NULL;
		const uint8_t *at = h ? h->start : end;
		if (name_at && name_at < at) {
			if ((rc = w_put(w, cur, (size_t)(name_at - cur))) ||
			    (rc = w_len_field(w, OTLP_F_SPAN_NAME, e->name.p, e->name.len)))
				return rc;
			cur = name_at + st->name_field.len;
			name_at = NULL;
		}
		if (!h)
			break;
		const struct otlp_attr_edit *a = &e->attr[h->edit];
		matched |= 1ull << h->edit;
		if (a->op == OTLP_ATTR_INSERT)
			continue; /* present already: unchanged */
		if ((rc = w_put(w, cur, (size_t)(h->start - cur))))
			return rc;
		cur = h->start + h->size;
		if (a->op != OTLP_ATTR_DELETE && (rc = w_kv(w, OTLP_F_SPAN_ATTRIBUTES, a->key, &a->value)))
			return rc;
	}
	if ((rc = w_put(w, cur, (size_t)(end - cur))))
		return rc;
	if (e->rename && !st->n_name && (rc = w_len_field(w, OTLP_F_SPAN_NAME, e->name.p, e->name.len)))
		return rc;
	for (uint32_t i = 0; i < e->n_attr; i++) {
		const struct otlp_attr_edit *a = &e->attr[i];
		if (matched & (1ull << i) || (a->op != OTLP_ATTR_UPSERT && a->op != OTLP_ATTR_INSERT))
			continue;
		if ((rc = w_kv(w, OTLP_F_SPAN_ATTRIBUTES, a->key, &a->value)))
			return rc;
	}
	return 0;
}

/* Writes the edited span field (the span is decoded: st). */
static int w_edited_span(struct wbuf *w, struct otlp_rewrite_span_state *st,
			 const struct otlp_rewrite_edits *e)
{
	/* a rename alone needs no attribute index: no hint is the whole list */
	int hinted = (e->hinted || !e->n_attr) && hints_fit(st, e);
	if (!hinted) {
		rewrite_span_split(st);
		if (!st->attrs_indexed || st->n_name > 1)
			return w_edited_msg(w, OTLP_F_SS_SPANS, st->span.raw, OTLP_F_SPAN_ATTRIBUTES,
					    OTLP_F_SPAN_NAME, e, e->rename);
	}
	uint8_t *mark;
	size_t slot = vsize(st->span.raw.len);
	int rc = w_open(w, OTLP_F_SS_SPANS, slot, &mark);

	if (rc == 0)
		rc = hinted ? copy_hinted(w, st, e) : copy_indexed(w, st, e);
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
	struct otlp_rewrite_span_state st; /* the current span, lazily decoded */
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
				return x->st.state; /* it asked for a malformed span */
		}
		if (keep == OTLP_REWRITE_DROP)
			continue;
		kept++;
		if (!x->fn || (x->scratch->n_attr == 0 && !x->scratch->rename))
			rc = w_put(&x->w, f.start, f.size);
		else if ((rc = x->st.state == 1 ? 0 : rewrite_span_decode(&x->st, f.b)) == 0) {
			rc = w_edited_span(&x->w, &x->st, x->scratch);
			x->res.edits++;
		}
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (kept == 0) {
		x->w.p = start; /* an empty ScopeSpans is not worth sending */
		return 0;
	}
	x->res.spans_kept += kept;
	x->res.scope_spans_kept++;
	return w_close(&x->w, mark, slot);
}

int64_t otlp_rewrite_resource_spans(const void *in, size_t in_len, uint8_t *out, size_t out_cap,
				    const struct otlp_rewrite_edits *redits, otlp_rewrite_span_fn fn,
				    void *arg, struct otlp_rewrite_edits *scratch,
				    struct otlp_rewrite_result *res)
{
	struct otlp_bytes msg = { in, in_len };
	struct otlp_resource_spans rs;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct rw x = {
		.w = { out, out_cap ? out + out_cap : out }, .fn = fn, .arg = arg, .scratch = scratch
	};
	int rc, res_edit = redits && redits->n_attr > 0;

	if (res)
		memset(res, 0, sizeof(*res));
	if ((!in && in_len) || (!out && out_cap) || (fn && !scratch) ||
	    (redits && redits->n_attr > OTLP_EDITS_MAX))
		return -EINVAL;
	if ((rc = otlp_wire_resource_spans(msg, &rs)) < 0)
		return rc;
	x.resource = rs.resource;
	x.res.edits = res_edit ? 1 : 0;
	if (res_edit && !rs.has_resource) {
		static const struct otlp_bytes empty = { 0 };
		if ((rc = w_edited_msg(&x.w, OTLP_F_RS_RESOURCE, empty, OTLP_F_RESOURCE_ATTRIBUTES, 0, redits,
				       0)))
			return rc;
		if (x.w.p - out == 2)
			x.w.p = out; /* nothing inserted: leave Resource absent */
	}
	otlp_wire_reader_init(&r, in, in_len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		if (f.num == OTLP_F_RS_SCOPE_SPANS)
			rc = rw_scope_spans(&x, &f);
		else if (f.num == OTLP_F_RS_RESOURCE && res_edit)
			rc = w_edited_msg(&x.w, OTLP_F_RS_RESOURCE, f.b, OTLP_F_RESOURCE_ATTRIBUTES, 0,
					  redits, 0);
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
