/* agg/sm_scan.h: private to agg/: one Span read from its wire bytes in one
 * pass (sm_scan.c), for agg_add_wire (sm_wire.c). */
#ifndef SLUICE_AGG_SM_SCAN_H
#define SLUICE_AGG_SM_SCAN_H

#include "agg/sm_layout.h"

/* A dimension value as the span carries it. */
struct sm_wdim {
	const uint8_t *p; /* raw: its AnyValue bytes are its key bytes */
	uint32_t len;
	uint32_t room; /* build_key's: payload bytes of a LEN member, else 0 */
	int raw;
	struct otlp_value v; /* !raw: decoded; sm_anyvalue_put writes it */
};

struct sm_wspan {
	struct otlp_bytes name, tid, sid, status;
	uint64_t start, end;
	int32_t kind;
	int has_status;
	uint32_t present; /* bit i: dim[i] found */
	struct sm_wdim dim[AGG_DIMS_MAX];
};

/* Reads the span in [p, end): 0, or -errno when it does not read (it is
 * not counted then). *code gets its status code (0 without a status). */
int sm_scan_span(const struct agg *a, const uint8_t *p, const uint8_t *end, struct sm_wspan *w,
		 int32_t *code);

#endif
