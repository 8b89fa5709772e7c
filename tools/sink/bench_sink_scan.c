/* tools/sink/bench_sink_scan.c: ns per span of the sink's body check on a
 * sluice-gen request (512 spans, 8 attributes), against the same request
 * through otlp_wire_validate_request() (what the sink called before) and
 * otlp_wire_span() per span (its old latency walk). Best of 20 rounds of
 * 500 requests each, one core, data hot in cache. Not a test: figures for
 * docs/bench/tools.md.
 *   bench_sink_scan [spans] [attrs] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "otlp/wire.h"
#include "tools/gen/gen_req.h"
#include "tools/sink/sink_scan.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The walk the sink did before sink_scan: every span decoded. */
static int old_span(void *arg, const struct otlp_span *span, int rc)
{
	if (rc == 0)
		*(uint64_t *)arg += span->end_time_unix_nano;
	return 0;
}

static void old_walk(const uint8_t *b, size_t len, uint64_t *sum)
{
	otlp_wire_each_span((struct otlp_bytes){ b, len }, old_span, sum);
}

int main(int argc, char **argv)
{
	uint32_t spans = argc > 1 ? (uint32_t)atoi(argv[1]) : 512;
	uint32_t attrs = argc > 2 ? (uint32_t)atoi(argv[2]) : 8;
	struct gen_req r;
	if (gen_req_build(&r, spans, attrs, "bench", 1) < 0)
		return 1;
	gen_req_stamp(&r, 1, 1000000000ull);
	static struct sink_lat_req lr;
	static struct sink_lat tot;
	sink_lat_req_init(&lr);
	const int n = 500;
	double best[3] = { 1e9, 1e9, 1e9 };
	uint64_t sum = 0;
	for (int round = 0; round < 20; round++) {
		struct otlp_wire_counts c;
		struct sink_scan_counts sc;
		double t0 = now_s();
		for (int i = 0; i < n; i++) {
			sink_lat_begin(&lr, 2000000000ull);
			if (sink_scan_request(r.buf, r.len, &sc, &lr) < 0)
				return 1;
			sink_lat_commit(&lr, &tot);
		}
		double t1 = now_s();
		for (int i = 0; i < n; i++)
			if (otlp_wire_validate_request(r.buf, r.len, &c, NULL) < 0)
				return 1;
		double t2 = now_s();
		for (int i = 0; i < n; i++)
			old_walk(r.buf, r.len, &sum);
		double t3 = now_s();
		double d[3] = { t1 - t0, t2 - t1, t3 - t2 };
		for (int k = 0; k < 3; k++)
			if (d[k] < best[k])
				best[k] = d[k];
	}
	double per = 1e9 / n / spans;
	printf("request %zu bytes, %u spans, %.0f bytes a span\n", r.len, spans, (double)r.len / spans);
	printf("sink_scan_request (check + counts + end times)  %6.1f ns/span\n", best[0] * per);
	printf("otlp_wire_validate_request (check + counts)     %6.1f ns/span\n", best[1] * per);
	printf("otlp_wire_span per span (old latency walk)       %6.1f ns/span\n", best[2] * per);
	gen_req_free(&r);
	return sum == 42; /* keeps the walk */
}
