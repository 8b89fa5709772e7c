/* split_priv.h: private to split.c and split_write.c. */
#ifndef SLUICE_STAGES_SPLIT_PRIV_H
#define SLUICE_STAGES_SPLIT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlp/wire_metrics.h"
#include "stages/split.h"

#define SPLIT_NO_METRIC UINT32_MAX
#define SPLIT_TAG_SCOPES 0x12u /* field 2, LEN: the scopes of a resource, items of a scope */

/* Fields left out when copying "the other fields" of a message. */
#define SPLIT_BIT(n) (1u << (n))
#define SPLIT_SKIP_ITEMS SPLIT_BIT(2) /* Resource*: its scopes; Scope*: its items */
#define SPLIT_SKIP_DATA                                                                                 \
	(SPLIT_BIT(OTLP_METRIC_GAUGE) | SPLIT_BIT(OTLP_METRIC_SUM) | SPLIT_BIT(OTLP_METRIC_HISTOGRAM) | \
	 SPLIT_BIT(OTLP_METRIC_EXP_HISTOGRAM) |                                                         \
	 SPLIT_BIT(OTLP_METRIC_SUMMARY))		/* Metric: every data member */
#define SPLIT_SKIP_POINTS SPLIT_BIT(OTLP_F_DATA_POINTS) /* Gauge, Sum, ...: the points */

/* Bytes of a LEN field with a one-byte tag around a body of `body` bytes. */
size_t split_fsz(size_t body);
/* Bytes of the fields of msg but the skipped ones (a bit a field number). */
int split_others_size(struct otlp_bytes msg, uint32_t skip, size_t *out);
/* Copies those fields of msg (known to frame) to o; returns the end. */
uint8_t *split_copy_others(uint8_t *o, struct otlp_bytes msg, uint32_t skip);

/* Writes the part made of s->pieces[0..n) of resource rs (rs_other: the
 * bytes of its fields but its scopes) at o: frame_len bytes. 0, or
 * -EFAULT (sizes disagree: nothing written) or a decode error. */
int split_write(const struct split *s, struct otlp_bytes rs, size_t rs_other, size_t n, uint8_t *o,
		size_t frame_len);

#endif
