/* tests/agg/bench_smwire.c: the spanmetrics connector's path alone, as the
 * process stage runs it: records of sluice-gen's spans (512 a record, 8
 * attributes a span, gen_req_build) counted with the dimensions of
 * tools/bench_pipeline.sh --spanmetrics (3 of 4 present, one default):
 *   bench_smwire [records=20000] [wire|decode|wire0|facts|facts4]
 *     wire:   agg_begin, agg_add_wire, agg_commit (the stage's path)
 *     decode: agg_span_from_wire a span, agg_add_many (the path before)
 *     wire0:  agg_add_wire without dimensions (the Collector's defaults)
 *     facts:  agg_add_spans without dimensions, the spans decoded once
 *             before the clock starts (the stage's chain has decoded them)
 *     facts4: agg_add_spans with the 4 dimensions (their attribute runs)
 * Prints CPU ns a span (CLOCK_PROCESS_CPUTIME_ID: the box is shared). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "agg/spanmetrics.h"
#include "tests/agg/wirecmp.h"
#include "tools/gen/gen_req.h"

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int64_t decode_path(struct agg *a, struct otlp_bytes rs, struct agg_span *sp)
{
	struct otlp_resource_spans r;
	struct otlp_wire_iter is, it;
	struct otlp_bytes scope, span;
	uint32_t n = 0;

	if (otlp_wire_resource_spans(rs, &r) < 0 || agg_resource(a, r.resource) != 0)
		return -1;
	otlp_wire_iter_init(&is, rs, OTLP_F_RS_SCOPE_SPANS);
	while (otlp_wire_iter_next(&is, &scope) > 0) {
		otlp_wire_iter_init(&it, scope, OTLP_F_SS_SPANS);
		while (otlp_wire_iter_next(&it, &span) > 0)
			if (agg_span_from_wire(a, span, &sp[n]) == 0 && ++n == 32) {
				agg_add_many(a, sp, n);
				n = 0;
			}
	}
	return agg_add_many(a, sp, n);
}

int main(int argc, char **argv)
{
	uint64_t records = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000;
	const char *mode = argc > 2 ? argv[2] : "wire";
	int wire = strcmp(mode, "decode") != 0, facts = !strncmp(mode, "facts", 5);
	int no_dims = !strcmp(mode, "facts") || !strcmp(mode, "wire0");
	static struct agg_span_fact f[512];
	uint32_t nf = 0;
	struct agg_params p;
	struct gen_req req;
	struct otlp_wire_iter it;
	struct otlp_bytes rs;
	struct agg *a;
	static struct agg_span sp[32];

	memset(&p, 0, sizeof p);
	p.dims[0] = (struct agg_dim){ "http.method", NULL };
	p.dims[1] = (struct agg_dim){ "http.status_code", NULL };
	p.dims[2] = (struct agg_dim){ "gen.sampled", NULL };
	p.dims[3] = (struct agg_dim){ "deployment.environment", "bench" };
	p.n_dims = no_dims ? 0 : 4;
	size_t size = agg_region_size(&p);
	void *region = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED || agg_format(region, size, &p, 1) || agg_attach(&a, region, size, &p) ||
	    gen_req_build(&req, 512, 8, "sluice-gen", 1)) {
		fprintf(stderr, "setup failed\n");
		return 1;
	}
	gen_req_stamp(&req, 1, 1700000000000000000ull);
	otlp_wire_iter_init(&it, (struct otlp_bytes){ req.buf, req.len }, OTLP_F_REQ_RESOURCE_SPANS);
	if (otlp_wire_iter_next(&it, &rs) <= 0) {
		fprintf(stderr, "no ResourceSpans\n");
		return 1;
	}
	if (facts && (nf = (uint32_t)wirecmp_facts(rs, f, 512, true)) != 512) {
		fprintf(stderr, "decoded %u spans\n", nf);
		return 1;
	}
	uint64_t busy = 0, seq = 1;
	for (uint64_t r = 0; r <= records; r++) {
		uint64_t t0 = cpu_ns();
		agg_begin(a, 0, seq++, 1700000000000000000ull + r);
		int64_t n = facts  ? agg_add_spans(a, rs, f, nf)
			    : wire ? agg_add_wire(a, rs)
				   : decode_path(a, rs, sp);
		agg_commit(a);
		if (r) /* the first record makes the series */
			busy += cpu_ns() - t0;
		if (n < 0) {
			fprintf(stderr, "record %llu: %lld\n", (unsigned long long)r, (long long)n);
			return 1;
		}
	}
	struct agg_stats st;
	agg_get_stats(a, &st);
	double spans = (double)records * 512;
	printf("%s: %llu records x 512 spans, %llu series: %.1f ns a span (CPU), %.2f M spans/s\n",
	       facts	 ? (no_dims ? "agg_add_spans (no dimensions)" : "agg_add_spans")
	       : !wire	 ? "agg_span_from_wire + agg_add_many"
	       : no_dims ? "agg_add_wire (no dimensions)"
			 : "agg_add_wire",
	       (unsigned long long)records, (unsigned long long)st.live_series, (double)busy / spans,
	       spans / ((double)busy / 1e9) / 1e6);
	agg_detach(a);
	gen_req_free(&req);
	return 0;
}
