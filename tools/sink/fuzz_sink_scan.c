/* tools/sink/fuzz_sink_scan.c: the sink's body scanner against otlp/'s
 * validator on the same bytes. The whole-body scan calls that validator, so
 * what can differ is what the sink adds: its end-time reader (for valid
 * requests, the latency buckets must be those of decoding every span with
 * otlp_wire_span) and the stream scanner, which sees the bytes in pieces
 * and checks one top-level field at a time (the same verdict, the same
 * negative errno, the same counts). Any difference aborts.
 *
 * Built as a libFuzzer target (SLUICE_FUZZ), and without it as
 * sink_scan_diff: a fixed run over sluice-gen templates, every truncation,
 * every single-byte change and 20000 random few-byte changes of the small
 * ones, and the AnyValue depth limit (ctest sink_scan_diff). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire.h"
#include "tools/sink/sink_scan.h"

#define NOW_NS 0x4000000000000000ull /* after most fuzzed end times, before some */

static struct sink_lat_req lr, lr2;
static struct sink_lat lat, lat2;
static struct sink_scan_stream st;
static uint64_t want_lat[SINK_LAT_BUCKETS];

/* The same bytes through the stream, cut into pieces of pseudo-random
 * sizes (a function of the input, so a crash reproduces). */
static int stream_scan(const uint8_t *data, size_t size)
{
	uint64_t x = size * 0x9e3779b97f4a7c15ull ^ (size ? data[0] : 0);
	sink_lat_req_init(&lr2);
	sink_lat_begin(&lr2, NOW_NS);
	sink_scan_stream_begin(&st, &lr2);
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

static int expect_end(void *arg, const struct otlp_span *span, int rc)
{
	(void)arg;
	if (rc < 0)
		abort(); /* a valid request has valid spans */
	uint64_t e = span->end_time_unix_nano;
	if (e && NOW_NS > e)
		want_lat[sink_lat_bucket(NOW_NS - e)]++;
	return 0;
}

static void expect_ends(const uint8_t *data, size_t size)
{
	otlp_wire_each_span((struct otlp_bytes){ data, size }, expect_end, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_wire_counts want;
	struct sink_scan_counts got;

	sink_lat_req_init(&lr);
	sink_lat_begin(&lr, NOW_NS);
	memset(&lat, 0, sizeof(lat));
	memset(&lat2, 0, sizeof(lat2));
	int a = otlp_wire_validate_request(data, size, &want, NULL);
	int b = sink_scan_request(data, size, &got, &lr);
	int c = stream_scan(data, size);
	if (a != b || a != c) {
		fprintf(stderr, "verdicts differ: otlp %d sink %d stream %d\n", a, b, c);
		abort();
	}
	if (a < 0) {
		sink_lat_discard(&lr);
		sink_lat_discard(&lr2);
		return 0;
	}
	if (want.spans != got.spans || want.resource_spans != got.resource_spans ||
	    want.scope_spans != got.scope_spans || st.c.spans != got.spans ||
	    st.c.resource_spans != got.resource_spans || st.c.scope_spans != got.scope_spans)
		abort();
	memset(want_lat, 0, sizeof(want_lat));
	expect_ends(data, size);
	sink_lat_commit(&lr, &lat);
	sink_lat_commit(&lr2, &lat2);
	if (memcmp(want_lat, lat.lat, sizeof(want_lat)) != 0 ||
	    memcmp(want_lat, lat2.lat, sizeof(want_lat)) != 0)
		abort();
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

/* A request whose one span has an attribute of depth AnyValues nested in
 * arrays: OTLP_WIRE_MAX_DEPTH is fine, one more is -ELOOP. */
static int nested(unsigned depth)
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
	wrap(buf, &n, sizeof(buf), 9); /* Span.attributes */
	wrap(buf, &n, sizeof(buf), 2); /* ScopeSpans.spans */
	wrap(buf, &n, sizeof(buf), 2); /* ResourceSpans.scope_spans */
	wrap(buf, &n, sizeof(buf), 1); /* request.resource_spans */
	LLVMFuzzerTestOneInput(buf, n);
	struct sink_scan_counts c;
	return sink_scan_request(buf, n, &c, NULL);
}

/* Feeds body in pieces of n bytes; the verdict and counts must be the
 * whole-body scan's. */
static int fixed_pieces(const uint8_t *body, size_t len, size_t n)
{
	struct sink_scan_counts whole;
	int a = sink_scan_request(body, len, &whole, NULL);
	sink_scan_stream_begin(&st, NULL);
	for (size_t off = 0; off < len; off += n)
		if (sink_scan_stream_feed(&st, body + off, len - off < n ? len - off : n) < 0)
			return -1;
	int b = sink_scan_stream_end(&st);
	return a == b && (a < 0 || (whole.spans == st.c.spans &&
				    whole.resource_spans == st.c.resource_spans)) ? 0 : -1;
}

/* Three requests back to back make one of three ResourceSpans: fed in
 * pieces of every size that cuts fields differently, then cut short. */
static int three_rs(void)
{
	struct gen_req r[3];
	size_t len = 0;
	for (int i = 0; i < 3; i++) {
		if (gen_req_build(&r[i], 10 + 20 * (uint32_t)i, 4, "svc", (uint64_t)i) < 0)
			return -1;
		gen_req_stamp(&r[i], 1, NOW_NS - 1000);
		len += r[i].len;
	}
	uint8_t *body = malloc(len);
	int rc = body ? 0 : -1;
	for (size_t i = 0, off = 0; body && i < 3; off += r[i].len, i++)
		memcpy(body + off, r[i].buf, r[i].len);
	static const size_t pieces[] = { 1, 2, 3, 5, 7, 15, 16, 64, 1000, 4096, 1u << 20 };
	for (size_t k = 0; rc == 0 && k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		rc |= fixed_pieces(body, len, pieces[k]);
		rc |= fixed_pieces(body, len - 1, pieces[k]); /* truncated: -EBADMSG both ways */
		rc |= fixed_pieces(body, r[0].len + 3, pieces[k]);
	}
	free(body);
	for (int i = 0; i < 3; i++)
		gen_req_free(&r[i]);
	return rc;
}

int main(void)
{
	if (three_rs() < 0) {
		fprintf(stderr, "stream scan differs from the whole-body scan\n");
		return 1;
	}
	if (nested(OTLP_WIRE_MAX_DEPTH) != 0 || nested(OTLP_WIRE_MAX_DEPTH + 1) != -ELOOP) {
		fprintf(stderr, "AnyValue depth limit not where otlp/ puts it\n");
		return 1;
	}
	static const uint32_t sizes[][2] = { { 1, 0 }, { 3, 9 }, { 64, 8 }, { 512, 8 } };
	unsigned long runs = 0;
	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
		struct gen_req r;
		if (gen_req_build(&r, sizes[t][0], sizes[t][1], "svc", 7) < 0)
			return 1;
		gen_req_stamp(&r, 1000, NOW_NS - 5000000);
		LLVMFuzzerTestOneInput(r.buf, r.len);
		runs++;
		if (lat.n != sizes[t][0] || lat2.n != sizes[t][0]) { /* every span measured */
			fprintf(stderr, "latency counted %llu of %u spans\n",
				(unsigned long long)lat.n, sizes[t][0]);
			return 1;
		}
		if (r.len < 4096) { /* every prefix and every one-byte change */
			uint8_t *m = malloc(r.len);
			if (!m)
				return 1;
			for (size_t n = 0; n < r.len; n++, runs++)
				LLVMFuzzerTestOneInput(r.buf, n);
			for (size_t i = 0; i < r.len; i++) {
				static const uint8_t vals[] = { 0x00, 0x01, 0x07, 0x0a, 0x12, 0x41, 0x7f,
								0x80, 0xff };
				for (size_t v = 0; v < sizeof(vals); v++, runs++) {
					memcpy(m, r.buf, r.len);
					m[i] = vals[v];
					LLVMFuzzerTestOneInput(m, r.len);
					m[i] = (uint8_t)(r.buf[i] ^ (1u << (v % 8)));
					LLVMFuzzerTestOneInput(m, r.len);
				}
			}
			uint64_t x = 88172645463325252ull; /* xorshift64: a fixed sequence */
			for (unsigned k = 0; k < 20000; k++, runs++) {
				memcpy(m, r.buf, r.len);
				for (unsigned j = 0; j < 1 + k % 4; j++) {
					x ^= x << 13, x ^= x >> 7, x ^= x << 17;
					m[(x >> 8) % r.len] = (uint8_t)x;
				}
				LLVMFuzzerTestOneInput(m, r.len);
			}
			free(m);
		}
		gen_req_free(&r);
	}
	printf("sink_scan_diff: %lu inputs, same verdicts as otlp_wire_validate_request\n", runs);
	return 0;
}
#endif
