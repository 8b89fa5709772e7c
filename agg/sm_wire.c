/* agg/sm_wire.c: agg_add_wire: the spans of a ResourceSpans counted from
 * their wire bytes, as the process stage has them (a chain's output).
 *
 * The resource once (agg_resource, then the part of every key the
 * resource decides: the service component and, per dimension, what a span
 * without it gets), then each span read in one pass (sm_scan.c), its key
 * written from the bytes read, hashed, looked up in groups. A full decode
 * of each span and a second walk over its attributes cost 3x the
 * aggregation itself in the process stage (perf, docs/bench/agg.md).
 * The keys are exactly build_key's (sm_apply.c) for the same span:
 * test_spanmetrics_wire and fuzz_agg_wire compare the two paths. */
#include <errno.h>
#include <string.h>

#include "agg/sm_scan.h"

#define WIRE_GROUP 16 /* spans whose index lookups overlap (agg_add_many's AGG_BATCH) */

/* len bytes of a key component (short: names, values) without a call:
 * 8-byte words, the last one overlapping. */
static inline void copy_short(uint8_t *d, const uint8_t *s, size_t len)
{
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8)
			memcpy(d + i, s + i, 8);
		memcpy(d + len - 8, s + len - 8, 8);
	} else if (len >= 4) {
		memcpy(d, s, 4);
		memcpy(d + len - 4, s + len - 4, 4);
	} else if (len) {
		d[0] = s[0];
		d[len / 2] = s[len / 2];
		d[len - 1] = s[len - 1];
	}
}

/* The last 8 bytes of two keys of length n equal (or n < 8): keys that
 * differ from the previous span's mostly differ there (the name's end,
 * kind, status, dimension values), so the memcmp call is mostly not made
 * (it was 7 % of the process stage with agg_add_spans: docs/bench/agg.md,
 * "The chain's facts"). */
static inline int same_tail(const uint8_t *x, const uint8_t *y, size_t n)
{
	uint64_t u, v;
	if (n < 8)
		return 1;
	memcpy(&u, x + n - 8, 8);
	memcpy(&v, y + n - 8, 8);
	return u == v;
}

static inline void put_len(uint8_t *k, size_t len)
{
	k[0] = (uint8_t)len;
	k[1] = (uint8_t)(len >> 8);
}

/* A one-byte key part (kind, status code), or "absent" when excluded;
 * returns the bytes written. */
static inline size_t put_byte(uint8_t *k, unsigned excluded, uint8_t v)
{
	if (excluded) {
		put_len(k, SM_ABSENT);
		return 2;
	}
	put_len(k, 1);
	k[2] = v;
	return 3;
}

/* What build_key takes from the resource, once a resource: the service
 * component, and per dimension the component a span without it gets,
 * with the room build_key checks for it (13 + payload for a value, 2 for
 * absent; a component that can never fit is left unwritten). */
static void wire_prep(struct agg *a)
{
	uint32_t cap = a->h->key_cap;
	uint8_t *pre = a->wfb + AGG_DIMS_MAX * SM_WFB(cap);
	const struct otlp_bytes *sv = &a->rc.service;

	a->wpre_over = 0;
	a->wfb_len[AGG_DIMS_MAX] = 0;
	if (a->p.exclude & AGG_EXCLUDE_SERVICE_NAME) {
		a->wpre_over = 2 > cap;
		put_len(pre, SM_ABSENT);
		a->wfb_len[AGG_DIMS_MAX] = 2;
	} else if (2 + sv->len > cap) {
		a->wpre_over = 1;
	} else {
		put_len(pre, sv->len);
		if (sv->len)
			memcpy(pre + 2, sv->p, sv->len);
		a->wfb_len[AGG_DIMS_MAX] = 2 + (uint32_t)sv->len;
	}
	for (uint32_t i = 0; i < a->p.n_dims; i++) {
		uint8_t *d = a->wfb + i * SM_WFB(cap);
		const struct otlp_value *v = NULL;
		if (a->rc.dims_present >> i & 1)
			v = &a->rc.dim[i];
		else if (a->dim_default[i].type == OTLP_VALUE_STRING)
			v = &a->dim_default[i];
		a->wfb_len[i] = 0;
		if (!v) {
			put_len(d, SM_ABSENT);
			a->wfb_len[i] = 2;
			a->wfb_room[i] = 2;
			continue;
		}
		size_t room = v->type == OTLP_VALUE_STRING || v->type >= OTLP_VALUE_ARRAY ? v->u.b.len : 0;
		a->wfb_room[i] = room > cap ? cap + 1 : 13 + (uint32_t)room;
		if (a->wfb_room[i] <= cap) {
			size_t len = sm_anyvalue_put(d + 2, v);
			put_len(d, len);
			a->wfb_len[i] = 2 + (uint32_t)len;
		}
	}
}

/* The series key of span w in k (key_cap bytes), as build_key makes it
 * for the same span; its length, or -1 when it is longer. */
static long wire_key(const struct agg *a, const struct sm_wspan *w, int32_t status, uint8_t *k)
{
	size_t n, cap = a->h->key_cap;
	uint32_t ex = a->p.exclude;
	uint8_t kind = w->kind >= 0 && w->kind <= 5 ? (uint8_t)w->kind : 6;
	uint8_t st = status >= 0 && status <= 2 ? (uint8_t)status : 3;

	if (a->wpre_over)
		return -1;
	n = a->wfb_len[AGG_DIMS_MAX];
	copy_short(k, a->wfb + AGG_DIMS_MAX * SM_WFB(cap), n);
	if (ex & AGG_EXCLUDE_SPAN_NAME) {
		if (n + 2 > cap)
			return -1;
		put_len(k + n, SM_ABSENT);
		n += 2;
	} else {
		if (n + 2 + w->name.len > cap)
			return -1;
		put_len(k + n, w->name.len);
		copy_short(k + n + 2, w->name.p, w->name.len);
		n += 2 + w->name.len;
	}
	if (n + (ex & AGG_EXCLUDE_SPAN_KIND ? 2 : 3) + (ex & AGG_EXCLUDE_STATUS_CODE ? 2 : 3) > cap)
		return -1;
	n += put_byte(k + n, ex & AGG_EXCLUDE_SPAN_KIND, kind);
	n += put_byte(k + n, ex & AGG_EXCLUDE_STATUS_CODE, st);
	for (uint32_t i = 0; i < a->p.n_dims; i++) {
		if (!(w->present >> i & 1)) { /* the resource's, the default, or absent */
			if (n + a->wfb_room[i] > cap)
				return -1;
			copy_short(k + n, a->wfb + i * SM_WFB(cap), a->wfb_len[i]);
			n += a->wfb_len[i];
			continue;
		}
		const struct sm_wdim *d = &w->dim[i];
		if (n + 13 + (size_t)d->room > cap)
			return -1;
		size_t len = d->len;
		if (d->raw)
			copy_short(k + n + 2, d->p, len);
		else
			len = sm_anyvalue_put(k + n + 2, &d->v);
		put_len(k + n, len);
		n += 2 + len;
	}
	return (long)n;
}

/* Spans read, keyed and hashed, waiting for their lookups (their index
 * entries asked for: the misses of a group overlap). */
struct wgroup {
	uint32_t n;
	uint32_t last;	/* the kchunk slot of the previous span's key */
	long last_klen; /* -2: none */
	uint64_t last_h1, last_h2;
	struct {
		long klen;
		uint64_t h1, h2, start, end;
		const uint8_t *tid, *sid;
	} s[WIRE_GROUP];
};

static int group_run(struct agg *a, struct wgroup *g)
{
	uint32_t cap = a->h->key_cap, n = g->n;
	g->n = 0;
	for (uint32_t j = 0; j < n; j++) {
		int rc = sm_admit(a);
		if (rc < 0)
			return rc;
		if (rc == 0)
			continue;
		uint32_t pi = sm_find_series(a, a->kchunk + (size_t)j * cap, g->s[j].klen, g->s[j].h1,
					     g->s[j].h2);
		if (pi == UINT32_MAX)
			return -ENOSPC;
		sm_update(a, pi, g->s[j].start, g->s[j].end, g->s[j].tid, g->s[j].sid);
	}
	return 0;
}

/* A span read (w, its status code): keyed, hashed, its index entry asked
 * for, and queued; the group runs when full. 0 or -errno. */
static int add_read(struct agg *a, struct wgroup *g, const struct sm_wspan *w, int32_t code, int64_t *n)
{
	uint32_t j = g->n++;
	uint8_t *k = a->kchunk + (size_t)j * a->h->key_cap;
	long kl = wire_key(a, w, code, k);
	g->s[j].klen = kl;
	g->s[j].h2 = 0;
	g->s[j].h1 = 0;
	/* spans of one series often come in a row: the same key bytes
	 * as the span before need no hash (kept for the next one) */
	const uint8_t *pk = a->kchunk + (size_t)g->last * a->h->key_cap;
	if (kl >= 0 && kl == g->last_klen && same_tail(k, pk, (size_t)kl) && !memcmp(k, pk, (size_t)kl)) {
		g->s[j].h1 = g->last_h1;
		g->s[j].h2 = g->last_h2;
	} else if (kl >= 0) {
		g->s[j].h1 = agg_hash128(k, (size_t)kl, a->rc.seed, &g->s[j].h2);
	}
	g->last = j;
	g->last_klen = kl;
	g->last_h1 = g->s[j].h1;
	g->last_h2 = g->s[j].h2;
	__builtin_prefetch(&a->ix[(uint32_t)g->s[j].h1 & a->ix_mask]);
	g->s[j].start = w->start;
	g->s[j].end = w->end;
	g->s[j].tid = w->tid.len == 16 ? w->tid.p : NULL;
	g->s[j].sid = w->sid.len == 8 ? w->sid.p : NULL;
	++*n;
	return g->n == WIRE_GROUP ? group_run(a, g) : 0;
}

/* The spans of one ScopeSpans; *n counts those read. 0 or -errno. */
static int add_scope(struct agg *a, struct otlp_bytes scope, struct wgroup *g, struct sm_wspan *w, int64_t *n)
{
	struct otlp_wire_iter it;
	struct otlp_bytes span;
	int rc;

	otlp_wire_iter_init(&it, scope, OTLP_F_SS_SPANS);
	while ((rc = otlp_wire_iter_next(&it, &span)) > 0) {
		int32_t code;
		if (sm_scan_span(a, span.p, span.p + span.len, w, &code) < 0)
			continue; /* a span it cannot read is not counted */
		if ((rc = add_read(a, g, w, code, n)) < 0)
			return rc;
	}
	return rc;
}

/* The resource of rs for the spans that follow: 0, 1 (no service.name:
 * nothing of it is counted) or -errno. */
static int wire_resource(struct agg *a, struct otlp_bytes rs, struct wgroup *g)
{
	struct otlp_resource_spans r;
	int rc;

	if (!a->open)
		return -EINVAL;
	if ((rc = otlp_wire_resource_spans(rs, &r)) < 0)
		return rc;
	if ((rc = agg_resource(a, r.resource)) != 0)
		return rc < 0 ? rc : 1; /* no service.name: the Collector does not count these either */
	wire_prep(a);
	g->n = 0;
	g->last_klen = -2;
	return 0;
}

/* Span f read into w as sm_scan_span would: its dimensions from its
 * attribute run (the whole span where that is not known), the rest from
 * the fact. 0, or -errno when sm_scan_span would not count it. */
static int fact_span(const struct agg *a, const struct agg_span_fact *f, struct sm_wspan *w, int32_t *code)
{
	w->present = 0;
	if (a->p.n_dims) {
		int rc = f->attrs ? sm_scan_attr_run(a, f->attrs, f->attrs_end, w) : -EAGAIN;
		if (rc == -EAGAIN)
			return sm_scan_span(a, f->raw, f->raw + f->raw_len, w, code);
		if (rc < 0)
			return rc;
	}
	w->name = (struct otlp_bytes){ f->name, f->name_len };
	w->kind = f->kind;
	w->start = f->start;
	w->end = f->end;
	w->tid = (struct otlp_bytes){ f->trace_id, f->trace_id ? 16 : 0 };
	w->sid = (struct otlp_bytes){ f->span_id, f->span_id ? 8 : 0 };
	return sm_status_code((struct otlp_bytes){ f->status, f->status_len }, f->has_status, code);
}

int64_t agg_add_spans(struct agg *a, struct otlp_bytes rs, const struct agg_span_fact *f, uint32_t n_spans)
{
	struct wgroup g;
	struct sm_wspan w;
	int64_t n = 0;
	int rc;

	if ((rc = wire_resource(a, rs, &g)) != 0)
		return rc < 0 ? rc : 0;
	for (uint32_t i = 0; i < n_spans && rc == 0; i++) {
		int32_t code;
		if (fact_span(a, &f[i], &w, &code) == 0) /* a span it cannot read is not counted */
			rc = add_read(a, &g, &w, code, &n);
	}
	int grc = group_run(a, &g);
	if (rc < 0)
		return rc;
	return grc < 0 ? grc : n;
}

int64_t agg_add_wire(struct agg *a, struct otlp_bytes rs)
{
	struct otlp_wire_iter it;
	struct otlp_bytes scope;
	struct wgroup g;
	struct sm_wspan w;
	int64_t n = 0;
	int rc, k = 0;

	if ((rc = wire_resource(a, rs, &g)) != 0)
		return rc < 0 ? rc : 0;
	otlp_wire_iter_init(&it, rs, OTLP_F_RS_SCOPE_SPANS);
	while ((rc = otlp_wire_iter_next(&it, &scope)) > 0 && (k = add_scope(a, scope, &g, &w, &n)) == 0)
		;
	/* the spans read before an error count, as agg_add would have them */
	int grc = group_run(a, &g);
	if (rc < 0 || (rc > 0 && k < 0))
		return rc < 0 ? rc : k;
	return grc < 0 ? grc : n;
}
