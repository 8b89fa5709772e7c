/* bench_process: what the process stage's connectors cost, the stage alone
 * (its executor on a thread-less loop between real rings, one core), on
 * the 512-span records of bench_stages.
 *
 *   bench_process [rounds]        (default 7; medians printed)
 *
 * Configurations, each in a segment of its own, run interleaved (one run
 * of each per round, so a noisy host slows them alike):
 *   chain                the 5-processor chain of bench_stages, MID ring
 *   chain + routing      traces/in (no processors) -> routing by a resource
 *                        attribute -> the same chain -> MID ring
 *   chain + spanmetrics  the chain, its output also into a spanmetrics
 *                        connector (4 dimensions' worth of defaults)
 *   pass, pass + routing, pass + spanmetrics   the same without processors
 * A run: the IN ring is filled with `nrec` records, then process_run moves
 * exactly those (timed: CLOCK_PROCESS_CPUTIME_ID and wall). Reported: M
 * spans/s and CPU ms per million input spans, and each connector's extra
 * CPU a span against its base. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agg/agg_config.h"
#include "config/plan.h"
#include "stages/process.h"
#include "tests/stages/tb.h"

#define SPANS 512
#define NDISTINCT 8
#define RING_CAP (128ull << 20)
#define NCFG 6
#define MAXRUNS 64

static const char *chain =
	"processors:\n"
	"  filter:\n    spans:\n      exclude:\n        match_type: strict\n        span_names: [healthz]\n"
	"  probabilistic_sampler:\n    sampling_percentage: 50\n"
	"  attributes/insert:\n    actions:\n      - {key: deployment.environment, value: prod, action: insert}\n"
	"  attributes/delete:\n    actions:\n      - {key: internal.debug, action: delete}\n"
	"  span:\n    name:\n      from_attributes: [http.method, http.route]\n      separator: \" \"\n";
#define PROCS "[filter, probabilistic_sampler, attributes/insert, attributes/delete, span]"

static const char *names[NCFG] = { "chain", "chain + routing", "chain + spanmetrics",
				   "pass",  "pass + routing",  "pass + spanmetrics" };

static void config_text(int c, char *y, size_t cap)
{
	const char *procs = c < 3 ? PROCS : "[]";
	int n = snprintf(y, cap,
			 "%sreceivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
			 "exporters:\n  debug:\n  debug/b:\n  debug/m:\n",
			 chain);
	switch (c % 3) {
	case 0:
		snprintf(y + n, cap - (size_t)n,
			 "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
			 "      processors: %s\n      exporters: [debug]\n",
			 procs);
		break;
	case 1:
		snprintf(
			y + n, cap - (size_t)n,
			"connectors:\n  routing:\n    table:\n"
			"      - condition: 'attributes[\"service.name\"] == \"checkout\"'\n        pipelines: [traces/a]\n"
			"    default_pipelines: [traces/b]\n"
			"service:\n  pipelines:\n    traces/in:\n      receivers: [otlp]\n      exporters: [routing]\n"
			"    traces/a:\n      receivers: [routing]\n      processors: %s\n      exporters: [debug]\n"
			"    traces/b:\n      receivers: [routing]\n      processors: %s\n      exporters: [debug/b]\n",
			procs, procs);
		break;
	default:
		snprintf(y + n, cap - (size_t)n,
			 "connectors:\n  spanmetrics:\n    dimensions: [{name: http.method}, {name: http.route}, "
			 "{name: http.status_code}, {name: net.peer.ip}]\n"
			 "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: %s\n"
			 "      exporters: [debug, spanmetrics]\n"
			 "    metrics:\n      receivers: [spanmetrics]\n      exporters: [debug/m]\n",
			 procs);
	}
}

static uint8_t *recs[NDISTINCT];
static size_t rec_len[NDISTINCT];

static void make_records(void)
{
	static struct tb_span sp[SPANS];
	static char nm[SPANS][32], route[SPANS][32];
	static const struct tb_attr res[] = {
		{ .key = "service.name", .type = 's', .s = "checkout" },
		{ .key = "host.name", .type = 's', .s = "node-17.example.internal" },
		{ .key = NULL }
	};
	for (int r = 0; r < NDISTINCT; r++) {
		for (int i = 0; i < SPANS; i++) {
			int k = r * SPANS + i;
			snprintf(nm[i], sizeof nm[i], i % 50 == 0 ? "healthz" : "GET /api/v1/item/%d",
				 k % 97);
			snprintf(route[i], sizeof route[i], "/api/v1/item/%d", k % 97);
			sp[i] = (struct tb_span){
				.name = nm[i],
				.kind = 2,
				.start = 1700000000000000000ull + (uint64_t)k * 1000,
				.end = 1700000000000000000ull + (uint64_t)k * 1000 + 250000 +
				       (uint64_t)(k % 7) * 1000,
				.status = 1,
				.trace = (uint64_t)k / 4 + 1,
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

struct setup {
	struct sluice_config *cfg;
	struct segment seg;
	char inst[64];
	struct ring in;
	struct ring mid[4];
	int n_mid;
	uint64_t seq;
};

static void die(const char *what)
{
	fprintf(stderr, "%s\n", what);
	exit(1);
}

static void build(struct setup *s, int c)
{
	static char y[8192];
	static struct segment_params p;
	static char region[128];
	struct config_error err;
	config_text(c, y, sizeof y);
	if (config_load_buffer("<bench>", y, strlen(y), &s->cfg, &err) < 0)
		die(err.msg);
	const struct sluice_plan *plan = s->cfg->plan;
	memset(&p, 0, sizeof p);
	p.nrings = plan->n_rings;
	p.topology = plan->fingerprint;
	for (uint32_t i = 0; i < plan->n_rings; i++)
		p.ring_capacity[i] = plan->rings[i].kind == PLAN_RING_OUT ? 65536 : RING_CAP;
	for (size_t k = 0; k < s->cfg->n_connectors; k++) {
		struct agg_config ac;
		char why[256];
		if (s->cfg->connectors[k].type != SLUICE_CONN_SPANMETRICS)
			continue;
		if (agg_config_from(&s->cfg->connectors[k].spanmetrics, &ac, why, sizeof why) < 0)
			die(why);
		agg_config_region_name(&s->cfg->connectors[k], region, sizeof region);
		p.aux[0].name = region;
		p.aux[0].size = agg_region_size(&ac.params);
		p.naux = 1;
	}
	snprintf(s->inst, sizeof s->inst, "stbenchp%d-%d", c, (int)getpid());
	segment_unlink(s->inst);
	if (segment_create(&s->seg, s->inst, &p) < 0)
		die("segment_create");
	segment_ring(&s->seg, 0, &s->in);
	for (uint32_t i = 0; i < plan->n_rings; i++)
		if (plan->rings[i].kind == PLAN_RING_MID)
			segment_ring(&s->seg, i, &s->mid[s->n_mid++]);
}

static uint64_t fill(struct setup *s, int n)
{
	for (int i = 0; i < n; i++) {
		struct record *r;
		int k = i % NDISTINCT;
		if (ring_reserve(&s->in, (uint32_t)rec_len[k], &r, 0) < 0)
			die("IN ring full");
		memcpy(record_payload(r), recs[k], rec_len[k]);
		r->items = SPANS;
		ring_publish(&s->in);
	}
	return (uint64_t)n * SPANS;
}

static void drain(struct setup *s)
{
	for (int m = 0; m < s->n_mid; m++) {
		const struct record *r;
		while (ring_peek(&s->mid[m], &r, 0) == 0)
			;
		ring_commit(&s->mid[m], ring_cursor(&s->mid[m]));
	}
}

static double now_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One timed run of configuration s: spans/s and CPU s per span. */
static void run(struct setup *s, int nrec, double *rate, double *cpu)
{
	struct process *px;
	char err[512];
	uint64_t spans = fill(s, nrec);
	struct process_opts o = { .max_records = (uint64_t)nrec };
	if (process_new(&px, s->cfg, &s->seg, &o, err, sizeof err) < 0)
		die(err);
	double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	process_run(px);
	double t1 = now_s(CLOCK_MONOTONIC), c1 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	process_free(px);
	drain(s);
	*rate = (double)spans / (t1 - t0);
	*cpu = (c1 - c0) / (double)spans;
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

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	static struct setup s[NCFG];
	static double rate[MAXRUNS][NCFG], cpu[MAXRUNS][NCFG];
	if (rounds < 1 || rounds > MAXRUNS)
		rounds = 7;
	make_records();
	size_t avg = 0;
	for (int i = 0; i < NDISTINCT; i++)
		avg += rec_len[i];
	avg /= NDISTINCT;
	int nrec = (int)((RING_CAP / 4) / (avg + 64));
	printf("records: %d spans, %zu bytes; %d records (%d spans) a run, %d rounds\n", SPANS, avg, nrec,
	       nrec * SPANS, rounds);
	for (int c = 0; c < NCFG; c++) {
		build(&s[c], c);
		double r, u;
		run(&s[c], nrec, &r, &u); /* warm-up: pages, caches, series */
		run(&s[c], nrec, &r, &u);
	}
	for (int k = 0; k < rounds; k++)
		for (int c = 0; c < NCFG; c++)
			run(&s[c], nrec, &rate[k][c], &cpu[k][c]);
	double med_cpu[NCFG];
	for (int c = 0; c < NCFG; c++) {
		double rr[MAXRUNS], cc[MAXRUNS];
		for (int k = 0; k < rounds; k++) {
			rr[k] = rate[k][c];
			cc[k] = cpu[k][c];
		}
		med_cpu[c] = median(cc, rounds);
		printf("process: %-22s %7.2f M spans/s  %7.1f ns CPU a span", names[c],
		       median(rr, rounds) / 1e6, med_cpu[c] * 1e9);
		if (c % 3)
			printf("  (%+.1f %% CPU a span vs %s)", 100.0 * (med_cpu[c] / med_cpu[c - c % 3] - 1),
			       names[c - c % 3]);
		printf("\n");
	}
	for (int c = 0; c < NCFG; c++) {
		config_free(s[c].cfg);
		segment_detach(&s[c].seg);
		segment_unlink(s[c].inst);
	}
	return 0;
}
