/* tools/sink/fuzz_sink_scan.c: the sink's body handling against otlp/'s
 * validators and decoders on the same bytes, for every signal (the first
 * input byte picks it: traces, logs, metrics; the rest is the body). The
 * whole-body scan calls the signal's validator, so what can differ is what
 * the sink adds: its time readers (for valid requests, the latency buckets
 * must be those of decoding every span, log record or data point with
 * otlp_wire_span / otlp_wire_log_record / otlp_wire_data_point), the stream
 * scanner, which sees the bytes in pieces and checks one top-level field at
 * a time (the same verdict, the same negative errno, the same counts), the
 * --no-check time walk and the --digest writer (on any bytes: they must
 * stay inside them). Any difference aborts.
 *
 * Built as a libFuzzer target (SLUICE_FUZZ), and without it as
 * sink_scan_diff: a fixed run over sluice-gen templates of each signal,
 * every truncation, every single-byte change and 20000 random few-byte
 * changes of the small ones, and the AnyValue depth limit (ctest
 * sink_scan_diff). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/signal.h"
#include "otlp/wire.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"
#include "tools/sink/sink.h"
#include "tools/sink/sink_scan.h"

#define NOW_NS 0x4000000000000000ull /* after most fuzzed times, before some */

static struct sink_lat_req lr, lr2, lr3;
static struct sink_lat lat, lat2;
static struct sink_scan_stream st;
static uint64_t want_lat[SINK_LAT_BUCKETS];
static FILE *devnull;

/* The same bytes through the stream, cut into pieces of pseudo-random
 * sizes (a function of the input, so a crash reproduces). */
static int stream_scan(int signal, const uint8_t *data, size_t size)
{
	uint64_t x = size * 0x9e3779b97f4a7c15ull ^ (size ? data[0] : 0);
	sink_lat_req_init(&lr2);
	sink_lat_begin(&lr2, NOW_NS);
	sink_scan_stream_begin(&st, signal, &lr2);
	for (size_t off = 0; off < size;) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		size_t n = 1 + (size_t)(x >> 33) % (1 + size / 3);
		if (n > size - off)
			n = size - off;
		if (sink_scan_stream_feed(&st, data + off, n) < 0)
			abort();
		off += n;
	}
	return sink_scan_stream_end(&st);
}

static void want_time(uint64_t t)
{
	if (t && NOW_NS > t)
		want_lat[sink_lat_bucket(NOW_NS - t)]++;
}

static int expect_span(void *arg, const struct otlp_span *span, int rc)
{
	(void)arg;
	if (rc < 0)
		abort(); /* a valid request has valid items */
	want_time(span->end_time_unix_nano);
	return 0;
}

static int expect_log(void *arg, const struct otlp_log_record *r, int rc)
{
	(void)arg;
	if (rc < 0)
		abort();
	want_time(r->time_unix_nano ? r->time_unix_nano : r->observed_time_unix_nano);
	return 0;
}

static int expect_point(void *arg, const struct otlp_data_point *dp, int rc)
{
	(void)arg;
	if (rc < 0)
		abort();
	want_time(dp->time_unix_nano);
	return 0;
}

static int expect_metric(void *arg, const struct otlp_metric *m, int rc)
{
	if (rc < 0 || otlp_wire_each_data_point(m, expect_point, arg) < 0)
		abort();
	return 0;
}

static void expect_times(int signal, const uint8_t *data, size_t size)
{
	struct otlp_bytes req = { data, size };
	if (signal == OTLP_SIGNAL_TRACES)
		otlp_wire_each_span(req, expect_span, NULL);
	else if (signal == OTLP_SIGNAL_LOGS)
		otlp_wire_each_log_record(req, expect_log, NULL);
	else
		otlp_wire_each_metric(req, expect_metric, NULL);
}

/* One body of one signal. */
static void check_body(int signal, const uint8_t *data, size_t size)
{
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)signal);
	struct otlp_wire_counts want;
	struct sink_scan_counts got;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	sink_lat_req_init(&lr);
	sink_lat_begin(&lr, NOW_NS);
	memset(&lat, 0, sizeof(lat));
	memset(&lat2, 0, sizeof(lat2));
	int a = sd->validate_request(data, size, &want, NULL);
	int b = sink_scan_request(signal, data, size, &got, &lr);
	int c = stream_scan(signal, data, size);
	/* --no-check and --digest walk any bytes (the shallow count let them in) */
	sink_lat_req_init(&lr3);
	sink_lat_begin(&lr3, NOW_NS);
	sink_scan_ends(signal, data, size, &lr3);
	sink_lat_discard(&lr3);
	sink_digest(devnull, signal, data, size);
	if (a != b || a != c) {
		fprintf(stderr, "%s: verdicts differ: otlp %d sink %d stream %d\n", sd->name, a, b, c);
		abort();
	}
	if (a < 0) {
		sink_lat_discard(&lr);
		sink_lat_discard(&lr2);
		return;
	}
	if (want.items != got.items || want.resources != got.resources || want.scopes != got.scopes ||
	    st.c.items != got.items || st.c.resources != got.resources || st.c.scopes != got.scopes)
		abort();
	memset(want_lat, 0, sizeof(want_lat));
	expect_times(signal, data, size);
	sink_lat_commit(&lr, &lat);
	sink_lat_commit(&lr2, &lat2);
	if (memcmp(want_lat, lat.lat, sizeof(want_lat)) != 0 ||
	    memcmp(want_lat, lat2.lat, sizeof(want_lat)) != 0) {
		fprintf(stderr, "%s: latency buckets differ from the decoders'\n", sd->name);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	check_body(data[0] % OTLP_SIGNAL_COUNT, data + 1, size - 1);
	return 0;
}

#ifdef SINK_SCAN_STANDALONE
#include "tools/gen/gen_req.h"

/* Wraps buf[0..*n) as field num (LEN) in place; cap is the buffer size. */
static void wrap(uint8_t *buf, size_t *n, size_t cap, uint32_t num)
{
	uint8_t hdr[8];
	uint8_t *h = otlp_wire_put_varint(hdr, (uint64_t)num << 3 | OTLP_WT_LEN);
	h = otlp_wire_put_varint(h, *n);
	size_t hl = (size_t)(h - hdr);
	if (*n + hl > cap)
		abort();
	memmove(buf + hl, buf, *n);
	memcpy(buf, hdr, hl);
	*n += hl;
}

/* A request whose one item has an attribute of depth AnyValues nested in
 * arrays: OTLP_WIRE_MAX_DEPTH is fine, one more is -ELOOP. The attribute
 * is a Span's (field 9) or a LogRecord's (field 6). */
static int nested(int signal, unsigned depth)
{
	static uint8_t buf[4096];
	size_t n = 2;
	buf[0] = 0x18; /* int_value 1 */
	buf[1] = 0x01;
	for (unsigned d = 1; d < depth; d++) {
		wrap(buf, &n, sizeof(buf), 1); /* ArrayValue.values */
		wrap(buf, &n, sizeof(buf), 5); /* AnyValue.array_value */
	}
	wrap(buf, &n, sizeof(buf), 2); /* KeyValue.value */
	memmove(buf + 3, buf, n);
	memcpy(buf, "\x0a\x01k", 3);
	n += 3;
	wrap(buf, &n, sizeof(buf), signal == OTLP_SIGNAL_LOGS ? 6 : 9); /* item.attributes */
	wrap(buf, &n, sizeof(buf), 2);					/* Scope*.items */
	wrap(buf, &n, sizeof(buf), 2);					/* Resource*.scope_* */
	wrap(buf, &n, sizeof(buf), 1);					/* request.resource_* */
	check_body(signal, buf, n);
	struct sink_scan_counts c;
	return sink_scan_request(signal, buf, n, &c, NULL);
}

/* Feeds body in pieces of n bytes; the verdict and counts must be the
 * whole-body scan's. */
static int fixed_pieces(int signal, const uint8_t *body, size_t len, size_t n)
{
	struct sink_scan_counts whole;
	int a = sink_scan_request(signal, body, len, &whole, NULL);
	sink_scan_stream_begin(&st, signal, NULL);
	for (size_t off = 0; off < len; off += n)
		if (sink_scan_stream_feed(&st, body + off, len - off < n ? len - off : n) < 0)
			return -1;
	int b = sink_scan_stream_end(&st);
	return a == b && (a < 0 || (whole.items == st.c.items && whole.resources == st.c.resources)) ? 0 : -1;
}

static int build(int signal, struct gen_req *r, uint32_t n, uint32_t attrs, uint64_t run)
{
	if (signal == OTLP_SIGNAL_LOGS)
		return gen_req_build_logs(r, n, attrs, 0.5, "svc", run);
	if (signal == OTLP_SIGNAL_METRICS)
		return gen_req_build_metrics(r, n, attrs, 3, GEN_MT_ALL, "svc", run);
	return gen_req_build(r, n, attrs, "svc", run);
}

/* Three requests back to back make one of three resources: fed in pieces
 * of every size that cuts fields differently, then cut short. */
static int three_resources(int signal)
{
	struct gen_req r[3];
	size_t len = 0;
	for (int i = 0; i < 3; i++) {
		if (build(signal, &r[i], 10 + 20 * (uint32_t)i, 4, (uint64_t)i) < 0)
			return -1;
		gen_req_stamp_any(&r[i], 1, NOW_NS - 1000);
		len += r[i].len;
	}
	uint8_t *body = malloc(len);
	int rc = body ? 0 : -1;
	for (size_t i = 0, off = 0; body && i < 3; off += r[i].len, i++)
		memcpy(body + off, r[i].buf, r[i].len);
	static const size_t pieces[] = { 1, 2, 3, 5, 7, 15, 16, 64, 1000, 4096, 1u << 20 };
	for (size_t k = 0; rc == 0 && k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		rc |= fixed_pieces(signal, body, len, pieces[k]);
		rc |= fixed_pieces(signal, body, len - 1, pieces[k]); /* truncated: -EBADMSG both ways */
		rc |= fixed_pieces(signal, body, r[0].len + 3, pieces[k]);
	}
	free(body);
	for (int i = 0; i < 3; i++)
		gen_req_free(&r[i]);
	return rc;
}

/* Every prefix, every one-byte change and random few-byte changes of a
 * small template. Returns the inputs run. */
static unsigned long mutate(int signal, const struct gen_req *r)
{
	unsigned long runs = 0;
	uint8_t *m = malloc(r->len);
	if (!m)
		abort();
	for (size_t n = 0; n < r->len; n++, runs++)
		check_body(signal, r->buf, n);
	for (size_t i = 0; i < r->len; i++) {
		static const uint8_t vals[] = { 0x00, 0x01, 0x07, 0x0a, 0x12, 0x41, 0x7f, 0x80, 0xff };
		for (size_t v = 0; v < sizeof(vals); v++, runs++) {
			memcpy(m, r->buf, r->len);
			m[i] = vals[v];
			check_body(signal, m, r->len);
			m[i] = (uint8_t)(r->buf[i] ^ (1u << (v % 8)));
			check_body(signal, m, r->len);
		}
	}
	uint64_t x = 88172645463325252ull; /* xorshift64: a fixed sequence */
	for (unsigned k = 0; k < 20000; k++, runs++) {
		memcpy(m, r->buf, r->len);
		for (unsigned j = 0; j < 1 + k % 4; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			m[(x >> 8) % r->len] = (uint8_t)x;
		}
		check_body(signal, m, r->len);
	}
	free(m);
	return runs;
}

int main(void)
{
	static const uint32_t sizes[][2] = { { 1, 0 }, { 3, 9 }, { 64, 8 }, { 512, 8 } };
	unsigned long runs = 0;
	for (int signal = 0; signal < OTLP_SIGNAL_COUNT; signal++) {
		const char *name = otlp_signal_get((enum otlp_signal)signal)->name;
		if (three_resources(signal) < 0) {
			fprintf(stderr, "%s: stream scan differs from the whole-body scan\n", name);
			return 1;
		}
		if (signal != OTLP_SIGNAL_METRICS && (nested(signal, OTLP_WIRE_MAX_DEPTH) != 0 ||
						      nested(signal, OTLP_WIRE_MAX_DEPTH + 1) != -ELOOP)) {
			fprintf(stderr, "%s: AnyValue depth limit not where otlp/ puts it\n", name);
			return 1;
		}
		for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
			struct gen_req r;
			if (build(signal, &r, sizes[t][0], sizes[t][1], 7) < 0)
				return 1;
			gen_req_stamp_any(&r, 1000, NOW_NS - 5000000);
			check_body(signal, r.buf, r.len);
			runs++;
			if (lat.n != sizes[t][0] || lat2.n != sizes[t][0]) { /* every item measured */
				fprintf(stderr, "%s: latency counted %llu of %u items\n", name,
					(unsigned long long)lat.n, sizes[t][0]);
				return 1;
			}
			if (r.len < 4096)
				runs += mutate(signal, &r);
			gen_req_free(&r);
		}
	}
	printf("sink_scan_diff: %lu inputs over traces, logs and metrics, same verdicts, counts and "
	       "times as otlp's validators and decoders\n",
	       runs);
	if (devnull)
		fclose(devnull);
	return 0;
}
#endif
