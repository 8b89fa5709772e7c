/* kill -9 of sluice-process at random moments while spans with known
 * series and durations flow into a spanmetrics connector (flushes every
 * 100 ms, so kills land before, during and after flushes). Once it
 * settles, the flushes count every span that was acknowledged (all of
 * them) exactly once: calls, histogram counts, bucket counts and sums per
 * series. Cumulative: the last flush has the totals and a series' start
 * time never changes across the restarts. Delta: the flushes add up to the
 * totals, so no flush was published twice and none was lost. Real
 * processes and shared memory; the test reads both MID rings. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/agg/mwalk.h"
#include "tests/stages/tb.h"
#include "tests/stages/test_process_seg.h"
#include "tests/check_run.h"

#if defined(__SANITIZE_ADDRESS__)
#define SMC_RECORDS 800
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SMC_RECORDS 800
#endif
#endif
#ifndef SMC_RECORDS
#define SMC_RECORDS 3000
#endif
#define NSERIES 8
#define NDUR 6
#define KILLS 25

static struct segment seg;
static char inst[64], cfg_path[128], bin[512];
static const uint64_t dur_ms[NDUR] = { 1, 5, 9, 70, 300, 20000 };
static const int dur_bucket[NDUR] = { 0, 2, 4, 6, 8, 16 };
static const char *names[2] = { "GET /a", "GET /b" };

struct tally {
	uint64_t calls[NSERIES], count[NSERIES], buckets[NSERIES][17], start[NSERIES];
	double sum[NSERIES];
	uint64_t total;
};
static struct tally want, got;
static atomic_int producer_done, reading;
static atomic_ulong spans_out, bad, counted;

static int series_kind(int s)
{
	return s & 2 ? 3 : 2;
}
static int series_status(int s)
{
	return s & 4 ? 2 : 0;
}

static void *producer(void *arg)
{
	static const struct tb_attr res[] = { { .key = "service.name", .type = 's', .s = "svc" },
					      { .key = NULL } };
	static struct tb_span sp[12];
	struct ring *in = arg;

	for (uint32_t r = 0; r < SMC_RECORDS; r++) {
		int n = 1 + (int)(r % 12);
		for (int j = 0; j < n; j++) {
			int s = (int)((r + (uint32_t)j) % NSERIES), d = (int)((r * 5 + (uint32_t)j) % NDUR);
			uint64_t start = 1700000000000000000ull + r * 1000000ull;
			sp[j] = (struct tb_span){ .name = names[s & 1],
						  .kind = series_kind(s),
						  .status = series_status(s),
						  .trace = r + 1u,
						  .start = start,
						  .end = start + dur_ms[d] * 1000000ull };
			want.calls[s]++;
			want.count[s]++;
			want.buckets[s][dur_bucket[d]]++;
			want.sum[s] += (double)dur_ms[d];
			want.total++;
		}
		size_t len;
		uint8_t *p = tb_pack(res, sp, n, &len);
		if (!tps_put(in, p, len, (uint32_t)n, 0))
			atomic_fetch_add(&bad, 1);
		free(p);
		if (r % (SMC_RECORDS / 800) == 0)
			usleep(10000); /* about 8 s of spans: the kills come while they flow */
	}
	atomic_store(&producer_done, 1);
	return NULL;
}

static int series_of_attrs(const char *attrs)
{
	static const char *kinds[] = { "", "", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT" };
	static const char *codes[] = { "STATUS_CODE_UNSET", "", "STATUS_CODE_ERROR" };
	char want_attrs[256];
	for (int s = 0; s < NSERIES; s++) {
		snprintf(want_attrs, sizeof want_attrs,
			 "service.name=svc;span.name=%s;span.kind=%s;status.code=%s", names[s & 1],
			 kinds[series_kind(s)], codes[series_status(s)]);
		if (!strcmp(attrs, want_attrs))
			return s;
	}
	return -1;
}

/* One flush record into got (delta adds, cumulative replaces). */
static void fold(const struct record *rec, int delta)
{
	static uint8_t req[1 << 18];
	static struct mw_point pts[64];
	if (rec->len + 16 > sizeof req) {
		atomic_fetch_add(&bad, 1);
		return;
	}
	uint8_t *o = otlp_wire_put_varint(req + 1, rec->len);
	req[0] = 0x0a;
	memcpy(o, record_cpayload(rec), rec->len);
	int n = mw_decode(req, (size_t)(o - req) + rec->len, pts, 64);
	if (n < 0) {
		atomic_fetch_add(&bad, 1);
		return;
	}
	for (int i = 0; i < n; i++) {
		int s = series_of_attrs(pts[i].attrs);
		int calls = strstr(pts[i].metric, ".calls") != NULL;
		if (s < 0 || pts[i].temporality != (delta ? 1 : 2)) {
			atomic_fetch_add(&bad, 1);
			continue;
		}
		if (calls) {
			if (!delta) {
				if (got.start[s] && got.start[s] != pts[i].start)
					atomic_fetch_add(&bad, 1); /* a cumulative series restarted */
				got.start[s] = pts[i].start;
				got.total -= got.calls[s];
				got.calls[s] = 0;
			}
			got.calls[s] += pts[i].count;
			got.total += pts[i].count;
			continue;
		}
		if (!delta) {
			got.count[s] = 0;
			got.sum[s] = 0;
			memset(got.buckets[s], 0, sizeof got.buckets[s]);
		}
		got.count[s] += pts[i].count;
		got.sum[s] += pts[i].sum;
		for (uint32_t b = 0; b < pts[i].n_buckets && b < 17; b++)
			got.buckets[s][b] += pts[i].buckets[b];
	}
}

struct reader_arg {
	struct ring *mt, *mm;
	int delta;
};

static void *reader(void *arg)
{
	struct reader_arg *a = arg;
	while (atomic_load(&reading)) {
		const struct record *rec;
		int any = 0;
		while (ring_peek(a->mt, &rec, 0) == 0) {
			atomic_fetch_add(&spans_out, rec->items);
			ring_commit(a->mt, ring_cursor(a->mt));
			any = 1;
		}
		while (ring_peek(a->mm, &rec, 0) == 0) {
			fold(rec, a->delta);
			atomic_store(&counted, got.total);
			ring_commit(a->mm, ring_cursor(a->mm));
			any = 1;
		}
		if (!any)
			usleep(1000);
	}
	return NULL;
}

static pid_t spawn(void)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!getenv("SLUICE_LOG_LEVEL"))
			setenv("SLUICE_LOG_LEVEL", "warn", 1);
		execl(bin, bin, "-c", cfg_path, (char *)NULL);
		_exit(127);
	}
	struct stage_stats *st = segment_stats(&seg, STAGE_PROCESS);
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(&st->pid) == pid && atomic_load(&st->state) == STAGE_STATE_RUNNING)
			return pid;
		usleep(1000);
	}
	ck_abort_msg("sluice-process (pid %d) did not start", (int)pid);
	return pid;
}

static void run(int delta)
{
	const char *pb = getenv("SLUICE_PROCESS_BIN"), *bd = getenv("SLUICE_BUILD_DIR");
	snprintf(bin, sizeof bin, "%s", pb ? pb : "");
	if (!pb)
		snprintf(bin, sizeof bin, "%s/bin/sluice-process", bd ? bd : ".");
	ck_assert_msg(access(bin, X_OK) == 0, "stage binary not found: %s", bin);
	snprintf(inst, sizeof inst, "stsmcrash-%d", (int)getpid());
	snprintf(cfg_path, sizeof cfg_path, "/tmp/%s.yaml", inst);
	FILE *f = fopen(cfg_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		"connectors:\n  spanmetrics:\n    metrics_flush_interval: 100ms\n"
		"    aggregation_temporality: AGGREGATION_TEMPORALITY_%s\n"
		"exporters:\n  debug:\n  debug/m:\n"
		"service:\n  pipelines:\n"
		"    traces:\n      receivers: [otlp]\n      exporters: [debug, spanmetrics]\n"
		"    metrics:\n      receivers: [spanmetrics]\n      exporters: [debug/m]\n"
		"sluice:\n  instance: %s\n",
		delta ? "DELTA" : "CUMULATIVE", inst);
	fclose(f);
	struct sluice_config *cfg;
	struct config_error cerr;
	ck_assert_int_eq(config_load(cfg_path, &cfg, &cerr), 0);
	tps_segment(&seg, inst, cfg, 256u << 10, 256u << 10);
	struct ring in, mt, mm;
	segment_ring(&seg, 0, &in);
	segment_ring(&seg, (uint32_t)cfg->plan->pipelines[0].mid_ring, &mt);
	segment_ring(&seg, (uint32_t)cfg->plan->pipelines[1].mid_ring, &mm);
	memset(&want, 0, sizeof want);
	memset(&got, 0, sizeof got);
	atomic_store(&producer_done, 0);
	atomic_store(&reading, 1);
	atomic_store(&spans_out, 0);
	atomic_store(&bad, 0);
	atomic_store(&counted, 0);
	pid_t pid = spawn();
	pthread_t tp, tr;
	struct reader_arg ra = { &mt, &mm, delta };
	pthread_create(&tp, NULL, producer, &in);
	pthread_create(&tr, NULL, reader, &ra);
	unsigned rnd = (unsigned)getpid();
	int kills = 0, status;
	while (!atomic_load(&producer_done) && kills < KILLS) {
		usleep(5000 + rand_r(&rnd) % 250000); /* lives of 5..255 ms: flush intervals of 100 */
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status));
		kills++;
		pid = spawn();
	}
	pthread_join(tp, NULL);
	/* settle: every span through the traces ring, then flushes until the
	 * counts cover them (bounded) */
	uint64_t give_up = tps_now_ns() + 30000000000ull;
	while ((atomic_load(&spans_out) < want.total || atomic_load(&counted) < want.total) &&
	       tps_now_ns() < give_up)
		usleep(5000);
	usleep(300000); /* three more flushes: a late duplicate would show */
	atomic_store(&reading, 0);
	pthread_join(tr, NULL);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process status %d", status);
	fprintf(stderr,
		"spanmetrics crash test (%s): %llu spans, %d kills, traces out %llu, counted %llu, "
		"flushes %llu, %lu bad\n",
		delta ? "delta" : "cumulative", (unsigned long long)want.total, kills,
		(unsigned long long)atomic_load(&spans_out), (unsigned long long)got.total,
		(unsigned long long)ring_source_seq(&mm, 0), atomic_load(&bad));
	ck_assert_uint_eq(atomic_load(&bad), 0);
	ck_assert_uint_eq(atomic_load(&spans_out), want.total);
	ck_assert_uint_eq(got.total, want.total);
	for (int s = 0; s < NSERIES; s++) {
		ck_assert_uint_eq(got.calls[s], want.calls[s]);
		ck_assert_uint_eq(got.count[s], want.count[s]);
		ck_assert_msg(got.sum[s] == want.sum[s], "series %d sum %g want %g", s, got.sum[s],
			      want.sum[s]);
		for (int b = 0; b < 17; b++)
			ck_assert_uint_eq(got.buckets[s][b], want.buckets[s][b]);
	}
	ck_assert_int_ge(kills, 10);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
	unlink(cfg_path);
}

START_TEST(kill9_cumulative_exact)
{
	run(0);
}
END_TEST

START_TEST(kill9_delta_exact)
{
	run(1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process_sm_crash");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 200);
	tcase_add_test(tc, kill9_cumulative_exact);
	tcase_add_test(tc, kill9_delta_exact);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
