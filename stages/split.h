/* split.h: cut one ResourceSpans that is too big for a batch into parts.
 *
 * The batch stage never splits a record unless it must: only a record that
 * ALONE exceeds send_batch_max_size spans or the byte limit is cut. Each
 * part is a complete ResourceSpans (same resource, schema_url and unknown
 * fields; each ScopeSpans it touches keeps its scope and schema_url) with a
 * run of consecutive spans, written as a request frame `0x0a len bytes`.
 * Parts hold at most max_items spans and at most max_bytes framed bytes,
 * except that a single span larger than max_bytes makes a part of its own.
 *
 *   struct split sp; split_init(&sp, cap_spans, cap_scopes);
 *   split_run(&sp, payload, len, max_items, max_bytes, emit, arg);
 *   split_free(&sp);
 *
 * emit(arg, frame_len, items, &dst) returns 0 with dst pointing at
 * frame_len writable bytes (the split writes the part there), 1 to skip
 * writing this part (a dry run that only sizes the parts), or a negative
 * errno that stops the split. Views only: one allocation at init.
 */
#ifndef SLUICE_STAGES_SPLIT_H
#define SLUICE_STAGES_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/wire.h"

struct split_span {
	uint32_t scope;               /* index into scopes */
	struct otlp_bytes field;      /* whole `spans` field: tag, length, Span */
};

struct split_scope {
	struct otlp_bytes msg;        /* the ScopeSpans message */
	size_t other;                 /* bytes of its fields other than spans */
};

struct split {
	struct split_span *spans;
	size_t cap;
	struct split_scope *scopes;
	size_t scap;
};

typedef int (*split_emit_fn)(void *arg, size_t frame_len, uint32_t items, uint8_t **dst);

/* 0 or -ENOMEM. cap_spans bounds the spans of one part (a part closes
 * early when it is reached); cap_scopes the ScopeSpans of one record. */
int split_init(struct split *s, size_t cap_spans, size_t cap_scopes);
void split_free(struct split *s);

/* Returns the number of parts emitted, -EBADMSG/-EPROTO (malformed),
 * -E2BIG (more ScopeSpans than cap_scopes), or emit's error.
 * max_items 0 = no span limit. */
int split_run(struct split *s, const uint8_t *rs, size_t len, uint32_t max_items,
	      uint64_t max_bytes, split_emit_fn emit, void *arg);

#endif
