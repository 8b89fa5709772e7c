/* kill -9 of sluice-batch at random moments while three pipelines (traces,
 * logs, metrics; each its own batch settings) flow; it is restarted at
 * once. The test builds the segment from the config's plan as the
 * supervisor does (rings, names, component slots, topology, eventfds in
 * SLUICE_WAKE_FDS), plays the process stage (feeds each MID ring: records
 * seq 1..N, some over send_batch_max_size so that splits are crossed too)
 * and the export stage (drains each OUT ring), and checks that every
 * input item arrives in its OUT ring exactly once, in order, and that
 * every OUT ring numbers its records 1, 2, 3, ... Scaled down under
 * sanitizers. NOPACE=1 (manual stress runs): feed at full speed. */
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

#include "config/config.h"
#include "config/plan.h"
#include "shm/segment.h"
#include "tests/stages/test_batch_tb.h"
#include "tests/check_run.h"

#if defined(__SANITIZE_ADDRESS__)
#define CRASH_RECORDS 600
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRASH_RECORDS 600
#endif
#endif
#ifdef CRASH_RECORDS
#define PACE_EVERY 1 /* sanitizers: restarts are slow, so is the feed */
#define PACE_US 5000
#else
#define CRASH_RECORDS 3000
#define PACE_EVERY 5
#define PACE_US 1000
#endif
#define PIPES 3
#define MAX_ITEMS 100 /* the largest record: over every send_batch_max_size */
#define PER_METRIC 3
#define KILLS 30

static struct segment seg;
static char inst[64], cfg_path[128], bin[512];
static struct sluice_config *cfg;
static int mid_ring[PIPES], out_ring[PIPES];
static uint8_t seen[PIPES][CRASH_RECORDS + 1][MAX_ITEMS];
static atomic_int feeding, kills_done;
static atomic_ulong received[PIPES], bad[PIPES];
static unsigned long expected[PIPES];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int items_of(int p, uint64_t s)
{
	return s % 97 == (uint64_t)p * 11 ? MAX_ITEMS : 1 + (int)((s * 7 + (uint64_t)p) % 8);
}

static void *producer(void *arg)
{
	int p = (int)(intptr_t)arg;
	struct ring r;
	segment_ring(&seg, (uint32_t)mid_ring[p], &r);
	for (uint64_t s = 1; s <= CRASH_RECORDS; s++) {
		size_t len;
		uint8_t *buf = btb_pack((enum otlp_signal)p, s, items_of(p, s), 1 + (int)(s % 3), PER_METRIC,
					&len);
		struct record *rec;
		int rc;
		uint64_t give_up = now_ns() + 30ull * 1000000000ull;
		while ((rc = ring_reserve(&r, (uint32_t)len, &rec, 100000000)) == -ETIMEDOUT ||
		       rc == -EINTR || rc == -EAGAIN)
			if (now_ns() > give_up)
				break;
		if (rc < 0) { /* stuck: the checks below say what is missing */
			free(buf);
			break;
		}
		memcpy(record_payload(rec), buf, len);
		rec->seq = s;
		rec->signal = (uint16_t)(RECORD_SIGNAL_TRACES + (unsigned)p);
		rec->items = (uint32_t)items_of(p, s);
		rec->ingest_ns = s;
		ring_publish(&r);
		free(buf);
		/* pace the flow so that it lasts while the stage is killed */
		if (s % PACE_EVERY == 0 && !atomic_load(&kills_done) && !getenv("NOPACE"))
			usleep(PACE_US);
		/* the last tenth waits for the kills to end (bounded), so that all
		 * of them happen while records are in flight */
		for (int i = 0; s == CRASH_RECORDS * 9 / 10 && i < 60000 && !atomic_load(&kills_done); i++)
			usleep(1000);
	}
	atomic_fetch_sub(&feeding, 1);
	return NULL;
}

/* Items of one OUT record: each once, each after the one before. */
static void consume_one(int p, const struct record *r, uint64_t *last_seq, uint64_t *last_item)
{
	static char names[PIPES][1 << 16];
	struct btb_out o;
	names[p][0] = '\0';
	if (r->seq != *last_seq + 1 || !(r->flags & RECORD_F_REQUEST) ||
	    r->signal != RECORD_SIGNAL_TRACES + (unsigned)p ||
	    btb_unpack((enum otlp_signal)p, record_cpayload(r), r->len, PER_METRIC, names[p], sizeof names[p],
		       &o) < 0 ||
	    o.items != r->items) {
		atomic_fetch_add(&bad[p], 1);
		*last_seq = r->seq;
		return;
	}
	*last_seq = r->seq;
	char *save = NULL;
	for (char *tok = strtok_r(names[p], " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		unsigned long long s;
		int i;
		if (sscanf(tok, "%llu.%d", &s, &i) != 2 || s < 1 || s > CRASH_RECORDS || i < 0 ||
		    i >= MAX_ITEMS) {
			atomic_fetch_add(&bad[p], 1);
			continue;
		}
		uint64_t key = s * MAX_ITEMS + (uint64_t)i;
		if (key <= *last_item)
			atomic_fetch_add(&bad[p], 1); /* out of order, or again */
		*last_item = key;
		seen[p][s][i]++;
		atomic_fetch_add(&received[p], 1);
	}
}

static void *consumer(void *arg)
{
	(void)arg;
	struct ring r[PIPES];
	uint64_t last_seq[PIPES] = { 0 }, last_item[PIPES] = { 0 };
	for (int p = 0; p < PIPES; p++)
		segment_ring(&seg, (uint32_t)out_ring[p], &r[p]);
	uint64_t deadline = now_ns() + 90ull * 1000000000ull;
	for (;;) {
		int done = 1, got = 0;
		for (int p = 0; p < PIPES; p++) {
			done &= atomic_load(&received[p]) >= expected[p];
			const struct record *rec;
			while (ring_peek(&r[p], &rec, 0) == 0) {
				consume_one(p, rec, &last_seq[p], &last_item[p]);
				ring_commit(&r[p], ring_cursor(&r[p]));
				got = 1;
			}
		}
		if (done || now_ns() > deadline)
			break;
		if (!got)
			usleep(500);
	}
	return NULL;
}

static pid_t spawn(void)
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

static void wait_running(pid_t pid)
{
	struct stage_stats *st = segment_stats(&seg, STAGE_BATCH);
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(&st->pid) == pid && atomic_load(&st->state) == STAGE_STATE_RUNNING)
			return;
		usleep(1000);
	}
	ck_abort_msg("sluice-batch (pid %d) did not start", (int)pid);
}

static void write_config(void)
{
	FILE *f = fopen(cfg_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		"        max_recv_msg_size_mib: 1\n"
		"processors:\n"
		"  batch/t:\n    send_batch_size: 40\n    send_batch_max_size: 60\n    send_batch_max_bytes: 64KiB\n    timeout: 5ms\n"
		"  batch/l:\n    send_batch_size: 100\n    send_batch_max_bytes: 4KiB\n    timeout: 2ms\n"
		"  batch/m:\n    send_batch_size: 25\n    send_batch_max_size: 30\n    send_batch_max_bytes: 64KiB\n    timeout: 3ms\n"
		"exporters:\n  debug:\n"
		"service:\n  pipelines:\n"
		"    traces:\n      receivers: [otlp]\n      processors: [batch/t]\n      exporters: [debug]\n"
		"    logs:\n      receivers: [otlp]\n      processors: [batch/l]\n      exporters: [debug]\n"
		"    metrics:\n      receivers: [otlp]\n      processors: [batch/m]\n      exporters: [debug]\n"
		"sluice:\n  instance: %s\n  ring_bytes: 16MiB\n"
		"  rings:\n    process_batch: 4MiB\n    batch_export: 256KiB\n",
		inst);
	fclose(f);
}

/* The segment the supervisor makes for this plan. */
static void make_segment(void)
{
	struct config_error err;
	ck_assert_msg(config_load(cfg_path, &cfg, &err) == 0, "%s", err.msg);
	const struct sluice_plan *plan = cfg->plan;
	static const uint32_t kinds[] = { SEG_RING_IN, SEG_RING_MID, SEG_RING_OUT };
	static const uint32_t comp_kinds[] = { SEG_COMP_RECEIVER, SEG_COMP_PROCESSOR, SEG_COMP_EXPORTER,
					       SEG_COMP_CONNECTOR };
	static struct segment_component_params comps[PLAN_MAX_STATS];
	struct segment_params sp = { .nrings = plan->n_rings,
				     .topology = plan->fingerprint,
				     .ncomponents = plan->n_stats,
				     .components = comps };
	for (uint32_t i = 0; i < plan->n_rings; i++) {
		sp.ring_capacity[i] = plan->rings[i].capacity;
		sp.ring_name[i] = plan->rings[i].name;
		sp.ring_kind[i] = kinds[plan->rings[i].kind];
		sp.ring_signal[i] = RECORD_SIGNAL_TRACES + (uint32_t)plan->rings[i].signal;
	}
	for (uint32_t i = 0; i < plan->n_stats; i++) {
		const struct plan_stat *s = &plan->stats[i];
		comps[i] = (struct segment_component_params){
			.kind = comp_kinds[s->kind],
			.signal = RECORD_SIGNAL_TRACES + (uint32_t)s->signal,
			.pipeline = s->pipeline < 0 ? SEG_NONE : (uint32_t)s->pipeline,
			.name = s->component_id,
			.pipeline_name = s->pipeline_id,
			.transport = plan_transport_name(s->transport)
		};
	}
	segment_unlink(inst);
	ck_assert_msg(segment_create(&seg, inst, &sp) == 0, "%s", segment_errmsg(&seg));
	ck_assert_int_eq(segment_wake_create(&seg), 0);
	char wake[1024];
	ck_assert_int_gt(segment_wake_env(&seg, wake, sizeof wake), 0);
	setenv(SEG_WAKE_ENV, wake, 1);
	ck_assert_uint_eq(cfg->n_pipelines, PIPES);
	for (int p = 0; p < PIPES; p++) { /* pipeline p carries signal p */
		ck_assert_int_eq((int)cfg->pipelines[p].signal, p);
		mid_ring[p] = plan->pipelines[p].mid_ring;
		out_ring[p] = plan->pipelines[p].out_ring;
		ck_assert_int_ge(mid_ring[p], 0);
		ck_assert_int_ge(out_ring[p], 0);
	}
}

START_TEST(kill9_every_item_once_in_every_pipeline)
{
	const char *bb = getenv("SLUICE_BATCH_BIN"), *bd = getenv("SLUICE_BUILD_DIR");
	if (bb)
		snprintf(bin, sizeof bin, "%s", bb);
	else
		snprintf(bin, sizeof bin, "%s/bin/sluice-batch", bd ? bd : ".");
	ck_assert_msg(access(bin, X_OK) == 0, "sluice-batch not found: %s", bin);
	snprintf(inst, sizeof inst, "stbcrash-%d", (int)getpid());
	snprintf(cfg_path, sizeof cfg_path, "/tmp/%s.yaml", inst);
	write_config();
	make_segment();
	for (int p = 0; p < PIPES; p++)
		for (uint64_t s = 1; s <= CRASH_RECORDS; s++)
			expected[p] += (unsigned long)items_of(p, s);

	pid_t pid = spawn();
	wait_running(pid);
	atomic_store(&feeding, PIPES);
	pthread_t tp[PIPES], tc;
	for (int p = 0; p < PIPES; p++)
		pthread_create(&tp[p], NULL, producer, (void *)(intptr_t)p);
	pthread_create(&tc, NULL, consumer, NULL);
	unsigned int rnd = (unsigned)getpid();
	int kills = 0, status;
	while ((atomic_load(&feeding) > 0 || getenv("NOPACE")) && kills < KILLS) {
		usleep(2000 + rand_r(&rnd) % 20000);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status)); /* it was running, not exited on its own */
		kills++;
		pid = spawn();
		wait_running(pid);
	}
	atomic_store(&kills_done, 1);
	for (int p = 0; p < PIPES; p++)
		pthread_join(tp[p], NULL);
	pthread_join(tc, NULL);
	kill(pid, SIGTERM); /* drain stop: exit 0 */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "batch status %d", status);

	struct stage_stats *st = segment_stats(&seg, STAGE_BATCH);
	for (int p = 0; p < PIPES; p++) {
		unsigned long missing = 0, dup = 0;
		for (uint64_t s = 1; s <= CRASH_RECORDS; s++)
			for (int i = 0; i < MAX_ITEMS; i++) {
				int want = i < items_of(p, s);
				if (seen[p][s][i] < want && missing++ < 5)
					fprintf(stderr, "pipeline %d: missing %llu.%d\n", p,
						(unsigned long long)s, i);
				if (seen[p][s][i] > want)
					dup++;
			}
		fprintf(stderr,
			"batch crash test, pipeline %s: %d records, %lu items expected, %lu "
			"received (%lu bad); %d kills; duplicates skipped (all pipelines) %llu\n",
			cfg->pipelines[p].id, CRASH_RECORDS, expected[p], atomic_load(&received[p]),
			atomic_load(&bad[p]), kills,
			(unsigned long long)stats_get(st, STAT_DUPLICATES_SKIPPED));
		ck_assert_uint_eq(missing, 0);
		ck_assert_uint_eq(dup, 0);
		ck_assert_uint_eq(atomic_load(&bad[p]), 0);
		ck_assert_uint_eq(atomic_load(&received[p]), expected[p]);
	}
	ck_assert_int_eq(kills, KILLS); /* all while records were in flight */
	config_free(cfg);
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
	unlink(cfg_path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_batch_crash");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, kill9_every_item_once_in_every_pipeline);
	suite_add_tcase(s, tc);
	return check_run(s, CK_NOFORK) ? EXIT_FAILURE : EXIT_SUCCESS;
}
