/* tools/sluice/sup_layout.h: the segment a config's plan needs
 * (config/plan.h), as segment_create's parameters:
 *   - every ring of the plan: name, kind, signal, capacity; the topology
 *     fingerprint
 *   - one component-stats slot per plan->stats entry, in the plan's order
 *     (slot i = plan->stats[i]: kind, component id, pipeline, signal,
 *     transport), so any reader can label it
 *   - aux regions: one per span-metrics connector a pipeline exports to
 *     ("spanmetrics:<id>", sized by agg/agg_config.h), the latency
 *     histograms (shm/hist.h), the supervisor's stall verdicts
 *     (tools/sluice/stall.h) and the export stage's done marks
 *     (shm/donemark.h: one entry per OUT ring x exporter, as many slots
 *     as the ring's delivery window, exporter/window_cap.h)
 *
 *   struct sup_layout l;
 *   if (sup_layout_build(cfg, &l, err, sizeof err) < 0) ...  // err says why
 *   segment_create(&seg, cfg->instance, &l.p);
 *   sup_layout_format(&seg, &l, cfg);     // histogram directory, stall words,
 *                                         // done-mark directory
 *   sup_layout_free(&l);
 */
#ifndef SLUICE_TOOLS_SUP_LAYOUT_H
#define SLUICE_TOOLS_SUP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "shm/donemark.h"
#include "shm/hist.h"
#include "shm/segment.h"

struct sup_layout {
	struct segment_params p;
	struct segment_component_params *comps; /* [p.ncomponents] */
	char aux_name[SEG_MAX_AUX][SEG_NAME_SIZE];
	struct hist_spec *hists; /* [n_hists] */
	uint32_t n_hists;
	uint32_t n_spanmetrics;	    /* aux regions [0, n) are span-metrics state */
	struct donemark_spec *done; /* [n_done] */
	uint32_t n_done;
};

/* -EINVAL (a span-metrics connector the aggregation refuses, too many
 * regions) or -ENOMEM, with the reason in err. */
int sup_layout_build(const struct sluice_config *cfg, struct sup_layout *l, char *err, size_t errlen);
void sup_layout_free(struct sup_layout *l);

/* Fill the regions only the supervisor formats, on a segment just made
 * from l (or migrated to it). */
int sup_layout_format(struct segment *seg, const struct sup_layout *l, const struct sluice_config *cfg);

/* Does the attached segment have exactly l's component slots and aux
 * regions (names and sizes)? Rings are the fingerprint's business. */
bool sup_layout_matches(struct segment *seg, const struct sup_layout *l);

/* Same identity (kind, signal, pipeline name, component, transport)? */
bool sup_component_same(const struct seg_component *k, const struct segment_component_params *c);

#endif
