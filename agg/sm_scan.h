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

/* The dimensions of a span whose attributes are the fields [p, end), all
 * of them, in order (and no other field): what sm_scan_span finds of them
 * (w->present, w->dim). 0; -errno as sm_scan_span (not counted); -EAGAIN
 * when the run is laid out otherwise (scan the whole span instead). */
int sm_scan_attr_run(const struct agg *a, const uint8_t *p, const uint8_t *end, struct sm_wspan *w);

/* The code of a Status message (0 without one), as otlp_wire_status
 * reads it: 0 or -errno (the span is not counted then). */
static inline int sm_status_code(struct otlp_bytes status, int has_status, int32_t *code)
{
	struct otlp_status st;
	const uint8_t *s = status.p;
	*code = 0;
	if (!has_status || !status.len)
		return 0;
	if (status.len == 2 && s[0] == (3 << 3 | OTLP_WT_VARINT) && s[1] < 0x80) {
		*code = s[1];
		return 0;
	}
	int rc = otlp_wire_status(status, &st);
	*code = st.code;
	return rc;
}

#endif
