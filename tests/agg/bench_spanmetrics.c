/* tests/agg/bench_spanmetrics.c: the aggregation alone on one core:
 * records of 512 spans with 4 dimensions over N series (uniformly drawn),
 * begin/resource/add/commit as the process stage would call them; then
 * one flush of every series; and the memory the region takes.
 *   bench_spanmetrics [series=1000] [spans=20000000] [exemplars=0] [explicit|expo] [many|one]
 * (many: agg_add_many per record; one: agg_add per span)
 * Prints spans/s and ns/span (CPU time), flush time and size, region bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "agg/spanmetrics.h"

/* CPU time of this (single-threaded) process: the machine is shared, and
 * time spent descheduled is not the aggregation's cost. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *methods[] = { "GET", "POST", "PUT", "DELETE" };
static const char *regions[] = { "eu-west-1", "eu-central-1", "us-east-1",    "us-west-2",  "ap-south-1",
				 "ap-east-1", "sa-east-1",    "ca-central-1", "af-south-1", "me-south-1" };

int main(int argc, char **argv)
{
	uint32_t n_series = argc > 1 ? (uint32_t)atoi(argv[1]) : 1000;
	uint64_t total = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000ull;
	int exemplars = argc > 3 ? atoi(argv[3]) : 0;
	int expo = argc > 4 && !strcmp(argv[4], "expo");
	int many = !(argc > 5 && !strcmp(argv[5], "one"));
	struct agg_params p;
	memset(&p, 0, sizeof p);
	p.dims[0] = (struct agg_dim){ "http.request.method", NULL };
	p.dims[1] = (struct agg_dim){ "http.response.status_code", NULL };
	p.dims[2] = (struct agg_dim){ "cloud.region", NULL };
	p.dims[3] = (struct agg_dim){ "tenant", "none" };
	p.n_dims = 4;
	p.max_series = n_series > 100000 ? n_series : 100000;
	p.exemplars = exemplars;
	p.hist = expo ? AGG_HIST_EXPONENTIAL : AGG_HIST_EXPLICIT;
	size_t size = agg_region_size(&p);
	void *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct agg *a;
	if (region == MAP_FAILED || agg_format(region, size, &p, 1) || agg_attach(&a, region, size, &p)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	/* the series: (name, tenant) unique; the other dimensions follow */
	struct agg_span *tmpl = calloc(n_series, sizeof *tmpl);
	char(*names)[16] = calloc(n_series, 16), (*tenants)[16] = calloc(n_series, 16);
	static uint8_t tid[16] = { 7 }, sid[8] = { 9 };
	for (uint32_t i = 0; i < n_series; i++) {
		struct agg_span *s = &tmpl[i];
		snprintf(names[i], 16, "op-%u", i % 100);
		snprintf(tenants[i], 16, "t-%u", i / 100);
		s->name = (struct otlp_bytes){ (const uint8_t *)names[i], strlen(names[i]) };
		s->kind = 2;
		s->status = (i / 13) % 3;
		s->trace_id = (struct otlp_bytes){ tid, 16 };
		s->span_id = (struct otlp_bytes){ sid, 8 };
		s->dims_present = 0xf;
		s->dim[0] = (struct otlp_value){ .type = OTLP_VALUE_STRING,
						 .u.b = { (const uint8_t *)methods[(i / 7) % 4],
							  strlen(methods[(i / 7) % 4]) } };
		s->dim[1] = (struct otlp_value){ .type = OTLP_VALUE_INT, .u.i = 200 + (i / 3) % 5 };
		s->dim[2] = (struct otlp_value){ .type = OTLP_VALUE_STRING,
						 .u.b = { (const uint8_t *)regions[(i / 11) % 10],
							  strlen(regions[(i / 11) % 10]) } };
		s->dim[3] = (struct otlp_value){ .type = OTLP_VALUE_STRING,
						 .u.b = { (const uint8_t *)tenants[i], strlen(tenants[i]) } };
	}
	/* records of 512 spans, series drawn uniformly (xorshift); each
	 * record's spans are laid out before its clock starts, as the process
	 * stage has them decoded from the record it is reading */
	enum {
		REC = 512
	};
	struct agg_span *in = malloc(sizeof *in * REC);
	uint64_t x = 88172645463325252ull;
	uint8_t res[128];
	static const char sn[] = "service.name", sv[] = "bench";
	uint8_t *q = res;
	*q++ = 0x0a, *q++ = (uint8_t)(2 + 12 + 2 + 2 + 5);
	*q++ = 0x0a, *q++ = 12, memcpy(q, sn, 12), q += 12;
	*q++ = 0x12, *q++ = 7, *q++ = 0x0a, *q++ = 5, memcpy(q, sv, 5), q += 5;
	struct otlp_bytes rb = { res, (size_t)(q - res) };

	/* warm up: every series exists (steady state) */
	uint64_t seq = 1;
	for (uint32_t i = 0; i < n_series; i += REC) {
		agg_begin(a, 0, seq++, 1);
		agg_resource(a, rb);
		for (uint32_t k = i; k < i + REC && k < n_series; k++)
			agg_add(a, &tmpl[k]);
		agg_commit(a);
	}
	uint64_t recs = total / REC, t0, t1, busy = 0;
	for (uint64_t r = 0; r < recs; r++) {
		for (int k = 0; k < REC; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			in[k] = tmpl[x % n_series];
			in[k].start_ns = 1000;
			in[k].end_ns = 1000 + (x >> 20) % 2000000000ull;
		}
		t0 = now_ns();
		agg_begin(a, 0, seq++, 2);
		agg_resource(a, rb);
		if (many) {
			agg_add_many(a, in, REC);
		} else {
			for (int k = 0; k < REC; k++)
				agg_add(a, &in[k]);
		}
		agg_commit(a);
		busy += now_ns() - t0;
	}
	double secs = (double)busy / 1e9, spans = (double)(recs * REC);
	struct agg_stats st;
	agg_get_stats(a, &st);
	printf("series=%u dims=4 hist=%s exemplars=%d records=%llu x %d spans, %s\n", n_series,
	       expo ? "exponential" : "explicit", exemplars, (unsigned long long)recs, REC,
	       many ? "agg_add_many" : "agg_add");
	printf("aggregate: %.2f M spans/s, %.1f ns/span (%llu commits, %llu partial)\n", spans / secs / 1e6,
	       secs * 1e9 / spans, (unsigned long long)st.commits, (unsigned long long)st.partial_commits);
	size_t cap = agg_flush_bound(a), len = 0;
	uint8_t *out = malloc(cap);
	t0 = now_ns();
	int64_t f = agg_flush(a, 3, out, cap, &len);
	t1 = now_ns();
	printf("flush: %lld, %u series -> %zu bytes in %.1f ms (bound %zu)\n", (long long)f,
	       (unsigned)st.live_series, len, (double)(t1 - t0) / 1e6, cap);
	t0 = now_ns();
	agg_flush_done(a, (uint64_t)f);
	t1 = now_ns();
	printf("flush_done (rebuild): %.1f ms\n", (double)(t1 - t0) / 1e6);
	printf("region: %zu bytes (%.1f MiB) for max_series=%u, %zu bytes a series\n", size,
	       (double)size / 1048576, p.max_series, size / p.max_series);
	agg_detach(a);
	return 0;
}
