/* tests/agg/smfix.h: what the span-metrics tests share: a formatted and
 * attached aggregation, a flush decoded into points, the base settings
 * (two dimensions, 1,000 series). */
#ifndef SLUICE_TESTS_AGG_SMFIX_H
#define SLUICE_TESTS_AGG_SMFIX_H

#include <stdint.h>

#include "agg/spanmetrics.h"
#include "mwalk.h"

extern uint8_t sm_out[1 << 20];	    /* the last flush's bytes */
extern struct mw_point sm_pts[256]; /* ... decoded */

/* A region formatted for p and attached (*region: its memory). */
struct agg *sm_mk(const struct agg_params *p, void **region);
/* Flushes at now into sm_out, decodes into sm_pts, confirms when asked;
 * returns the point count. */
int sm_flush(struct agg *a, uint64_t now, int confirm);
void sm_base_params(struct agg_params *p);

#endif
