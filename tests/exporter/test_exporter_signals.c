/* Every signal, every pipeline: one sluice-export serves the OUT rings of
 * traces, logs and metrics pipelines (a segment laid out from the plan).
 *   - local: debug (basic, normal, detailed) and file (OTLP/JSON lines) in
 *     all three pipelines, one exporter id in several pipelines: the
 *     Collector's summary line per signal, a line an item, JSON an item,
 *     and a file whose lines convert back to exactly the items sent;
 *   - wire: otlphttp and otlp gRPC to sluice-sink with every codec (none,
 *     gzip, zstd, deflate, zlib, snappy): every item of every signal
 *     arrives exactly once on each transport, on the signal's path, and
 *     each exporter's component slot counts it.
 * The wire cases need a sluice-sink that takes logs and metrics; with an
 * older one they are skipped (exit 77 when nothing else failed). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/json.h"
#include "shm/segment.h"
#include "xt.h"
#include "tests/check_run.h"

static const char *const sig_names[] = { "traces", "logs", "metrics" };
static bool skipped_wire;

static size_t count_lines(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (!needle || memmem(p, l, needle, strlen(needle)))
			n++;
		p = nl ? nl + 1 : NULL;
	}
	return n;
}

static char *slurp_in(struct xt_env *e, const char *name)
{
	char p[400];
	size_t len;
	snprintf(p, sizeof(p), "%s/%s", e->dir, name);
	char *t = xt_slurp(p, &len);
	ck_assert_msg(t != NULL, "%s is missing", p);
	return t;
}

static void publish_all(struct xt_env *e, uint32_t batches, uint32_t per)
{
	for (int s = 0; s < 3; s++) {
		char ring[32];
		snprintf(ring, sizeof(ring), "out:%s", sig_names[s]);
		int r = xt_ring_index(e, ring);
		for (uint32_t b = 0; b < batches; b++) {
			struct xt_body body = xt_make_signal(s, b, per);
			ck_assert_int_eq(xt_publish_ring(e, r, &body, 10000, (unsigned)s + 1), 0);
			xt_body_free(&body);
		}
	}
}

static void wait_rings_empty(struct xt_env *e)
{
	for (int s = 0; s < 3; s++) {
		char ring[32];
		snprintf(ring, sizeof(ring), "out:%s", sig_names[s]);
		ck_assert_msg(xt_wait_ring_index_empty(e, xt_ring_index(e, ring), 20000), "%s not drained",
			      ring);
	}
}

#define LOCAL_EXPORTERS                                                                \
	"exporters:\n"                                                                 \
	"  debug:\n    verbosity: basic\n    output: %DIR%/basic.txt\n"                \
	"  debug/normal:\n    verbosity: normal\n    output: %DIR%/normal.txt\n"       \
	"  debug/detailed:\n    verbosity: detailed\n    output: %DIR%/detailed.txt\n" \
	"  file:\n    path: %DIR%/all.jsonl\n"

#define PIPE(sig, exps) "    " sig ":\n      receivers: [otlp]\n      exporters: [" exps "]\n"

#define RECEIVER "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:0\n"

START_TEST(local_every_signal)
{
	struct xt_env e;
	xt_init(&e, "siglocal");
	xt_plan(&e,
		RECEIVER LOCAL_EXPORTERS
		"service:\n  pipelines:\n" PIPE("traces", "debug, debug/normal, debug/detailed, file")
			PIPE("logs", "debug, debug/normal, debug/detailed, file")
				PIPE("metrics", "debug, debug/normal, debug/detailed, file"),
		1u << 20);
	xt_export_exec(&e);
	const uint32_t batches = 3, per = 4;
	publish_all(&e, batches, per);
	wait_rings_empty(&e);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);

	char *t = slurp_in(&e, "basic.txt");
	ck_assert_uint_eq(count_lines(t, NULL), 9);
	ck_assert_uint_eq(
		count_lines(t, "\tinfo\tTracesExporter\t{\"kind\": \"exporter\", \"data_type\": \"traces\", "
			       "\"name\": \"debug\", \"resource spans\": 1, \"spans\": 4}"),
		3);
	ck_assert_uint_eq(
		count_lines(t, "\tinfo\tLogsExporter\t{\"kind\": \"exporter\", \"data_type\": \"logs\", "
			       "\"name\": \"debug\", \"resource logs\": 1, \"log records\": 4}"),
		3);
	ck_assert_uint_eq(
		count_lines(
			t,
			"\tinfo\tMetricsExporter\t{\"kind\": \"exporter\", \"data_type\": \"metrics\", "
			"\"name\": \"debug\", \"resource metrics\": 1, \"metrics\": 1, \"data points\": 4}"),
		3);
	free(t);

	t = slurp_in(&e, "normal.txt");
	ck_assert_uint_eq(count_lines(t, NULL), 9 + 3 * batches * per);
	ck_assert_uint_eq(count_lines(t, "span trace_id="), batches * per);
	ck_assert_uint_eq(count_lines(t, "log time_unix_nano="), batches * per);
	ck_assert_uint_eq(count_lines(t, " severity=9 severity_text=\"INFO\" body=\"log-"), batches * per);
	ck_assert_ptr_nonnull(strstr(t, " body=\"log-2-3\" attributes=1\n"));
	ck_assert_uint_eq(count_lines(t, "datapoint metric=\"xt.sum\" type=sum value="), batches * per);
	ck_assert_ptr_nonnull(strstr(t, "datapoint metric=\"xt.sum\" type=sum value=4 attributes=1\n"));
	free(t);

	/* detailed: a line an item (a metric with its points for metrics) */
	t = slurp_in(&e, "detailed.txt");
	ck_assert_uint_eq(count_lines(t, "{\"resourceSpans\""), batches * per);
	ck_assert_uint_eq(count_lines(t, "{\"resourceLogs\""), batches * per);
	ck_assert_uint_eq(count_lines(t, "{\"resourceMetrics\""), batches);
	ck_assert_uint_eq(count_lines(t, NULL), 2 * batches * per + batches);
	free(t);

	/* file: one OTLP/JSON request a line, all three pipelines in one file;
	 * each line converts back to exactly the items sent */
	t = slurp_in(&e, "all.jsonl");
	ck_assert_uint_eq(count_lines(t, NULL), 3 * batches);
	uint32_t counts[3][12] = { { 0 } };
	struct otlp_json_buf pb = { 0 };
	for (char *line = t, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line) : strlen(line);
		int s = !strncmp(line, "{\"resourceSpans\"", 16)     ? 0
			: !strncmp(line, "{\"resourceLogs\"", 15)    ? 1
			: !strncmp(line, "{\"resourceMetrics\"", 18) ? 2
								     : -1;
		ck_assert_msg(s >= 0, "not an OTLP/JSON request line: %.80s", line);
		char err[200] = "";
		ck_assert_msg(otlp_json_to_pb_signal((enum otlp_signal)s, line, l, &pb, err, sizeof(err)) ==
				      0,
			      "line does not convert back: %s", err);
		struct xt_body got = { .data = pb.data, .len = pb.len };
		ck_assert(xt_count_items(s, &got, 1, batches, per, counts[s]));
	}
	for (int s = 0; s < 3; s++)
		for (uint32_t i = 0; i < batches * per; i++)
			ck_assert_msg(counts[s][i] == 1, "%s item %u is in the file %u times", sig_names[s],
				      i, counts[s][i]);
	otlp_json_buf_free(&pb);
	free(t);

	/* one exporter id in three pipelines: a component slot each */
	for (int s = 0; s < 3; s++) {
		ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, sig_names[s], "file"), SEG_C_SENT),
				  batches * per);
		ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, sig_names[s], "debug"),
						    SEG_C_FAILED),
				  0);
		ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, sig_names[s], "debug"),
						    SEG_C_QUEUE_SIZE),
				  0);
		ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, sig_names[s], "debug"),
						    SEG_C_QUEUE_CAPACITY),
				  1u << 20);
	}
	xt_teardown(&e);
}
END_TEST

/* otlphttp and otlp gRPC in every pipeline, to one sink, with codec c. */
static void run_wire(const char *codec)
{
	if (skipped_wire)
		return;
	struct xt_env e;
	char tag[32];
	snprintf(tag, sizeof(tag), "wire-%s", codec);
	xt_init(&e, tag);
	char bl[300], bm[300];
	snprintf(bl, sizeof(bl), "%s/sink.logs", e.dir);
	snprintf(bm, sizeof(bm), "%s/sink.metrics", e.dir);
	const char *args[] = { "--bodies-logs", bl, "--bodies-metrics", bm, NULL };
	xt_sink_start(&e, args);
	char yaml[4096];
	snprintf(yaml, sizeof(yaml),
		 RECEIVER "exporters:\n"
			  "  otlphttp:\n    endpoint: http://127.0.0.1:%%HTTP%%\n    compression: %s\n"
			  "  otlp_grpc:\n    endpoint: http://127.0.0.1:%%GRPC%%\n    compression: %s\n"
			  "service:\n  pipelines:\n" PIPE("traces", "otlphttp, otlp_grpc")
				  PIPE("logs", "otlphttp, otlp_grpc") PIPE("metrics", "otlphttp, otlp_grpc"),
		 codec, codec);
	xt_plan(&e, yaml, 4u << 20);
	xt_export_exec(&e);
	const uint32_t batches = xt_asan() ? 6 : 20, per = 50;
	publish_all(&e, batches, per);
	uint64_t want = 2ull * 3 * batches * per;
	ck_assert_msg(xt_wait_spans(&e, want, 30000), "%s: the sink got %llu of %llu items", codec,
		      (unsigned long long)xt_sink_spans(&e), (unsigned long long)want);
	wait_rings_empty(&e);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	const char *files[3] = { e.sink_bodies, bl, bm };
	for (int s = 0; s < 3; s++) {
		struct xt_body *got;
		size_t n = xt_read_bodies(files[s], &got);
		ck_assert_uint_eq(n, 2 * batches); /* each batch over HTTP and over gRPC */
		uint32_t *counts = calloc((size_t)batches * per, sizeof(*counts));
		ck_assert_msg(xt_count_items(s, got, n, batches, per, counts),
			      "%s: a %s body is not what was sent", codec, sig_names[s]);
		for (size_t i = 0; i < (size_t)batches * per; i++)
			ck_assert_msg(counts[i] == 2, "%s: %s item %zu arrived %u times", codec, sig_names[s],
				      i, counts[i]);
		free(counts);
		xt_bodies_free(got, n);
		ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, sig_names[s], "otlphttp"),
						    SEG_C_SENT),
				  batches * per);
		ck_assert_uint_eq(seg_component_get(xt_exporter_slot(&e, sig_names[s], "otlp_grpc"),
						    SEG_C_SENT),
				  batches * per);
	}
	/* half the requests on each transport */
	struct xt_logline *l;
	size_t n = xt_read_log(e.sink_log, &l), http = 0, grpc = 0;
	for (size_t i = 0; i < n; i++) {
		http += !strcmp(l[i].proto, "http");
		grpc += !strcmp(l[i].proto, "grpc");
	}
	free(l);
	ck_assert_uint_eq(http, 3 * batches);
	ck_assert_uint_eq(grpc, 3 * batches);
	xt_teardown(&e);
}

START_TEST(wire_none)
{
	run_wire("none");
}
END_TEST
START_TEST(wire_gzip)
{
	run_wire("gzip");
}
END_TEST
START_TEST(wire_zstd)
{
	run_wire("zstd");
}
END_TEST
START_TEST(wire_deflate)
{
	run_wire("deflate");
}
END_TEST
START_TEST(wire_zlib)
{
	run_wire("zlib");
}
END_TEST
START_TEST(wire_snappy)
{
	run_wire("snappy");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_signals");
	TCase *tc = tcase_create("signals");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, local_every_signal);
	tcase_add_test(tc, wire_none);
	tcase_add_test(tc, wire_gzip);
	tcase_add_test(tc, wire_zstd);
	tcase_add_test(tc, wire_deflate);
	tcase_add_test(tc, wire_zlib);
	tcase_add_test(tc, wire_snappy);
	suite_add_tcase(s, tc);
	skipped_wire = !xt_sink_has_signals();
	int failed = check_run(s, CK_FORK_GETENV);
	if (!failed && skipped_wire)
		fprintf(stderr, "exporter_signals: the wire cases were skipped: this sluice-sink takes "
				"traces only\n");
	return failed ? 1 : skipped_wire ? 77 : 0;
}
