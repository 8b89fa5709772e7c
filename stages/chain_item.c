/* chain_item.c: building the log / metric chain, its counters, and the
 * record-level part of a run (resource phase, top-level fields). */
#include "stages/chain_item.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/wform.h"

static int refuse(char *err, size_t errlen, const char *why, enum sluice_signal s)
{
	snprintf(err, errlen, why, config_signal_name(s));
	return -EINVAL;
}

static int init_filter(struct chain_item *c, struct chain_item_proc *p, char *err, size_t errlen)
{
	const struct sluice_filter *f = &p->cfg->filter;
	int rc;
	if (chain_ottl_present(f, c->signal)) {
		p->kind = CHAIN_ITEM_FILTER_OTTL;
		if ((rc = chain_ottl_init(&p->ottl, p->cfg, c->signal, &c->ctx, err, errlen)) < 0)
			return rc;
		c->needs_decode = true;
		c->needs_scope |= p->ottl.needs_scope;
		if (p->ottl.sub.n)
			c->point_work = c->point_filter = true;
		return 0;
	}
	if (c->signal == SLUICE_SIGNAL_LOGS) {
		if (!f->logs_include.present && !f->logs_exclude.present)
			return 0; /* nothing for logs: passes */
		p->kind = CHAIN_ITEM_FILTER_LOGS;
		c->needs_decode = true;
		rc = itemmatch_log_compile(&p->log_inc, &f->logs_include, &c->ctx, err, errlen);
		return rc ? rc : itemmatch_log_compile(&p->log_exc, &f->logs_exclude, &c->ctx, err, errlen);
	}
	if (!f->metrics_include.present && !f->metrics_exclude.present)
		return 0;
	p->kind = CHAIN_ITEM_FILTER_METRICS;
	rc = itemmatch_metric_compile(&p->m_inc, &f->metrics_include, &c->ctx, err, errlen);
	return rc ? rc : itemmatch_metric_compile(&p->m_exc, &f->metrics_exclude, &c->ctx, err, errlen);
}

static int init_sampler(struct chain_item *c, struct chain_item_proc *p, char *err, size_t errlen)
{
	const struct sluice_sampler *s = &p->cfg->sampler;
	if (c->signal != SLUICE_SIGNAL_LOGS)
		return refuse(err, errlen, "probabilistic_sampler cannot serve %s (traces and logs only)",
			      c->signal);
	if (sampler_init(&p->sampler, s->sampling_percentage, s->hash_seed) < 0) {
		snprintf(err, errlen, "bad sampling_percentage");
		return -EINVAL;
	}
	p->kind = CHAIN_ITEM_SAMPLER;
	p->fail_closed = s->fail_closed;
	p->by_attr = s->attribute_source == SLUICE_SOURCE_RECORD;
	c->needs_decode = true;
	if (p->by_attr) {
		if (!s->from_attribute) {
			snprintf(err, errlen, "attribute_source record needs from_attribute");
			return -EINVAL;
		}
		if (spanctx_key_add(&c->ctx, &p->from, false, s->from_attribute, strlen(s->from_attribute)) <
		    0) {
			snprintf(err, errlen, "the processors name more than %d attribute keys",
				 SPANKEYS_CONFIG_MAX);
			return -ENOSPC;
		}
	}
	return 0;
}

static int init_proc(struct chain_item *c, struct chain_item_proc *p, char *err, size_t errlen)
{
	const struct sluice_processor *cfg = p->cfg;
	switch (cfg->type) {
	case SLUICE_PROC_RESOURCE:
		p->kind = CHAIN_ITEM_RESOURCE;
		return attrs_init(&p->attrs, &cfg->attributes, true, &c->ctx, err, errlen);
	case SLUICE_PROC_ATTRIBUTES:
		if (cfg->attributes.include.present || cfg->attributes.exclude.present)
			return refuse(err, errlen,
				      "include/exclude match spans: an attributes processor "
				      "with them cannot process %s",
				      c->signal);
		p->kind = CHAIN_ITEM_ATTRIBUTES;
		c->point_work = true;
		return attrs_init(&p->attrs, &cfg->attributes, false, &c->ctx, err, errlen);
	case SLUICE_PROC_FILTER:
		return init_filter(c, p, err, errlen);
	case SLUICE_PROC_PROBABILISTIC_SAMPLER:
		return init_sampler(c, p, err, errlen);
	case SLUICE_PROC_SPAN:
		return refuse(err, errlen, "the span processor renames spans: it cannot process %s",
			      c->signal);
	default:
		snprintf(err, errlen, "runs in the batch stage, not in a processor chain");
		return -EINVAL;
	}
}

struct chain_item *chain_item_new(enum sluice_signal signal, const struct sluice_processor *const *procs,
				  size_t n, char *err, size_t errlen)
{
	if (n > CONFIG_MAX_PROCESSORS) {
		snprintf(err, errlen, "more than %d processors", CONFIG_MAX_PROCESSORS);
		return NULL;
	}
	struct chain_item *c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->signal = signal;
	spanctx_init(&c->ctx);
	c->ctx.buf = c->buf;
	c->ctx.cap = sizeof c->buf;
	c->ctx.res = &c->res_edits;
	c->ctx.e = &c->scratch;
	for (size_t i = 0; i < n; i++) {
		char why[256] = "";
		c->n = i + 1;
		c->procs[i].cfg = procs[i];
		if (init_proc(c, &c->procs[i], why, sizeof why) < 0) {
			snprintf(err, errlen, "processor \"%s\": %s", procs[i]->id, why);
			chain_item_free(c);
			return NULL;
		}
	}
	return c;
}

void chain_item_free(struct chain_item *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		struct chain_item_proc *p = &c->procs[i];
		attrs_free(&p->attrs);
		itemmatch_log_free(&p->log_inc);
		itemmatch_log_free(&p->log_exc);
		itemmatch_metric_free(&p->m_inc);
		itemmatch_metric_free(&p->m_exc);
		chain_ottl_free(&p->ottl);
	}
	free(c);
}

void chain_item_bind(struct chain_item *c, struct seg_component *const *comp)
{
	for (size_t i = 0; i < c->n; i++)
		c->procs[i].comp = comp[i];
}

void chain_item_flush(struct chain_item *c)
{
	for (size_t i = 0; i < c->n; i++) {
		struct chain_item_proc *p = &c->procs[i];
		if (p->comp) {
			seg_component_add(p->comp, SEG_C_IN, p->in);
			seg_component_add(p->comp, SEG_C_OUT, p->out);
			seg_component_add(p->comp, SEG_C_DROPPED, p->dropped);
		}
		p->in = p->out = p->dropped = 0;
	}
}

int chain_item_begin(struct chain_item *c, struct otlp_bytes resource)
{
	struct spanctx *ctx = &c->ctx;
	otlp_rewrite_edits_reset(&c->res_edits);
	otlp_rewrite_edits_reset(&c->scratch);
	c->resource = resource;
	ctx->resource = resource;
	ctx->span = NULL;
	ctx->e = &c->scratch;
	ctx->used = 0;
	spanctx_res_forget(ctx);
	for (size_t i = 0; i < c->n; i++) {
		struct chain_item_proc *p = &c->procs[i];
		itemmatch_log_new_record(&p->log_inc);
		itemmatch_log_new_record(&p->log_exc);
		itemmatch_metric_new_record(&p->m_inc);
		itemmatch_metric_new_record(&p->m_exc);
		if (p->kind == CHAIN_ITEM_RESOURCE) {
			ctx->res_visible = c->res_edits.n_attr;
			int rc = attrs_apply(&p->attrs, ctx);
			if (rc < 0)
				return rc;
		}
		p->res_after = c->res_edits.n_attr;
	}
	c->res_mark = ctx->used;
	return 0;
}

int64_t chain_item_write(struct chain_item *c, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
			 chain_item_scope_fn fn, void *arg)
{
	struct otlp_resource_spans rs; /* ResourceLogs and ResourceMetrics have its shape */
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	struct wform w = { out, out + cap };
	int rc = otlp_wire_resource_spans((struct otlp_bytes){ in, len }, &rs);
	if (rc < 0 || (rc = chain_item_begin(c, rs.resource)) < 0)
		return rc;
	const struct otlp_rewrite_edits *re = c->res_edits.n_attr ? &c->res_edits : NULL;
	if (re && !rs.has_resource &&
	    (rc = wform_resource(&w, OTLP_F_RS_RESOURCE, (struct otlp_bytes){ NULL, 0 }, 0, re)))
		return rc;
	otlp_wire_reader_init(&r, in, len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == OTLP_F_RS_SCOPE_SPANS)
			rc = f.wt == OTLP_WT_LEN ? fn(c, &w, arg, f.start, f.size, f.b) : -EPROTO;
		else if (f.num == OTLP_F_RS_RESOURCE && re)
			rc = f.wt == OTLP_WT_LEN ? wform_resource(&w, OTLP_F_RS_RESOURCE, f.b, 1, re)
						 : -EPROTO;
		else
			rc = wform_put(&w, f.start, f.size);
		if (rc)
			return rc;
	}
	return rc < 0 ? rc : (int64_t)(w.p - out);
}
