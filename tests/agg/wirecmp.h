/* tests/agg/wirecmp.h: the two ways the aggregation counts a ResourceSpans
 * side by side: agg_add_wire (the process stage's) and the reference,
 * agg_resource + agg_span_from_wire + agg_add a span, each on a region of
 * its own with the same params. Both must return the same and flush the
 * same bytes. Also agg_add_spans (the spans decoded by otlp_wire_span, as
 * the process stage's chain has them; their attribute run given for odd
 * records, not for even ones) on a third region, against agg_add_wire.
 * Used by test_spanmetrics_wire and fuzz_agg_wire.
 *
 *   wirecmp_params(sel, &p)      one of WIRECMP_NPARAMS test settings
 *   wirecmp_new(&w, &p)          (wirecmp_reset(w): empty regions again)
 *   wirecmp_record(w, rs, len)   one record through both: 0 the same,
 *                                1 not comparable (the reference refuses a
 *                                span: wire may read it, see agg/sm_wire.c;
 *                                the pair is not compared from then on), -1
 *                                they differ (wirecmp_why says how); a
 *                                record with a span otlp_wire_span
 *                                refuses ends the agg_add_spans compare
 *   wirecmp_flush(w)             0 the same flush bytes, -1 not
 */
#ifndef SLUICE_TESTS_AGG_WIRECMP_H
#define SLUICE_TESTS_AGG_WIRECMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agg/spanmetrics.h"

#define WIRECMP_NPARAMS 6

struct wirecmp;

void wirecmp_params(unsigned sel, struct agg_params *p);
int wirecmp_new(struct wirecmp **out, const struct agg_params *p);
void wirecmp_free(struct wirecmp *w);
int wirecmp_reset(struct wirecmp *w);
int wirecmp_record(struct wirecmp *w, const uint8_t *rs, size_t len);
int wirecmp_flush(struct wirecmp *w);
const char *wirecmp_why(const struct wirecmp *w);
/* rs's spans decoded as the process stage's chain decodes them
 * (otlp_wire_span) into f[0..max), with their attribute runs when runs
 * (where a span's attributes are one run): their number, or -1 when a
 * span does not decode (the chain refuses such a record whole) or there
 * are more than max. */
int64_t wirecmp_facts(struct otlp_bytes rs, struct agg_span_fact *f, size_t max, bool runs);
/* What the last record returned (agg_add_wire's count or -errno). */
int64_t wirecmp_last(const struct wirecmp *w);

#endif
