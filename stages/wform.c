/* wform.c: the writers. Items are copied as runs of untouched bytes
 * between the attributes that change. */
#include "stages/wform.h"

#include <endian.h>

int wform_open(struct wform *w, uint32_t num, size_t slot, uint8_t **mark)
{
	int rc = wform_varint(w, ((uint64_t)num << 3) | OTLP_WT_LEN);
	if (rc)
		return rc;
	if ((size_t)(w->end - w->p) < slot)
		return -ENOSPC;
	*mark = w->p;
	w->p += slot;
	return 0;
}

int wform_close(struct wform *w, uint8_t *mark, size_t slot)
{
	size_t body = (size_t)(w->p - (mark + slot));
	size_t k = wform_vsize(body);
	if (k > slot && (size_t)(w->end - w->p) < k - slot)
		return -ENOSPC;
	if (k != slot) {
		memmove(mark + k, mark + slot, body);
		w->p = mark + k + body;
	}
	otlp_wire_put_varint(mark, body);
	return 0;
}

static size_t anyvalue_size(const struct otlp_value *v)
{
	switch (v->type) {
	case OTLP_VALUE_STRING:
	case OTLP_VALUE_ARRAY:
	case OTLP_VALUE_KVLIST:
	case OTLP_VALUE_BYTES:
		return 1 + wform_vsize(v->u.b.len) + v->u.b.len;
	case OTLP_VALUE_BOOL:
		return 2;
	case OTLP_VALUE_INT:
		return 1 + wform_vsize((uint64_t)v->u.i);
	case OTLP_VALUE_DOUBLE:
		return 9;
	default:
		return 0;
	}
}

int wform_kv(struct wform *w, uint32_t num, struct otlp_bytes key, const struct otlp_value *v)
{
	/* the usual edit, a short string: every length one byte, laid in a line */
	if (v->type == OTLP_VALUE_STRING && key.len < 32 && v->u.b.len < 32 && num < 16) {
		size_t body = 2 + key.len + 2 + 2 + v->u.b.len;
		uint8_t *p = w->p;
		if ((size_t)(w->end - p) < 2 + body)
			return -ENOSPC;
		p[0] = (uint8_t)((num << 3) | OTLP_WT_LEN);
		p[1] = (uint8_t)body;
		p[2] = (OTLP_F_KV_KEY << 3) | OTLP_WT_LEN;
		p[3] = (uint8_t)key.len;
		p = copy_short(p + 4, key.p, key.len);
		p[0] = (OTLP_F_KV_VALUE << 3) | OTLP_WT_LEN;
		p[1] = (uint8_t)(2 + v->u.b.len);
		p[2] = (OTLP_VALUE_STRING << 3) | OTLP_WT_LEN;
		p[3] = (uint8_t)v->u.b.len;
		w->p = copy_short(p + 4, v->u.b.p, v->u.b.len);
		return 0;
	}
	size_t av = anyvalue_size(v);
	size_t body = 1 + wform_vsize(key.len) + key.len + 1 + wform_vsize(av) + av;
	uint64_t tag = ((uint64_t)num << 3) | OTLP_WT_LEN;
	if (av == 0)
		return -EINVAL;
	if ((size_t)(w->end - w->p) < wform_vsize(tag) + wform_vsize(body) + body)
		return -ENOSPC;
	uint8_t *p = otlp_wire_put_varint(w->p, tag);
	p = otlp_wire_put_varint(p, body);
	*p++ = (OTLP_F_KV_KEY << 3) | OTLP_WT_LEN;
	p = otlp_wire_put_varint(p, key.len);
	if (key.len)
		memcpy(p, key.p, key.len);
	p += key.len;
	*p++ = (OTLP_F_KV_VALUE << 3) | OTLP_WT_LEN;
	p = otlp_wire_put_varint(p, av);
	switch (v->type) {
	case OTLP_VALUE_BOOL:
		*p++ = (OTLP_VALUE_BOOL << 3) | OTLP_WT_VARINT;
		*p++ = v->u.boolean ? 1 : 0;
		break;
	case OTLP_VALUE_INT:
		*p++ = (OTLP_VALUE_INT << 3) | OTLP_WT_VARINT;
		p = otlp_wire_put_varint(p, (uint64_t)v->u.i);
		break;
	case OTLP_VALUE_DOUBLE: {
		uint64_t bits;
		memcpy(&bits, &v->u.d, 8);
		bits = htole64(bits);
		*p++ = (OTLP_VALUE_DOUBLE << 3) | OTLP_WT_I64;
		memcpy(p, &bits, 8);
		p += 8;
		break;
	}
	default: /* string, and raw array / kvlist / bytes members */
		*p++ = (uint8_t)((v->type << 3) | OTLP_WT_LEN);
		p = otlp_wire_put_varint(p, v->u.b.len);
		if (v->u.b.len)
			memcpy(p, v->u.b.p, v->u.b.len);
		p += v->u.b.len;
		break;
	}
	w->p = p;
	return 0;
}

/* Which edit names key (keys are unique in e): its index, or -1. */
static int edit_of(const struct otlp_rewrite_edits *e, struct otlp_bytes key)
{
	for (uint32_t i = 0; i < e->n_attr; i++)
		if (e->attr[i].key.len == key.len && otlp_key_bytes_eq(e->attr[i].key.p, key.p, key.len))
			return (int)i;
	return -1;
}

/* Appends the upserts no input attribute took. */
static int new_attrs(struct wform *w, uint32_t attr_num, const struct otlp_rewrite_edits *e, uint64_t matched)
{
	for (uint32_t i = 0; i < e->n_attr; i++) {
		const struct otlp_attr_edit *a = &e->attr[i];
		int rc;
		if (matched >> i & 1 || a->op == OTLP_ATTR_DELETE)
			continue;
		if ((rc = wform_kv(w, attr_num, a->key, &a->value)))
			return rc;
	}
	return 0;
}

/* The hinted fields take their edits; the runs between them are copied. */
static int item_hinted(struct wform *w, struct otlp_bytes raw, uint32_t attr_num,
		       const struct otlp_rewrite_edits *e)
{
	const uint8_t *cur = raw.p, *end = raw.p + raw.len;
	uint64_t matched = 0;
	int rc;
	for (uint32_t i = 0; i < e->n_hint; i++) {
		const struct otlp_attr_hint *h = &e->hint[i];
		const struct otlp_attr_edit *a = &e->attr[h->edit];
		if (h->start < cur || h->size > (size_t)(end - h->start) || h->edit >= e->n_attr)
			return -EINVAL; /* not what spanctx makes */
		matched |= 1ull << h->edit;
		if ((rc = wform_put(w, cur, (size_t)(h->start - cur))))
			return rc;
		cur = h->start + h->size;
		if (a->op != OTLP_ATTR_DELETE && (rc = wform_kv(w, attr_num, a->key, &a->value)))
			return rc;
	}
	if ((rc = wform_put(w, cur, (size_t)(end - cur))))
		return rc;
	return new_attrs(w, attr_num, e, matched);
}

/* The same by comparing each input attribute's key with the edits. */
static int item_keyed(struct wform *w, struct otlp_bytes raw, uint32_t attr_num,
		      const struct otlp_rewrite_edits *e)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint64_t matched = 0;
	int rc;
	otlp_wire_reader_init(&r, raw.p, raw.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == attr_num) {
			struct otlp_bytes key, val;
			if (f.wt != OTLP_WT_LEN)
				return -EPROTO;
			if ((rc = otlp_rewrite_kv_split(f.b, &key, &val)) < 0)
				return rc;
			int k = edit_of(e, key);
			if (k >= 0) {
				const struct otlp_attr_edit *a = &e->attr[k];
				matched |= 1ull << k;
				if (a->op != OTLP_ATTR_DELETE && (rc = wform_kv(w, attr_num, key, &a->value)))
					return rc;
				continue;
			}
		}
		if ((rc = wform_put(w, f.start, f.size)))
			return rc;
	}
	if (rc < 0)
		return rc;
	return new_attrs(w, attr_num, e, matched);
}

int wform_item(struct wform *w, uint32_t num, struct otlp_bytes raw, uint32_t attr_num,
	       const struct otlp_rewrite_edits *e)
{
	_Static_assert(OTLP_EDITS_MAX <= 64, "matched edits are a 64-bit mask");
	uint8_t *mark;
	size_t slot = wform_vsize(raw.len);
	int rc = wform_open(w, num, slot, &mark);
	if (rc)
		return rc;
	rc = e->hinted ? item_hinted(w, raw, attr_num, e) : item_keyed(w, raw, attr_num, e);
	return rc ? rc : wform_close(w, mark, slot);
}

/* The last of edits [0, n) naming key, or -1. */
static int last_edit(const struct otlp_rewrite_edits *e, uint32_t n, struct otlp_bytes key)
{
	for (uint32_t i = n; i-- > 0;)
		if (e->attr[i].key.len == key.len && otlp_key_bytes_eq(e->attr[i].key.p, key.p, key.len))
			return (int)i;
	return -1;
}

int wform_resource(struct wform *w, uint32_t num, struct otlp_bytes msg, int has,
		   const struct otlp_rewrite_edits *e)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint64_t matched = 0; /* keys an input attribute had */
	uint8_t *mark, *start = w->p;
	size_t slot = wform_vsize(msg.len);
	int rc = wform_open(w, num, slot, &mark);
	if (rc)
		return rc;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == OTLP_F_RESOURCE_ATTRIBUTES) {
			struct otlp_bytes key, val;
			if (f.wt != OTLP_WT_LEN)
				return -EPROTO;
			if ((rc = otlp_rewrite_kv_split(f.b, &key, &val)) < 0)
				return rc;
			int k = last_edit(e, e->n_attr, key);
			if (k >= 0) {
				for (uint32_t i = 0; i < e->n_attr; i++)
					if (last_edit(e, e->n_attr, e->attr[i].key) == k)
						matched |= 1ull << i;
				if (e->attr[k].op != OTLP_ATTR_DELETE &&
				    (rc = wform_kv(w, OTLP_F_RESOURCE_ATTRIBUTES, key, &e->attr[k].value)))
					return rc;
				continue;
			}
		}
		if ((rc = wform_put(w, f.start, f.size)))
			return rc;
	}
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < e->n_attr; i++) {
		if (matched >> i & 1 || last_edit(e, i, e->attr[i].key) >= 0)
			continue; /* in the input, or written with its first edit */
		const struct otlp_attr_edit *a = &e->attr[last_edit(e, e->n_attr, e->attr[i].key)];
		if (a->op != OTLP_ATTR_DELETE &&
		    (rc = wform_kv(w, OTLP_F_RESOURCE_ATTRIBUTES, a->key, &a->value)))
			return rc;
	}
	if (!has && w->p == mark + slot) {
		w->p = start; /* nothing added: the Resource stays absent */
		return 0;
	}
	return wform_close(w, mark, slot);
}
