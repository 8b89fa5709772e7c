/* tests/producer/validate_twin.h: otlp/validate.c compiled a second time,
 * under other names, so tests can call its two implementations separately:
 * the fast path (otlp/validate_fast.h: "valid" or "not sure") and the
 * table walk check() that decides and describes every error.
 *
 *   twin_general(buf, len, rs, &counts, &diag)  check() alone (what
 *                                              otlp_wire_validate_* did
 *                                              before the fast path)
 *   twin_fast(buf, len, rs, &counts)            0 = the fast path accepts
 *   twin_*_sig(sig, ...)                        the same for a signal
 *                                              (0 traces, 1 logs, 2 metrics)
 *   twin_public(sig, rs, buf, len, &c, &d)      the public validator
 *
 * rs: the input is one bare resource (ResourceSpans, ...), else a whole
 * request. Include from exactly one .c file of a test, before check.h
 * (whose fail() macro would rename a function of validate.c); link
 * sluice_otlp. */
#ifndef SLUICE_TESTS_VALIDATE_TWIN_H
#define SLUICE_TESTS_VALIDATE_TWIN_H

#include "otlp/wire.h" /* the real names stay declared */

#define otlp_wire_validate_request twin_validate_request
#define otlp_wire_validate_resource_spans twin_validate_resource_spans
#define otlp_wire_validate_logs_request twin_validate_logs_request
#define otlp_wire_validate_resource_logs twin_validate_resource_logs
#define otlp_wire_validate_metrics_request twin_validate_metrics_request
#define otlp_wire_validate_resource_metrics twin_validate_resource_metrics
#define otlp_wire_count_spans twin_count_spans
#define otlp_wire_diag_format twin_diag_format
#define otlp_validate_tolerant twin_validate_tolerant
#include "otlp/validate.c"
#undef otlp_wire_validate_request
#undef otlp_wire_validate_resource_spans
#undef otlp_wire_validate_logs_request
#undef otlp_wire_validate_resource_logs
#undef otlp_wire_validate_metrics_request
#undef otlp_wire_validate_resource_metrics
#undef otlp_wire_count_spans
#undef otlp_wire_diag_format
#undef otlp_validate_tolerant

static inline enum vmsg twin_msg(int sig, int rs)
{
	static const enum vmsg req[3] = { M_TREQ, M_LREQ, M_MREQ }, res[3] = { M_RS, M_RL, M_RM };
	return rs ? res[sig] : req[sig];
}

static inline int twin_general_sig(int sig, const uint8_t *buf, size_t len, int rs,
				   struct otlp_wire_counts *c, struct otlp_wire_diag *d)
{
	struct vctx v = { buf, len, twin_msg(sig, rs), c, d, 1 };

	memset(c, 0, sizeof(*c));
	memset(d, 0, sizeof(*d));
	int rc = check(&v, buf, len, v.top, 0);
	if (rc == 0)
		counts_finish(c, v.top);
	return rc;
}

static inline int twin_fast_sig(int sig, const uint8_t *buf, size_t len, int rs, struct otlp_wire_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (len == 0)
		return -1; /* validate() never asks the fast path about "" */
	int rc = fast(buf, len, twin_msg(sig, rs), c);
	if (rc == 0)
		counts_finish(c, twin_msg(sig, rs));
	return rc;
}

static inline int twin_public(int sig, int rs, const uint8_t *buf, size_t len, struct otlp_wire_counts *c,
			      struct otlp_wire_diag *d)
{
	static int (*const fn[3][2])(const void *, size_t, struct otlp_wire_counts *,
				     struct otlp_wire_diag *) = {
		{ otlp_wire_validate_request, otlp_wire_validate_resource_spans },
		{ otlp_wire_validate_logs_request, otlp_wire_validate_resource_logs },
		{ otlp_wire_validate_metrics_request, otlp_wire_validate_resource_metrics },
	};
	return fn[sig][rs](buf, len, c, d);
}

static inline int twin_general(const uint8_t *buf, size_t len, int rs, struct otlp_wire_counts *c,
			       struct otlp_wire_diag *d)
{
	return twin_general_sig(0, buf, len, rs, c, d);
}

static inline int twin_fast(const uint8_t *buf, size_t len, int rs, struct otlp_wire_counts *c)
{
	return twin_fast_sig(0, buf, len, rs, c);
}

#endif
