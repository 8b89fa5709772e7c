/* tests/producer/validate_twin.h: otlp/validate.c compiled a second time,
 * under other names, so tests can call its two implementations separately:
 * the fast path (otlp/validate_fast.h: "valid" or "not sure") and the
 * table walk check() that decides and describes every error.
 *
 *   twin_general(buf, len, rs, &counts, &diag)  check() alone (what
 *                                              otlp_wire_validate_* did
 *                                              before the fast path)
 *   twin_fast(buf, len, rs, &counts)            0 = the fast path accepts
 *
 * Include from exactly one .c file of a test, before check.h (whose fail()
 * macro would rename a function of validate.c); link sluice_otlp. */
#ifndef SLUICE_TESTS_VALIDATE_TWIN_H
#define SLUICE_TESTS_VALIDATE_TWIN_H

#include "otlp/wire.h"  /* the real names stay declared */

#define otlp_wire_validate_request twin_validate_request
#define otlp_wire_validate_resource_spans twin_validate_resource_spans
#define otlp_wire_count_spans twin_count_spans
#define otlp_wire_diag_format twin_diag_format
#include "otlp/validate.c"
#undef otlp_wire_validate_request
#undef otlp_wire_validate_resource_spans
#undef otlp_wire_count_spans
#undef otlp_wire_diag_format

/* rs: the input is one bare ResourceSpans (else a whole request). */
static inline int twin_general(const uint8_t *buf, size_t len, int rs,
			       struct otlp_wire_counts *c, struct otlp_wire_diag *d)
{
	struct vctx v = { buf, c, d };

	memset(c, 0, sizeof(*c));
	memset(d, 0, sizeof(*d));
	int rc = check(&v, buf, len, rs ? M_RS : M_REQ, 0);
	if (rc == 0 && rs)
		c->resource_spans = 1;
	return rc;
}

static inline int twin_fast(const uint8_t *buf, size_t len, int rs,
			    struct otlp_wire_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (len == 0)
		return -1;  /* validate() never asks the fast path about "" */
	int rc = rs ? otlp_validate_fast_resource_spans(buf, len, c) :
		      otlp_validate_fast_request(buf, len, c);
	if (rc == 0 && rs)
		c->resource_spans = 1;
	return rc;
}

#endif
