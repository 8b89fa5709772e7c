/* tools/gen/gen_req.h: synthetic OTLP trace requests, built once as a
 * protobuf template and re-stamped for every send.
 *
 * gen_req_build() encodes an ExportTraceServiceRequest of n spans with
 * `attrs` attributes each (string, int, double and bool values in turn),
 * and remembers where each span's ids and timestamps sit. gen_req_stamp()
 * writes fresh ids and times in place: no encoding, no allocation per send.
 *
 * Ids: span_id is the 64-bit big-endian number first_id + i, so a receiver
 * can tell exactly which spans arrived; trace_id groups GEN_SPANS_PER_TRACE
 * consecutive spans and is a hash of (run, first_id / GEN_SPANS_PER_TRACE)
 * so trace-id sampling sees well-spread ids.
 */
#ifndef SLUICE_TOOLS_GEN_REQ_H
#define SLUICE_TOOLS_GEN_REQ_H

#include <stddef.h>
#include <stdint.h>

#define GEN_SPANS_PER_TRACE 8

struct gen_req {
	uint8_t *buf;          /* the request body */
	size_t len;
	uint32_t n_spans;
	uint32_t *span_off;    /* [n_spans]: offset of each span's trace_id value */
	uint32_t *start_off;   /* [n_spans]: offset of start_time_unix_nano value */
	uint64_t run;          /* mixes into trace ids */
};

/* Returns 0 or -ENOMEM / -EINVAL. service names the resource. */
int gen_req_build(struct gen_req *r, uint32_t n_spans, uint32_t attrs, const char *service,
		  uint64_t run);
void gen_req_free(struct gen_req *r);

/* Stamp ids first_id .. first_id + n_spans - 1 and times ending at now_ns. */
void gen_req_stamp(struct gen_req *r, uint64_t first_id, uint64_t now_ns);

/* Read back the span id at index i (tests). */
uint64_t gen_req_span_id(const struct gen_req *r, uint32_t i);

#endif
