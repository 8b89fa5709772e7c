/* spanctx.c: the span side of the edit overlay, by key id, and what both
 * sides share. */
#include "stages/spanctx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void spanctx_init(struct spanctx *c)
{
	spankeys_init(&c->keys);
	memset(c->sp.edit, -1, sizeof c->sp.edit);
	memset(c->sp.in, -1, sizeof c->sp.in);
	c->sp.mode = 0;
	c->sp.n_edit = 0;
	c->sp.walking = false;
}

int spanctx_key_add(struct spanctx *c, struct spanctx_key *k, bool resource, const char *s, size_t len)
{
	k->s = s;
	k->len = len;
	k->id = SPANKEYS_NONE;
	if (resource)
		return 0;
	int id = spankeys_add(&c->keys, s, len);
	if (id < 0)
		return id;
	k->id = (uint8_t)id;
	return 0;
}

void spanctx_span_undo(struct spanctx *c)
{
	struct spanctx_span *sp = &c->sp;
	/* undo only what the last span set: the tables stay all -1 between spans */
	for (uint32_t k = 0; k < sp->n_edit; k++)
		sp->edit[sp->edit_id[k]] = -1;
	if (sp->mode > 0)
		for (uint32_t i = 0; i < sp->n_in; i++)
			sp->in[sp->a[i].id] = -1;
	sp->n_edit = 0;
	sp->mode = 0;
	spankeys_span_reset(&c->keys);
}

/* The attributes from the rewriter's index (they are not one plain run). */
static int spanctx_match_index(struct spanctx *c)
{
	struct spanctx_span *sp = &c->sp;
	const struct otlp_rewrite_attr *a;
	uint32_t n;
	int rc = otlp_rewrite_span_attrs(sp->src, &a, &n);
	if (rc <= 0)
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		sp->a[i].key = a[i].key;
		sp->a[i].value = a[i].value;
		sp->a[i].start = a[i].start;
		sp->a[i].size = (uint32_t)a[i].size;
		spanctx_attr_id(sp, i, spankeys_find_cfg(&c->keys, a[i].key.p, a[i].key.len));
	}
	sp->n_in = n;
	return 1;
}

/* Matches the span's attributes to key ids (first lookup or edit of the
 * span), in one pass over the run of attribute fields every SDK writes:
 * split each KeyValue, find its key's id. Otherwise the rewriter's index;
 * without that either (too many attributes, an odd KeyValue) lookups scan
 * the raw span. */
static int spanctx_match(struct spanctx *c)
{
	struct spanctx_span *sp = &c->sp;
	const uint8_t *p, *hi;
	uint32_t n;
	if (!sp->src)
		return spanctx_match_item(c);
	int rc = otlp_rewrite_span_attr_run(sp->src, &p, &hi, &n);
	if (rc < 0)
		return rc;
	if (rc == 0 || n > OTLP_REWRITE_ATTRS_MAX)
		goto index;
	const uint8_t *q = p; /* p's address was taken: walk a copy in a register */
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *start = q++; /* the 0x42 tag */
		size_t len;
		if (*q < 0x80) { /* lengths were checked by the decode */
			len = *q++;
		} else {
			len = (size_t)(q[0] & 0x7f) | (size_t)q[1] << 7;
			q += 2;
		}
		struct otlp_bytes kv = { q, len }, key, value;
		q += len;
		if (!otlp_rewrite_kv_fast(kv, &key, &value)) {
			/* own temporaries: key and value stay in registers on the
			 * usual path (their address is not taken there) */
			struct otlp_bytes k2, v2;
			if (otlp_rewrite_kv_split(kv, &k2, &v2) < 0) {
				sp->n_in = i;
				goto index; /* undo the ids set so far; a scan says why */
			}
			key = k2;
			value = v2;
		}
		struct spanctx_attr *at = &sp->a[i];
		at->start = start;
		at->size = (uint32_t)(q - start);
		at->key = key;
		at->value = value;
		spanctx_attr_id(sp, i, spankeys_find_cfg(&c->keys, key.p, key.len));
	}
	sp->n_in = n;
	sp->mode = 1;
	return 0;
index:
	for (uint32_t i = 0; i < sp->n_in; i++)
		sp->in[sp->a[i].id] = -1;
	sp->n_in = 0;
	rc = spanctx_match_index(c);
	sp->mode = rc > 0 ? 1 : -1;
	return rc < 0 ? rc : 0;
}

static inline int spanctx_ready(struct spanctx *c)
{
	return c->sp.mode ? 0 : spanctx_match(c);
}

int spanctx_get_slow(struct spanctx *c, bool resource, const struct spanctx_key *k, struct otlp_value *v)
{
	if (resource)
		return spanctx_res_get(c, k->s, k->len, v);
	struct spanctx_span *sp = &c->sp;
	int8_t ed = sp->edit[k->id];
	if (ed >= 0) {
		const struct otlp_attr_edit *x = &c->e->attr[ed];
		if (x->op == OTLP_ATTR_DELETE)
			return 0;
		*v = x->value;
		return 1;
	}
	int rc = spanctx_ready(c);
	if (rc < 0)
		return rc;
	if (sp->mode < 0) {
		uint32_t field;
		struct otlp_bytes raw = spanctx_item_raw(c, &field);
		return otlp_wire_find_attr(raw, field, k->s, k->len, v);
	}
	int8_t i = sp->in[k->id];
	if (i < 0)
		return 0;
	rc = spanctx_value_of(sp->a[i].value, v);
	return rc < 0 ? rc : 1;
}

/* The edit list is full: drop the deletes of keys the span does not have
 * (they change nothing), so a long delete list does not crowd out the
 * edits that matter. Not during a walk, whose edit positions must hold.
 * Only here, when full: a check on every delete cost 6 % of the chain.
 * Returns how many entries it freed. */
static __attribute__((noinline)) uint32_t spanctx_compact(struct spanctx *c)
{
	struct spanctx_span *sp = &c->sp;
	struct otlp_rewrite_edits *e = c->e;
	if (sp->walking || spanctx_ready(c) < 0 || sp->mode < 0)
		return 0;
	uint32_t j = 0;
	for (uint32_t k = 0; k < e->n_attr; k++) {
		uint8_t id = sp->edit_id[k];
		if (e->attr[k].op == OTLP_ATTR_DELETE && sp->in[id] < 0) {
			sp->edit[id] = -1;
			continue;
		}
		e->attr[j] = e->attr[k];
		sp->edit_id[j] = id;
		sp->edit[id] = (int8_t)j;
		j++;
	}
	uint32_t freed = e->n_attr - j;
	e->n_attr = sp->n_edit = j;
	return freed;
}

/* Records the edit of key id (one entry an id, replaced in place). */
int spanctx_put_id(struct spanctx *c, uint8_t id, struct otlp_bytes key, const struct otlp_value *v)
{
	struct spanctx_span *sp = &c->sp;
	struct otlp_rewrite_edits *e = c->e;
	int8_t k = sp->edit[id];
	if (k < 0) {
		if (id == SPANKEYS_NONE || (e->n_attr >= OTLP_EDITS_MAX && !spanctx_compact(c))) {
			c->overflows++;
			return -ENOSPC;
		}
		k = (int8_t)e->n_attr++;
		sp->edit[id] = k;
		sp->edit_id[sp->n_edit++] = id;
		e->attr[k].key = key;
	}
	struct otlp_attr_edit *x = &e->attr[k];
	if (v) {
		x->op = OTLP_ATTR_UPSERT;
		x->value = *v;
	} else {
		x->op = OTLP_ATTR_DELETE;
		memset(&x->value, 0, sizeof x->value);
	}
	return 0;
}

int spanctx_put_bytes(struct spanctx *c, bool resource, struct otlp_bytes key, const struct otlp_value *v)
{
	if (resource)
		return spanctx_res_put(c, (const char *)key.p, key.len, v);
	int rc = spanctx_ready(c);
	if (rc < 0)
		return rc;
	uint8_t id = spankeys_find(&c->keys, key.p, key.len);
	if (id == SPANKEYS_NONE) {
		id = spankeys_span_add(&c->keys, key.p, key.len);
		if (id != SPANKEYS_NONE && c->sp.mode > 0) {
			/* every input attribute with this key takes the edit */
			struct spanctx_span *sp = &c->sp;
			for (uint32_t i = 0; i < sp->n_in; i++) {
				if (sp->a[i].id == SPANKEYS_NONE && sp->a[i].key.len == key.len &&
				    otlp_key_bytes_eq(sp->a[i].key.p, key.p, key.len))
					spanctx_attr_id(sp, i, id);
			}
		}
	}
	return spanctx_put_id(c, id, key, v);
}

void spanctx_span_end(struct spanctx *c)
{
	struct spanctx_span *sp = &c->sp;
	struct otlp_rewrite_edits *e = c->e;
	if (!e->n_attr || c->no_hints)
		return;
	/* the attributes must be matched for the hints; the rewriter would
	 * otherwise index them itself and compare every key with every edit */
	if (!sp->mode && spanctx_match(c) < 0)
		return;
	if (sp->mode < 0)
		return;
	/* the tables are not read again for this span: clear them on the way,
	 * so the next span starts without an undo pass */
	uint32_t n = 0;
	for (uint32_t i = 0; i < sp->n_in; i++) {
		uint8_t id = sp->a[i].id;
		int8_t k = sp->edit[id];
		sp->in[id] = -1;
		if (k < 0)
			continue;
		e->hint[n].start = sp->a[i].start;
		e->hint[n].size = sp->a[i].size;
		e->hint[n].edit = (uint32_t)k;
		n++;
	}
	e->n_hint = n;
	e->hinted = 1;
	for (uint32_t k = 0; k < sp->n_edit; k++)
		sp->edit[sp->edit_id[k]] = -1;
	sp->n_edit = 0;
	sp->mode = 0;
	spankeys_span_reset(&c->keys);
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

int spanctx_value_text(struct spanctx *c, const struct otlp_value *v, struct otlp_bytes *out)
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

int spanctx_get_text_slow(struct spanctx *c, const struct spanctx_key *k, struct otlp_bytes *text)
{
	struct otlp_value v;
	int rc = spanctx_get(c, false, k, &v);
	if (rc <= 0)
		return rc;
	rc = spanctx_value_str(c, &v, text);
	return rc < 0 ? rc : 1;
}

/* Is input attribute key id hidden by an edit made before the walk? */
static inline bool spanctx_hidden(const struct spanctx *c, uint8_t id, uint32_t n0)
{
	return id != SPANKEYS_NONE && c->sp.edit[id] >= 0 && (uint32_t)c->sp.edit[id] < n0;
}

static int spanctx_walk(struct spanctx *c, uint32_t n0, spanctx_attr_fn fn, void *arg);

int spanctx_each_attr(struct spanctx *c, bool resource, spanctx_attr_fn fn, void *arg)
{
	if (resource)
		return spanctx_res_each(c, fn, arg);
	const struct otlp_rewrite_edits *e = c->e;
	struct spanctx_span *sp = &c->sp;
	int rc = spanctx_ready(c);
	if (rc < 0)
		return rc;
	sp->walking = true;
	rc = spanctx_walk(c, e->n_attr, fn, arg);
	sp->walking = false;
	return rc;
}

/* spanctx_each_attr() for the span: edits [0, n0) existed before it. */
static int spanctx_walk(struct spanctx *c, uint32_t n0, spanctx_attr_fn fn, void *arg)
{
	const struct otlp_rewrite_edits *e = c->e;
	const struct spanctx_span *sp = &c->sp;
	struct otlp_value v;
	int rc;
	if (sp->mode > 0) {
		for (uint32_t i = 0; i < sp->n_in; i++) {
			if (spanctx_hidden(c, sp->a[i].id, n0))
				continue;
			if ((rc = spanctx_value_of(sp->a[i].value, &v)) < 0 ||
			    (rc = fn(arg, c, sp->a[i].key, &v)) != 0)
				return rc;
		}
	} else {
		struct otlp_wire_iter it;
		struct otlp_bytes kvb;
		uint32_t field;
		struct otlp_bytes raw = spanctx_item_raw(c, &field);
		otlp_wire_iter_init(&it, raw, field);
		while ((rc = otlp_wire_iter_next(&it, &kvb)) > 0) {
			struct otlp_kv kv;
			if ((rc = otlp_wire_kv(kvb, &kv)) < 0)
				return rc;
			if (spanctx_hidden(c, spankeys_find(&c->keys, kv.key.p, kv.key.len), n0))
				continue;
			if ((rc = fn(arg, c, kv.key, &kv.value)) != 0)
				return rc;
		}
		if (rc < 0)
			return rc;
	}
	for (uint32_t k = 0; k < n0; k++) {
		struct otlp_attr_edit ed = e->attr[k];
		if (ed.op == OTLP_ATTR_DELETE)
			continue;
		if ((rc = fn(arg, c, ed.key, &ed.value)) != 0)
			return rc;
	}
	return 0;
}
