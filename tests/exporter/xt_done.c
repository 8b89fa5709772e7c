/* Helpers for the export stage tests: the done-mark region (shm/donemark.h)
 * as the supervisor lays it out, for xt_setup's hand-made segment (ring 2,
 * entries formatted from the exporter ids of the first xt_export_start)
 * and for xt_plan's (every OUT ring x exporter of the plan). */
#include "xt.h"

#include <stdio.h>
#include <string.h>

#include <check.h>

#include "config/config.h"
#include "config/plan.h"
#include "exporter/window_cap.h"
#include "shm/donemark.h"

#define XT_DONE_MAX 8 /* exporters of ring 2 in a hand-made segment */

static uint32_t slots_for(uint64_t ring_cap)
{
	uint64_t c = RING_MIN_CAPACITY;
	while (c < ring_cap)
		c <<= 1;
	return window_cap_for(c, WINDOW_CAP_FLOOR);
}

void xt_done_reserve(struct segment_params *p, uint64_t ring2_cap)
{
	struct donemark_spec s[XT_DONE_MAX];
	for (uint32_t i = 0; i < XT_DONE_MAX; i++)
		s[i] = (struct donemark_spec){ RING_BATCH_EXPORT, slots_for(ring2_cap), "x" };
	ck_assert_uint_lt(p->naux, SEG_MAX_AUX);
	p->aux[p->naux++] = (struct segment_aux_params){ DONEMARK_REGION_NAME,
							 donemark_region_size(s, XT_DONE_MAX) };
}

void xt_done_format_ids(struct xt_env *e, const char *ids)
{
	uint64_t size = 0;
	struct donemark_region *r = segment_aux(&e->seg, DONEMARK_REGION_NAME, &size);
	if (!r || r->magic) /* none, or made by an earlier start */
		return;
	char names[XT_DONE_MAX][SEG_NAME_SIZE];
	struct donemark_spec s[XT_DONE_MAX];
	uint32_t n = 0;
	struct ring ring;
	ck_assert_int_eq(segment_ring(&e->seg, RING_BATCH_EXPORT, &ring), 0);
	for (const char *p = ids; *p && n < XT_DONE_MAX;) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (!len)
			break;
		snprintf(names[n], sizeof(names[n]), "%.*s", (int)len, p);
		s[n] = (struct donemark_spec){ RING_BATCH_EXPORT, slots_for(ring_capacity(&ring)), names[n] };
		n++;
		p += len;
	}
	ck_assert_int_eq(donemark_region_format(r, size, s, n), 0);
}

uint32_t xt_done_plan(const struct sluice_config *cfg, uint64_t out_cap, struct donemark_spec *s,
		      uint32_t max)
{
	const struct sluice_plan *plan = cfg->plan;
	uint32_t n = 0;
	for (uint32_t r = 0; r < plan->n_rings; r++) {
		const struct plan_ring *pr = &plan->rings[r];
		if (pr->kind != PLAN_RING_OUT || pr->pipeline < 0)
			continue;
		const struct sluice_pipeline *pl = &cfg->pipelines[pr->pipeline];
		uint64_t c = RING_MIN_CAPACITY;
		while (c < out_cap)
			c <<= 1;
		for (size_t k = 0; k < pl->n_exporters && n < max; k++)
			s[n++] = (struct donemark_spec){ r, window_cap_for(c, window_want(pl)),
							 pl->exporters[k]->id };
	}
	return n;
}
