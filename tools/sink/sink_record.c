/* What the sink does with a body: validate, count, keep, time, log. */
#include "tools/sink/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "net/codec.h"
#include "otlp/wire.h"
#include "rt/clock.h"


long sink_decode(struct sink *s, int codec, const uint8_t *in, size_t len)
{
	if (!s->scratch) {
		s->scratch_cap = s->max_body;
		s->scratch = malloc(s->scratch_cap);
		if (!s->scratch)
			return -ENOMEM;
	}
	return (long)codec_decode(&s->cx, (enum codec)codec, in, len, s->scratch, s->scratch_cap);
}

/* --digest: one line per span (ids, name, end time). Not a benchmark path:
 * it writes text for every span. Malformed spans are skipped. */
static int digest_span(void *arg, const struct otlp_span *span, int rc)
{
	FILE *out = arg;
	if (rc < 0)
		return 0;
	for (size_t i = 0; i < span->trace_id.len; i++)
		fprintf(out, "%02x", span->trace_id.p[i]);
	fputc(' ', out);
	for (size_t i = 0; i < span->span_id.len; i++)
		fprintf(out, "%02x", span->span_id.p[i]);
	fprintf(out, " %.*s %llu\n", (int)span->name.len, (const char *)span->name.p,
		(unsigned long long)span->end_time_unix_nano);
	return 0;
}

static void digest_spans(struct sink *s, const uint8_t *body, size_t len)
{
	otlp_wire_each_span((struct otlp_bytes){ body, len }, digest_span, s->digest);
}

/* --no-check: the frame walk and span count only (no field checks). */
static int count_shallow(const uint8_t *body, size_t len, struct sink_scan_counts *c)
{
	struct otlp_wire_iter it;
	struct otlp_bytes rs;
	int rc;
	memset(c, 0, sizeof(*c));
	otlp_wire_iter_init(&it, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
	while ((rc = otlp_wire_iter_next(&it, &rs)) > 0) {
		int64_t n = otlp_wire_count_spans(rs);
		if (n < 0)
			return (int)n;
		c->spans += (uint64_t)n;
		c->resource_spans++;
	}
	return rc;
}

/* After the check, whichever way it ran: the schedule, the log line, the
 * counters and what is kept. body is NULL for a streamed body (then
 * sink_can_stream() said nothing here needs it). */
static struct sink_step take_finish(struct sink *s, const uint8_t *body, size_t len,
				    const struct sink_scan_counts *c, bool valid,
				    struct sink_lat_req *lr, const char *proto)
{
	struct sink_step st = { .act = SINK_CODE, .code = 400, .retry_after = -1, .count = 1 };
	s->requests++;
	uint32_t crc = s->log && body ? (uint32_t)crc32(0L, body, (uInt)len) : 0;
	uint64_t mono = rt_mono_ns();
	if (valid)
		st = sink_sched_next(&s->sched);
	else
		s->invalid++;
	char name[40];
	sink_step_name(&st, name, sizeof(name));
	if (s->log) {
		fprintf(s->log, "%llu %llu %s %s %llu %08x\n", (unsigned long long)(mono / 1000000ULL),
			(unsigned long long)s->requests, proto, valid ? name : "invalid",
			valid ? (unsigned long long)c->spans : 0ULL, crc);
		fflush(s->log);
	}
	if (!valid || (st.act != SINK_OK && st.act != SINK_PARTIAL)) {
		s->refused++;
		if (lr)
			sink_lat_discard(lr);
		return st;
	}
	if (lr)
		sink_lat_commit(lr, &s->lat);
	s->accepted++;
	s->spans += c->spans;
	s->bytes += len;
	if (!s->first_ns)
		s->first_ns = mono;
	s->last_ns = mono;
	if (s->bodies && body) {
		uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
		fwrite(hdr, 1, 4, s->bodies);
		fwrite(body, 1, len, s->bodies);
		fflush(s->bodies);
	}
	if (s->digest && body) {
		digest_spans(s, body, len);
		fflush(s->digest);
	}
	if (s->exit_after_spans && s->spans >= s->exit_after_spans)
		net_loop_stop(s->loop);
	return st;
}

struct sink_step sink_take(struct sink *s, const uint8_t *body, size_t len, bool *valid,
			   const char *proto)
{
	struct sink_scan_counts c;
	/* One wall-clock read a request: every span is measured against it. */
	struct sink_lat_req *lr = s->latency ? &s->lat_req : NULL;
	if (lr)
		sink_lat_begin(lr, rt_real_ns());
	if (s->nocheck) { /* benchmarks: frame walk and span count only */
		*valid = count_shallow(body, len, &c) == 0;
		if (*valid && lr)
			sink_scan_ends(body, len, lr);
	} else { /* deep check and counts (otlp validator), then end times */
		*valid = sink_scan_request(body, len, &c, lr) == 0;
	}
	return take_finish(s, body, len, &c, *valid, lr, proto);
}

bool sink_can_stream(const struct sink *s)
{
	return !s->nocheck && !s->bodies && !s->digest && !s->log;
}

void sink_stream_begin(struct sink *s, struct sink_scan_stream *st, struct sink_lat_req *lr)
{
	if (s->latency)
		sink_lat_begin(lr, rt_real_ns());
	sink_scan_stream_begin(st, s->latency ? lr : NULL);
}

struct sink_step sink_stream_end(struct sink *s, struct sink_scan_stream *st, size_t len,
				 bool *valid, const char *proto)
{
	*valid = sink_scan_stream_end(st) == 0;
	return take_finish(s, NULL, len, &st->c, *valid, st->lat, proto);
}

void sink_summary(struct sink *s, FILE *out)
{
	double secs = s->last_ns > s->first_ns ? (double)(s->last_ns - s->first_ns) / 1e9 : 0;
	fprintf(out, "sink: requests=%llu accepted=%llu refused=%llu invalid=%llu spans=%llu bytes=%llu connections=%llu\n",
		(unsigned long long)s->requests, (unsigned long long)s->accepted,
		(unsigned long long)s->refused, (unsigned long long)s->invalid,
		(unsigned long long)s->spans, (unsigned long long)s->bytes,
		(unsigned long long)s->conns);
	if (secs > 0)
		fprintf(out, "sink: first-to-last %.3f s, %.0f spans/s, %.1f MB/s\n", secs,
			(double)s->spans / secs, (double)s->bytes / secs / 1e6);
	if (s->latency && s->lat.n)
		fprintf(out, "sink: latency (now - span end) p50<=%.3f ms p99<=%.3f ms over %llu spans\n",
			sink_lat_pct(&s->lat, 0.50) / 1e6, sink_lat_pct(&s->lat, 0.99) / 1e6,
			(unsigned long long)s->lat.n);
	fflush(out);
}

void sink_link_add(struct sink *s, struct sink_link *l)
{
	if (!s->conns_list.next)
		s->conns_list.next = s->conns_list.prev = &s->conns_list;
	l->next = s->conns_list.next;
	l->prev = &s->conns_list;
	l->next->prev = l;
	s->conns_list.next = l;
}

void sink_link_del(struct sink_link *l)
{
	if (l->next) {
		l->next->prev = l->prev;
		l->prev->next = l->next;
	}
	l->next = l->prev = NULL;
}
