/* tools/sink/fuzz_sink_scan.c: the sink's body scanner against otlp/'s
 * validator on the same bytes: the same verdict (the same negative errno),
 * the same counts, and, for valid requests, the same latency buckets as
 * decoding every span with otlp_wire_span. Any difference aborts.
 *
 * Built as a libFuzzer target (SLUICE_FUZZ), and without it as
 * sink_scan_diff: a fixed run over sluice-gen templates, every truncation
 * and every single-byte change of a small one (ctest sink_scan_diff). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire.h"
#include "tools/sink/sink_scan.h"

#define NOW_NS 0x4000000000000000ull /* after most fuzzed end times, before some */

static struct sink_lat lat;
static uint64_t want_lat[SINK_LAT_BUCKETS];

static void expect_ends(const uint8_t *data, size_t size)
{
	struct otlp_wire_iter ir, is, ip;
	struct otlp_bytes rs, ss, sp;
	otlp_wire_iter_init(&ir, (struct otlp_bytes){ data, size }, OTLP_F_REQ_RESOURCE_SPANS);
	while (otlp_wire_iter_next(&ir, &rs) > 0) {
		otlp_wire_iter_init(&is, rs, OTLP_F_RS_SCOPE_SPANS);
		while (otlp_wire_iter_next(&is, &ss) > 0) {
			otlp_wire_iter_init(&ip, ss, OTLP_F_SS_SPANS);
			while (otlp_wire_iter_next(&ip, &sp) > 0) {
				struct otlp_span span;
				if (otlp_wire_span(sp, &span) < 0)
					abort(); /* a valid request has valid spans */
				uint64_t e = span.end_time_unix_nano;
				if (e && NOW_NS > e)
					want_lat[sink_lat_bucket(NOW_NS - e)]++;
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct otlp_wire_counts want;
	struct sink_scan_counts got;

	sink_lat_init(&lat);
	sink_lat_begin(&lat, NOW_NS);
	int a = otlp_wire_validate_request(data, size, &want, NULL);
	int b = sink_scan_request(data, size, &got, &lat);
	if (a != b) {
		fprintf(stderr, "verdicts differ: otlp %d sink %d\n", a, b);
		abort();
	}
	if (a < 0) {
		sink_lat_discard(&lat);
		return 0;
	}
	if (want.spans != got.spans || want.resource_spans != got.resource_spans ||
	    want.scope_spans != got.scope_spans)
		abort();
	memset(want_lat, 0, sizeof(want_lat));
	expect_ends(data, size);
	sink_lat_commit(&lat);
	if (memcmp(want_lat, lat.lat, sizeof(want_lat)) != 0)
		abort();
	return 0;
}

#ifdef SINK_SCAN_STANDALONE
#include "tools/gen/gen_req.h"

int main(void)
{
	static const uint32_t sizes[][2] = { { 1, 0 }, { 3, 9 }, { 64, 8 }, { 512, 8 } };
	unsigned long runs = 0;
	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
		struct gen_req r;
		if (gen_req_build(&r, sizes[t][0], sizes[t][1], "svc", 7) < 0)
			return 1;
		gen_req_stamp(&r, 1000, NOW_NS - 5000000);
		LLVMFuzzerTestOneInput(r.buf, r.len);
		runs++;
		if (lat.n != sizes[t][0]) { /* every span measured */
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
			free(m);
		}
		gen_req_free(&r);
	}
	printf("sink_scan_diff: %lu inputs, same verdicts as otlp_wire_validate_request\n", runs);
	return 0;
}
#endif
