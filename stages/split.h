/* split.h: cut one resource record that is too big for a batch into parts,
 * for every signal, as the Collector's batch processor cuts its batches.
 *
 * The batch stage never splits a record unless it must: only a record that
 * ALONE exceeds send_batch_max_size items or the byte limit is cut. Each
 * part is written as a request frame `0x0a len Resource*` holding one
 * complete ResourceSpans / ResourceLogs / ResourceMetrics: the record's
 * resource, schema_url and unknown fields, and for each scope it touches
 * that scope's own fields (scope, schema_url, unknown) with a run of its
 * items, in order.
 *   traces, logs  items are spans / log records, cut between items.
 *   metrics       items are data points. Whole Metrics go into a part while
 *                 they fit; the Metric that does not is cut by data points:
 *                 each piece is a Metric with the same fields (name,
 *                 description, unit, metadata, unknown) and the same data
 *                 type with its non-point fields (temporality, monotonic),
 *                 holding a run of consecutive points. So parts are filled
 *                 up to the limits exactly, as the Collector fills batches.
 * A part holds at most max_items items and at most max_bytes framed bytes,
 * except that one unit that cannot be cut (a span, a log record, a data
 * point, a Metric with no points) larger than max_bytes makes a part of its
 * own.
 *
 *   struct split sp; split_init(&sp, cap_pieces, cap_scopes);
 *   split_run(&sp, OTLP_SIGNAL_METRICS, payload, len, max_items, max_bytes, emit, arg);
 *   split_free(&sp);
 *
 * emit(arg, frame_len, items, &dst) returns 0 with dst pointing at
 * frame_len writable bytes (the split writes the part there), 1 to skip
 * writing this part (a pass that only sizes the parts, or parts already
 * published), or a negative errno that stops the split. Views only: two
 * allocations at init, none per run.
 */
#ifndef SLUICE_STAGES_SPLIT_H
#define SLUICE_STAGES_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/signal.h"
#include "otlp/wire.h"

struct split_piece {
	uint32_t scope;		   /* index into scopes */
	uint32_t metric;	   /* a data point: serial of its Metric; else UINT32_MAX */
	struct otlp_bytes field;   /* the whole field (tag, length, message): an
	                                 item of the scope, or a data point of the Metric */
	const uint8_t *metric_msg; /* a data point: its Metric message (len in metric_len) */
	uint32_t metric_len;
};

struct split_scope {
	struct otlp_bytes msg; /* the Scope* message */
	size_t other;	       /* bytes of its fields other than its items */
};

struct split {
	struct split_piece *pieces;
	size_t cap;
	struct split_scope *scopes;
	size_t scap;
};

typedef int (*split_emit_fn)(void *arg, size_t frame_len, uint32_t items, uint8_t **dst);

/* 0 or -ENOMEM. cap_pieces bounds the pieces of one part (items, or data
 * points of a Metric being cut; a part closes early when it is reached);
 * cap_scopes the scopes of one record. */
int split_init(struct split *s, size_t cap_pieces, size_t cap_scopes);
void split_free(struct split *s);

/* Returns the number of parts (emitted or skipped), -EBADMSG/-EPROTO
 * (malformed), -E2BIG (more scopes than cap_scopes), -EINVAL (signal), or
 * emit's error. max_items 0 = no item limit. */
int split_run(struct split *s, enum otlp_signal signal, const uint8_t *resource, size_t len,
	      uint32_t max_items, uint64_t max_bytes, split_emit_fn emit, void *arg);

#endif
