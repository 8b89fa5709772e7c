/* kill -9 of the export stage with answers out of order: the backend holds
 * the answer to the first request (sink --fail stall...) while every later
 * batch is acknowledged, so the ring tail stays before all of them; the
 * stage is killed there and started again. The done marks (shm/donemark.h)
 * must keep the restarted stage from sending the acknowledged batches
 * again: every item arrives exactly once, for each exporter of a fan-out,
 * and a batch dead-lettered before the kill is not refused and
 * dead-lettered again. Without the marks each of these sees every batch
 * behind the held one twice. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm/donemark.h"
#include "xt.h"
#include "tests/check_run.h"

#define PER 20u	    /* spans a batch */
#define BATCHES 24u /* the first one is the held one */

static struct stage_stats *st_of(struct xt_env *e)
{
	return segment_stats(&e->seg, STAGE_EXPORT);
}

static size_t sink_requests(struct xt_env *e)
{
	struct xt_logline *l;
	size_t n = xt_read_log(e->sink_log, &l);
	free(l);
	return n;
}

static bool wait_requests(struct xt_env *e, size_t n, int timeout_ms)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (sink_requests(e) >= n)
			return true;
		xt_msleep(10);
	}
	return false;
}

/* Done marks the stage set for ring 2, over the exporters in ids. */
static uint32_t marks(struct xt_env *e, const char *const *ids)
{
	uint32_t n = 0;
	for (; *ids; ids++) {
		struct donemark m;
		ck_assert_int_eq(donemark_for(&e->seg, RING_BATCH_EXPORT, *ids, &m), 0);
		for (uint64_t seq = 1; seq <= BATCHES; seq++)
			n += donemark_has(&m, seq);
	}
	return n;
}

/* An exporter block for the sink with a long timeout: the held request
 * must still be in flight when the test kills the stage. */
static void exporter_yaml(char *out, size_t cap, const char *id, const char *extra)
{
	snprintf(out, cap,
		 "  %s:\n    endpoint: http://127.0.0.1:%%HTTP%%\n    compression: none\n"
		 "    timeout: 120s\n    connections: 4\n    sending_queue:\n      num_consumers: 4\n%s",
		 id, extra);
}

/* Publishes batch 0, waits until the sink took `first` requests (the held
 * one and, in a fan-out, the other exporter's), publishes the rest and
 * waits until the stage marked every batch done for every exporter but
 * the held one (the sink logs a request before it answers, so its log
 * alone would let the kill land before answers were taken in); the tail
 * must still be before them all. Then kill -9 and start again with the
 * same config. */
static void hold_kill_restart(struct xt_env *e, struct xt_body *b, const char *yaml, const char *ids,
			      const char *const *idv, size_t first)
{
	uint32_t nx = 0;
	while (idv[nx])
		nx++;
	b[0] = xt_make_body(0, PER);
	ck_assert_int_eq(xt_publish(e, &b[0], 10000), 0);
	ck_assert_msg(wait_requests(e, first, 30000), "the sink took %zu requests", sink_requests(e));
	for (uint32_t i = 1; i < BATCHES; i++) {
		b[i] = xt_make_body(i, PER);
		ck_assert_int_eq(xt_publish(e, &b[i], 10000), 0);
	}
	const uint32_t want = nx * BATCHES - 1;
	for (int waited = 0; marks(e, idv) < want && waited < 30000; waited += 10)
		xt_msleep(10);
	ck_assert_msg(marks(e, idv) == want, "%u of %u batches marked done", marks(e, idv), want);
	/* every answer but the held one is back: the stage marked them, but
	 * the ring tail stays before batch 0 */
	ck_assert_uint_gt(ring_used(&e->ring), (uint64_t)(BATCHES - 1) * b[1].len);
	kill(e->export_pid, SIGKILL);
	xt_stop(&e->export_pid, SIGKILL);
	xt_export_start(e, yaml, ids);
	ck_assert(xt_wait_ring_empty(e, 30000));
	ck_assert_int_eq(xt_stop(&e->export_pid, SIGTERM), 0);
}

static void check_counts(struct xt_env *e, uint32_t want)
{
	ck_assert_int_eq(xt_stop(&e->sink_pid, SIGTERM), 0);
	struct xt_body *got;
	size_t n = xt_read_bodies(e->sink_bodies, &got);
	uint32_t *counts = calloc((size_t)BATCHES * PER, sizeof(*counts));
	ck_assert(xt_count_spans(got, n, BATCHES, PER, counts));
	for (size_t i = 0; i < (size_t)BATCHES * PER; i++)
		ck_assert_msg(counts[i] == want, "span %zu of batch %zu arrived %u times, not %u", i % PER,
			      i / PER, counts[i], want);
	xt_bodies_free(got, n);
	free(counts);
}

START_TEST(acked_behind_held_not_resent)
{
	struct xt_env e;
	struct xt_body b[BATCHES];
	char yaml[1024];
	xt_setup(&e, "resume1", 1u << 20);
	const char *args[] = { "--fail", "stall", NULL };
	xt_sink_start(&e, args);
	exporter_yaml(yaml, sizeof(yaml), "otlphttp", "");
	xt_export_start(&e, yaml, "otlphttp");
	const char *idv[] = { "otlphttp", NULL };
	hold_kill_restart(&e, b, yaml, "otlphttp", idv, 1);
	/* the held request again (its first try was never answered), no other */
	ck_assert_uint_eq(sink_requests(&e), BATCHES + 1);
	ck_assert_uint_eq(xt_sink_spans(&e), (uint64_t)BATCHES * PER);
	/* counted as skipped, not as sent twice */
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_DUPLICATES_SKIPPED), (uint64_t)(BATCHES - 1) * PER);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_SENT_SPANS), (uint64_t)BATCHES * PER);
	check_counts(&e, 1);
	for (uint32_t i = 0; i < BATCHES; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

/* Two exporters of one pipeline, one sink: the held request is one
 * exporter's; the other had acknowledged that batch too. A mark per
 * exporter: after the restart batch 0 goes to the holding exporter only. */
START_TEST(fanout_marks_per_exporter)
{
	struct xt_env e;
	struct xt_body b[BATCHES];
	char a[512], bb[512], yaml[1200];
	xt_setup(&e, "resume2", 1u << 20);
	const char *args[] = { "--fail", "stall", NULL };
	xt_sink_start(&e, args);
	exporter_yaml(a, sizeof(a), "otlphttp", "");
	exporter_yaml(bb, sizeof(bb), "otlphttp/b", "");
	snprintf(yaml, sizeof(yaml), "%s%s", a, bb);
	xt_export_start(&e, yaml, "otlphttp, otlphttp/b");
	const char *idv[] = { "otlphttp", "otlphttp/b", NULL };
	hold_kill_restart(&e, b, yaml, "otlphttp, otlphttp/b", idv, 2);
	ck_assert_uint_eq(sink_requests(&e), 2 * BATCHES + 1);
	check_counts(&e, 2);
	for (uint32_t i = 0; i < BATCHES; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

/* Refused for good: batches 1.. are dead-lettered before the kill, batch 0
 * after it. A dead letter counts as done: none is refused twice. */
START_TEST(deadlettered_not_redone)
{
	struct xt_env e;
	struct xt_body b[BATCHES];
	char yaml[1024];
	xt_setup(&e, "resume3", 1u << 20);
	const char *args[] = { "--fail", "stall,400*100000", NULL };
	xt_sink_start(&e, args);
	exporter_yaml(yaml, sizeof(yaml), "otlphttp", "    dead_letter_dir: %DIR%/dl\n");
	xt_export_start(&e, yaml, "otlphttp");
	const char *idv[] = { "otlphttp", NULL };
	hold_kill_restart(&e, b, yaml, "otlphttp", idv, 1);
	ck_assert_uint_eq(sink_requests(&e), BATCHES + 1);
	ck_assert_uint_eq(xt_sink_spans(&e), 0);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_DEADLETTER_SPANS), (uint64_t)BATCHES * PER);
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/dl/traces", e.dir);
	ck_assert_uint_eq(xt_count_files(dir, ".pb"), BATCHES);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	for (uint32_t i = 0; i < BATCHES; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_resume");
	TCase *tc = tcase_create("resume");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, acked_behind_held_not_resent);
	tcase_add_test(tc, fanout_marks_per_exporter);
	tcase_add_test(tc, deadlettered_not_redone);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
