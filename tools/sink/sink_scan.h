/* tools/sink/sink_scan.h: how the sink reads a request body of any signal
 * (checked by otlp's validator, then its items' times read).
 *
 * sink_scan_request() checks a whole Export{Trace,Logs,Metrics}Service-
 * Request with the signal's otlp validator (otlp/signal.h: what ingest
 * accepts, the same negative errno for the first fault, the same counts)
 * and, given a latency histogram, then notes every item's time: a span's
 * end_time_unix_nano, a log record's time_unix_nano (its observed time when
 * that is 0), a data point's time_unix_nano. No allocation, no copies;
 * bounds-checked.
 *
 * sink_scan_ends() is the shallow variant for --no-check: it notes times
 * only and ignores malformed parts (the caller validated the framing).
 *
 * sink_scan_stream_*() is the incremental form for a body that arrives in
 * pieces: the same verdict, counts and times as sink_scan_request() on the
 * whole, holding (copying) only a top-level field (a ResourceSpans, -Logs or
 * -Metrics) that straddles pieces, so a large body is checked while it
 * arrives, from the receive buffers, and never gathered (sink_stream.c).
 * Every signal streams: the three requests have one shape (resources at
 * field 1), and each signal's validator checks one bare resource.
 *
 * Latency: a request's items go to a struct sink_lat_req (pending: the sink
 * decides whether it accepts a request after the pass that reads the times);
 * sink_lat_commit() adds them to a struct sink_lat (the totals),
 * sink_lat_discard() drops them. Buckets: 10 a decade from 1 us. Items of
 * one request mostly share their time (a client stamps a batch at once),
 * so a run of equal times costs one bucket computation.
 *
 * signal: enum otlp_signal (0 traces, 1 logs, 2 metrics); another value
 * is -EINVAL.
 */
#ifndef SLUICE_TOOLS_SINK_SCAN_H
#define SLUICE_TOOLS_SINK_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define SINK_LAT_BUCKETS 200

struct sink_lat_req {
	uint64_t now_ns;		 /* CLOCK_REALTIME of the request */
	uint64_t run_end, run_n;	 /* run of equal times not yet bucketed */
	uint64_t pend[SINK_LAT_BUCKETS]; /* this request's items */
	unsigned pend_lo, pend_hi;	 /* touched range of pend, lo > hi = none */
};

struct sink_lat {
	uint64_t lat[SINK_LAT_BUCKETS]; /* accepted requests' items */
	uint64_t n;			/* items in lat */
};

struct sink_scan_counts {
	uint32_t resources; /* ResourceSpans/-Logs/-Metrics */
	uint32_t scopes;
	uint64_t items; /* spans, log records, data points */
};

/* Deep check + counts (+ times into lat->pend unless lat is NULL).
 * Returns 0, or the validator's -EBADMSG / -EPROTO / -ELOOP / -EILSEQ. */
int sink_scan_request(int signal, const uint8_t *body, size_t len, struct sink_scan_counts *c,
		      struct sink_lat_req *lat);

/* One whole top-level field of a request (what sink_scan_request does for
 * each), counting into *c without zeroing it. size must be the field's exact
 * size. 0 or the negative errno. */
int sink_scan_top_field(int signal, const uint8_t *p, size_t size, struct sink_scan_counts *c,
			struct sink_lat_req *lat);

struct sink_scan_stream {
	int signal;
	struct sink_scan_counts c;
	struct sink_lat_req *lat; /* NULL: no times */
	int err;		  /* first fault; later bytes are ignored */
	uint8_t *carry;		  /* a top-level field split across pieces */
	size_t carry_len, carry_cap;
};
/* Start a body of signal (keeps the carry buffer of an earlier body). */
void sink_scan_stream_begin(struct sink_scan_stream *st, int signal, struct sink_lat_req *lat);
/* The next n bytes. 0, or -ENOMEM if the carry buffer could not grow (the
 * stream is then dead: end() returns -ENOMEM). */
int sink_scan_stream_feed(struct sink_scan_stream *st, const uint8_t *p, size_t n);
/* The body ended: the verdict of sink_scan_request on all bytes fed. */
int sink_scan_stream_end(struct sink_scan_stream *st);
void sink_scan_stream_free(struct sink_scan_stream *st);

/* Times only, into lat->pend; skips malformed items, stops quietly at the
 * first malformed resource or scope. */
void sink_scan_ends(int signal, const uint8_t *body, size_t len, struct sink_lat_req *lat);

/* Latency histogram (sink_lat.c). */
void sink_lat_req_init(struct sink_lat_req *r);
/* Start a request: now_ns is the wall clock its items are measured against. */
void sink_lat_begin(struct sink_lat_req *r, uint64_t now_ns);
/* Buckets the current run of equal end times (sink_lat_note's slow path). */
void sink_lat_flush_run(struct sink_lat_req *r);
/* One item's time (0 = unset: ignored, as is a time in the future).
 * Inline: it runs once an item. */
static inline void sink_lat_note(struct sink_lat_req *r, uint64_t end_ns)
{
	if (end_ns == r->run_end) {
		r->run_n++;
		return;
	}
	sink_lat_flush_run(r);
	r->run_end = end_ns;
	r->run_n = 1;
}
/* The request was accepted: its items join the totals. */
void sink_lat_commit(struct sink_lat_req *r, struct sink_lat *tot);
/* The request was refused or invalid: its items are forgotten. */
void sink_lat_discard(struct sink_lat_req *r);
/* Bucket of a latency, and the upper edge of a bucket in ns. */
unsigned sink_lat_bucket(uint64_t ns);
double sink_lat_bucket_ns(unsigned b);
/* Upper edge of the bucket holding quantile q (0..1) of the totals, ns. */
double sink_lat_pct(const struct sink_lat *l, double q);

#endif
