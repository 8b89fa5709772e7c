/* A dead-letter directory that cannot be written must not stall healthy
 * traffic (issue 14 section 3), with real sluice-export and sluice-sink
 * processes:
 *   - the backend refuses every batch for good and the dead-letter
 *     directory is read-only: every batch is still tried (none waits
 *     behind a batch that cannot be dead-lettered), nothing leaves the
 *     ring, the failure is counted and flagged; once the backend accepts
 *     again, new batches flow and the held ones are delivered, each span
 *     exactly once;
 *   - the directory becomes writable again while the backend still
 *     refuses: the held batches are written there;
 *   - the stage is stopped while it holds batches: they stay in the ring
 *     and the next export stage delivers them.
 * "Read-only": a read-only bind mount in the export stage's own mount
 * namespace (root ignores modes, not a read-only mount); where mounts are
 * not allowed (or with XT_DL_FILE set), a regular file where the
 * directory should be. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xt.h"
#include "tests/check_run.h"

#define RETRY_FAST                                                                          \
	"    retry_on_failure:\n      initial_interval: 100ms\n      max_interval: 500ms\n" \
	"      multiplier: 2\n      randomization_factor: 0\n      max_elapsed_time: 2s\n"

#define PER 5 /* spans a batch */

enum dl_mode {
	DL_READONLY,
	DL_FILE
};

static char dl_path[300];

/* In the export child: its own mount namespace, where dl is read-only. */
static void dl_readonly_setup(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(dl_path, dl_path, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, dl_path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		_exit(126);
}

/* Can this process make a read-only bind mount in a namespace of its own? */
static bool dl_readonly_possible(const char *probe)
{
	snprintf(dl_path, sizeof(dl_path), "%s", probe);
	mkdir(dl_path, 0700);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dl_readonly_setup();
		int fd = open(probe, O_WRONLY | O_TMPFILE, 0600);
		_exit(fd < 0 && errno == EROFS ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	rmdir(dl_path);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Makes <dir>/dl unwritable for the export stage started next. */
static enum dl_mode dl_block(struct xt_env *e)
{
	char probe[300];
	snprintf(probe, sizeof(probe), "%s/probe", e->dir);
	if (!getenv("XT_DL_FILE") && dl_readonly_possible(probe)) {
		snprintf(dl_path, sizeof(dl_path), "%s/dl", e->dir);
		ck_assert_int_eq(mkdir(dl_path, 0700), 0);
		e->export_setup = dl_readonly_setup;
		return DL_READONLY;
	}
	snprintf(dl_path, sizeof(dl_path), "%s/dl", e->dir);
	int fd = open(dl_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	return DL_FILE;
}

/* Makes it writable again under the running export stage. */
static void dl_unblock(struct xt_env *e, enum dl_mode m)
{
	if (m == DL_FILE) {
		ck_assert_int_eq(unlink(dl_path), 0);
		return;
	}
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char ns[64];
		snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)e->export_pid);
		int fd = open(ns, O_RDONLY);
		_exit(fd >= 0 && setns(fd, CLONE_NEWNS) == 0 && umount2(dl_path, MNT_DETACH) == 0 ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "could not undo the read-only mount");
}

static uint64_t stat_of(struct xt_env *e, enum stat_counter c)
{
	return stats_get(segment_stats(&e->seg, STAGE_EXPORT), c);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Requests the sink logged (any answer). */
static size_t sink_requests(struct xt_env *e)
{
	struct xt_logline *l;
	size_t n = xt_read_log(e->sink_log, &l);
	free(l);
	return n;
}

static bool wait_requests(struct xt_env *e, size_t n, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	while (sink_requests(e) < n && now_ms() < end)
		xt_msleep(20);
	return sink_requests(e) >= n;
}

static bool wait_stat(struct xt_env *e, enum stat_counter c, uint64_t at_least, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	while (stat_of(e, c) < at_least && now_ms() < end)
		xt_msleep(20);
	return stat_of(e, c) >= at_least;
}

static bool wait_not_degraded(struct xt_env *e, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	while (stat_of(e, STAT_EXPORT_DEGRADED) != 0 && now_ms() < end)
		xt_msleep(20);
	return stat_of(e, STAT_EXPORT_DEGRADED) == 0;
}

static void start_export(struct xt_env *e)
{
	xt_export_start(e,
			"  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: none\n"
			"    connections: 2\n    dead_letter_dir: %DIR%/dl\n"
			"    sending_queue:\n      num_consumers: 2\n" RETRY_FAST,
			"otlphttp");
	ck_assert(xt_wait_running(e, 10000));
}

static void publish(struct xt_env *e, struct xt_body *b, uint32_t from, uint32_t to)
{
	for (uint32_t i = from; i < to; i++) {
		b[i] = xt_make_body(i, PER);
		ck_assert_int_eq(xt_publish(e, &b[i], 5000), 0);
	}
}

/* Every span of batches [0, n) arrived exactly once. */
static void assert_each_once(struct xt_env *e, uint32_t n)
{
	struct xt_body *got;
	size_t gn = xt_read_bodies(e->sink_bodies, &got);
	uint32_t counts[64 * PER] = { 0 };
	ck_assert(n <= 64);
	ck_assert(xt_count_spans(got, gn, n, PER, counts));
	for (uint32_t i = 0; i < n * PER; i++)
		ck_assert_msg(counts[i] == 1, "span %u of batch %u arrived %u times", i % PER, i / PER,
			      counts[i]);
	xt_bodies_free(got, gn);
}

static bool log_has(struct xt_env *e, const char *what)
{
	char p[300];
	size_t len;
	snprintf(p, sizeof(p), "%s/export.log", e->dir);
	char *log = xt_slurp(p, &len);
	bool yes = log && strstr(log, what);
	free(log);
	return yes;
}

START_TEST(refused_batches_do_not_stall_the_rest)
{
	struct xt_env e;
	xt_setup(&e, "held", 1u << 20);
	enum dl_mode m = dl_block(&e);
	const char *refuse[] = { "--fail", "400*100000", NULL };
	xt_sink_start(&e, refuse);
	start_export(&e);
	struct xt_body b[10];
	publish(&e, b, 0, 6);
	/* two send slots, six batches: each one is tried, none waits behind a
	 * batch whose dead letter cannot be written */
	ck_assert_msg(wait_requests(&e, 6, 15000), "only %zu of 6 batches reached the backend",
		      sink_requests(&e));
	ck_assert(wait_stat(&e, STAT_EXPORT_DEADLETTER_FAILURES, 6, 10000));
	uint64_t deg = stat_of(&e, STAT_EXPORT_DEGRADED);
	ck_assert_msg((deg & 0xffff) == 1, "degraded bits %#llx", (unsigned long long)deg);
	ck_assert_int_eq((int)(deg >> 32 & 0xffff), m == DL_READONLY ? EROFS : ENOTDIR);
	ck_assert_uint_gt(ring_used(&e.ring), 0); /* nothing was let go */
	ck_assert(log_has(&e, "stays in the ring and is retried"));
	ck_assert_uint_eq(stat_of(&e, STAT_EXPORT_DEADLETTER_SPANS), 0);

	/* the backend recovers: new batches flow, the held ones follow */
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	xt_sink_start(&e, NULL);
	publish(&e, b, 6, 10);
	ck_assert_msg(xt_wait_spans(&e, 10 * PER, 20000), "the backend got %llu of %u spans",
		      (unsigned long long)xt_sink_spans(&e), 10 * PER);
	ck_assert(xt_wait_ring_empty(&e, 5000));
	ck_assert(wait_not_degraded(&e, 5000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	assert_each_once(&e, 10);
	ck_assert_uint_eq(stat_of(&e, STAT_EXPORT_SENT_SPANS), 10 * PER);
	ck_assert(log_has(&e, "no batch waits for the dead-letter directory any more"));
	for (int i = 0; i < 10; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

START_TEST(held_batches_reach_the_directory_once_writable)
{
	struct xt_env e;
	xt_setup(&e, "heldw", 1u << 20);
	enum dl_mode m = dl_block(&e);
	const char *refuse[] = { "--fail", "400*100000", NULL };
	xt_sink_start(&e, refuse);
	start_export(&e);
	struct xt_body b[4];
	publish(&e, b, 0, 4);
	ck_assert(wait_requests(&e, 4, 15000));
	ck_assert(wait_stat(&e, STAT_EXPORT_DEADLETTER_FAILURES, 4, 10000));
	ck_assert_uint_gt(ring_used(&e.ring), 0);
	dl_unblock(&e, m);
	/* dead-letter rounds back off from 1 s; within a few of them */
	ck_assert(xt_wait_ring_empty(&e, 30000));
	ck_assert(wait_not_degraded(&e, 5000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	/* the pipeline's directory below dead_letter_dir (exporter/paths.h) */
	char dl_pipe[320];
	snprintf(dl_pipe, sizeof(dl_pipe), "%s/traces", dl_path);
	ck_assert_uint_eq(xt_count_files(dl_pipe, ".pb"), 4);
	ck_assert_uint_eq(xt_count_files(dl_pipe, ".json"), 4);
	for (int i = 0; i < 4; i++) {
		size_t len;
		char *body = xt_dead_letter(dl_pipe, b[i].seq, "otlphttp", "pb", &len);
		ck_assert_msg(body && len == b[i].len && !memcmp(body, b[i].data, len),
			      "dead letter of batch %d", i);
		free(body);
		xt_body_free(&b[i]);
	}
	ck_assert_uint_eq(stat_of(&e, STAT_EXPORT_DEADLETTER_SPANS), 4 * PER);
	ck_assert_uint_eq(xt_sink_spans(&e), 0);
	xt_teardown(&e);
}
END_TEST

START_TEST(held_batches_survive_a_stop)
{
	struct xt_env e;
	xt_setup(&e, "helds", 1u << 20);
	snprintf(e.stop_timeout, sizeof(e.stop_timeout), "1s");
	dl_block(&e);
	const char *refuse[] = { "--fail", "400*100000", NULL };
	xt_sink_start(&e, refuse);
	start_export(&e);
	struct xt_body b[3];
	publish(&e, b, 0, 3);
	ck_assert(wait_requests(&e, 3, 15000));
	ck_assert(wait_stat(&e, STAT_EXPORT_DEADLETTER_FAILURES, 3, 10000));
	/* the drain gives up on what it cannot finish and leaves it in the ring */
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_gt(ring_used(&e.ring), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	xt_sink_start(&e, NULL);
	start_export(&e);
	ck_assert(xt_wait_spans(&e, 3 * PER, 20000));
	ck_assert(xt_wait_ring_empty(&e, 5000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	assert_each_once(&e, 3);
	for (int i = 0; i < 3; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_held");
	TCase *tc = tcase_create("held");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, refused_batches_do_not_stall_the_rest);
	tcase_add_test(tc, held_batches_reach_the_directory_once_writable);
	tcase_add_test(tc, held_batches_survive_a_stop);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
