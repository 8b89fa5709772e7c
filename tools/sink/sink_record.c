/* What the sink does with a body: validate, count, keep, time, log. */
#include "tools/sink/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "net/gzip.h"
#include "otlp/wire.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

long sink_gunzip(struct sink *s, const uint8_t *in, size_t len)
{
	if (!s->scratch) {
		s->scratch_cap = s->max_body;
		s->scratch = malloc(s->scratch_cap);
		if (!s->scratch)
			return -ENOMEM;
	}
	return (long)gzip_decode(GZIP_FMT_GZIP, in, len, s->scratch, s->scratch_cap);
}

/* Latency buckets: 10 a decade from 1 us (bucket 0: < 1 us). */
static unsigned lat_bucket(uint64_t ns)
{
	if (ns < 1000)
		return 0;
	double l = 0;
	uint64_t v = ns / 1000;
	while (v >= 10) { /* whole decades */
		v /= 10;
		l += 1;
	}
	unsigned b = 1 + (unsigned)(l * 10);
	/* position inside the decade */
	uint64_t dec = 1000;
	for (int i = 0; i < (int)l; i++)
		dec *= 10;
	unsigned sub = (unsigned)((double)(ns - dec) / (double)(dec * 9) * 10.0);
	b += sub > 9 ? 9 : sub;
	return b >= SINK_LAT_BUCKETS ? SINK_LAT_BUCKETS - 1 : b;
}

static double lat_bucket_ns(unsigned b)
{
	if (b == 0)
		return 1000;
	unsigned dec = (b - 1) / 10, sub = (b - 1) % 10;
	double base = 1000;
	for (unsigned i = 0; i < dec; i++)
		base *= 10;
	return base + base * 9 * (sub + 1) / 10.0; /* upper edge */
}

static void walk_spans(struct sink *s, const uint8_t *body, size_t len)
{
	uint64_t now = clock_ns(CLOCK_REALTIME);
	struct otlp_wire_iter ir, is, ip;
	struct otlp_bytes rs, ss, sp;
	otlp_wire_iter_init(&ir, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
	while (otlp_wire_iter_next(&ir, &rs) > 0) {
		otlp_wire_iter_init(&is, rs, OTLP_F_RS_SCOPE_SPANS);
		while (otlp_wire_iter_next(&is, &ss) > 0) {
			otlp_wire_iter_init(&ip, ss, OTLP_F_SS_SPANS);
			while (otlp_wire_iter_next(&ip, &sp) > 0) {
				struct otlp_span span;
				if (otlp_wire_span(sp, &span) < 0)
					continue;
				if (s->latency && span.end_time_unix_nano && now > span.end_time_unix_nano) {
					s->lat[lat_bucket(now - span.end_time_unix_nano)]++;
					s->lat_n++;
				}
				if (s->digest) {
					for (size_t i = 0; i < span.trace_id.len; i++)
						fprintf(s->digest, "%02x", span.trace_id.p[i]);
					fputc(' ', s->digest);
					for (size_t i = 0; i < span.span_id.len; i++)
						fprintf(s->digest, "%02x", span.span_id.p[i]);
					fprintf(s->digest, " %.*s %llu\n", (int)span.name.len,
						(const char *)span.name.p,
						(unsigned long long)span.end_time_unix_nano);
				}
			}
		}
	}
}

struct sink_step sink_take(struct sink *s, const uint8_t *body, size_t len, bool *valid,
			   const char *proto)
{
	struct otlp_wire_counts c;
	struct sink_step st = { .act = SINK_CODE, .code = 400, .retry_after = -1, .count = 1 };
	s->requests++;
	if (s->nocheck) { /* benchmarks: frame walk and span count only */
		memset(&c, 0, sizeof(c));
		struct otlp_wire_iter it;
		struct otlp_bytes rs;
		int rc;
		otlp_wire_iter_init(&it, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
		while ((rc = otlp_wire_iter_next(&it, &rs)) > 0) {
			int64_t n = otlp_wire_count_spans(rs);
			if (n < 0) {
				rc = (int)n;
				break;
			}
			c.spans += (uint64_t)n;
			c.resource_spans++;
		}
		*valid = rc == 0;
	} else {
		*valid = otlp_wire_validate_request(body, len, &c, NULL) == 0;
	}
	uint32_t crc = s->log ? (uint32_t)crc32(0L, body, (uInt)len) : 0;
	uint64_t mono = clock_ns(CLOCK_MONOTONIC);
	if (*valid)
		st = sink_sched_next(&s->sched);
	else
		s->invalid++;
	char name[40];
	sink_step_name(&st, name, sizeof(name));
	if (s->log) {
		fprintf(s->log, "%llu %llu %s %s %llu %08x\n", (unsigned long long)(mono / 1000000ULL),
			(unsigned long long)s->requests, proto, *valid ? name : "invalid",
			*valid ? (unsigned long long)c.spans : 0ULL, crc);
		fflush(s->log);
	}
	if (!*valid || (st.act != SINK_OK && st.act != SINK_PARTIAL)) {
		s->refused++;
		return st;
	}
	s->accepted++;
	s->spans += c.spans;
	s->bytes += len;
	if (!s->first_ns)
		s->first_ns = mono;
	s->last_ns = mono;
	if (s->bodies) {
		uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
		fwrite(hdr, 1, 4, s->bodies);
		fwrite(body, 1, len, s->bodies);
		fflush(s->bodies);
	}
	if (s->latency || s->digest) {
		walk_spans(s, body, len);
		if (s->digest)
			fflush(s->digest);
	}
	if (s->exit_after_spans && s->spans >= s->exit_after_spans)
		net_loop_stop(s->loop);
	return st;
}

static double lat_pct(const struct sink *s, double q)
{
	uint64_t want = (uint64_t)(q * (double)s->lat_n), acc = 0;
	for (unsigned b = 0; b < SINK_LAT_BUCKETS; b++) {
		acc += s->lat[b];
		if (acc > want)
			return lat_bucket_ns(b);
	}
	return 0;
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
	if (s->latency && s->lat_n)
		fprintf(out, "sink: latency (now - span end) p50<=%.3f ms p99<=%.3f ms over %llu spans\n",
			lat_pct(s, 0.50) / 1e6, lat_pct(s, 0.99) / 1e6, (unsigned long long)s->lat_n);
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
