/* tests/otlp/bench_signals.c: what validation costs a span, a log record and
 * a data point: the public validators (their fast paths, with UTF-8
 * checks) and the table walk alone, ns per item of CPU time, medians of
 * interleaved runs.
 *   bench_signals [runs] [seconds-per-run]
 * Requests: 512 spans of ~222 bytes (bench_wire's: 4 string attributes);
 * the same with the last attribute an int (200, two varint bytes: the
 * ASCII test then runs on two stretches); the same with a two-byte UTF-8
 * letter in every span name and one attribute value (the decoder's slow
 * path); 512 log records of ~260 bytes (body string, 4 attributes, ids);
 * 512 data points in sums of 8 (4 attributes each). */
#include "tests/producer/validate_twin.h" /* first: the table walk alone */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_signals.h"

#define N 512

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct bench {
	const char *name;
	int sig, walk; /* walk: the table walk alone */
	uint8_t *buf;
	size_t len;
};

static void run(const struct bench *b)
{
	struct otlp_wire_counts c;
	struct otlp_wire_diag d;
	int rc = b->walk ? twin_general_sig(b->sig, b->buf, b->len, 0, &c, &d)
			 : twin_public(b->sig, 0, b->buf, b->len, &c, &d);
	if (rc != 0 || c.items != N)
		abort();
}

/* ns per item over about secs seconds. */
static double ns_per_item(const struct bench *b, double secs)
{
	uint64_t iters = 0;
	double t0 = now(), t;
	do {
		for (int k = 0; k < 8; k++)
			run(b);
		iters += 8;
		t = now();
	} while (t - t0 < secs);
	return (t - t0) * 1e9 / ((double)iters * N);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* "é" in every span name ("GET /ítems/7") and the 4th attribute's value. */
static void accents(GenReq *m)
{
	GenSS *ss = m->resource_spans[0]->scope_spans[0];
	for (size_t i = 0; i < ss->n_spans; i++) {
		GenSpan *s = ss->spans[i];
		char buf[64];
		snprintf(buf, sizeof(buf), "GET /\xc3\xadtems/%zu", i % 100);
		free(s->name);
		s->name = gen_dupstr(buf);
		free(s->attributes[3]->value->string_value);
		s->attributes[3]->value->string_value = gen_dupstr("ch\xc3\xa9"
								   "ckout");
	}
}

/* The last attribute an int: http.response.status_code = 200. */
static void int_attr(GenReq *m)
{
	GenSS *ss = m->resource_spans[0]->scope_spans[0];
	for (size_t i = 0; i < ss->n_spans; i++) {
		GenAny *v = ss->spans[i]->attributes[3]->value;
		free(v->string_value);
		v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		v->int_value = 200;
	}
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7;
	double secs = argc > 2 ? atof(argv[2]) : 0.3;
	if (runs < 1 || runs > 64 || secs <= 0) {
		fprintf(stderr, "usage: bench_signals [runs 1..64] [seconds-per-run]\n");
		return 2;
	}
	GenReq *t = gen_bench_request(N), *tu = gen_bench_request(N), *ti = gen_bench_request(N);
	GenLogsReq *l = gen_bench_logs(N);
	GenMetricsReq *mt = gen_bench_metrics(N);
	accents(tu);
	int_attr(ti);
	struct bench b[] = {
		{ "traces, ASCII: validator (fast path)", 0, 0, NULL, 0 },
		{ "traces, ASCII: table walk alone", 0, 1, NULL, 0 },
		{ "traces, int attribute: validator", 0, 0, NULL, 0 },
		{ "traces, UTF-8 names: validator", 0, 0, NULL, 0 },
		{ "logs: validator (fast path)", 1, 0, NULL, 0 },
		{ "logs: table walk alone", 1, 1, NULL, 0 },
		{ "metrics: validator (fast path)", 2, 0, NULL, 0 },
		{ "metrics: table walk alone", 2, 1, NULL, 0 },
	};
	enum {
		NB = sizeof(b) / sizeof(b[0])
	};
	b[0].buf = gen_pack(&t->base, &b[0].len);
	b[1].buf = b[0].buf, b[1].len = b[0].len;
	b[2].buf = gen_pack(&ti->base, &b[2].len);
	b[3].buf = gen_pack(&tu->base, &b[3].len);
	b[4].buf = gen_pack(&l->base, &b[4].len);
	b[5].buf = b[4].buf, b[5].len = b[4].len;
	b[6].buf = gen_pack(&mt->base, &b[6].len);
	b[7].buf = b[6].buf, b[7].len = b[6].len;

	printf("%d items a request; %d runs x %.2f CPU-s each, interleaved; medians\n", N, runs, secs);
	double r[NB][64];
	for (int i = 0; i < runs; i++)
		for (int k = 0; k < (int)NB; k++)
			r[k][i] = ns_per_item(&b[k], secs);
	for (int k = 0; k < (int)NB; k++) {
		qsort(r[k], (size_t)runs, sizeof(double), cmp);
		printf("%-40s %6.1f bytes/item %7.1f ns/item\n", b[k].name, (double)b[k].len / N,
		       r[k][runs / 2]);
	}
	return 0;
}
