/* tests/sluice/test_report.c: the stall rule (tools/sluice/stall.h) and the
 * operator views of a segment laid out like the supervisor lays one out
 * from a plan: component slots under the Collector's names, refusals by
 * reason, queue gauges, histograms, the pipelines in `sluice status`, a
 * stalled stage in /health. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm/hist.h"
#include "tools/sluice/report.h"
#include "tools/sluice/stall.h"
#include "tests/check_run.h"

#define S 1000000000ull

START_TEST(stall_rule)
{
	struct stage_stats st;
	struct stall_watch w;
	uint64_t t = 100 * S;

	memset(&st, 0, sizeof(st));
	stall_watch_reset(&w, &st, t);
	/* nothing waits: never stalled, however long it is silent */
	ck_assert_int_eq(stall_watch_check(&w, &st, false, 10 * S, t + 60 * S), STALL_FINE);
	t += 60 * S;
	/* records wait and it is silent: stalled after the timeout, restarted
	 * after as long again, once */
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 9 * S), STALL_FINE);
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 10 * S), STALL_NEW);
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 15 * S), STALL_STILL);
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 20 * S), STALL_RESTART);
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 25 * S), STALL_STILL);
	/* any sign of life ends it: progress_ns (rt_alive) */
	atomic_store(&st.progress_ns, 5);
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 26 * S), STALL_OVER);
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 30 * S), STALL_FINE);
	/* the heartbeat alone (stages before rt_alive) is life too */
	for (int i = 1; i <= 10; i++) {
		atomic_store(&st.heartbeat_ns, (uint64_t)i);
		ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 30 * S + (uint64_t)i * 5 * S),
				 STALL_FINE);
	}
	/* a stage waiting on a full output ring keeps calling rt_alive: fine */
	for (int i = 1; i <= 10; i++) {
		atomic_store(&st.progress_ns, 100 + (uint64_t)i);
		ck_assert_int_eq(stall_watch_check(&w, &st, true, 10 * S, t + 90 * S + (uint64_t)i * 5 * S),
				 STALL_FINE);
	}
	/* 0 = off */
	ck_assert_int_eq(stall_watch_check(&w, &st, true, 0, t + 1000 * S), STALL_FINE);
}
END_TEST

static char inst[64];
static struct segment seg;

/* What sup_layout makes for: traces (otlp -> filter, batch -> otlphttp)
 * and logs (otlp -> batch -> debug). */
static void setup(void)
{
	static const char *const rings[] = { "in:traces", "in:logs",	"mid:traces",
					     "mid:logs",  "out:traces", "out:logs" };
	static const struct segment_component_params comps[] = {
		{ SEG_COMP_RECEIVER, RECORD_SIGNAL_TRACES, SEG_NONE, "otlp", "", "grpc" },
		{ SEG_COMP_RECEIVER, RECORD_SIGNAL_LOGS, SEG_NONE, "otlp", "", "http" },
		{ SEG_COMP_PROCESSOR, RECORD_SIGNAL_TRACES, 0, "filter/noise", "traces", "" },
		{ SEG_COMP_PROCESSOR, RECORD_SIGNAL_TRACES, 0, "batch", "traces", "" },
		{ SEG_COMP_EXPORTER, RECORD_SIGNAL_TRACES, 0, "otlphttp", "traces", "" },
		{ SEG_COMP_PROCESSOR, RECORD_SIGNAL_LOGS, 1, "batch", "logs", "" },
		{ SEG_COMP_EXPORTER, RECORD_SIGNAL_LOGS, 1, "debug", "logs", "" },
	};
	static const struct hist_spec hists[] = {
		{ HIST_RECEIPT_TO_ACK, 4 },
		{ HIST_EXPORT_DURATION, 4 },
		{ HIST_BATCH_SIZE, 3 },
		{ HIST_RING_AGE, 2 },
	};
	struct segment_params p;
	uint64_t size;

	snprintf(inst, sizeof(inst), "sluicerep%d", (int)getpid());
	segment_unlink(inst);
	memset(&p, 0, sizeof(p));
	p.nrings = 6;
	for (uint32_t i = 0; i < 6; i++) {
		p.ring_name[i] = rings[i];
		p.ring_kind[i] = SEG_RING_IN + i / 2;
		p.ring_signal[i] = i % 2 ? RECORD_SIGNAL_LOGS : RECORD_SIGNAL_TRACES;
		p.ring_capacity[i] = 1 << 16;
	}
	p.ncomponents = 7;
	p.components = comps;
	p.naux = 2;
	p.aux[0] = (struct segment_aux_params){ HIST_REGION_NAME, hist_region_size(4) };
	p.aux[1] = (struct segment_aux_params){ STALL_REGION_NAME, sizeof(struct stall_region) };
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	void *mem = segment_aux(&seg, HIST_REGION_NAME, &size);
	ck_assert_int_eq(hist_region_format(mem, size, hists, 4), 0);
	stall_region_format(segment_aux(&seg, STALL_REGION_NAME, NULL), 10 * S);
	for (int s = STAGE_INGEST; s <= STAGE_EXPORT; s++)
		atomic_store(&segment_stats(&seg, (enum stage_index)s)->state, STAGE_STATE_RUNNING);
}

static void teardown(void)
{
	segment_detach(&seg);
	segment_unlink(inst);
}

/* The /metrics page into a string the caller frees (a buffer the caller
 * owns: open_memstream writes the pointer back into it). */
static void render_prom(char **out)
{
	size_t len = 0;
	*out = NULL;
	FILE *f = open_memstream(out, &len);
	report_prometheus(&seg, f);
	fclose(f);
}

START_TEST(slots_under_collector_names)
{
	seg_component_add(segment_component(&seg, 0), SEG_C_ACCEPTED, 900);
	seg_component_add(segment_component(&seg, 0), SEG_C_REFUSED, 30);
	seg_component_add(segment_component(&seg, 0), SEG_C_REFUSED_FULL, 20);
	seg_component_add(segment_component(&seg, 0), SEG_C_REFUSED_INVALID, 4);
	seg_component_add(segment_component(&seg, 1), SEG_C_ACCEPTED, 77);
	seg_component_add(segment_component(&seg, 2), SEG_C_IN, 900);
	seg_component_add(segment_component(&seg, 2), SEG_C_OUT, 850);
	seg_component_add(segment_component(&seg, 2), SEG_C_DROPPED, 50);
	seg_component_add(segment_component(&seg, 4), SEG_C_SENT, 800);
	seg_component_add(segment_component(&seg, 4), SEG_C_RETRIES, 3);
	seg_component_add(segment_component(&seg, 6), SEG_C_FAILED, 5);
	seg_component_set(segment_component(&seg, 6), SEG_C_QUEUE_SIZE, 123);
	seg_component_set(segment_component(&seg, 6), SEG_C_QUEUE_CAPACITY, 4096);
	hist_observe(hist_for(&seg, HIST_RECEIPT_TO_ACK, 4), 3000000); /* 3 ms */
	hist_observe(hist_for(&seg, HIST_BATCH_SIZE, 3), 512);

	char *m;
	render_prom(&m);
	static const char *const want[] = {
		"otelcol_receiver_accepted_spans_total{receiver=\"otlp\",transport=\"grpc\"} 900\n",
		"otelcol_receiver_accepted_log_records_total{receiver=\"otlp\",transport=\"http\"} 77\n",
		"otelcol_receiver_refused_spans_total{receiver=\"otlp\",transport=\"grpc\",reason=\"ring_full\"} 20\n",
		"otelcol_receiver_refused_spans_total{receiver=\"otlp\",transport=\"grpc\",reason=\"invalid\"} 4\n",
		"otelcol_receiver_refused_spans_total{receiver=\"otlp\",transport=\"grpc\",reason=\"other\"} 6\n",
		"otelcol_processor_incoming_items_total{processor=\"filter/noise\",pipeline=\"traces\",otel_signal=\"traces\"} 900\n",
		"otelcol_processor_outgoing_items_total{processor=\"filter/noise\",pipeline=\"traces\",otel_signal=\"traces\"} 850\n",
		"otelcol_processor_dropped_spans_total{processor=\"filter/noise\",pipeline=\"traces\"} 50\n",
		"otelcol_processor_dropped_log_records_total{processor=\"batch\",pipeline=\"logs\"} 0\n",
		"otelcol_exporter_sent_spans_total{exporter=\"otlphttp\",pipeline=\"traces\"} 800\n",
		"otelcol_exporter_send_failed_log_records_total{exporter=\"debug\",pipeline=\"logs\"} 5\n",
		/* set by the stage: its values; not set: the OUT ring's */
		"otelcol_exporter_queue_size{exporter=\"debug\",pipeline=\"logs\"} 123\n",
		"otelcol_exporter_queue_capacity{exporter=\"debug\",pipeline=\"logs\"} 4096\n",
		"otelcol_exporter_queue_capacity{exporter=\"otlphttp\",pipeline=\"traces\"} 65536\n",
		"sluice_exporter_retries_total{exporter=\"otlphttp\",pipeline=\"traces\"} 3\n",
		"sluice_ring_used_bytes{ring=\"in:logs\",pipeline=\"logs\"} 0\n",
		"sluice_ring_capacity_bytes{ring=\"out:traces\",pipeline=\"traces\"} 65536\n",
		"sluice_exporter_receipt_to_ack_seconds_bucket{exporter=\"otlphttp\",pipeline=\"traces\",le=\"0.0025\"} 0\n",
		"sluice_exporter_receipt_to_ack_seconds_bucket{exporter=\"otlphttp\",pipeline=\"traces\",le=\"0.005\"} 1\n",
		"sluice_exporter_receipt_to_ack_seconds_bucket{exporter=\"otlphttp\",pipeline=\"traces\",le=\"+Inf\"} 1\n",
		"sluice_exporter_receipt_to_ack_seconds_sum{exporter=\"otlphttp\",pipeline=\"traces\"} 0.003000000\n",
		"sluice_exporter_receipt_to_ack_seconds_count{exporter=\"otlphttp\",pipeline=\"traces\"} 1\n",
		"otelcol_processor_batch_batch_send_size_bucket{processor=\"batch\",pipeline=\"traces\",le=\"500\"} 0\n",
		"otelcol_processor_batch_batch_send_size_bucket{processor=\"batch\",pipeline=\"traces\",le=\"750\"} 1\n",
		"sluice_ring_record_age_seconds_count{ring=\"mid:traces\",pipeline=\"traces\"} 0\n",
		"# TYPE sluice_exporter_request_duration_seconds histogram\n",
		"sluice_stage_stalled{stage=\"process\"} 0\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(m, want[i]), "missing: %s", want[i]);
	/* one HELP/TYPE a family, not one a slot */
	char *first = strstr(m, "# TYPE otelcol_exporter_queue_size gauge");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(strstr(first + 1, "# TYPE otelcol_exporter_queue_size gauge"));
	/* no logs family for the traces exporter, no old unlabelled queue */
	ck_assert_ptr_null(strstr(m, "otelcol_exporter_sent_log_records_total{exporter=\"otlphttp\""));
	ck_assert_ptr_null(strstr(m, "\notelcol_exporter_queue_size "));
	free(m);
}
END_TEST

START_TEST(status_per_pipeline)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	seg_component_add(segment_component(&seg, 6), SEG_C_SENT, 42);
	for (int i = 0; i < 100; i++)
		hist_observe(hist_for(&seg, HIST_RECEIPT_TO_ACK, 4), 20000000); /* 20 ms */
	report_status(&seg, f, NULL);
	fclose(f);
	const char *traces = strstr(buf, "pipeline traces (traces)\n");
	const char *logs = strstr(buf, "pipeline logs (logs)\n");
	ck_assert_ptr_nonnull(traces);
	ck_assert_ptr_nonnull(logs);
	ck_assert(traces < logs);
	ck_assert_ptr_nonnull(strstr(traces, "processor filter/noise"));
	ck_assert_ptr_null(strstr(logs, "filter/noise"));
	ck_assert_ptr_nonnull(strstr(logs, "ring      out:logs"));
	ck_assert_ptr_nonnull(strstr(logs, "exporter  debug                        sent 42 failed 0"));
	/* 100 values in the 10..25 ms bucket */
	const char *lat = strstr(traces, "latency p50 ");
	ck_assert_ptr_nonnull(lat);
	ck_assert(lat < logs);
	double p50 = atof(lat + strlen("latency p50 "));
	ck_assert(p50 > 10 && p50 <= 25);
	ck_assert_ptr_nonnull(strstr(buf, "otlp/http                    logs"));
	free(buf);
}
END_TEST

START_TEST(stalled_stage_in_health_and_status)
{
	struct stall_region *r = stall_region_get(&seg);
	char *buf = NULL;
	size_t len = 0;

	ck_assert(report_health(&seg, NULL));
	atomic_store(&r->stalled_since[STAGE_BATCH], 1); /* silent since boot */
	FILE *f = open_memstream(&buf, &len);
	ck_assert(!report_health(&seg, f));
	fclose(f);
	static const char want[] = "batch is stalled: records wait in its input rings and it has shown "
				   "no sign of life for ";
	ck_assert_msg(strncmp(buf, want, sizeof(want) - 1) == 0, "%s", buf);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	report_status(&seg, f, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "batch    stalled"));
	free(buf);
	char *m;
	render_prom(&m);
	ck_assert_ptr_nonnull(strstr(m, "sluice_stage_stalled{stage=\"batch\"} 1\n"));
	free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("report");
	TCase *rule = tcase_create("stall");
	TCase *views = tcase_create("views");
	tcase_add_test(rule, stall_rule);
	tcase_add_checked_fixture(views, setup, teardown);
	tcase_add_test(views, slots_under_collector_names);
	tcase_add_test(views, status_per_pipeline);
	tcase_add_test(views, stalled_stage_in_health_and_status);
	suite_add_tcase(s, rule);
	suite_add_tcase(s, views);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
