/* Several pipelines in one export stage (a segment laid out from the plan):
 *   - one exporter id in three pipelines, a backend that refuses all: each
 *     pipeline's batches are dead-lettered in its own directory (the OUT
 *     rings all count seqs from 1: nothing collides, nothing is lost), the
 *     default directory included, and each (exporter, pipeline) slot counts
 *     its failures and dead letters;
 *   - a pipeline whose backend is down does not hold up another's: the
 *     healthy one is delivered and committed while the dead one's ring
 *     keeps every record, retrying (its slot: retries, queue bytes);
 *   - a corrupt OUT record (its payload damaged in shared memory) is never
 *     sent: the records around it are, its bytes are in the quarantine
 *     file, the ring counts it and the log says where. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shm/ring.h"
#include "xt.h"
#include "tests/check_run.h"

#define RECEIVER "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:0\n"
#define PIPE(sig, exps) "    " sig ":\n      receivers: [otlp]\n      exporters: [" exps "]\n"

START_TEST(same_exporter_three_pipelines_deadletters)
{
	struct xt_env e;
	xt_init(&e, "pipedl");
	const char *args[] = { "--fail", "400*100000", NULL };
	xt_sink_start(&e, args);
	xt_plan(&e,
		RECEIVER "exporters:\n"
			 "  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: none\n"
			 "    dead_letter_dir: %DIR%/dl\n"
			 "  otlphttp/nodl:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: none\n"
			 "service:\n  pipelines:\n" PIPE("traces", "otlphttp") PIPE("traces/b", "otlphttp")
				 PIPE("logs", "otlphttp, otlphttp/nodl"),
		1u << 20);
	xt_export_exec(&e);
	static const char *const pipes[] = { "traces", "traces/b", "logs" };
	static const int sigs[] = { 0, 0, 1 };
	enum {
		N = 5
	};
	struct xt_body b[3][N];
	for (int p = 0; p < 3; p++) {
		char ring[64];
		snprintf(ring, sizeof(ring), "out:%s", pipes[p]);
		int r = xt_ring_index(&e, ring);
		for (int i = 0; i < N; i++) {
			b[p][i] = xt_make_signal(sigs[p], (uint32_t)(10 * p + i), 3 + (uint32_t)p);
			ck_assert_int_eq(xt_publish_ring(&e, r, &b[p][i], 5000, (unsigned)sigs[p] + 1), 0);
			ck_assert_uint_eq(b[p][i].seq, (uint64_t)i + 1); /* every ring counts from 1 */
		}
	}
	for (int p = 0; p < 3; p++) {
		char ring[64];
		snprintf(ring, sizeof(ring), "out:%s", pipes[p]);
		ck_assert_msg(xt_wait_ring_index_empty(&e, xt_ring_index(&e, ring), 20000), "%s not drained",
			      ring);
	}
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	static const char *const dirs[] = { "dl/traces", "dl/traces_b", "dl/logs" };
	for (int p = 0; p < 3; p++) {
		char dir[400];
		snprintf(dir, sizeof(dir), "%s/%s", e.dir, dirs[p]);
		ck_assert_uint_eq(xt_count_files(dir, ".pb"), N);
		ck_assert_uint_eq(xt_count_files(dir, ".json"), N);
		for (int i = 0; i < N; i++) {
			size_t len;
			char *body = xt_dead_letter(dir, b[p][i].seq, "otlphttp", "pb", &len);
			ck_assert_msg(body && len == b[p][i].len && !memcmp(body, b[p][i].data, len),
				      "%s seq %llu: not the batch that pipeline sent", dirs[p],
				      (unsigned long long)b[p][i].seq);
			free(body);
			char *m = xt_dead_letter(dir, b[p][i].seq, "otlphttp", "json", &len);
			ck_assert_ptr_nonnull(m);
			char want[200];
			snprintf(want, sizeof(want), "\"pipeline\":\"%s\",\"signal\":\"%s\",", pipes[p],
				 sigs[p] ? "logs" : "traces");
			ck_assert_msg(strstr(m, want), "%s: %s", want, m);
			snprintf(want, sizeof(want), "\"%s\":%u,", sigs[p] ? "log_records" : "spans", 3 + p);
			ck_assert_msg(strstr(m, want), "%s: %s", want, m);
			free(m);
		}
		struct seg_component *k = xt_exporter_slot(&e, pipes[p], "otlphttp");
		ck_assert_uint_eq(seg_component_get(k, SEG_C_FAILED), N * (3u + (unsigned)p));
		ck_assert_uint_eq(seg_component_get(k, 5 /* dead letters */), N * (3u + (unsigned)p));
		ck_assert_uint_eq(seg_component_get(k, SEG_C_SENT), 0);
	}
	/* the default dead-letter directory: <state>/<instance>/deadletter/<id>/<pipeline> */
	char dir[600];
	snprintf(dir, sizeof(dir), "%s/state/%s/deadletter/otlphttp_nodl/logs", e.dir, e.instance);
	ck_assert_uint_eq(xt_count_files(dir, ".pb"), N);
	for (int p = 0; p < 3; p++)
		for (int i = 0; i < N; i++)
			xt_body_free(&b[p][i]);
	xt_teardown(&e);
}
END_TEST

START_TEST(dead_backend_does_not_hold_up_another)
{
	struct xt_env e;
	xt_init(&e, "pipedead");
	snprintf(e.stop_timeout, sizeof(e.stop_timeout), "2s");
	xt_sink_start(&e, NULL);
	char yaml[2048];
	snprintf(yaml, sizeof(yaml),
		 RECEIVER "exporters:\n"
			  "  otlphttp:\n    endpoint: http://127.0.0.1:%%HTTP%%\n    compression: none\n"
			  "  otlphttp/dead:\n    endpoint: http://127.0.0.1:%u\n    compression: none\n"
			  "    timeout: 500ms\n    retry_on_failure:\n      initial_interval: 100ms\n"
			  "      max_interval: 200ms\n      max_elapsed_time: 1h\n"
			  "service:\n  pipelines:\n" PIPE("traces/dead", "otlphttp/dead")
				  PIPE("traces", "otlphttp"),
		 xt_free_port());
	xt_plan(&e, yaml, 1u << 20);
	xt_export_exec(&e);
	int dead = xt_ring_index(&e, "out:traces/dead"), live = xt_ring_index(&e, "out:traces");
	const uint32_t nd = 20, nl = 50, per = 10;
	for (uint32_t i = 0; i < nd; i++) { /* the dead pipeline's batches first */
		struct xt_body b = xt_make_body(i, per);
		ck_assert_int_eq(xt_publish_ring(&e, dead, &b, 5000, RECORD_SIGNAL_TRACES), 0);
		xt_body_free(&b);
	}
	for (uint32_t i = 0; i < nl; i++) {
		struct xt_body b = xt_make_body(100 + i, per);
		ck_assert_int_eq(xt_publish_ring(&e, live, &b, 5000, RECORD_SIGNAL_TRACES), 0);
		xt_body_free(&b);
	}
	ck_assert_msg(xt_wait_spans(&e, (uint64_t)nl * per, 20000), "the healthy pipeline got %llu of %u",
		      (unsigned long long)xt_sink_spans(&e), nl * per);
	ck_assert(xt_wait_ring_index_empty(&e, live, 10000));
	struct seg_component *kd = xt_exporter_slot(&e, "traces/dead", "otlphttp/dead");
	struct seg_component *kl = xt_exporter_slot(&e, "traces", "otlphttp");
	ck_assert_uint_eq(seg_component_get(kl, SEG_C_SENT), (uint64_t)nl * per);
	/* the dead one keeps retrying; every batch still in its ring */
	for (int i = 0; i < 300 && seg_component_get(kd, 4 /* retries */) < 3; i++)
		xt_msleep(10);
	ck_assert_uint_ge(seg_component_get(kd, 4), 3);
	ck_assert_uint_eq(seg_component_get(kd, SEG_C_SENT), 0);
	ck_assert_uint_eq(seg_component_get(kd, SEG_C_FAILED), 0);
	struct ring r;
	ck_assert_int_eq(segment_ring(&e.seg, (uint32_t)dead, &r), 0);
	uint64_t held = ring_used(&r);
	ck_assert_uint_gt(held, 0);
	ck_assert_uint_eq(seg_component_get(kd, SEG_C_QUEUE_SIZE), held);
	ck_assert_uint_eq(seg_component_get(kd, SEG_C_QUEUE_CAPACITY), 1u << 20);
	/* SIGTERM: the live ring is done; the drain deadline passes for the
	 * dead one, whose records stay for the next start */
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_eq(ring_used(&r), held);
	ck_assert_uint_eq(ring_last_seq(&r), nd);
	xt_teardown(&e);
}
END_TEST

START_TEST(corrupt_record_quarantined)
{
	struct xt_env e;
	xt_init(&e, "pipecrc");
	xt_sink_start(&e, NULL);
	xt_plan(&e,
		RECEIVER
		"exporters:\n  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: none\n"
		"service:\n  pipelines:\n" PIPE("traces", "otlphttp"),
		1u << 20);
	int ri = xt_ring_index(&e, "out:traces");
	struct xt_body b[4];
	for (int i = 0; i < 4; i++) {
		b[i] = xt_make_body((uint32_t)i, 7);
		ck_assert_int_eq(xt_publish_ring(&e, ri, &b[i], 5000, RECORD_SIGNAL_TRACES), 0);
	}
	/* damage one payload byte of record 2 in the ring, after it was sealed */
	struct ring r;
	ck_assert_int_eq(segment_ring(&e.seg, (uint32_t)ri, &r), 0);
	const struct record *rec;
	ck_assert_int_eq(ring_try_peek(&r, &rec), 0);
	ck_assert_int_eq(ring_try_peek(&r, &rec), 0);
	ck_assert_uint_eq(rec->seq, 2);
	((uint8_t *)record_cpayload(rec))[rec->len / 2] ^= 0x5a;
	uint8_t *damaged = malloc(rec->len);
	memcpy(damaged, record_cpayload(rec), rec->len);
	size_t dlen = rec->len;
	xt_export_exec(&e);
	ck_assert(xt_wait_spans(&e, 3 * 7, 10000));
	ck_assert(xt_wait_ring_index_empty(&e, ri, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	/* 1, 3 and 4 arrived, 2 never did */
	struct xt_body *got;
	size_t n = xt_read_bodies(e.sink_bodies, &got);
	ck_assert_uint_eq(n, 3);
	uint32_t counts[4 * 7] = { 0 };
	ck_assert(xt_count_spans(got, n, 4, 7, counts));
	for (int i = 0; i < 4 * 7; i++)
		ck_assert_uint_eq(counts[i], i / 7 == 1 ? 0 : 1);
	xt_bodies_free(got, n);
	ck_assert_uint_eq(ring_corrupt_records(&r), 1);
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	ck_assert_uint_eq(stats_get(st, STAT_RECORDS_IN), 3);
	/* the quarantine file holds the damaged bytes; the log says where */
	char q[600];
	size_t len;
	snprintf(q, sizeof(q), "%s/state/%s/quarantine/out:traces.quarantine", e.dir, e.instance);
	char *t = xt_slurp(q, &len);
	ck_assert_msg(t != NULL, "no quarantine file %s", q);
	ck_assert(!strncmp(t, "# sluice quarantine ring=out:traces offset=", 43));
	ck_assert_ptr_nonnull(memmem(t, len, damaged, dlen));
	free(t);
	snprintf(q, sizeof(q), "%s/export.log", e.dir);
	t = xt_slurp(q, &len);
	ck_assert_ptr_nonnull(strstr(t, "ring out:traces: corrupt data at offset "));
	ck_assert_ptr_nonnull(strstr(t, "between record seq 1 and 3"));
	free(t);
	free(damaged);
	for (int i = 0; i < 4; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_pipelines");
	TCase *tc = tcase_create("pipelines");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, same_exporter_three_pipelines_deadletters);
	tcase_add_test(tc, dead_backend_does_not_hold_up_another);
	tcase_add_test(tc, corrupt_record_quarantined);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
