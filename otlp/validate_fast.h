/* otlp/validate_fast.h: private to otlp/validate.c (and the tests that
 * hold it against the table walk): the request validator's fast paths.
 *
 * Each returns 0 if buf[0..len) is valid by the rules of the matching
 * otlp_wire_validate_* (wire.h), with the counts added to *c (resources,
 * scopes, items and the *_with_items counts; the caller zeroes it; the
 * bare-resource variants do not count the resource itself), or -1 when it
 * is not sure: invalid, or valid in a way it does not handle. Then *c is
 * garbage and the caller runs the full validation, which describes any
 * error. len > 0 (buf non-NULL). */
#ifndef SLUICE_OTLP_VALIDATE_FAST_H
#define SLUICE_OTLP_VALIDATE_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/wire.h"

/* traces (validate_fast.c) */
int otlp_validate_fast_request(const uint8_t *buf, size_t len, struct otlp_wire_counts *c);
int otlp_validate_fast_resource_spans(const uint8_t *buf, size_t len, struct otlp_wire_counts *c);
/* logs (validate_fast_logs.c) */
int otlp_validate_fast_logs_request(const uint8_t *buf, size_t len, struct otlp_wire_counts *c);
int otlp_validate_fast_resource_logs(const uint8_t *buf, size_t len, struct otlp_wire_counts *c);
/* metrics (validate_fast_metrics.c) */
int otlp_validate_fast_metrics_request(const uint8_t *buf, size_t len, struct otlp_wire_counts *c);
int otlp_validate_fast_resource_metrics(const uint8_t *buf, size_t len, struct otlp_wire_counts *c);

#endif
