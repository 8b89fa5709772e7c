/* kill -9 of sluice-process and sluice-batch at random moments while
 * records flow; each is restarted at once. The test creates the segment,
 * feeds ring 0 (records with seq 1..N, some over send_batch_max_size so
 * the split path is crossed too), drains ring 2, and checks that every span
 * the filter keeps arrives exactly once, with the attribute the chain
 * inserts, and that no filtered span arrives. Real processes, real shared
 * memory, and eventfds passed in SLUICE_WAKE_FDS as the supervisor does.
 * Second test: three pipelines behind a routing connector, process stage
 * only, every item in each of its MID rings exactly once.
 * Scaled down under sanitizers. NOPACE=1 (manual stress runs): feed at full
 * speed and keep killing after the feed ends (kills of idle stages). */
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
#include <time.h>
#include <unistd.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "shm/segment.h"
#include "tests/stages/tb.h"
#include "tests/stages/test_process_seg.h"
#include "tests/check_run.h"

#if defined(__SANITIZE_ADDRESS__)
#define CRASH_RECORDS 3000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRASH_RECORDS 3000
#endif
#endif
#ifndef CRASH_RECORDS
#define CRASH_RECORDS 20000
#endif
#define MAX_SPANS 100 /* spans in the largest record */
#define KILLS_PER_STAGE 25

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest TbReq;

static struct segment seg;
static char inst[64], cfg_path[128], bin_process[512], bin_batch[512];
static uint8_t seen[CRASH_RECORDS + 1][MAX_SPANS];
static atomic_int producer_done, consumer_done, kills_done;
static atomic_ulong received, bad_spans, order_errors;
static unsigned long expected;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int spans_of(uint64_t seq)
{
	return seq % 997 == 0 ? MAX_SPANS : 1 + (int)(seq * 7 % 8);
}

static int dropped(uint64_t seq, int i)
{
	return (seq + (uint64_t)i) % 5 == 0;
}

static void *producer(void *arg)
{
	(void)arg;
	struct ring r;
	segment_ring(&seg, RING_INGEST_PROCESS, &r);
	static struct tb_span sp[MAX_SPANS];
	static char names[MAX_SPANS][40];
	for (uint64_t seq = 1; seq <= CRASH_RECORDS; seq++) {
		int n = spans_of(seq);
		for (int i = 0; i < n; i++) {
			snprintf(names[i], sizeof names[i], "%s.%llu.%d", dropped(seq, i) ? "drop" : "k",
				 (unsigned long long)seq, i);
			sp[i] = (struct tb_span){ .name = names[i], .scope = i % 2, .trace = seq };
		}
		size_t len;
		uint8_t *p = tb_pack(NULL, sp, n, &len);
		struct record *rec;
		int rc;
		uint64_t give_up = now_ns() + 30ull * 1000000000ull;
		while ((rc = ring_reserve(&r, (uint32_t)len, &rec, 100000000)) == -ETIMEDOUT ||
		       rc == -EINTR || rc == -EAGAIN)
			if (now_ns() > give_up)
				break;
		if (rc < 0) { /* the pipeline is stuck: the checks below say what is missing */
			free(p);
			break;
		}
		memcpy(record_payload(rec), p, len);
		rec->seq = seq;
		rec->items = (uint32_t)n;
		rec->ingest_ns = seq;
		ring_publish(&r);
		free(p);
		/* pace the flow so that it lasts while the stages are killed */
		if (seq % (CRASH_RECORDS / 1000) == 0 && !atomic_load(&kills_done) && !getenv("NOPACE"))
			usleep(1000);
	}
	atomic_store(&producer_done, 1);
	return NULL;
}

static void consume_one(const struct record *r, uint64_t *last_seq)
{
	if (!(r->flags & RECORD_F_REQUEST) || r->seq < *last_seq)
		atomic_fetch_add(&order_errors, 1);
	*last_seq = r->seq;
	TbReq *req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
		NULL, r->len, record_cpayload(r));
	if (!req) {
		atomic_fetch_add(&bad_spans, 1);
		return;
	}
	uint32_t n = 0;
	for (size_t i = 0; i < req->n_resource_spans; i++) {
		TbSpan **sp;
		size_t k = tb_spans(req->resource_spans[i], &sp);
		for (size_t j = 0; j < k; j++, n++) {
			unsigned long long seq;
			int idx;
			const TbAny *v = tb_attr(sp[j]->attributes, sp[j]->n_attributes, "seen");
			if (sscanf(sp[j]->name, "k.%llu.%d", &seq, &idx) != 2 || seq < 1 ||
			    seq > CRASH_RECORDS || idx < 0 || idx >= MAX_SPANS || !v ||
			    v->value_case != TB_BOOL || !v->bool_value) {
				atomic_fetch_add(&bad_spans, 1);
				continue;
			}
			seen[seq][idx]++;
			atomic_fetch_add(&received, 1);
		}
	}
	if (n != r->items)
		atomic_fetch_add(&bad_spans, 1);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req, NULL);
}

static void *consumer(void *arg)
{
	(void)arg;
	struct ring r;
	segment_ring(&seg, RING_BATCH_EXPORT, &r);
	/* a bound for a broken stage, not a timing: a busy box under the
	 * sanitizers took over 40 s for the whole run */
	uint64_t last = 0, deadline = now_ns() + 150ull * 1000000000ull;
	while (atomic_load(&received) < expected && now_ns() < deadline) {
		const struct record *rec;
		if (ring_peek(&r, &rec, 100000000) < 0)
			continue;
		consume_one(rec, &last);
		ring_commit(&r, ring_cursor(&r));
	}
	atomic_store(&consumer_done, 1);
	return NULL;
}

static pid_t spawn(const char *bin)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
		setenv("SLUICE_LOG_LEVEL", "warn", 1);
		execl(bin, bin, "-c", cfg_path, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Waits (bounded) until the stage in pid has attached and says RUNNING,
 * so that a SIGTERM reaches its handler, not a process still exec'ing. */
static void wait_running(enum stage_index idx, pid_t pid)
{
	struct stage_stats *st = segment_stats(&seg, idx);
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(&st->pid) == pid && atomic_load(&st->state) == STAGE_STATE_RUNNING)
			return;
		usleep(1000);
	}
	ck_abort_msg("stage %d (pid %d) did not start", (int)idx, (int)pid);
}

static void write_config(void)
{
	FILE *f = fopen(cfg_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		"processors:\n"
		"  filter:\n    spans:\n      exclude:\n        match_type: prefix\n        span_names: [drop]\n"
		"  attributes:\n    actions:\n      - {key: seen, value: true, action: insert}\n"
		"  batch:\n    send_batch_size: 40\n    send_batch_max_size: 60\n    timeout: 5ms\n"
		"exporters:\n  debug:\n"
		"service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
		"      processors: [filter, attributes, batch]\n      exporters: [debug]\n"
		"sluice:\n  instance: %s\n",
		inst);
	fclose(f);
}

START_TEST(kill9_loses_and_duplicates_nothing)
{
	const char *bd = getenv("SLUICE_BUILD_DIR");
	ck_assert_msg(bd != NULL, "SLUICE_BUILD_DIR not set (run through ctest)");
	const char *pb = getenv("SLUICE_PROCESS_BIN"), *bb = getenv("SLUICE_BATCH_BIN");
	if (pb && bb) {
		snprintf(bin_process, sizeof bin_process, "%s", pb);
		snprintf(bin_batch, sizeof bin_batch, "%s", bb);
	} else {
		snprintf(bin_process, sizeof bin_process, "%s/bin/sluice-process", bd);
		snprintf(bin_batch, sizeof bin_batch, "%s/bin/sluice-batch", bd);
	}
	ck_assert_msg(access(bin_process, X_OK) == 0 && access(bin_batch, X_OK) == 0,
		      "stage binaries not found: %s %s", bin_process, bin_batch);
	snprintf(inst, sizeof inst, "stcrash-%d", (int)getpid());
	snprintf(cfg_path, sizeof cfg_path, "/tmp/%s.yaml", inst);
	write_config();
	struct segment_params p = { .nrings = 3 };
	for (int i = 0; i < 3; i++)
		p.ring_capacity[i] = 256u << 10; /* small: wraps and backpressure */
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	/* as the supervisor does: eventfds per ring, inherited by the stages */
	ck_assert_int_eq(segment_wake_create(&seg), 0);
	char wake[256];
	ck_assert_int_gt(segment_wake_env(&seg, wake, sizeof wake), 0);
	setenv(SEG_WAKE_ENV, wake, 1);
	for (uint64_t s = 1; s <= CRASH_RECORDS; s++)
		for (int i = 0; i < spans_of(s); i++)
			expected += !dropped(s, i);

	pid_t pp = spawn(bin_process), bp = spawn(bin_batch);
	wait_running(STAGE_PROCESS, pp);
	wait_running(STAGE_BATCH, bp);
	pthread_t tp, tc;
	pthread_create(&tp, NULL, producer, NULL);
	pthread_create(&tc, NULL, consumer, NULL);
	unsigned int rnd = (unsigned)getpid();
	int kills[2] = { 0, 0 }, status;
	while ((!atomic_load(&producer_done) || getenv("NOPACE")) &&
	       (kills[0] < KILLS_PER_STAGE || kills[1] < KILLS_PER_STAGE)) {
		usleep(1000 + rand_r(&rnd) % 15000);
		int v = rand_r(&rnd) % 2;
		if (kills[v] >= KILLS_PER_STAGE)
			v = !v;
		pid_t *pid = v ? &bp : &pp;
		kill(*pid, SIGKILL);
		ck_assert_int_eq(waitpid(*pid, &status, 0), *pid);
		ck_assert(WIFSIGNALED(status)); /* it was running, not exited on its own */
		kills[v]++;
		*pid = spawn(v ? bin_batch : bin_process);
		wait_running(v ? STAGE_BATCH : STAGE_PROCESS, *pid);
	}
	atomic_store(&kills_done, 1);
	pthread_join(tp, NULL);
	pthread_join(tc, NULL);
	/* drain stop: both exit 0 */
	kill(pp, SIGTERM);
	ck_assert_int_eq(waitpid(pp, &status, 0), pp);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process status %d", status);
	kill(bp, SIGTERM);
	ck_assert_int_eq(waitpid(bp, &status, 0), bp);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "batch status %d", status);

	unsigned long missing = 0, dup = 0;
	for (uint64_t s = 1; s <= CRASH_RECORDS; s++)
		for (int i = 0; i < MAX_SPANS; i++) {
			int want = i < spans_of(s) && !dropped(s, i);
			if (seen[s][i] < want && missing++ < 10)
				fprintf(stderr, "missing k.%llu.%d\n", (unsigned long long)s, i);
			if (seen[s][i] > want)
				dup++;
		}
	struct stage_stats *ps = segment_stats(&seg, STAGE_PROCESS);
	struct stage_stats *bs = segment_stats(&seg, STAGE_BATCH);
	fprintf(stderr,
		"crash test: %d records, %lu spans expected, %lu received (%lu bad, %lu out of "
		"order); kills process %d batch %d; duplicates skipped: process %llu batch %llu\n",
		CRASH_RECORDS, expected, atomic_load(&received), atomic_load(&bad_spans),
		atomic_load(&order_errors), kills[0], kills[1],
		(unsigned long long)stats_get(ps, STAT_DUPLICATES_SKIPPED),
		(unsigned long long)stats_get(bs, STAT_DUPLICATES_SKIPPED));
	ck_assert_uint_eq(missing, 0);
	ck_assert_uint_eq(dup, 0);
	ck_assert_uint_eq(atomic_load(&bad_spans), 0);
	ck_assert_uint_eq(atomic_load(&order_errors), 0);
	ck_assert_uint_eq(atomic_load(&received), expected);
	/* the kills happened while records were still being fed */
	ck_assert_int_ge(kills[0], 5);
	ck_assert_int_ge(kills[1], 5);
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
	unlink(cfg_path);
}
END_TEST

/* ---- three pipelines and a routing connector: kill -9 of the process
 * stage alone; the test reads the MID rings. traces/in (attributes: seen)
 * routes by team: a -> traces/a (filter: drop "drop" spans), b ->
 * traces/b, else traces/c; traces/c also takes the receiver directly, so
 * its records come twice (routed with "seen", direct without). */

#define RT_RECORDS (CRASH_RECORDS / 4)
#define RT_SPANS 8

static uint8_t rt_seen[4][RT_RECORDS + 1][RT_SPANS]; /* a, b, c routed, c direct */
static atomic_ulong rt_bad;
static atomic_int rt_reading;

static int rt_team(uint64_t seq)
{
	return (int)(seq % 4); /* 0 a, 1 b, 2 c, 3 none */
}

static int rt_spans(uint64_t seq)
{
	return 1 + (int)(seq * 3 % RT_SPANS);
}

static void *rt_producer(void *arg)
{
	static const char *team[] = { "a", "b", "c" };
	struct ring *r = arg;
	static struct tb_span sp[RT_SPANS];
	static char names[RT_SPANS][40];
	for (uint64_t seq = 1; seq <= RT_RECORDS; seq++) {
		struct tb_attr res[] = { { .key = "team", .type = 's', .s = team[rt_team(seq) % 3] },
					 { .key = NULL } };
		if (rt_team(seq) == 3)
			res[0].key = NULL;
		int n = rt_spans(seq);
		for (int i = 0; i < n; i++) {
			snprintf(names[i], sizeof names[i], "%s.%llu.%d", i % 3 == 2 ? "drop" : "k",
				 (unsigned long long)seq, i);
			sp[i] = (struct tb_span){ .name = names[i], .trace = seq };
		}
		size_t len;
		uint8_t *p = tb_pack(res, sp, n, &len);
		uint64_t got = tps_put(r, p, len, (uint32_t)n, 0);
		free(p);
		if (got != seq) { /* stuck, or seqs out of step: the checks say what is missing */
			atomic_fetch_add(&rt_bad, 1);
			break;
		}
		if (seq % (RT_RECORDS / 500) == 0 && !atomic_load(&kills_done))
			usleep(1000);
	}
	atomic_store(&producer_done, 1);
	return NULL;
}

static void rt_take(const struct record *rec, int side)
{
	TbRs *rs = tb_unpack(record_cpayload(rec), rec->len);
	if (!rs) {
		atomic_fetch_add(&rt_bad, 1);
		return;
	}
	TbSpan **sp;
	size_t n = tb_spans(rs, &sp);
	if (n != rec->items)
		atomic_fetch_add(&rt_bad, 1);
	for (size_t j = 0; j < n; j++) {
		unsigned long long seq;
		int idx, slot = side;
		char pre[8];
		int via = tb_attr(sp[j]->attributes, sp[j]->n_attributes, "seen") != NULL;
		if (sscanf(sp[j]->name, "%4[a-z].%llu.%d", pre, &seq, &idx) != 3 || seq < 1 ||
		    seq > RT_RECORDS || idx < 0 || idx >= RT_SPANS) {
			atomic_fetch_add(&rt_bad, 1);
			continue;
		}
		if (side == 2 && !via)
			slot = 3;
		else if (!via)
			atomic_fetch_add(&rt_bad, 1); /* a routed copy missed the entry pipeline's chain */
		rt_seen[slot][seq][idx]++;
	}
	tb_free(rs);
}

static void *rt_consumer(void *arg)
{
	struct ring *mids = arg;
	uint64_t deadline = now_ns() + 60ull * 1000000000ull;
	while (atomic_load(&rt_reading) && now_ns() < deadline) {
		int any = 0;
		for (int s = 0; s < 3; s++) {
			const struct record *rec;
			while (ring_peek(&mids[s], &rec, 0) == 0) {
				rt_take(rec, s);
				ring_commit(&mids[s], ring_cursor(&mids[s]));
				any = 1;
			}
		}
		if (!any)
			usleep(500);
	}
	return NULL;
}

START_TEST(kill9_routing_three_pipelines)
{
	const char *pb = getenv("SLUICE_PROCESS_BIN"), *bd = getenv("SLUICE_BUILD_DIR");
	if (pb)
		snprintf(bin_process, sizeof bin_process, "%s", pb);
	else
		snprintf(bin_process, sizeof bin_process, "%s/bin/sluice-process", bd ? bd : ".");
	ck_assert_msg(access(bin_process, X_OK) == 0, "stage binary not found: %s", bin_process);
	snprintf(inst, sizeof inst, "strcrash-%d", (int)getpid());
	snprintf(cfg_path, sizeof cfg_path, "/tmp/%s.yaml", inst);
	FILE *f = fopen(cfg_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		"processors:\n"
		"  attributes:\n    actions:\n      - {key: seen, value: true, action: insert}\n"
		"  filter:\n    spans:\n      exclude:\n        match_type: prefix\n        span_names: [drop]\n"
		"connectors:\n  routing:\n    table:\n"
		"      - condition: 'attributes[\"team\"] == \"a\"'\n        pipelines: [traces/a]\n"
		"      - condition: 'attributes[\"team\"] == \"b\"'\n        pipelines: [traces/b]\n"
		"    default_pipelines: [traces/c]\n"
		"exporters:\n  debug:\n  debug/b:\n  debug/c:\n"
		"service:\n  pipelines:\n"
		"    traces/in:\n      receivers: [otlp]\n      processors: [attributes]\n      exporters: [routing]\n"
		"    traces/a:\n      receivers: [routing]\n      processors: [filter]\n      exporters: [debug]\n"
		"    traces/b:\n      receivers: [routing]\n      exporters: [debug/b]\n"
		"    traces/c:\n      receivers: [routing, otlp]\n      exporters: [debug/c]\n"
		"sluice:\n  instance: %s\n",
		inst);
	fclose(f);
	struct sluice_config *cfg;
	struct config_error cerr;
	ck_assert_int_eq(config_load(cfg_path, &cfg, &cerr), 0);
	tps_segment(&seg, inst, cfg, 256u << 10, 64u << 10); /* small: wraps and full rings */
	struct ring in, mids[3];
	segment_ring(&seg, 0, &in);
	for (int s = 0; s < 3; s++)
		segment_ring(&seg, (uint32_t)cfg->plan->pipelines[s + 1].mid_ring, &mids[s]);
	atomic_store(&producer_done, 0);
	atomic_store(&kills_done, 0);
	atomic_store(&rt_reading, 1);
	pid_t pp = spawn(bin_process);
	wait_running(STAGE_PROCESS, pp);
	pthread_t tp, tc;
	pthread_create(&tp, NULL, rt_producer, &in);
	pthread_create(&tc, NULL, rt_consumer, mids);
	unsigned int rnd = (unsigned)getpid();
	int kills = 0, status;
	while (!atomic_load(&producer_done) && kills < KILLS_PER_STAGE) {
		usleep(1000 + rand_r(&rnd) % 15000);
		kill(pp, SIGKILL);
		ck_assert_int_eq(waitpid(pp, &status, 0), pp);
		ck_assert(WIFSIGNALED(status));
		kills++;
		pp = spawn(bin_process);
		wait_running(STAGE_PROCESS, pp);
	}
	atomic_store(&kills_done, 1);
	pthread_join(tp, NULL);
	/* drain: the stage empties the IN ring, then exits 0 */
	uint64_t give_up = now_ns() + 30ull * 1000000000ull;
	while (ring_used(&in) > 0 && now_ns() < give_up)
		usleep(2000);
	kill(pp, SIGTERM);
	ck_assert_int_eq(waitpid(pp, &status, 0), pp);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "process status %d", status);
	while (now_ns() < give_up) { /* let the reader empty the MID rings */
		int left = 0;
		for (int s = 0; s < 3; s++)
			left += ring_used(&mids[s]) > 0;
		if (!left)
			break;
		usleep(2000);
	}
	atomic_store(&rt_reading, 0);
	pthread_join(tc, NULL);
	unsigned long missing = 0, dup = 0;
	for (uint64_t q = 1; q <= RT_RECORDS; q++)
		for (int i = 0; i < rt_spans(q); i++) {
			int t = rt_team(q);
			int want[4] = { t == 0 && i % 3 != 2, t == 1, t >= 2, 1 };
			for (int s = 0; s < 4; s++) {
				if (rt_seen[s][q][i] < want[s] && missing++ < 10)
					fprintf(stderr, "missing side %d: %llu.%d\n", s,
						(unsigned long long)q, i);
				if (rt_seen[s][q][i] > want[s] && dup++ < 10)
					fprintf(stderr, "duplicate side %d: %llu.%d (%u)\n", s,
						(unsigned long long)q, i, rt_seen[s][q][i]);
			}
		}
	struct stage_stats *ps = segment_stats(&seg, STAGE_PROCESS);
	fprintf(stderr,
		"routing crash test: %d records, %d kills, %lu missing, %lu duplicates, %lu bad; "
		"duplicates skipped %llu\n",
		RT_RECORDS, kills, missing, dup, atomic_load(&rt_bad),
		(unsigned long long)stats_get(ps, STAT_DUPLICATES_SKIPPED));
	ck_assert_uint_eq(missing, 0);
	ck_assert_uint_eq(dup, 0);
	ck_assert_uint_eq(atomic_load(&rt_bad), 0);
	ck_assert_int_ge(kills, 5);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
	unlink(cfg_path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_crash");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, kill9_loses_and_duplicates_nothing);
	tcase_add_test(tc, kill9_routing_three_pipelines);
	suite_add_tcase(s, tc);
	return check_run(s, CK_NOFORK) ? EXIT_FAILURE : EXIT_SUCCESS;
}
