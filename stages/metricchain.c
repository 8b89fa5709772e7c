/* metricchain.c: the chain over a ResourceMetrics. Items are data points
 * (of every type). Metric-level decisions (the legacy metric filter, OTTL
 * metric conditions) are taken once a metric, before its points; then the
 * points go through the processors in order. A metric is written as its
 * points are decided and taken back out when none is left (or when it is
 * dropped whole); a ScopeMetrics without metrics likewise.
 *
 * The legacy filter combines its two tests as the Collector's filter
 * processor does: a metric goes when its resource fails include's
 * resource_attributes or matches exclude's, or when its name fails
 * include's metric_names or matches exclude's (each test only when the
 * property is given). */
#include <errno.h>

#include "otlp/wire_metrics.h"
#include "stages/chain_item.h"
#include "stages/wform.h"

struct metric_walk {
	struct chain_item_result r;
	uint64_t metrics;	 /* metrics written */
	struct otlp_bytes scope; /* the current ScopeMetrics' scope (when needed) */
};

static uint32_t point_attr_field(enum otlp_metric_type t)
{
	switch (t) {
	case OTLP_METRIC_HISTOGRAM:
		return OTLP_F_HDP_ATTRIBUTES;
	case OTLP_METRIC_EXP_HISTOGRAM:
		return OTLP_F_EHDP_ATTRIBUTES;
	default:
		return OTLP_F_NDP_ATTRIBUTES; /* number and summary points: 7 */
	}
}

/* The legacy filter on one metric: 1 keep, 0 drop, -errno. */
static int metric_legacy(struct chain_item_proc *p, struct spanctx *ctx, const struct otlp_metric *m)
{
	const struct sluice_metric_match *inc = p->m_inc.cfg, *exc = p->m_exc.cfg;
	int rc;
	if (inc->present && inc->n_resource_attributes &&
	    (rc = itemmatch_metric_resource(&p->m_inc, ctx)) <= 0)
		return rc;
	if (exc->present && exc->n_resource_attributes &&
	    (rc = itemmatch_metric_resource(&p->m_exc, ctx)) != 0)
		return rc < 0 ? rc : 0;
	if (inc->present && inc->n_metric_names && !itemmatch_metric_name(&p->m_inc, m->name))
		return 0;
	if (exc->present && exc->n_metric_names && itemmatch_metric_name(&p->m_exc, m->name))
		return 0;
	return 1;
}

/* *cut = the first processor that drops the whole metric (c->n: none). */
static int metric_cut(struct chain_item *c, struct metric_walk *x, const struct otlp_metric *m, size_t *cut)
{
	struct spanctx *ctx = &c->ctx;
	*cut = c->n;
	for (size_t i = 0; i < c->n; i++) {
		struct chain_item_proc *p = &c->procs[i];
		int r = 1;
		ctx->res_visible = p->res_after;
		if (p->kind == CHAIN_ITEM_FILTER_METRICS) {
			r = metric_legacy(p, ctx, m);
		} else if (p->kind == CHAIN_ITEM_FILTER_OTTL && p->ottl.item.n) {
			struct chain_ottl_item it = { .c = ctx };
			ottl_access_item_init(&it.w, OTTL_CTX_METRIC, c->resource, x->scope);
			it.w.metric = m;
			r = chain_ottl_any(&p->ottl, &p->ottl.item, &it);
			r = r < 0 ? r : !r;
		}
		if (r < 0)
			return r;
		if (r == 0) {
			*cut = i;
			return 0;
		}
	}
	return 0;
}

/* The processors on one point: 1 keep, 0 drop, -errno. */
static int metric_point(struct chain_item *c, struct metric_walk *x, const struct otlp_metric *m,
			struct otlp_bytes raw, size_t cut)
{
	struct spanctx *ctx = &c->ctx;
	struct otlp_data_point dp;
	bool decoded = false;
	int rc;
	chain_item_start(c, raw, point_attr_field(m->type));
	for (size_t i = 0; i < c->n; i++) {
		struct chain_item_proc *p = &c->procs[i];
		int r = 1;
		p->in++;
		if (i == cut) {
			p->dropped++;
			return 0;
		}
		ctx->res_visible = p->res_after;
		if (p->kind == CHAIN_ITEM_ATTRIBUTES) {
			r = attrs_apply(&p->attrs, ctx) < 0 ? -EBADMSG : 1;
		} else if (p->kind == CHAIN_ITEM_FILTER_OTTL && p->ottl.sub.n) {
			if (!decoded && (rc = otlp_wire_data_point(raw, m->type, &dp)) < 0)
				return rc;
			decoded = true;
			struct chain_ottl_item it = { .c = ctx };
			ottl_access_item_init(&it.w, OTTL_CTX_DATAPOINT, c->resource, x->scope);
			it.w.metric = m;
			it.w.point = &dp;
			r = chain_ottl_any(&p->ottl, &p->ottl.sub, &it);
			r = r < 0 ? r : !r;
		}
		if (r < 0)
			return r;
		if (r == 0) {
			p->dropped++;
			return 0;
		}
		p->out++;
	}
	spanctx_span_end(ctx);
	return 1;
}

/* The metric's data message (Gauge, Sum, ...) with its points decided. */
static int metric_data(struct chain_item *c, struct wform *w, struct metric_walk *x,
		       const struct otlp_metric *m, struct otlp_bytes data, size_t cut, uint64_t *kept)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint8_t *mark;
	size_t slot = wform_vsize(data.len);
	int rc = wform_open(w, (uint32_t)m->type, slot, &mark);
	if (rc)
		return rc;
	otlp_wire_reader_init(&r, data.p, data.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_DATA_POINTS) {
			if ((rc = wform_put(w, f.start, f.size)))
				return rc;
			continue;
		}
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		x->r.in++;
		if ((rc = metric_point(c, x, m, f.b, cut)) < 0)
			return rc;
		if (rc == 0)
			continue;
		(*kept)++;
		rc = c->scratch.n_attr
			     ? wform_item(w, OTLP_F_DATA_POINTS, f.b, point_attr_field(m->type), &c->scratch)
			     : wform_put(w, f.start, f.size);
		if (rc)
			return rc;
	}
	return rc < 0 ? rc : wform_close(w, mark, slot);
}

/* Counts a metric decided as a whole: its n points reach processors up to
 * cut, where they are dropped. */
static void metric_count_whole(struct chain_item *c, uint64_t n, size_t cut)
{
	for (size_t i = 0; i < c->n && i <= cut; i++) {
		c->procs[i].in += n;
		if (i == cut)
			c->procs[i].dropped += n;
		else
			c->procs[i].out += n;
	}
}

/* One Metric field: written, or not (dropped). 1 written, 0 dropped, -errno. */
static int metric_one(struct chain_item *c, struct wform *w, struct metric_walk *x,
		      const struct otlp_wire_field *mf)
{
	struct otlp_metric m;
	size_t cut;
	int rc = otlp_wire_metric(mf->b, &m);
	if (rc < 0 || (rc = metric_cut(c, x, &m, &cut)) < 0)
		return rc;
	if (!c->point_work || m.type == OTLP_METRIC_NONE) {
		metric_count_whole(c, m.n_data_points, cut);
		x->r.in += m.n_data_points;
		if (cut < c->n)
			return 0;
		x->r.kept += m.n_data_points;
		return (rc = wform_put(w, mf->start, mf->size)) ? rc : 1;
	}
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint8_t *at = w->p, *mark;
	size_t slot = wform_vsize(mf->b.len);
	uint64_t kept = 0;
	if ((rc = wform_open(w, OTLP_F_SM_METRICS, slot, &mark)))
		return rc;
	otlp_wire_reader_init(&r, mf->b.p, mf->b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == (uint32_t)m.type && f.b.p == m.data.p) /* the data that counts */
			rc = metric_data(c, w, x, &m, f.b, cut, &kept);
		else
			rc = wform_put(w, f.start, f.size);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (!kept && (m.n_data_points || cut < c->n || c->point_filter)) {
		w->p = at; /* no point left: the metric goes */
		return 0;
	}
	x->r.kept += kept;
	return (rc = wform_close(w, mark, slot)) ? rc : 1;
}

static int metric_scope(struct chain_item *c, struct wform *w, void *arg, const uint8_t *start, size_t size,
			struct otlp_bytes body)
{
	struct metric_walk *x = arg;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint8_t *at = w->p, *mark;
	size_t slot = wform_vsize(body.len);
	uint64_t metrics = 0;
	int rc;
	(void)start;
	(void)size;
	x->scope = (struct otlp_bytes){ NULL, 0 };
	if (c->needs_scope) {
		struct otlp_scope_spans ss; /* ScopeMetrics has its shape */
		if ((rc = otlp_wire_scope_spans(body, &ss)) < 0)
			return rc;
		x->scope = ss.scope;
	}
	if ((rc = wform_open(w, OTLP_F_RM_SCOPE_METRICS, slot, &mark)))
		return rc;
	otlp_wire_reader_init(&r, body.p, body.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_SM_METRICS) {
			if ((f.num == OTLP_F_SM_SCOPE || f.num == OTLP_F_SM_SCHEMA_URL) &&
			    f.wt != OTLP_WT_LEN)
				return -EPROTO;
			if ((rc = wform_put(w, f.start, f.size)))
				return rc;
			continue;
		}
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		if ((rc = metric_one(c, w, x, &f)) < 0)
			return rc;
		metrics += (uint64_t)rc;
	}
	if (rc < 0)
		return rc;
	if (!metrics) {
		w->p = at; /* an empty ScopeMetrics is not worth sending */
		return 0;
	}
	x->metrics += metrics;
	return wform_close(w, mark, slot);
}

int64_t metricchain_run(struct chain_item *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			struct chain_item_result *res)
{
	struct metric_walk x = { 0 };
	int64_t n = chain_item_write(c, in, len, out, cap, metric_scope, &x);
	if (res)
		*res = x.r;
	if (n < 0)
		return n;
	return x.metrics ? n : 0;
}
