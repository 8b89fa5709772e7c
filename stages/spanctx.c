/* spanctx.c: the edit overlay processors read through. */
#include "stages/spanctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Newest edit of key among edits[0..n), or NULL. */
static const struct otlp_attr_edit *spanctx_find_edit(const struct otlp_rewrite_edits *e,
						      uint32_t n, const char *key, size_t klen)
{
	for (uint32_t i = n; i-- > 0;)
		if (spanctx_key_eq(e->attr[i].key, key, klen))
			return &e->attr[i];
	return NULL;
}

/* Indexes the KeyValue fields numbered field of msg: keys and value bytes. */
static void spanctx_index_build(struct spanctx_index *x, struct otlp_bytes msg, uint32_t field)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	x->n = 0;
	x->state = -1;
	x->a = x->own;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != field)
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

/* 1 found, 0 absent, -errno, or 2 "not indexed: scan". */
static int spanctx_index_find(struct spanctx_index *x, struct otlp_bytes msg, uint32_t field,
			      const char *key, size_t klen, struct otlp_value *v)
{
	if (x->state == 0) {
		/* a span: take the index its decode built (same keys and value
		 * bytes a scan finds), else scan */
		if (x->src && otlp_rewrite_span_attrs(x->src, &x->a, &x->n) == 1)
			x->state = 1;
		else
			spanctx_index_build(x, msg, field);
	}
	if (x->state < 0)
		return 2;
	const struct otlp_rewrite_attr *a = x->a;
	for (uint32_t i = 0, n = x->n; i < n; i++) {
		if (!spanctx_key_eq(a[i].key, key, klen))
			continue;
		struct otlp_bytes b = a[i].value;
		if (!b.p) { /* KeyValue without a value */
			memset(v, 0, sizeof *v);
			return 1;
		}
		/* the usual string value `0a len text`, read inline */
		if (b.len >= 2 && b.p[0] == 0x0a && b.p[1] < 0x80 && b.p[1] + 2u == b.len) {
			v->type = OTLP_VALUE_STRING;
			v->u.b.p = b.p + 2;
			v->u.b.len = b.p[1];
			return 1;
		}
		int rc = otlp_wire_anyvalue(b, v);
		return rc < 0 ? rc : 1;
	}
	return 0;
}

int spanctx_attr(struct spanctx *c, bool resource, const char *key, size_t klen,
		 struct otlp_value *v)
{
	const struct otlp_attr_edit *ed = resource
		? spanctx_find_edit(c->res, c->res_visible, key, klen)
		: spanctx_find_edit(c->e, c->e->n_attr, key, klen);
	if (ed) {
		if (ed->op == OTLP_ATTR_DELETE)
			return 0;
		*v = ed->value;
		return 1;
	}
	int rc;
	if (resource) {
		if (!c->resource.len)
			return 0;
		rc = spanctx_index_find(&c->res_idx, c->resource, OTLP_F_RESOURCE_ATTRIBUTES,
					key, klen, v);
		return rc != 2 ? rc
			: otlp_wire_find_attr(c->resource, OTLP_F_RESOURCE_ATTRIBUTES, key, klen, v);
	}
	rc = spanctx_index_find(&c->span_idx, c->span->raw, OTLP_F_SPAN_ATTRIBUTES, key, klen, v);
	return rc != 2 ? rc : otlp_wire_find_attr(c->span->raw, OTLP_F_SPAN_ATTRIBUTES, key, klen, v);
}

struct otlp_bytes spanctx_name(const struct spanctx *c)
{
	struct otlp_bytes n = c->e->rename ? c->e->name : c->span->name;
	if (!n.p) /* absent name: an empty view that is safe to read */
		n.p = (const uint8_t *)"";
	return n;
}

static int spanctx_record(struct spanctx *c, bool resource, enum otlp_attr_op op,
			  const char *key, size_t klen, const struct otlp_value *v)
{
	struct otlp_rewrite_edits *e = resource ? c->res : c->e;
	struct otlp_attr_edit *slot = NULL;
	if (!resource) /* span edits: one entry a key, replaced in place */
		slot = (struct otlp_attr_edit *)spanctx_find_edit(e, e->n_attr, key, klen);
	if (!slot) {
		if (e->n_attr >= OTLP_EDITS_MAX) {
			c->overflows++;
			return -ENOSPC;
		}
		slot = &e->attr[e->n_attr++];
	}
	slot->op = op;
	slot->key.p = (const uint8_t *)key;
	slot->key.len = klen;
	if (v)
		slot->value = *v;
	else
		memset(&slot->value, 0, sizeof slot->value);
	if (resource) /* the processor making the edit sees it from now on */
		c->res_visible = e->n_attr;
	return 0;
}

int spanctx_set(struct spanctx *c, bool resource, const char *key, size_t klen,
		const struct otlp_value *v)
{
	return spanctx_record(c, resource, OTLP_ATTR_UPSERT, key, klen, v);
}

int spanctx_del(struct spanctx *c, bool resource, const char *key, size_t klen)
{
	return spanctx_record(c, resource, OTLP_ATTR_DELETE, key, klen, NULL);
}

int spanctx_rename(struct spanctx *c, const uint8_t *name, size_t len)
{
	c->e->rename = 1;
	c->e->name.p = name;
	c->e->name.len = len;
	return 0;
}

uint8_t *spanctx_alloc(struct spanctx *c, size_t n)
{
	if (n > c->cap - c->used)
		return NULL;
	uint8_t *p = c->buf + c->used;
	c->used += n;
	return p;
}

/* Shortest %g text that reads back as the same double. */
static int spanctx_double_text(double d, char *out, size_t size)
{
	int n = 0;
	for (int prec = 1; prec <= 17; prec++) {
		n = snprintf(out, size, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	return n;
}

int spanctx_value_str(struct spanctx *c, const struct otlp_value *v, struct otlp_bytes *out)
{
	char tmp[40];
	int n;
	switch (v->type) {
	case OTLP_VALUE_STRING:
		*out = v->u.b;
		return 0;
	case OTLP_VALUE_INT:
		n = snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
		break;
	case OTLP_VALUE_DOUBLE:
		n = spanctx_double_text(v->u.d, tmp, sizeof tmp);
		break;
	case OTLP_VALUE_BOOL:
		n = snprintf(tmp, sizeof tmp, "%s", v->u.boolean ? "true" : "false");
		break;
	default:
		return -ENOTSUP;
	}
	uint8_t *p = spanctx_alloc(c, (size_t)n);
	if (!p)
		return -ENOSPC;
	memcpy(p, tmp, (size_t)n);
	out->p = p;
	out->len = (size_t)n;
	return 0;
}

int spanctx_each_attr(struct spanctx *c, bool resource, spanctx_attr_fn fn, void *arg)
{
	const struct otlp_rewrite_edits *e = resource ? c->res : c->e;
	uint32_t n = resource ? c->res_visible : e->n_attr;
	struct otlp_bytes msg = resource ? c->resource : c->span->raw;
	uint32_t field = resource ? OTLP_F_RESOURCE_ATTRIBUTES : OTLP_F_SPAN_ATTRIBUTES;
	int rc;
	if (msg.len) {
		struct otlp_wire_iter it;
		struct otlp_bytes kvb;
		otlp_wire_iter_init(&it, msg, field);
		while ((rc = otlp_wire_iter_next(&it, &kvb)) > 0) {
			struct otlp_kv kv;
			if ((rc = otlp_wire_kv(kvb, &kv)) < 0)
				return rc;
			if (spanctx_find_edit(e, n, (const char *)kv.key.p, kv.key.len))
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
		    spanctx_find_edit(e, n, (const char *)ed.key.p, ed.key.len) != &e->attr[i])
			continue; /* deleted, or a newer edit of the key follows */
		if ((rc = fn(arg, c, ed.key, &ed.value)) != 0)
			return rc;
	}
	return 0;
}
