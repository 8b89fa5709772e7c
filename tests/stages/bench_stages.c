/* bench_stages: each stage's loop alone between two rings of a real
 * segment, one thread, on 512-span records.
 *
 *   bench_stages [runs]          (default 7; prints medians)
 *   bench_stages N chain-only    only chain_run, N x 2000 records, no rings
 *   bench_stages N batch         only the batch stage and its memcpy baseline
 *                                (for perf record, valgrind --tool=callgrind)
 *
 * process: ring 0 is pre-filled with 512-span ResourceSpans records, then
 *   the process stage's executor (process_run) consumes exactly those
 *   records into ring 1 (timed). Chain:
 *   filter (exclude span_names "healthz" + max_duration), probabilistic_sampler
 *   50 %, attributes insert, attributes delete, span rename from two
 *   attributes. Baselines in the same run: the pass-through process stage
 *   (no processors: one memcpy a record), and protobuf-c unpack+free of the
 *   same records (what editing spans by decoding would cost, before encoding).
 * batch: ring 1 pre-filled with the same records, batch_run frames them into
 *   ring 2 (send_batch_size 8192, timeout 200ms). Baseline: memcpy of the
 *   same bytes.
 * Reported: spans/s (input spans / wall time) and CPU ms per million spans
 * (CLOCK_PROCESS_CPUTIME_ID). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "shm/hist.h"
#include "shm/segment.h"
#include "stages/batch.h"
#include "stages/chain.h"
#include "stages/process.h"
#include "tests/stages/tb.h"

#define SPANS 512
#define NREC_DISTINCT 8
#define RING_CAP (256ull << 20)

static struct segment seg;
static uint8_t *recs[NREC_DISTINCT];
static size_t rec_len[NREC_DISTINCT];

static double now_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void make_records(void)
{
	static struct tb_span sp[SPANS];
	static char names[SPANS][32], route[SPANS][32];
	static const struct tb_attr res[] = {
		{ .key = "service.name", .type = 's', .s = "checkout" },
		{ .key = "host.name", .type = 's', .s = "node-17.example.internal" },
		{ .key = NULL }
	};
	for (int r = 0; r < NREC_DISTINCT; r++) {
		for (int i = 0; i < SPANS; i++) {
			int k = r * SPANS + i;
			snprintf(names[i], sizeof names[i], i % 50 == 0 ? "healthz" : "GET /api/v1/item/%d",
				 k % 97);
			snprintf(route[i], sizeof route[i], "/api/v1/item/%d", k % 97);
			sp[i] = (struct tb_span){
				.name = names[i],
				.kind = 2,
				.start = 1700000000000000000ull + (uint64_t)k * 1000,
				.end = 1700000000000000000ull + (uint64_t)k * 1000 + 250000 +
				       (uint64_t)(k % 7) * 1000,
				.status = 1,
				.trace = (uint64_t)k / 4 + 1,
				.scope = 0,
				.attrs = { { .key = "http.method", .type = 's', .s = "GET" },
					   { .key = "http.route", .type = 's', .s = route[i] },
					   { .key = "http.status_code", .type = 'i', .i = 200 },
					   { .key = "net.peer.ip", .type = 's', .s = "10.1.2.3" },
					   { .key = "internal.debug", .type = 'b', .b = 1 } }
			};
		}
		recs[r] = tb_pack(res, sp, SPANS, &rec_len[r]);
	}
}

/* Fills ring (as producer handle p) with n records; returns spans. */
static uint64_t fill(struct ring *p, int n, uint64_t *seq)
{
	uint64_t spans = 0;
	for (int i = 0; i < n; i++) {
		struct record *r;
		int k = i % NREC_DISTINCT;
		if (ring_reserve(p, (uint32_t)rec_len[k], &r, 0) < 0) {
			fprintf(stderr, "ring full at %d\n", i);
			exit(1);
		}
		memcpy(record_payload(r), recs[k], rec_len[k]);
		r->seq = ++*seq;
		r->items = SPANS;
		ring_publish(p);
		spans += SPANS;
	}
	return spans;
}

static void drain(struct ring *c)
{
	const struct record *r;
	while (ring_peek(c, &r, 0) == 0)
		;
	ring_commit(c, ring_cursor(c));
}

/* Touches every page of a ring once (fresh shm pages fault on first
 * write), so that runs measure the stages, not the kernel. */
static void prefault(struct ring *p, struct ring *c)
{
	uint32_t len = ring_max_payload(p) / 2;
	for (uint64_t done = 0; done < 3 * ring_capacity(p); done += len) {
		struct record *r;
		if (ring_reserve(p, len, &r, 0) < 0)
			break;
		memset(record_payload(r), 0, len);
		ring_publish(p);
		drain(c);
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct result {
	double rate[64], cpu[64];
};

static void report(const char *name, struct result *r, int runs, double base_rate)
{
	double rate = median(r->rate, runs), cpu = median(r->cpu, runs);
	printf("%-34s %8.2f M spans/s  %7.1f ms CPU per M spans", name, rate / 1e6, cpu * 1e3);
	if (base_rate > 0)
		printf("  (%.2fx the baseline)", rate / base_rate);
	printf("\n");
}

static struct sluice_config *load(const char *yaml)
{
	struct sluice_config *cfg;
	struct config_error err;
	if (config_load_buffer("<bench>", yaml, strlen(yaml), &cfg, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	return cfg;
}

static const char *chain_yaml =
	"processors:\n"
	"  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
	"        span_names: [healthz]\n"
	"  probabilistic_sampler:\n    sampling_percentage: 50\n"
	"  attributes/insert:\n    actions:\n      - {key: deployment.environment, value: prod, action: insert}\n"
	"  attributes/delete:\n    actions:\n      - {key: internal.debug, action: delete}\n"
	"  span:\n    name:\n      from_attributes: [http.method, http.route]\n      separator: \" \"\n"
	"  batch:\n    send_batch_size: 8192\n    timeout: 200ms\n"
	"service:\n  pipelines:\n    traces:\n"
	"      processors: [filter, probabilistic_sampler, attributes/insert, attributes/delete, span, batch]\n";

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7;
	if (runs < 1 || runs > 64)
		runs = 7;
	char inst[64];
	snprintf(inst, sizeof inst, "stbench-%d", (int)getpid());
	struct segment_params sp = { .nrings = 3 };
	for (int i = 0; i < 3; i++)
		sp.ring_capacity[i] = RING_CAP;
	/* the latency histograms the supervisor makes (shm/hist.h), so the
	 * stages observe as they do in a pipeline; SLUICE_BENCH_NO_HIST=1
	 * leaves them out (the A/B of what observing costs) */
	static const struct hist_spec hists[] = {
		{ HIST_RING_AGE, 0 }, { HIST_RING_AGE, 1 }, { HIST_RING_AGE, 2 }, { HIST_BATCH_SIZE, 0 }
	};
	const uint32_t nh = sizeof hists / sizeof hists[0];
	bool with_hist = !getenv("SLUICE_BENCH_NO_HIST");
	if (with_hist) {
		sp.naux = 1;
		sp.aux[0] = (struct segment_aux_params){ HIST_REGION_NAME, hist_region_size(nh) };
	}
	segment_unlink(inst);
	if (segment_create(&seg, inst, &sp) < 0) {
		fprintf(stderr, "segment_create failed\n");
		return 1;
	}
	if (with_hist) {
		uint64_t hsize = 0;
		void *hmem = segment_aux(&seg, HIST_REGION_NAME, &hsize);
		if (!hmem || hist_region_format(hmem, hsize, hists, nh) < 0) {
			fprintf(stderr, "histogram region failed\n");
			return 1;
		}
	}
	printf("latency histograms: %s\n", with_hist ? "observed" : "none (SLUICE_BENCH_NO_HIST)");
	make_records();
	size_t avg = 0;
	for (int i = 0; i < NREC_DISTINCT; i++)
		avg += rec_len[i];
	avg /= NREC_DISTINCT;
	/* records per fill: well inside the ring */
	int nrec = (int)((RING_CAP / 2) / (avg + 64));
	printf("records: %d spans, %zu bytes (%.0f bytes a span); %d records (%d spans) a run\n", SPANS, avg,
	       (double)avg / SPANS, nrec, nrec * SPANS);

	/* SLUICE_BENCH_CHAIN=FILE: another processor chain (to see what each
	 * processor costs); the default is the 5-processor chain */
	const char *alt = getenv("SLUICE_BENCH_CHAIN");
	struct sluice_config *cfg;
	if (alt) {
		struct config_error cerr;
		if (config_load(alt, &cfg, &cerr) < 0) {
			fprintf(stderr, "%s\n", cerr.msg);
			return 1;
		}
	} else {
		cfg = load(chain_yaml);
	}
	/* the pass-through baseline: the same pipeline without processors */
	struct sluice_config *pass_cfg = load("service:\n  pipelines:\n    traces:\n      processors: []\n");
	char err[256];
	struct chain *ch = chain_new(cfg->pipeline.processors, cfg->pipeline.n_processors, err, sizeof err);
	if (!ch) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (argc > 2 && !strcmp(argv[2], "chain-only")) { /* for perf record */
		static uint8_t obuf[1 << 20];
		for (int i = 0; i < runs * 2000; i++)
			chain_run(ch, recs[i % NREC_DISTINCT], rec_len[i % NREC_DISTINCT], obuf, sizeof obuf,
				  NULL, false);
		segment_unlink(inst);
		return 0;
	}
	struct ring r0p, r0c, r1p, r1c, r2p, r2c;
	segment_ring(&seg, 0, &r0p);
	segment_ring(&seg, 0, &r0c);
	segment_ring(&seg, 1, &r1p);
	segment_ring(&seg, 1, &r1c);
	segment_ring(&seg, 2, &r2p);
	segment_ring(&seg, 2, &r2c);
	prefault(&r0p, &r0c);
	prefault(&r1p, &r1c);
	prefault(&r2p, &r2c);
	uint64_t seq0 = 0, seq1 = 0;
	static struct result pchain, ppass, pbc, bat, mcpy, conly;
	uint64_t kept = 0, in_total = 0;
	int batch_only = argc > 2 && !strcmp(argv[2], "batch");
	for (int run = 0; run < runs; run++) {
		for (int mode = 0; mode < 2 && !batch_only; mode++) {
			uint64_t spans = fill(&r0p, nrec, &seq0);
			/* the executor binds its ring handles where the rings are now */
			struct process *px;
			struct process_opts po = { .max_records = (uint64_t)nrec };
			if (process_new(&px, mode ? pass_cfg : cfg, &seg, &po, err, sizeof err) < 0) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
			double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			process_run(px);
			double t1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			process_free(px);
			struct result *r = mode ? &ppass : &pchain;
			r->rate[run] = (double)spans / (t1 - t0);
			r->cpu[run] = (c1 - c0) / ((double)spans / 1e6);
			if (!mode) {
				const struct record *o;
				while (ring_peek(&r1c, &o, 0) == 0)
					kept += o->items;
				ring_commit(&r1c, ring_cursor(&r1c));
				in_total += spans;
			} else {
				drain(&r1c);
			}
		}
		/* the chain alone, same records, into a private buffer (no rings) */
		if (!batch_only) {
			static uint8_t obuf[1 << 20];
			double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			int n = nrec / 4;
			for (int i = 0; i < n; i++)
				chain_run(ch, recs[i % NREC_DISTINCT], rec_len[i % NREC_DISTINCT], obuf,
					  sizeof obuf, NULL, false);
			double t1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			double spans = (double)n * SPANS;
			conly.rate[run] = spans / (t1 - t0);
			conly.cpu[run] = (c1 - c0) / (spans / 1e6);
		}
		/* protobuf-c decode of the same records */
		if (!batch_only) {
			double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			int n = nrec / 8;
			for (int i = 0; i < n; i++) {
				TbRs *rs = tb_unpack(recs[i % NREC_DISTINCT], rec_len[i % NREC_DISTINCT]);
				tb_free(rs);
			}
			double t1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			double spans = (double)n * SPANS;
			pbc.rate[run] = spans / (t1 - t0);
			pbc.cpu[run] = (c1 - c0) / (spans / 1e6);
		}
		/* batch stage */
		{
			segment_ring(&seg, 1, &r1p); /* the process runs above produced into ring 1 */
			seq1 = ring_last_seq(&r1p);
			uint64_t spans = fill(&r1p, nrec, &seq1);
			struct batch_pipe bp = { .in = &r1c,
						 .out = &r2p,
						 .cfg = cfg->pipeline.batch,
						 .signal = RECORD_SIGNAL_TRACES,
						 .name = "traces",
						 .in_name = "mid:traces",
						 .age = hist_for(&seg, HIST_RING_AGE, 1),
						 .send_size = hist_for(&seg, HIST_BATCH_SIZE, 0) };
			struct batch_ctx bc = { .pipes = &bp, .n_pipes = 1, .max_records = (uint64_t)nrec };
			double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			batch_run(&bc);
			double t1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			bat.rate[run] = (double)spans / (t1 - t0);
			bat.cpu[run] = (c1 - c0) / ((double)spans / 1e6);
			drain(&r2c);
		}
		/* memcpy baseline: the same bytes copied once each, into ring 2's
		 * (prefaulted) data area the way a batch would write them */
		{
			uint8_t *dst = r2p.data;
			size_t room = (size_t)ring_capacity(&r2p) - (1u << 20);
			size_t off = 0;
			double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			for (int i = 0; i < nrec; i++) {
				size_t k = (size_t)i % NREC_DISTINCT;
				if (off + rec_len[k] > room)
					off = 0;
				memcpy(dst + off, recs[k], rec_len[k]);
				off += rec_len[k];
			}
			double t1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
			double spans = (double)nrec * SPANS;
			mcpy.rate[run] = spans / (t1 - t0);
			mcpy.cpu[run] = (c1 - c0) / (spans / 1e6);
		}
	}
	if (!batch_only) {
		printf("process chain kept %.1f %% of spans\n", 100.0 * (double)kept / (double)in_total);
		double base = median(ppass.rate, runs);
		report("process: 5-processor chain", &pchain, runs, base);
		report("process: pass-through (baseline)", &ppass, runs, 0);
		report("chain_run alone, no rings", &conly, runs, base);
		report("protobuf-c unpack+free (reference)", &pbc, runs, 0);
	}
	double mb = median(mcpy.rate, runs);
	report("batch: send_batch_size 8192", &bat, runs, mb);
	report("memcpy of the bytes (baseline)", &mcpy, runs, 0);
	chain_free(ch);
	config_free(cfg);
	config_free(pass_cfg);
	segment_detach(&seg);
	segment_unlink(inst);
	return 0;
}
