/* spanctx_res.c: the resource side of the overlay. Resource edits are made
 * once a record, so keys are compared as text: the newest visible edit of a
 * key wins, else the resource's input attributes (indexed once a record). */
#include "stages/spanctx.h"

#include <errno.h>
#include <string.h>

static inline bool spanctx_res_key_eq(struct otlp_bytes k, const char *key, size_t klen)
{
	return k.len == klen && otlp_key_bytes_eq(k.p, key, klen);
}

/* Newest edit of key among the visible ones, or NULL. */
static const struct otlp_attr_edit *spanctx_res_edit(const struct spanctx *c, uint32_t n, const char *key,
						     size_t klen)
{
	for (uint32_t i = n; i-- > 0;)
		if (spanctx_res_key_eq(c->res->attr[i].key, key, klen))
			return &c->res->attr[i];
	return NULL;
}

int spanctx_value_of(struct otlp_bytes b, struct otlp_value *v)
{
	if (!b.p) { /* KeyValue without a value */
		memset(v, 0, sizeof *v);
		return 0;
	}
	/* the usual string value `0a len text`, read inline */
	if (b.len >= 2 && b.p[0] == 0x0a && b.p[1] < 0x80 && b.p[1] + 2u == b.len) {
		v->type = OTLP_VALUE_STRING;
		v->u.b.p = b.p + 2;
		v->u.b.len = b.p[1];
		return 0;
	}
	return otlp_wire_anyvalue(b, v);
}

/* Indexes the resource's KeyValues: keys and value bytes. */
static void spanctx_res_index(struct spanctx *c)
{
	struct spanctx_index *x = &c->res_idx;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	x->n = 0;
	x->state = -1;
	otlp_wire_reader_init(&r, c->resource.p, c->resource.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_RESOURCE_ATTRIBUTES)
			continue;
		if (f.wt != OTLP_WT_LEN || x->n >= SPANCTX_INDEX_MAX)
			return; /* let the plain scan report or handle it */
		struct otlp_bytes key, val;
		if (otlp_rewrite_kv_split(f.b, &key, &val) < 0)
			return;
		x->own[x->n].key = key;
		x->own[x->n].value = val;
		x->n++;
	}
	if (rc == 0)
		x->state = 1;
}

int spanctx_res_get(struct spanctx *c, const char *key, size_t klen, struct otlp_value *v)
{
	const struct otlp_attr_edit *ed = spanctx_res_edit(c, c->res_visible, key, klen);
	if (ed) {
		if (ed->op == OTLP_ATTR_DELETE)
			return 0;
		*v = ed->value;
		return 1;
	}
	if (!c->resource.len)
		return 0;
	if (c->res_idx.state == 0)
		spanctx_res_index(c);
	if (c->res_idx.state < 0)
		return otlp_wire_find_attr(c->resource, OTLP_F_RESOURCE_ATTRIBUTES, key, klen, v);
	for (uint32_t i = 0; i < c->res_idx.n; i++) {
		if (spanctx_res_key_eq(c->res_idx.own[i].key, key, klen)) {
			int rc = spanctx_value_of(c->res_idx.own[i].value, v);
			return rc < 0 ? rc : 1;
		}
	}
	return 0;
}

int spanctx_res_put(struct spanctx *c, const char *key, size_t klen, const struct otlp_value *v)
{
	struct otlp_rewrite_edits *e = c->res;
	if (e->n_attr >= OTLP_EDITS_MAX) {
		c->overflows++;
		return -ENOSPC;
	}
	struct otlp_attr_edit *slot = &e->attr[e->n_attr++];
	slot->op = v ? OTLP_ATTR_UPSERT : OTLP_ATTR_DELETE;
	slot->key.p = (const uint8_t *)key;
	slot->key.len = klen;
	if (v)
		slot->value = *v;
	else
		memset(&slot->value, 0, sizeof slot->value);
	c->res_visible = e->n_attr; /* the processor making the edit sees it */
	return 0;
}

int spanctx_res_each(struct spanctx *c, spanctx_attr_fn fn, void *arg)
{
	const struct otlp_rewrite_edits *e = c->res;
	uint32_t n = c->res_visible;
	int rc;
	if (c->resource.len) {
		struct otlp_wire_iter it;
		struct otlp_bytes kvb;
		otlp_wire_iter_init(&it, c->resource, OTLP_F_RESOURCE_ATTRIBUTES);
		while ((rc = otlp_wire_iter_next(&it, &kvb)) > 0) {
			struct otlp_kv kv;
			if ((rc = otlp_wire_kv(kvb, &kv)) < 0)
				return rc;
			if (spanctx_res_edit(c, n, (const char *)kv.key.p, kv.key.len))
				continue; /* overridden or deleted: edits speak for it */
			if ((rc = fn(arg, c, kv.key, &kv.value)) != 0)
				return rc;
		}
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct otlp_attr_edit ed = e->attr[i];
		if (ed.op == OTLP_ATTR_DELETE ||
		    spanctx_res_edit(c, n, (const char *)ed.key.p, ed.key.len) != &e->attr[i])
			continue; /* deleted, or a newer edit of the key follows */
		if ((rc = fn(arg, c, ed.key, &ed.value)) != 0)
			return rc;
	}
	return 0;
}
