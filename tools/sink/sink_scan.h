/* tools/sink/sink_scan.h: the sink's one-pass reader of a request body.
 *
 * sink_scan_request() checks a whole ExportTraceServiceRequest exactly as
 * otlp_wire_validate_request() does (same accepted inputs, same negative
 * errno for the first fault), counts ResourceSpans, ScopeSpans and spans,
 * and, given a latency histogram, notes every span's end_time_unix_nano in
 * the same pass. It is specialised for spans, attributes and scalar values
 * (the bulk of every request), so it costs a fraction of the generic
 * table-driven validator. No allocation, no copies; bounds-checked.
 *
 * sink_scan_ends() is the shallow variant for --no-check: it notes end
 * times only and ignores malformed parts (the caller validated the framing).
 *
 * Latency: struct sink_lat is a histogram of (now - span end), 10 buckets a
 * decade from 1 us. A scan adds to its pending part; sink_lat_commit() moves
 * that into the totals (request accepted), sink_lat_discard() drops it
 * (request refused or invalid). Spans of one request mostly share their end
 * time (a client stamps a batch at once), so a run of equal end times costs
 * one bucket computation.
 */
#ifndef SLUICE_TOOLS_SINK_SCAN_H
#define SLUICE_TOOLS_SINK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define SINK_LAT_BUCKETS 200

struct sink_lat {
	uint64_t now_ns;                  /* CLOCK_REALTIME of the request */
	uint64_t run_end, run_n;          /* run of equal end times not yet bucketed */
	uint64_t pend[SINK_LAT_BUCKETS];  /* this request's spans */
	unsigned pend_lo, pend_hi;        /* touched range of pend, lo > hi = none */
	uint64_t lat[SINK_LAT_BUCKETS];   /* accepted requests' spans */
	uint64_t n;                       /* spans in lat */
};

struct sink_scan_counts {
	uint32_t resource_spans;
	uint32_t scope_spans;
	uint64_t spans;
};

/* Deep check + counts (+ end times into lat->pend unless lat is NULL).
 * Returns 0, or -EBADMSG / -EPROTO / -ELOOP as otlp_wire_validate_request. */
int sink_scan_request(const uint8_t *body, size_t len, struct sink_scan_counts *c,
		      struct sink_lat *lat);

/* End times only, into lat->pend (request -> ResourceSpans -> ScopeSpans ->
 * Span field 8); stops quietly at the first malformed part. */
void sink_scan_ends(const uint8_t *body, size_t len, struct sink_lat *lat);

/* Latency histogram (sink_lat.c). */
void sink_lat_init(struct sink_lat *l);
/* Start a request: now_ns is the wall clock it is measured against. */
void sink_lat_begin(struct sink_lat *l, uint64_t now_ns);
/* Buckets the current run of equal end times (sink_lat_note's slow path). */
void sink_lat_flush_run(struct sink_lat *l);
/* One span's end time (0 = unset: ignored, as is an end in the future).
 * Inline: it runs once a span. */
static inline void sink_lat_note(struct sink_lat *l, uint64_t end_ns)
{
	if (end_ns == l->run_end) {
		l->run_n++;
		return;
	}
	sink_lat_flush_run(l);
	l->run_end = end_ns;
	l->run_n = 1;
}
void sink_lat_commit(struct sink_lat *l);
void sink_lat_discard(struct sink_lat *l);
/* Bucket of a latency, and the upper edge of a bucket in ns. */
unsigned sink_lat_bucket(uint64_t ns);
double sink_lat_bucket_ns(unsigned b);
/* Upper edge of the bucket holding quantile q (0..1) of the totals, ns. */
double sink_lat_pct(const struct sink_lat *l, double q);

#endif
