/* otlp/validate_fast.h: private to otlp/validate.c (and the tests that
 * hold it against the table walk): the request validator's fast path.
 *
 * Each returns 0 if buf[0..len) is valid by the rules of
 * otlp_wire_validate_request / _resource_spans (wire.h), with the counts
 * added to *c (resource_spans, scope_spans, spans; the caller zeroes it;
 * the ResourceSpans variant does not count itself), or -1 when it is not
 * sure: invalid, or valid in a way it does not handle. Then *c is garbage
 * and the caller runs the full validation, which describes any error.
 * len > 0 (buf non-NULL). */
#ifndef SLUICE_OTLP_VALIDATE_FAST_H
#define SLUICE_OTLP_VALIDATE_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/wire.h"

int otlp_validate_fast_request(const uint8_t *buf, size_t len, struct otlp_wire_counts *c);
int otlp_validate_fast_resource_spans(const uint8_t *buf, size_t len,
				      struct otlp_wire_counts *c);

#endif
