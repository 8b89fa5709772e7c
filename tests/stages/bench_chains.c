/* bench_chains: the log and metric chains (stages/sigchain.h) on one core,
 * on ring-record-sized inputs, no rings.
 *
 *   bench_chains [runs]          (default 7; prints medians)
 *   bench_chains N logs|metrics  only the typical chain, N measurements
 *                                (for perf record)
 *
 * Logs: 8 distinct ResourceLogs records of 512 log records (~200 bytes a
 *   record: an 80-byte body, severity, times, trace and span ids, four
 *   attributes; 2 % DEBUG). Metrics: 8 distinct ResourceMetrics of 64 Sum
 *   metrics x 8 int points (512 points; three attributes a point; 1 metric
 *   in 16 named debug.*).
 * Chains: the typical one, resource upsert + attributes insert + attributes
 *   delete + filter (logs: exclude severity_texts [DEBUG]; metrics: exclude
 *   metric_names ^debug\.); the same with the filter's OTTL form; and no
 *   processors (the pass-through: one memcpy a record). Reference: protobuf-c
 *   unpack+free of the same records.
 * Each measurement runs 4000 records (2 M items). Reported: items/s and CPU
 *   ns per item (CLOCK_PROCESS_CPUTIME_ID), MB/s of input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "stages/sigchain.h"
#include "tests/stages/tbx.h"

#define ITEMS 512
#define NDISTINCT 8
#define ROUNDS 4000

static uint8_t *recs[2][NDISTINCT];
static size_t rec_len[2][NDISTINCT];
static uint8_t out[4 << 20];

static double now_s(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "checkout" },
				      { .key = "host.name", .type = 's', .s = "node-17.example.internal" },
				      { .key = NULL } };

static void make_logs(void)
{
	static struct tbx_log l[ITEMS];
	static char body[ITEMS][96], user[ITEMS][16];
	for (int r = 0; r < NDISTINCT; r++) {
		for (int i = 0; i < ITEMS; i++) {
			int k = r * ITEMS + i;
			snprintf(body[i], sizeof body[i], "req %06d served in %3d ms /items/%04d ok", k,
				 k % 250, k % 997);
			snprintf(user[i], sizeof user[i], "user-%05d", k % 10007);
			bool debug = i % 50 == 0;
			l[i] = (struct tbx_log){
				.body = body[i],
				.sev = debug ? 5 : 9,
				.sev_text = debug ? "DEBUG" : "INFO",
				.trace = (uint64_t)k / 4 + 1,
				.time = 1700000000000000000ull + (uint64_t)k,
				.attrs = { { .key = "http.route", .type = 's', .s = "/api/v1/items" },
					   { .key = "user.id", .type = 's', .s = user[i] },
					   { .key = "http.status_code", .type = 'i', .i = 200 },
					   { .key = "internal.debug", .type = 'b', .b = 1 } }
			};
		}
		recs[0][r] = tbx_pack_logs(res, l, ITEMS, &rec_len[0][r]);
	}
}

static void make_metrics(void)
{
	static struct tbx_metric m[ITEMS / 8];
	static char name[ITEMS / 8][32], route[8][16];
	for (int j = 0; j < 8; j++)
		snprintf(route[j], sizeof route[j], "/api/v1/r%d", j);
	for (int r = 0; r < NDISTINCT; r++) {
		for (int i = 0; i < ITEMS / 8; i++) {
			snprintf(name[i], sizeof name[i],
				 i % 16 == 0 ? "debug.m%d" : "http.server.requests.%d", i);
			m[i] = (struct tbx_metric){ .name = name[i], .type = 's', .unit = "1", .n = 8 };
			for (int j = 0; j < 8; j++)
				m[i].p[j] = (struct tbx_point){
					.num = 'i',
					.i = r * 1000 + i * 8 + j,
					.t = 1700000000000000000ull + (uint64_t)j,
					.attrs = { { .key = "http.route", .type = 's', .s = route[j] },
						   { .key = "http.status_code", .type = 'i', .i = 200 },
						   { .key = "internal.debug", .type = 'b', .b = 1 } }
				};
		}
		recs[1][r] = tbx_pack_metrics(res, m, ITEMS / 8, &rec_len[1][r]);
	}
}

static const char common[] =
	"  resource:\n    attributes:\n      - {key: deployment.environment, value: prod, action: upsert}\n"
	"  attributes:\n    actions:\n      - {key: team, value: payments, action: insert}\n"
	"      - {key: internal.debug, action: delete}\n";
static const char *const filters[2][2] = {
	{ "  filter:\n    logs:\n      exclude:\n        severity_texts: [DEBUG]\n",
	  "  filter:\n    logs:\n      log_record:\n        - severity_text == \"DEBUG\"\n" },
	{ "  filter:\n    metrics:\n      exclude:\n        match_type: regexp\n        metric_names: [\"^debug\\\\.\"]\n",
	  "  filter:\n    metrics:\n      metric:\n        - IsMatch(name, \"^debug\\\\.\")\n" },
};

struct fig {
	double rate, cpu_ns, mbs, kept;
};

static struct fig measure(int sig, struct sigchain *c)
{
	uint64_t items = 0, kept = 0, bytes = 0;
	double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < ROUNDS; i++) {
		int r = i % NDISTINCT;
		struct sigchain_result res;
		int64_t n = sigchain_run(c, recs[sig][r], rec_len[sig][r], ITEMS, false, out, sizeof out,
					 &res);
		if (n < 0)
			abort();
		items += res.items_in;
		kept += res.items_kept;
		bytes += rec_len[sig][r];
	}
	double w = now_s(CLOCK_MONOTONIC) - w0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return (struct fig){ items / w, cpu * 1e9 / (double)items, bytes / w / 1e6,
			     (double)kept / (double)items };
}

static struct fig measure_protobuf(int sig)
{
	uint64_t items = 0, bytes = 0;
	double w0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < ROUNDS; i++) {
		int r = i % NDISTINCT;
		if (sig == 0)
			tbx_free_logs(tbx_unpack_logs(recs[0][r], rec_len[0][r]));
		else
			tbx_free_metrics(tbx_unpack_metrics(recs[1][r], rec_len[1][r]));
		items += ITEMS;
		bytes += rec_len[sig][r];
	}
	double w = now_s(CLOCK_MONOTONIC) - w0, cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	return (struct fig){ items / w, cpu * 1e9 / (double)items, bytes / w / 1e6, 1 };
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7;
	if (runs < 1 || runs > 100)
		runs = 7;
	make_logs();
	make_metrics();
	static const char *const sig_name[2] = { "logs", "metrics" };
	static const char *const what[4] = { "typical chain, legacy filter", "typical chain, OTTL filter",
					     "pass-through (no processors)",
					     "protobuf-c unpack+free (reference)" };
	size_t total[2] = { 0, 0 };
	for (int r = 0; r < NDISTINCT; r++)
		total[0] += rec_len[0][r], total[1] += rec_len[1][r];
	printf("logs: %zu bytes a record (%.0f a log record); metrics: %zu bytes a record (%.0f a point)\n",
	       total[0] / NDISTINCT, (double)total[0] / NDISTINCT / ITEMS, total[1] / NDISTINCT,
	       (double)total[1] / NDISTINCT / ITEMS);
	int only = argc > 2 ? !strcmp(argv[2], "metrics") : -1;
	for (int sig = 0; sig < 2; sig++) {
		if (only >= 0 && sig != only)
			continue;
		struct sigchain *c[3];
		struct sluice_config *cfg[2];
		char err[512], procs[2048];
		for (int f = 0; f < 2; f++) {
			snprintf(procs, sizeof procs, "%s%s", common, filters[sig][f]);
			cfg[f] = tbx_config(sig_name[sig], procs, "resource, attributes, filter");
			c[f] = sigchain_new(sig ? SLUICE_SIGNAL_METRICS : SLUICE_SIGNAL_LOGS,
					    cfg[f]->pipelines[0].processors,
					    cfg[f]->pipelines[0].n_processors, err, sizeof err);
			if (!c[f]) {
				fprintf(stderr, "%s\n", err);
				return 1;
			}
		}
		c[2] = sigchain_new(sig ? SLUICE_SIGNAL_METRICS : SLUICE_SIGNAL_LOGS, NULL, 0, err,
				    sizeof err);
		double rate[4][100], cpu[4][100], mbs[4][100], kept[4] = { 0 };
		for (int run = 0; run < runs; run++) {
			for (int k = 0; k < 4; k++) {
				if (only >= 0 && k)
					continue;
				struct fig g = k < 3 ? measure(sig, c[k]) : measure_protobuf(sig);
				rate[k][run] = g.rate;
				cpu[k][run] = g.cpu_ns;
				mbs[k][run] = g.mbs;
				kept[k] = g.kept;
			}
		}
		for (int k = 0; k < 4; k++)
			printf("%-7s %-38s %7.2f M items/s  %6.1f ns CPU an item  %6.0f MB/s  kept %.1f %%\n",
			       sig_name[sig], what[k], median(rate[k], runs) / 1e6, median(cpu[k], runs),
			       median(mbs[k], runs), kept[k] * 100);
		for (int k = 0; k < 3; k++)
			sigchain_free(c[k]);
		config_free(cfg[0]);
		config_free(cfg[1]);
	}
	return 0;
}
