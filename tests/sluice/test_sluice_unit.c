/* tests/sluice/test_sluice_unit.c: the supervisor's restart policy and the
 * operator views rendered from a real segment. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/sluice/child.h"
#include "tools/sluice/report.h"
#include "tests/check_run.h"

#define MS 1000000ull

static const struct sluice_restart policy = {
	.backoff_initial_ns = 100 * MS,
	.backoff_max_ns = 1000 * MS,
	.max_restarts = 3,
	.window_ns = 10000 * MS,
};

START_TEST(backoff_doubles_up_to_the_max)
{
	struct child c = { .stage = STAGE_PROCESS };
	uint64_t now = 1000000 * MS;
	uint64_t want[] = { 100, 200, 400, 800, 1000, 1000 };
	struct sluice_restart lenient = policy;
	lenient.max_restarts = 100;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		c.started_mono_ns = now;
		now += 10 * MS; /* crashed 10 ms after its start */
		ck_assert_int_eq(child_on_exit(&c, &lenient, now), CHILD_RESTART);
		ck_assert_uint_eq(c.backoff_ns, want[i] * MS);
		now += c.backoff_ns;
	}
	ck_assert_uint_eq(c.restarts, 6);
}
END_TEST

START_TEST(backoff_resets_after_a_long_run)
{
	struct child c = { .stage = STAGE_BATCH };
	uint64_t now = 1000000 * MS;
	struct sluice_restart lenient = policy;
	lenient.max_restarts = 100;
	for (int i = 0; i < 4; i++) {
		c.started_mono_ns = now;
		now += MS;
		child_on_exit(&c, &lenient, now);
	}
	ck_assert_uint_eq(c.backoff_ns, 800 * MS);
	c.started_mono_ns = now;
	now += 5000 * MS; /* ran longer than backoff_max: a fresh failure */
	child_on_exit(&c, &lenient, now);
	ck_assert_uint_eq(c.backoff_ns, 100 * MS);
}
END_TEST

START_TEST(crash_loop_after_max_restarts_in_the_window_only)
{
	struct child c = { .stage = STAGE_EXPORT };
	uint64_t now = 1000000 * MS;
	for (int i = 0; i < 3; i++) {
		c.started_mono_ns = now;
		now += MS;
		ck_assert_int_eq(child_on_exit(&c, &policy, now), CHILD_RESTART);
	}
	/* The 4th crash inside 10 s is one too many: a crash loop, restarted
	 * at the maximum backoff (never given up on) */
	for (int i = 0; i < 10; i++) {
		c.started_mono_ns = now;
		now += MS;
		ck_assert_int_eq(child_on_exit(&c, &policy, now), CHILD_CRASH_LOOP);
		ck_assert_uint_eq(c.backoff_ns, policy.backoff_max_ns);
		now += c.backoff_ns;
	}
	/* it ran long enough for the old crashes to leave the window: a crash
	 * is an ordinary one again */
	c.started_mono_ns = now;
	now += 11000 * MS;
	ck_assert_int_eq(child_on_exit(&c, &policy, now), CHILD_RESTART);
	ck_assert_uint_eq(c.backoff_ns, policy.backoff_initial_ns);

	/* Spread out beyond the window, crashes never add up. */
	struct child d = { .stage = STAGE_EXPORT };
	now = 1000000 * MS;
	for (int i = 0; i < 20; i++) {
		d.started_mono_ns = now;
		now += 4000 * MS;
		ck_assert_int_eq(child_on_exit(&d, &policy, now), CHILD_RESTART);
	}
}
END_TEST

START_TEST(missing_stage_binary_is_reported)
{
	struct child c;
	ck_assert_int_eq(child_init(&c, STAGE_INGEST, "/nonexistent-dir"), -ENOENT);
	ck_assert_str_eq(c.binary, "/nonexistent-dir/sluice-ingest");
	ck_assert_int_eq(child_init(&c, STAGE_SUPERVISOR, "/tmp"), -EINVAL);
}
END_TEST

/* A stop signal that reaches a stage before it has set up its signalfd
 * waits there (a drain), it does not kill the stage: child_spawn execs with
 * SIGTERM and SIGINT blocked. The "stage" here signals itself at once. */
START_TEST(stop_before_the_stage_runtime_waits)
{
	char dir[] = "/tmp/sluicechildXXXXXX", path[4200], out[4200];
	struct child c;
	FILE *f;
	siginfo_t si;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sluice-ingest", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\nkill -TERM $$\nkill -INT $$\necho alive > %s\n", out);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0700), 0);
	ck_assert_int_eq(child_init(&c, STAGE_INGEST, dir), 0);
	ck_assert_int_eq(child_spawn(&c, NULL, NULL, "info"), 0);
	ck_assert_int_eq(waitid(P_PID, (id_t)c.pid, &si, WEXITED), 0);
	ck_assert_int_eq(si.si_code, CLD_EXITED); /* not CLD_KILLED by its SIGTERM */
	ck_assert_int_eq(si.si_status, 0);
	ck_assert_int_eq(access(out, F_OK), 0);
	close(c.pidfd);
	unlink(out);
	unlink(path);
	rmdir(dir);
}
END_TEST

static char *render(void (*fn)(struct segment *, FILE *), struct segment *seg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fn(seg, f);
	fclose(f);
	return buf;
}

static void status_no_rates(struct segment *seg, FILE *f)
{
	report_status(seg, f, NULL);
}

START_TEST(views_show_counters_from_the_segment)
{
	char name[64];
	snprintf(name, sizeof(name), "sluiceunit%d", (int)getpid());
	struct segment seg;
	struct segment_params p = { .nrings = RING_PIPELINE_COUNT };
	for (int i = 0; i < 3; i++) {
		p.ring_capacity[i] = 1 << 20;
		p.ring_kind[i] = SEG_RING_IN + (uint32_t)i;
	}
	ck_assert_int_eq(segment_create(&seg, name, &p), 0);
	struct stage_stats *in = segment_stats(&seg, STAGE_INGEST);
	struct stage_stats *ex = segment_stats(&seg, STAGE_EXPORT);
	stats_add(in, STAT_SPANS_IN, 1234);
	stats_add(in, STAT_SPANS_REFUSED_FULL, 7);
	stats_add(ex, STAT_EXPORT_SENT_SPANS, 1300);
	/* two exporters, each got every batch: per exporter, not the sum */
	struct stats_proc *ea = stats_proc_slot(ex, "otlphttp");
	struct stats_proc *eb = stats_proc_slot(ex, "debug");
	atomic_store(&ea->out, 1200);
	atomic_store(&eb->out, 100);
	atomic_store(&eb->dropped, 1100);
	atomic_store(&in->state, STAGE_STATE_RUNNING);
	struct stats_proc *fp = stats_proc_slot(segment_stats(&seg, STAGE_PROCESS), "filter");
	atomic_store(&fp->dropped, 42);

	char *prom = render(report_prometheus, &seg);
	ck_assert_ptr_nonnull(
		strstr(prom, "otelcol_receiver_accepted_spans_total{receiver=\"otlp\"} 1234\n"));
	ck_assert_ptr_nonnull(strstr(prom, "reason=\"ring_full\"} 7\n"));
	ck_assert_ptr_nonnull(
		strstr(prom, "otelcol_exporter_sent_spans_total{exporter=\"otlphttp\"} 1200\n"));
	ck_assert_ptr_nonnull(strstr(prom, "otelcol_exporter_sent_spans_total{exporter=\"debug\"} 100\n"));
	ck_assert_ptr_nonnull(
		strstr(prom, "otelcol_exporter_send_failed_spans_total{exporter=\"debug\"} 1100\n"));
	ck_assert_ptr_nonnull(
		strstr(prom, "otelcol_processor_dropped_spans_total{processor=\"filter\"} 42\n"));
	ck_assert_ptr_nonnull(strstr(prom, "sluice_export_sent_spans_total{stage=\"export\"} 1300\n"));
	ck_assert_ptr_nonnull(strstr(prom, "otelcol_exporter_queue_capacity 1048576\n"));
	ck_assert_ptr_nonnull(strstr(prom, "sluice_spans_in_total{stage=\"ingest\"} 1234\n"));
	ck_assert_ptr_nonnull(strstr(prom, "sluice_stage_up{stage=\"ingest\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(prom, "sluice_stage_up{stage=\"export\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(prom, "# TYPE sluice_connections_open gauge\n"));
	free(prom);

	char *st = render(status_no_rates, &seg);
	ck_assert_ptr_nonnull(strstr(st, "ingest   running"));
	ck_assert_ptr_nonnull(strstr(st, "export   none"));
	free(st);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert(!report_health(&seg, f));
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "process is none"));
	free(buf);
	for (int s = STAGE_INGEST; s <= STAGE_EXPORT; s++)
		atomic_store(&segment_stats(&seg, (enum stage_index)s)->state, STAGE_STATE_RUNNING);
	ck_assert(report_health(&seg, NULL));

	/* an exporter holding batches it cannot dead-letter: 503, named, why */
	stats_set(ex, STAT_EXPORT_DEGRADED, 1ull << 0 | (uint64_t)EROFS << 32);
	buf = NULL;
	f = open_memstream(&buf, &len);
	ck_assert(!report_health(&seg, f));
	fclose(f);
	ck_assert_ptr_nonnull(strstr(
		buf,
		"exporter otlphttp is degraded: dead letters cannot be written (Read-only file system)"));
	ck_assert_ptr_null(strstr(buf, "debug"));
	free(buf);
	prom = render(report_prometheus, &seg);
	ck_assert_ptr_nonnull(strstr(prom, "sluice_exporter_degraded{exporter=\"otlphttp\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(prom, "sluice_exporter_degraded{exporter=\"debug\"} 0\n"));
	ck_assert_ptr_null(strstr(prom, "sluice_export_degraded"));
	free(prom);
	stats_set(ex, STAT_EXPORT_DEGRADED, 0);
	ck_assert(report_health(&seg, NULL));

	segment_detach(&seg);
	ck_assert_int_eq(segment_unlink(name), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sluice");
	TCase *tc = tcase_create("supervisor");
	tcase_add_test(tc, backoff_doubles_up_to_the_max);
	tcase_add_test(tc, backoff_resets_after_a_long_run);
	tcase_add_test(tc, crash_loop_after_max_restarts_in_the_window_only);
	tcase_add_test(tc, missing_stage_binary_is_reported);
	tcase_add_test(tc, stop_before_the_stage_runtime_waits);
	tcase_add_test(tc, views_show_counters_from_the_segment);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
