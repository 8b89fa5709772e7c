/* tests/otlp/bench_wire.c: wire reader spans/s vs protobuf-c unpack+free on
 * the same 512-span request (~222 bytes a span), medians of several runs.
 *   bench_wire [runs] [seconds-per-run]
 * Measured, each over the whole request:
 *   protobuf-c   protobuf_c_message_unpack + protobuf_c_message_free_unpacked
 *   wire scan    walk request -> ResourceSpans -> ScopeSpans -> Span and decode
 *                every span's scalar fields (ids, name, kind, times, flags,
 *                counts) with otlp_wire_span; sums start/end times
 *   validate     otlp_wire_validate_request: every field at every level,
 *                including all attributes, events, links and their values
 *   rewrite      otlp_rewrite_resource_spans keeping every span (copy) and
 *                with a callback dropping half and upserting one attribute */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "otlp/rewrite.h"
#include "otlp/wire.h"

#define SPANS 512

/* CPU time of this thread: on a shared, loaded machine, wall time would
 * mostly measure the other tenants; CPU time measures our code. */
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const uint8_t *req;
static size_t req_len;
static uint8_t *out;
static struct otlp_rewrite_edits scratch;
static volatile uint64_t sink;

static void run_pbc(void)
{
	ProtobufCMessage *m = protobuf_c_message_unpack(
		&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor, NULL,
		req_len, req);
	if (!m)
		abort();
	sink += ((GenReq *)m)->n_resource_spans;
	protobuf_c_message_free_unpacked(m, NULL);
}

static void run_scan(void)
{
	struct otlp_wire_iter a, b, c;
	struct otlp_bytes rs, ss, sp;
	uint64_t sum = 0;

	otlp_wire_iter_init(&a, (struct otlp_bytes){ req, req_len }, OTLP_F_REQ_RESOURCE_SPANS);
	while (otlp_wire_iter_next(&a, &rs) > 0) {
		otlp_wire_iter_init(&b, rs, OTLP_F_RS_SCOPE_SPANS);
		while (otlp_wire_iter_next(&b, &ss) > 0) {
			otlp_wire_iter_init(&c, ss, OTLP_F_SS_SPANS);
			while (otlp_wire_iter_next(&c, &sp) > 0) {
				struct otlp_span s;
				if (otlp_wire_span(sp, &s) < 0)
					abort();
				sum += s.end_time_unix_nano - s.start_time_unix_nano;
			}
		}
	}
	sink += sum;
}

static void run_validate(void)
{
	struct otlp_wire_counts c;
	if (otlp_wire_validate_request(req, req_len, &c, NULL) != 0 || c.spans != SPANS)
		abort();
	sink += c.spans;
}

static struct otlp_bytes first_rs(void)
{
	struct otlp_wire_iter a;
	struct otlp_bytes rs = { 0 };
	otlp_wire_iter_init(&a, (struct otlp_bytes){ req, req_len }, OTLP_F_REQ_RESOURCE_SPANS);
	if (otlp_wire_iter_next(&a, &rs) <= 0)
		abort();
	return rs;
}

static void run_copy(void)
{
	struct otlp_bytes rs = first_rs();
	int64_t n = otlp_rewrite_resource_spans(rs.p, rs.len, out, req_len * 2, NULL, NULL, NULL, NULL, NULL);
	if (n <= 0)
		abort();
	sink += (uint64_t)n;
}

static int half(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *e)
{
	(void)arg;
	if (ctx->index & 1)
		return OTLP_REWRITE_DROP;
	otlp_rewrite_attr_str(e, OTLP_ATTR_UPSERT, "sluice.tier", "gold", 4);
	return OTLP_REWRITE_KEEP;
}

static void run_edit(void)
{
	struct otlp_bytes rs = first_rs();
	int64_t n = otlp_rewrite_resource_spans(rs.p, rs.len, out, req_len * 2, NULL, half, NULL, &scratch,
						NULL);
	if (n <= 0)
		abort();
	sink += (uint64_t)n;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* spans per CPU-second of fn over about `secs` seconds. */
static double rate(void (*fn)(void), double secs)
{
	uint64_t iters = 0;
	double t0 = now(), t;

	do {
		for (int k = 0; k < 8; k++)
			fn();
		iters += 8;
		t = now();
	} while (t - t0 < secs);
	return (double)iters * SPANS / (t - t0);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp);
	return v[n / 2];
}

#define NB 5
static const struct {
	const char *name;
	void (*fn)(void);
} benches[NB] = {
	{ "protobuf-c unpack+free (baseline)", run_pbc },
	{ "wire scan (otlp_wire_span on every span)", run_scan },
	{ "validate (deep, every field)", run_validate },
	{ "rewrite, keep all (copy)", run_copy },
	{ "rewrite, drop half + upsert 1 attr", run_edit },
};

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7;
	double secs = argc > 2 ? atof(argv[2]) : 0.5;
	if (runs < 1 || runs > 64 || secs <= 0) {
		fprintf(stderr, "usage: bench_wire [runs 1..64] [seconds-per-run]\n");
		return 2;
	}
	GenReq *m = gen_bench_request(SPANS);
	uint8_t *buf = gen_pack(&m->base, &req_len);
	req = buf;
	out = malloc(req_len * 2);

	printf("request: %d spans, %zu bytes (%.1f bytes/span); %d runs x %.2f CPU-s each, medians\n", SPANS,
	       req_len, (double)req_len / SPANS, runs, secs);
	/* Runs interleave the candidates, so each run's ratio compares code
	 * measured under the same machine conditions; medians of runs. */
	double r[NB][64], ratio[NB][64];
	for (int i = 0; i < runs; i++) {
		for (int b = 0; b < NB; b++)
			r[b][i] = rate(benches[b].fn, secs);
		for (int b = 0; b < NB; b++)
			ratio[b][i] = r[b][i] / r[0][i];
	}
	for (int b = 0; b < NB; b++) {
		double med = median(r[b], runs), rat = median(ratio[b], runs);
		if (b == 0)
			printf("%-44s %8.2f M spans/CPU-s\n", benches[b].name, med / 1e6);
		else
			printf("%-44s %8.2f M spans/CPU-s  %6.1fx\n", benches[b].name, med / 1e6, rat);
	}
	free(out);
	free(buf);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	return 0;
}
