/* chain.c: one record through the processors, via one rewrite pass. */
#include "stages/chain.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int chain_proc_init(struct chain_proc *p, const struct sluice_processor *cfg, struct spanctx *ctx,
			   char *err, size_t errlen)
{
	p->cfg = cfg;
	p->type = cfg->type;
	switch (cfg->type) {
	case SLUICE_PROC_FILTER: {
		if (chain_ottl_present(&cfg->filter, SLUICE_SIGNAL_TRACES)) {
			p->type = (enum sluice_processor_type)CHAIN_PROC_FILTER_OTTL;
			return chain_ottl_init(&p->ottl, cfg, SLUICE_SIGNAL_TRACES, ctx, err, errlen);
		}
		int rc = matchprops_compile(&p->include, &cfg->filter.include, ctx, err, errlen);
		return rc ? rc : matchprops_compile(&p->exclude, &cfg->filter.exclude, ctx, err, errlen);
	}
	case SLUICE_PROC_PROBABILISTIC_SAMPLER:
		if (sampler_init(&p->sampler, cfg->sampler.sampling_percentage, cfg->sampler.hash_seed) < 0) {
			snprintf(err, errlen, "bad sampling_percentage");
			return -EINVAL;
		}
		return 0;
	case SLUICE_PROC_ATTRIBUTES:
	case SLUICE_PROC_RESOURCE:
		return attrs_init(&p->attrs, &cfg->attributes, cfg->type == SLUICE_PROC_RESOURCE, ctx, err,
				  errlen);
	case SLUICE_PROC_SPAN:
		return spanproc_init(&p->span, &cfg->span, ctx, err, errlen);
	default:
		snprintf(err, errlen, "processor type %d does not run in the process stage", (int)cfg->type);
		return -EINVAL;
	}
}

static bool match_reads_heads(const struct sluice_match *m)
{
	return !m->present || (m->n_attributes == 0 && m->status_codes == 0);
}

/* Whether p reads nothing of a span but its fields 1-8 (ids, name, kind,
 * times): then chain_run may decode only those. */
static bool proc_reads_heads(const struct chain_proc *p)
{
	switch ((int)p->type) {
	case SLUICE_PROC_FILTER: /* not OTTL: that is CHAIN_PROC_FILTER_OTTL */
		return match_reads_heads(&p->cfg->filter.include) &&
		       match_reads_heads(&p->cfg->filter.exclude);
	case SLUICE_PROC_PROBABILISTIC_SAMPLER: /* the trace id */
	case SLUICE_PROC_RESOURCE:		/* the resource, once a record */
		return true;
	default:
		return false;
	}
}

static void chain_proc_free(struct chain_proc *p)
{
	matchprops_free(&p->include);
	matchprops_free(&p->exclude);
	attrs_free(&p->attrs);
	spanproc_free(&p->span);
	chain_ottl_free(&p->ottl);
}

struct chain *chain_new(const struct sluice_processor *const *procs, size_t n, char *err, size_t errlen)
{
	if (n > CONFIG_MAX_PROCESSORS) {
		snprintf(err, errlen, "more than %d processors", CONFIG_MAX_PROCESSORS);
		return NULL;
	}
	struct chain *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	spanctx_init(&c->ctx);
	c->ctx.buf = c->buf;
	c->ctx.cap = sizeof c->buf;
	c->ctx.res = &c->res_edits;
	c->ctx.e = &c->scratch;
	for (size_t i = 0; i < n; i++) {
		char why[256];
		c->n = i + 1;
		if (chain_proc_init(&c->procs[i], procs[i], &c->ctx, why, sizeof why) < 0) {
			snprintf(err, errlen, "processor %s: %s", procs[i]->id, why);
			chain_free(c);
			return NULL;
		}
	}
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		if (c->procs[i].type != CHAIN_PROC_FILTER_OTTL)
			continue;
		c->needs_scope |= c->procs[i].ottl.needs_scope;
		c->has_events |= c->procs[i].ottl.sub.n > 0;
	}
	if (c->has_events && chain_events_init(&c->events) < 0) {
		snprintf(err, errlen, "out of memory");
		chain_free(c);
		return NULL;
	}
	c->heads_ok = true;
	for (size_t i = 0; i < n; i++)
		c->heads_ok &= proc_reads_heads(&c->procs[i]);
	c->first_sampler = -1;
	for (size_t i = 0; i < n && c->first_sampler < 0; i++)
		if (c->procs[i].type == SLUICE_PROC_PROBABILISTIC_SAMPLER)
			c->first_sampler = (int)i;
	return c;
}

void chain_free(struct chain *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		chain_proc_free(&c->procs[i]);
	chain_events_free(&c->events);
	free(c);
}

int chain_bind_stats(struct chain *c, struct stage_stats *st)
{
	int rc = 0;
	for (size_t i = 0; i < c->n; i++) {
		c->procs[i].slot = stats_proc_slot(st, c->procs[i].cfg->id);
		if (!c->procs[i].slot)
			rc = -ENOSPC;
	}
	return rc;
}

void chain_bind_components(struct chain *c, struct seg_component *const *comp)
{
	for (size_t i = 0; i < c->n; i++)
		c->procs[i].comp = comp[i];
}

void chain_flush_stats(struct chain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct chain_proc *p = &c->procs[i];
		p->total_in += p->in;
		p->total_out += p->out;
		p->total_dropped += p->dropped;
		if (p->slot) {
			atomic_fetch_add_explicit(&p->slot->in, p->in, memory_order_relaxed);
			atomic_fetch_add_explicit(&p->slot->out, p->out, memory_order_relaxed);
			atomic_fetch_add_explicit(&p->slot->dropped, p->dropped, memory_order_relaxed);
		}
		if (p->comp) {
			seg_component_add(p->comp, SEG_C_IN, p->in);
			seg_component_add(p->comp, SEG_C_OUT, p->out);
			seg_component_add(p->comp, SEG_C_DROPPED, p->dropped);
		}
		p->in = p->out = p->dropped = 0;
	}
}

/* 1 keep, 0 drop, <0 error. */
static int chain_filter(struct chain_proc *p, struct spanctx *ctx)
{
	int rc;
	if (p->include.cfg && p->include.cfg->present) {
		if ((rc = matchprops_match(&p->include, ctx)) <= 0)
			return rc;
	}
	if (p->exclude.cfg && p->exclude.cfg->present) {
		if ((rc = matchprops_match(&p->exclude, ctx)) != 0)
			return rc < 0 ? rc : 0;
	}
	return 1;
}

/* The scope of span number index of the record (spans come in order). */
static struct otlp_bytes chain_scope_of(struct chain *c, uint32_t index)
{
	while (index >= c->scope_end) {
		struct otlp_bytes ssb;
		struct otlp_scope_spans ss;
		if (otlp_wire_iter_next(&c->scope_it, &ssb) <= 0 || otlp_wire_scope_spans(ssb, &ss) < 0) {
			c->scope_end = UINT32_MAX; /* the rewriter reports what does not frame */
			c->scope_cur = (struct otlp_bytes){ NULL, 0 };
			break;
		}
		c->scope_cur = ss.scope;
		c->scope_end += ss.n_spans;
	}
	return c->scope_cur;
}

/* A filter's OTTL conditions on the span (1 keep, 0 drop, -errno), and
 * its spanevent conditions on each event (noted for chain_events_apply). */
static __attribute__((noinline)) int chain_filter_ottl(struct chain *c, struct chain_proc *p,
						       const struct otlp_rewrite_span_ctx *rc)
{
	struct spanctx *ctx = &c->ctx;
	struct chain_ottl_item it = { .c = ctx };
	struct otlp_bytes scope = c->needs_scope ? chain_scope_of(c, rc->index)
						 : (struct otlp_bytes){ NULL, 0 };
	int r;
	ottl_access_item_init(&it.w, OTTL_CTX_SPAN, ctx->resource, scope);
	it.w.span = ctx->span;
	if (p->ottl.item.n && (r = chain_ottl_any(&p->ottl, &p->ottl.item, &it)) != 0)
		return r < 0 ? r : 0;
	if (!p->ottl.sub.n || !ctx->span->n_events)
		return 1;
	struct otlp_wire_iter ei;
	struct otlp_event ev;
	uint32_t i = 0;
	it.w.ctx = OTTL_CTX_SPANEVENT;
	it.w.event = &ev;
	otlp_wire_iter_init(&ei, ctx->span->raw, OTLP_F_SPAN_EVENTS);
	while ((r = otlp_wire_iter_next(&ei, &it.w.event_raw)) > 0) {
		if (!chain_events_marked(&c->events, i)) {
			if ((r = otlp_wire_event(it.w.event_raw, &ev)) < 0 ||
			    (r = chain_ottl_any(&p->ottl, &p->ottl.sub, &it)) < 0)
				return r;
			if (r)
				chain_events_mark(&c->events, i);
		}
		i++;
	}
	return r < 0 ? r : 1;
}

/* A kept span's fact, as the decode read it, with its attribute run. */
static void collect(struct chain_facts *f, const struct otlp_rewrite_span_ctx *rc, const struct otlp_span *sp)
{
	const uint8_t *lo, *hi;
	uint32_t n_attr;

	if (f->n == f->cap) {
		f->lost = true;
		return;
	}
	if (otlp_rewrite_span_attr_run(rc, &lo, &hi, &n_attr) != 1)
		lo = hi = NULL;
	f->f[f->n++] = agg_span_fact_of(sp, lo, hi);
}

bool chain_keeps_span_fields(const struct chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		switch ((int)c->procs[i].type) {
		case SLUICE_PROC_FILTER:
		case CHAIN_PROC_FILTER_OTTL:
		case SLUICE_PROC_PROBABILISTIC_SAMPLER:
		case SLUICE_PROC_ATTRIBUTES: /* attributes only */
		case SLUICE_PROC_RESOURCE:   /* the resource only */
			break;
		default: /* span renames; anything new: not known to keep them */
			return false;
		}
	return true;
}

bool chain_keeps_span_attrs(const struct chain *c)
{
	if (!chain_keeps_span_fields(c))
		return false;
	for (size_t i = 0; i < c->n; i++)
		if (c->procs[i].type == SLUICE_PROC_ATTRIBUTES)
			return false;
	return true;
}

void chain_collect(struct chain *c, struct chain_facts *f)
{
	c->facts = f;
	if (f)
		f->attrs_exact = chain_keeps_span_attrs(c);
}

static int chain_span_cb(void *arg, const struct otlp_rewrite_span_ctx *rc, struct otlp_rewrite_edits *e)
{
	struct chain *c = arg;
	struct spanctx *ctx = &c->ctx;
	/* every processor reads something of the span: decode it up front; the
	 * same scan finds its attributes, so lookups need no scan of their own.
	 * When none reads past field 8 and the input says those come first,
	 * the attributes are not walked: on the benchmark's spans that walk
	 * was two thirds of the decode (docs/design-notes.md "Record
	 * checksums") */
	int drc = c->heads_only ? otlp_rewrite_span_head(rc, &ctx->span) : otlp_rewrite_span(rc, &ctx->span);
	if (drc < 0)
		return drc;
	spanctx_span_begin(ctx, rc, e);
	ctx->used = c->res_mark;
	if (c->has_events)
		chain_events_span(&c->events);
	/* the sampler's answer depends on the trace id alone: ask for it before
	 * the processors in front of it run, so that its hash (16 dependent
	 * multiplies) overlaps their work instead of following it */
	int sampled = 1;
	if (c->first_sampler >= 0)
		sampled = sampler_keep(&c->procs[c->first_sampler].sampler, ctx->span->trace_id.p,
				       ctx->span->trace_id.len);
	for (size_t i = 0; i < c->n; i++) {
		struct chain_proc *p = &c->procs[i];
		int r = 0;
		p->in++;
		ctx->res_visible = p->res_after;
		switch ((int)p->type) { /* CHAIN_PROC_FILTER_OTTL is not a config type */
		case SLUICE_PROC_FILTER:
			r = chain_filter(p, ctx);
			break;
		case SLUICE_PROC_PROBABILISTIC_SAMPLER:
			r = (int)i == c->first_sampler ? sampled
						       : sampler_keep(&p->sampler, ctx->span->trace_id.p,
								      ctx->span->trace_id.len);
			break;
		case SLUICE_PROC_ATTRIBUTES:
			r = attrs_apply(&p->attrs, ctx) < 0 ? -EBADMSG : 1;
			break;
		case SLUICE_PROC_SPAN:
			r = spanproc_apply(&p->span, ctx) < 0 ? -EBADMSG : 1;
			break;
		case CHAIN_PROC_FILTER_OTTL:
			r = chain_filter_ottl(c, p, rc);
			break;
		default: /* resource: done once for the record */
			r = 1;
			break;
		}
		if (r < 0)
			return r;
		if (r == 0) {
			p->dropped++;
			if (c->has_events)
				chain_events_drop(&c->events);
			return OTLP_REWRITE_DROP;
		}
		p->out++;
	}
	spanctx_span_end(ctx);
	if (c->has_events)
		chain_events_keep(&c->events);
	if (c->facts)
		collect(c->facts, rc, ctx->span);
	return OTLP_REWRITE_KEEP;
}

int64_t chain_run(struct chain *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
		  struct otlp_rewrite_result *res, bool heads_first)
{
	struct otlp_resource_spans rs;
	struct otlp_bytes msg = { in, len };
	int rc = otlp_wire_resource_spans(msg, &rs);
	if (rc < 0)
		return rc;
	struct spanctx *ctx = &c->ctx;
	c->heads_only = heads_first && c->heads_ok && !c->facts && !c->has_events;
	if (c->facts) {
		c->facts->n = 0;
		c->facts->lost = false;
	}
	otlp_rewrite_edits_reset(&c->res_edits);
	ctx->resource = rs.has_resource ? rs.resource : (struct otlp_bytes){ NULL, 0 };
	ctx->span = NULL;
	spanctx_res_forget(ctx);
	ctx->e = &c->scratch;
	otlp_rewrite_edits_reset(&c->scratch);
	ctx->used = 0;
	/* resource processors first, in order; each later processor sees the
	 * resource edits made before it */
	for (size_t i = 0; i < c->n; i++) {
		struct chain_proc *p = &c->procs[i];
		matchprops_new_record(&p->include);
		matchprops_new_record(&p->exclude);
		matchprops_new_record(&p->attrs.include);
		matchprops_new_record(&p->attrs.exclude);
		matchprops_new_record(&p->span.include);
		matchprops_new_record(&p->span.exclude);
		if (p->type == SLUICE_PROC_RESOURCE) {
			ctx->res_visible = c->res_edits.n_attr;
			if ((rc = attrs_apply(&p->attrs, ctx)) < 0)
				return rc;
		}
		p->res_after = c->res_edits.n_attr;
	}
	c->res_mark = ctx->used;
	if (c->needs_scope) {
		otlp_wire_iter_init(&c->scope_it, msg, OTLP_F_RS_SCOPE_SPANS);
		c->scope_end = 0;
		c->scope_cur = (struct otlp_bytes){ NULL, 0 };
	}
	if (c->has_events)
		chain_events_record(&c->events);
	int64_t n = otlp_rewrite_resource_spans(in, len, out, cap, c->res_edits.n_attr ? &c->res_edits : NULL,
						chain_span_cb, c, &c->scratch, res);
	if (n > 0 && c->has_events && c->events.n) {
		n = chain_events_apply(&c->events, out, (size_t)n);
		if (res && n >= 0) {
			res->len = (size_t)n;
			res->edits++;
		}
	}
	return n;
}
