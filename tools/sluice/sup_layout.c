/* tools/sluice/sup_layout.c: plan -> segment_params. */
#include "tools/sluice/sup_layout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg_config.h"
#include "config/plan.h"
#include "exporter/window_cap.h"
#include "tools/sluice/stall.h"

static uint32_t seg_signal(enum sluice_signal s)
{
	return (uint32_t)s + 1; /* RECORD_SIGNAL_* are 1-based */
}

static uint32_t seg_ring_kind(enum plan_ring_kind k)
{
	return k == PLAN_RING_IN ? SEG_RING_IN : k == PLAN_RING_MID ? SEG_RING_MID : SEG_RING_OUT;
}

static uint32_t seg_comp_kind(enum plan_stat_kind k)
{
	switch (k) {
	case PLAN_STAT_RECEIVER:
		return SEG_COMP_RECEIVER;
	case PLAN_STAT_PROCESSOR:
		return SEG_COMP_PROCESSOR;
	case PLAN_STAT_EXPORTER:
		return SEG_COMP_EXPORTER;
	default:
		return SEG_COMP_CONNECTOR;
	}
}

static int add_aux(struct sup_layout *l, const char *name, uint64_t size, char *err, size_t errlen)
{
	uint32_t i = l->p.naux;

	if (i == SEG_MAX_AUX) {
		snprintf(err, errlen,
			 "more than %u shared-memory regions needed (span-metrics "
			 "connectors, histograms, supervisor, done marks); use fewer span-metrics "
			 "connectors",
			 SEG_MAX_AUX);
		return -EINVAL;
	}
	size_t n = strnlen(name, SEG_NAME_SIZE - 1);
	memcpy(l->aux_name[i], name, n);
	l->aux_name[i][n] = '\0';
	l->p.aux[i].name = l->aux_name[i];
	l->p.aux[i].size = size;
	l->p.naux++;
	return 0;
}

static int spanmetrics_regions(const struct sluice_config *cfg, struct sup_layout *l, char *err,
			       size_t errlen)
{
	const struct sluice_plan *plan = cfg->plan;

	for (size_t k = 0; k < cfg->n_connectors; k++) {
		const struct sluice_connector *c = &cfg->connectors[k];
		struct agg_config ac;
		char why[256], name[SEG_NAME_SIZE + 16];

		if (c->type != SLUICE_CONN_SPANMETRICS || !plan->connectors[k].from)
			continue;
		if (agg_config_from(&c->spanmetrics, &ac, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "connector %s: %s", c->id, why);
			return -EINVAL;
		}
		size_t size = agg_region_size(&ac.params);
		if (size == 0 || agg_config_region_name(c, name, sizeof(name)) >= (int)SEG_NAME_SIZE) {
			snprintf(err, errlen, "connector %s: %s", c->id,
				 size ? "its id is too long for a region name (at most 50 characters)"
				      : "the aggregation refuses these settings");
			return -EINVAL;
		}
		int rc = add_aux(l, name, size, err, errlen);
		if (rc < 0)
			return rc;
		l->n_spanmetrics++;
	}
	return 0;
}

static int hist_specs(const struct sluice_config *cfg, struct sup_layout *l)
{
	const struct sluice_plan *plan = cfg->plan;
	uint32_t n = 0, max = plan->n_rings + 3 * plan->n_stats;

	l->hists = calloc(max + 1, sizeof(*l->hists));
	if (!l->hists)
		return -ENOMEM;
	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		const struct sluice_pipeline *x = &cfg->pipelines[p];
		const struct plan_pipeline *pp = &plan->pipelines[p];

		for (size_t e = 0; e < x->n_exporters; e++) {
			l->hists[n++] = (struct hist_spec){ HIST_RECEIPT_TO_ACK,
							    (uint32_t)pp->exporter_stats[e] };
			l->hists[n++] = (struct hist_spec){ HIST_EXPORT_DURATION,
							    (uint32_t)pp->exporter_stats[e] };
		}
		if (x->batch_processor && pp->mid_ring >= 0)
			l->hists[n++] = (struct hist_spec){ HIST_BATCH_SIZE,
							    (uint32_t)pp->processor_stats[x->n_processors] };
	}
	for (uint32_t r = 0; r < plan->n_rings; r++)
		l->hists[n++] = (struct hist_spec){ HIST_RING_AGE, r };
	l->n_hists = n > HIST_MAX ? HIST_MAX : n;
	return 0;
}

/* The segment's size of a ring of the plan (segment_create rounds it so). */
static uint64_t seg_ring_capacity(uint64_t want)
{
	uint64_t c = RING_MIN_CAPACITY;

	if (!want)
		want = SEG_DEFAULT_RING_CAPACITY;
	while (c < want && c < RING_MAX_CAPACITY)
		c <<= 1;
	return c;
}

/* One done-mark entry per OUT ring x exporter, slots = the ring's window. */
static int done_specs(const struct sluice_config *cfg, struct sup_layout *l)
{
	const struct sluice_plan *plan = cfg->plan;
	uint32_t n = 0, max = 0;

	for (uint32_t r = 0; r < plan->n_rings; r++)
		if (plan->rings[r].kind == PLAN_RING_OUT && plan->rings[r].pipeline >= 0)
			max += (uint32_t)cfg->pipelines[plan->rings[r].pipeline].n_exporters;
	l->done = calloc(max + 1, sizeof(*l->done));
	if (!l->done)
		return -ENOMEM;
	for (uint32_t r = 0; r < plan->n_rings; r++) {
		const struct plan_ring *pr = &plan->rings[r];
		if (pr->kind != PLAN_RING_OUT || pr->pipeline < 0)
			continue;
		const struct sluice_pipeline *pl = &cfg->pipelines[pr->pipeline];
		uint32_t slots = window_cap_for(seg_ring_capacity(pr->capacity), window_want(pl));
		for (size_t e = 0; e < pl->n_exporters && n < DONEMARK_MAX; e++) {
			const char *id = pl->exporters[e]->id;
			/* an id too long for the directory gets no marks: resent */
			if (strnlen(id, SEG_NAME_SIZE) < SEG_NAME_SIZE)
				l->done[n++] = (struct donemark_spec){ r, slots, id };
		}
	}
	l->n_done = n;
	return 0;
}

int sup_layout_build(const struct sluice_config *cfg, struct sup_layout *l, char *err, size_t errlen)
{
	const struct sluice_plan *plan = cfg->plan;
	int rc;

	memset(l, 0, sizeof(*l));
	l->p.nrings = plan->n_rings;
	l->p.topology = plan->fingerprint;
	for (uint32_t i = 0; i < plan->n_rings; i++) {
		const struct plan_ring *r = &plan->rings[i];

		l->p.ring_capacity[i] = r->capacity;
		l->p.ring_name[i] = r->name;
		l->p.ring_kind[i] = seg_ring_kind(r->kind);
		l->p.ring_signal[i] = seg_signal(r->signal);
	}
	l->comps = calloc(plan->n_stats + 1, sizeof(*l->comps));
	if (!l->comps) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < plan->n_stats; i++) {
		const struct plan_stat *s = &plan->stats[i];

		l->comps[i] = (struct segment_component_params){
			.kind = seg_comp_kind(s->kind),
			.signal = seg_signal(s->signal),
			.pipeline = s->pipeline >= 0 ? (uint32_t)s->pipeline : SEG_NONE,
			.name = s->component_id,
			.pipeline_name = s->pipeline_id,
			.transport = s->kind == PLAN_STAT_RECEIVER ? plan_transport_name(s->transport) : "",
		};
	}
	l->p.ncomponents = plan->n_stats;
	l->p.components = l->comps;
	if ((rc = spanmetrics_regions(cfg, l, err, errlen)) < 0)
		goto fail;
	if ((rc = hist_specs(cfg, l)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((rc = add_aux(l, HIST_REGION_NAME, hist_region_size(l->n_hists), err, errlen)) < 0 ||
	    (rc = add_aux(l, STALL_REGION_NAME, sizeof(struct stall_region), err, errlen)) < 0)
		goto fail;
	if ((rc = done_specs(cfg, l)) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (l->n_done && (rc = add_aux(l, DONEMARK_REGION_NAME, donemark_region_size(l->done, l->n_done), err,
				       errlen)) < 0)
		goto fail;
	return 0;
fail:
	sup_layout_free(l);
	return rc;
}

void sup_layout_free(struct sup_layout *l)
{
	free(l->comps);
	free(l->hists);
	free(l->done);
	l->comps = NULL;
	l->hists = NULL;
	l->done = NULL;
}

int sup_layout_format(struct segment *seg, const struct sup_layout *l, const struct sluice_config *cfg)
{
	uint64_t size = 0;
	void *mem = segment_aux(seg, HIST_REGION_NAME, &size);
	int rc;

	if (!mem || (rc = hist_region_format(mem, size, l->hists, l->n_hists)) < 0)
		return -EINVAL;
	mem = segment_aux(seg, STALL_REGION_NAME, &size);
	if (!mem || size < sizeof(struct stall_region))
		return -EINVAL;
	stall_region_format(mem, cfg->stall_timeout_ns);
	if (l->n_done) {
		mem = segment_aux(seg, DONEMARK_REGION_NAME, &size);
		if (!mem || donemark_region_format(mem, size, l->done, l->n_done) < 0)
			return -EINVAL;
	}
	return 0;
}

bool sup_component_same(const struct seg_component *k, const struct segment_component_params *c)
{
	return k->kind == c->kind && k->signal == c->signal && k->pipeline == c->pipeline &&
	       strcmp(k->name, c->name) == 0 &&
	       strcmp(k->pipeline_name, c->pipeline_name ? c->pipeline_name : "") == 0 &&
	       strcmp(k->transport, c->transport ? c->transport : "") == 0;
}

bool sup_layout_matches(struct segment *seg, const struct sup_layout *l)
{
	if (segment_ncomponents(seg) != l->p.ncomponents || segment_naux(seg) != l->p.naux)
		return false;
	for (uint32_t i = 0; i < l->p.ncomponents; i++)
		if (!sup_component_same(segment_component(seg, i), &l->comps[i]))
			return false;
	for (uint32_t i = 0; i < l->p.naux; i++) {
		uint64_t size = 0;
		if (!segment_aux(seg, l->p.aux[i].name, &size) || size != l->p.aux[i].size)
			return false;
	}
	return true;
}
