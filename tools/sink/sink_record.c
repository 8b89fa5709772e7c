/* What the sink does with a body: validate, count, keep, time, log; and
 * the summary. */
#include "tools/sink/sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
	if ((unsigned)codec < CODEC_COUNT)
		s->decoded[codec]++;
	return (long)codec_decode(&s->cx, (enum codec)codec, in, len, s->scratch, s->scratch_cap);
}

/* --no-check: the frame walk and item count only (no field checks). */
static int count_shallow(int signal, const uint8_t *body, size_t len, struct sink_scan_counts *c)
{
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)signal);
	struct otlp_wire_iter it;
	struct otlp_bytes res;
	int rc;
	memset(c, 0, sizeof(*c));
	otlp_wire_iter_init(&it, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
	while ((rc = otlp_wire_iter_next(&it, &res)) > 0) {
		int64_t n = sd->count_items(res);
		if (n < 0)
			return (int)n;
		c->items += (uint64_t)n;
		c->resources++;
	}
	return rc;
}

static void put_framed(FILE *f, const uint8_t *body, size_t len)
{
	uint8_t hdr[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len };
	fwrite(hdr, 1, 4, f);
	fwrite(body, 1, len, f);
	fflush(f);
}

/* After the check, whichever way it ran: the schedule, the log line, the
 * counters and what is kept. body is NULL for a streamed body (then
 * sink_can_stream() said nothing here needs it). */
static struct sink_step take_finish(struct sink *s, int signal, const uint8_t *body, size_t len,
				    const struct sink_scan_counts *c, bool valid, struct sink_lat_req *lr,
				    const char *proto)
{
	struct sink_sig *sg = &s->sig[signal];
	struct sink_step st = { .act = SINK_CODE, .code = 400, .retry_after = -1, .count = 1 };
	s->requests++;
	sg->requests++;
	uint32_t crc = s->log && body ? (uint32_t)crc32(0L, body, (uInt)len) : 0;
	uint64_t mono = rt_mono_ns();
	if (valid) {
		st = sink_sched_next(&s->sched);
	} else {
		s->invalid++;
		sg->invalid++;
	}
	char name[40];
	sink_step_name(&st, name, sizeof(name));
	if (s->log) {
		fprintf(s->log, "%llu %llu %s %s %llu %08x %s\n", (unsigned long long)(mono / 1000000ULL),
			(unsigned long long)s->requests, proto, valid ? name : "invalid",
			valid ? (unsigned long long)c->items : 0ULL, crc,
			otlp_signal_get((enum otlp_signal)signal)->name);
		fflush(s->log);
	}
	if (!valid || (st.act != SINK_OK && st.act != SINK_PARTIAL)) {
		s->refused++;
		sg->refused++;
		if (lr)
			sink_lat_discard(lr);
		return st;
	}
	if (lr)
		sink_lat_commit(lr, &sg->lat);
	s->accepted++;
	sg->accepted++;
	sg->items += c->items;
	s->bytes += len;
	sg->bytes += len;
	if (!s->first_ns)
		s->first_ns = mono;
	if (!sg->first_ns)
		sg->first_ns = mono;
	s->last_ns = sg->last_ns = mono;
	if (sg->bodies && body)
		put_framed(sg->bodies, body, len);
	if (sg->digest && body) {
		sink_digest(sg->digest, signal, body, len);
		fflush(sg->digest);
	}
	uint64_t all = 0;
	for (int k = 0; k < OTLP_SIGNAL_COUNT; k++)
		all += s->sig[k].items;
	if ((s->exit_after_spans && s->sig[OTLP_SIGNAL_TRACES].items >= s->exit_after_spans) ||
	    (s->exit_after_items && all >= s->exit_after_items))
		net_loop_stop(s->loop);
	return st;
}

struct sink_step sink_take(struct sink *s, int signal, const uint8_t *body, size_t len, bool *valid,
			   const char *proto)
{
	struct sink_scan_counts c;
	/* One wall-clock read a request: every item is measured against it. */
	struct sink_lat_req *lr = s->latency ? &s->lat_req : NULL;
	if (lr)
		sink_lat_begin(lr, rt_real_ns());
	if (s->nocheck) { /* benchmarks: frame walk and item count only */
		*valid = count_shallow(signal, body, len, &c) == 0;
		if (*valid && lr)
			sink_scan_ends(signal, body, len, lr);
	} else { /* deep check and counts (otlp validator), then times */
		*valid = sink_scan_request(signal, body, len, &c, lr) == 0;
	}
	return take_finish(s, signal, body, len, &c, *valid, lr, proto);
}

struct sink_step sink_take_json(struct sink *s, int signal, const uint8_t *body, size_t len, bool *valid,
				char *why, size_t why_len)
{
	if (otlp_json_to_pb_signal((enum otlp_signal)signal, (const char *)body, len, &s->json, why,
				   why_len) < 0) {
		struct sink_scan_counts c = { 0 };
		*valid = false;
		return take_finish(s, signal, body, len, &c, false, NULL, "http/json");
	}
	if (why_len)
		snprintf(why, why_len, "not a valid %s",
			 otlp_signal_get((enum otlp_signal)signal)->request_name);
	return sink_take(s, signal, s->json.data, s->json.len, valid, "http/json");
}

bool sink_can_stream(const struct sink *s, int signal)
{
	return !s->nocheck && !s->sig[signal].bodies && !s->sig[signal].digest && !s->log;
}

void sink_stream_begin(struct sink *s, struct sink_scan_stream *st, int signal, struct sink_lat_req *lr)
{
	if (s->latency)
		sink_lat_begin(lr, rt_real_ns());
	s->streamed++;
	sink_scan_stream_begin(st, signal, s->latency ? lr : NULL);
}

struct sink_step sink_stream_end(struct sink *s, struct sink_scan_stream *st, size_t len, bool *valid,
				 const char *proto)
{
	*valid = sink_scan_stream_end(st) == 0;
	return take_finish(s, st->signal, NULL, len, &st->c, *valid, st->lat, proto);
}

/* Per-signal lines: the Collector's item names (spans, log_records,
 * metric_points ... here data_points, what the sink counts). */
static void summary_signal(const struct sink *s, int k, FILE *out)
{
	static const char *const words[] = { "spans", "log_records", "data_points" };
	static const char *const lat_of[] = { "span end", "log time", "point time" };
	const struct sink_sig *sg = &s->sig[k];
	const char *name = otlp_signal_get((enum otlp_signal)k)->name;
	fprintf(out, "sink: %s requests=%llu accepted=%llu refused=%llu invalid=%llu %s=%llu bytes=%llu\n",
		name, (unsigned long long)sg->requests, (unsigned long long)sg->accepted,
		(unsigned long long)sg->refused, (unsigned long long)sg->invalid, words[k],
		(unsigned long long)sg->items, (unsigned long long)sg->bytes);
	double secs = sg->last_ns > sg->first_ns ? (double)(sg->last_ns - sg->first_ns) / 1e9 : 0;
	if (secs > 0 && k != OTLP_SIGNAL_TRACES)
		fprintf(out, "sink: %s first-to-last %.3f s, %.0f %s/s, %.1f MB/s\n", name, secs,
			(double)sg->items / secs, words[k], (double)sg->bytes / secs / 1e6);
	if (s->latency && sg->lat.n)
		fprintf(out, "sink: %slatency (now - %s) p50<=%.3f ms p99<=%.3f ms over %llu %s\n",
			k == OTLP_SIGNAL_TRACES ? ""
			: k == OTLP_SIGNAL_LOGS ? "logs "
						: "metrics ",
			lat_of[k], sink_lat_pct(&sg->lat, 0.50) / 1e6, sink_lat_pct(&sg->lat, 0.99) / 1e6,
			(unsigned long long)sg->lat.n, words[k]);
}

void sink_summary(struct sink *s, FILE *out)
{
	const struct sink_sig *tr = &s->sig[OTLP_SIGNAL_TRACES];
	/* The first two lines as before logs and metrics: totals, spans, and
	 * the traces' rate (scripts read them). */
	fprintf(out,
		"sink: requests=%llu accepted=%llu refused=%llu invalid=%llu spans=%llu bytes=%llu connections=%llu\n",
		(unsigned long long)s->requests, (unsigned long long)s->accepted,
		(unsigned long long)s->refused, (unsigned long long)s->invalid, (unsigned long long)tr->items,
		(unsigned long long)s->bytes, (unsigned long long)s->conns);
	double secs = tr->last_ns > tr->first_ns ? (double)(tr->last_ns - tr->first_ns) / 1e9 : 0;
	if (secs > 0)
		fprintf(out, "sink: first-to-last %.3f s, %.0f spans/s, %.1f MB/s\n", secs,
			(double)tr->items / secs, (double)tr->bytes / secs / 1e6);
	for (int k = 0; k < OTLP_SIGNAL_COUNT; k++)
		if (s->sig[k].requests || (k == OTLP_SIGNAL_TRACES && s->latency && tr->lat.n))
			summary_signal(s, k, out);
	if (s->streamed)
		fprintf(out, "sink: %llu requests checked while they arrived\n",
			(unsigned long long)s->streamed);
	bool any = false;
	for (int c = CODEC_NONE + 1; c < CODEC_COUNT; c++)
		if (s->decoded[c]) {
			fprintf(out, "%s %s=%llu", any ? "" : "sink: compressed bodies",
				codec_name((enum codec)c), (unsigned long long)s->decoded[c]);
			any = true;
		}
	if (any)
		fputc('\n', out);
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

bool sink_has_required(const struct sink *s, const char *name, size_t name_len, const char *value,
		       size_t value_len)
{
	return name_len == s->req_name_len && !strncasecmp(name, s->req_name, name_len) &&
	       value_len == strlen(s->req_value) && !memcmp(value, s->req_value, value_len);
}
