/* tools/sink/bench_sink_scan.c: ns per item of the sink's body check on a
 * sluice-gen request (default 512 spans, 8 attributes), against the same
 * request through the signal's otlp validator alone and a walk decoding
 * every item with otlp's decoders (otlp_wire_span: the sink's old latency
 * walk; otlp_wire_log_record; otlp_wire_metric + otlp_wire_data_point).
 * Best of 20 rounds of 500 requests each, one core, data hot in cache. Not
 * a test: figures for docs/bench/tools.md.
 *   bench_sink_scan [items] [attrs] [traces|logs|metrics] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otlp/signal.h"
#include "otlp/wire.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"
#include "tools/gen/gen_req.h"
#include "tools/sink/sink_scan.h"

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dec_span(void *arg, const struct otlp_span *span, int rc)
{
	if (rc == 0)
		*(uint64_t *)arg += span->end_time_unix_nano;
	return 0;
}

static int dec_log(void *arg, const struct otlp_log_record *lr, int rc)
{
	if (rc == 0)
		*(uint64_t *)arg += lr->time_unix_nano;
	return 0;
}

static int dec_point(void *arg, const struct otlp_data_point *dp, int rc)
{
	if (rc == 0)
		*(uint64_t *)arg += dp->time_unix_nano;
	return 0;
}

static int dec_metric(void *arg, const struct otlp_metric *m, int rc)
{
	if (rc == 0)
		otlp_wire_each_data_point(m, dec_point, arg);
	return 0;
}

static void decode_walk(int signal, const uint8_t *b, size_t len, uint64_t *sum)
{
	struct otlp_bytes req = { b, len };
	if (signal == OTLP_SIGNAL_TRACES)
		otlp_wire_each_span(req, dec_span, sum);
	else if (signal == OTLP_SIGNAL_LOGS)
		otlp_wire_each_log_record(req, dec_log, sum);
	else
		otlp_wire_each_metric(req, dec_metric, sum);
}

int main(int argc, char **argv)
{
	uint32_t items = argc > 1 ? (uint32_t)atoi(argv[1]) : 512;
	const struct otlp_signal_desc *sd = otlp_signal_get(OTLP_SIGNAL_TRACES);
	if (argc > 3 && !(sd = otlp_signal_by_name(argv[3], strlen(argv[3])))) {
		fprintf(stderr, "usage: bench_sink_scan [items] [attrs] [traces|logs|metrics]\n");
		return 2;
	}
	int signal = (int)sd->signal;
	uint32_t attrs = argc > 2 ? (uint32_t)atoi(argv[2]) : signal == 0 ? 8 : signal == 1 ? 3 : 2;
	struct gen_req r;
	int rc = signal == OTLP_SIGNAL_LOGS ? gen_req_build_logs(&r, items, attrs, 0.5, "bench", 1)
		 : signal == OTLP_SIGNAL_METRICS
			 ? gen_req_build_metrics(&r, items, attrs, 8, GEN_MT_DEFAULT, "bench", 1)
			 : gen_req_build(&r, items, attrs, "bench", 1);
	if (rc < 0)
		return 1;
	gen_req_stamp_any(&r, 1, 1000000000ull);
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
			if (sink_scan_request(signal, r.buf, r.len, &sc, &lr) < 0)
				return 1;
			sink_lat_commit(&lr, &tot);
		}
		double t1 = now_s();
		for (int i = 0; i < n; i++)
			if (sd->validate_request(r.buf, r.len, &c, NULL) < 0)
				return 1;
		double t2 = now_s();
		for (int i = 0; i < n; i++)
			decode_walk(signal, r.buf, r.len, &sum);
		double t3 = now_s();
		double d[3] = { t1 - t0, t2 - t1, t3 - t2 };
		for (int k = 0; k < 3; k++)
			if (d[k] < best[k])
				best[k] = d[k];
	}
	double per = 1e9 / n / items;
	const char *it = sd->item_text;
	printf("%s request %zu bytes, %u %s, %.0f bytes an item\n", sd->name, r.len, items, it,
	       (double)r.len / items);
	printf("sink_scan_request (check + counts + times)  %6.1f ns an item\n", best[0] * per);
	printf("%s validator alone (check + counts)     %6.1f ns an item\n", sd->name, best[1] * per);
	printf("otlp decoders, every item (time read)       %6.1f ns an item\n", best[2] * per);
	gen_req_free(&r);
	return sum == 42; /* keeps the walk */
}
