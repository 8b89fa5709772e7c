/* The local exporters and the sink's own outputs: debug (basic: one summary
 * line a batch; normal: that and a text line a span; detailed: one OTLP/JSON
 * line a span), file (length-framed
 * bodies, rotated by size, old files pruned), and sluice-sink's per-span
 * digest and latency summary. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/localx.h"
#include "xt.h"
#include "tests/check_run.h"

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

static void publish_n(struct xt_env *e, struct xt_body *b, uint32_t n, uint32_t per)
{
	for (uint32_t i = 0; i < n; i++) {
		b[i] = xt_make_body(i, per);
		ck_assert_int_eq(xt_publish(e, &b[i], 10000), 0);
	}
}

START_TEST(debug_basic_and_detailed)
{
	struct xt_env e;
	xt_setup(&e, "debug", 1u << 20);
	xt_export_start(&e,
			"  debug:\n    verbosity: basic\n    output: %DIR%/basic.txt\n"
			"  debug/json:\n    verbosity: detailed\n    output: %DIR%/detailed.txt\n"
			"  debug/normal:\n    verbosity: normal\n    output: %DIR%/normal.txt\n",
			"debug, debug/json, debug/normal");
	struct xt_body b[5];
	publish_n(&e, b, 5, 7);
	ck_assert(xt_wait_ring_empty(&e, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	char p[300];
	size_t len;
	snprintf(p, sizeof(p), "%s/basic.txt", e.dir);
	char *t = xt_slurp(p, &len);
	ck_assert_ptr_nonnull(t);
	/* the Collector's line: time, level, TracesExporter, the counts */
	ck_assert_uint_eq(count_lines(t, NULL), 5);
	ck_assert_uint_eq(count_lines(t,
				      "\tinfo\tTracesExporter\t{\"kind\": \"exporter\", \"data_type\": "
				      "\"traces\", \"name\": \"debug\", \"resource spans\": 1, \"spans\": 7}"),
			  5);
	ck_assert_msg(t[4] == '-' && t[10] == 'T' && strstr(t, "Z\tinfo"), "no time stamp: %.60s", t);
	free(t);
	snprintf(p, sizeof(p), "%s/detailed.txt", e.dir);
	t = xt_slurp(p, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(count_lines(t, NULL), 35);
	ck_assert_uint_eq(count_lines(t, "\"resourceSpans\""), 35);
	ck_assert_uint_eq(count_lines(t, "\"name\":\"op-3-"), 7);
	/* ids in hex (OTLP/JSON), the service name, 64-bit times as strings */
	ck_assert_ptr_nonnull(strstr(t, "\"spanId\":\"0000000300000006\""));
	ck_assert_ptr_nonnull(strstr(t, "\"traceId\":\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\""));
	ck_assert_ptr_nonnull(strstr(t, "xt-service"));
	ck_assert_ptr_nonnull(strstr(t, "\"endTimeUnixNano\":\""));
	free(t);
	/* normal: the batch line, then one text line a span */
	snprintf(p, sizeof(p), "%s/normal.txt", e.dir);
	t = xt_slurp(p, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(count_lines(t, NULL), 5 + 35);
	ck_assert_uint_eq(count_lines(t, "TracesExporter"), 5);
	ck_assert_uint_eq(count_lines(t, "\"name\": \"debug/normal\""), 5);
	ck_assert_uint_eq(count_lines(t, "span trace_id="), 35);
	ck_assert_ptr_nonnull(strstr(t, "span trace_id=a0a1a2a3a4a5a6a7a8a9aaabacadaeaf span_id="));
	ck_assert_uint_eq(count_lines(t, " name=\"op-3-"), 7);
	ck_assert_ptr_nonnull(strstr(t, " span_id=0000000300000006 name=\"op-3-"));
	ck_assert_uint_eq(count_lines(t, " duration_ns="), 35);
	free(t);
	for (int i = 0; i < 5; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

START_TEST(file_rotation)
{
	struct xt_env e;
	xt_setup(&e, "file", 4u << 20);
	xt_export_start(&e,
			"  file:\n    path: %DIR%/out/spans.pb\n    format: proto\n"
			"    rotation:\n      max_megabytes: 1\n      max_backups: 2\n",
			"file");
	/* ~20 KiB a body, 200 bodies: about 4 MiB, so 3+ rotations */
	const uint32_t n = 200;
	struct xt_body *b = calloc(n, sizeof(*b));
	publish_n(&e, b, n, 250);
	ck_assert(xt_wait_ring_empty(&e, 20000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	char dir[300], p[700];
	snprintf(dir, sizeof(dir), "%s/out", e.dir);
	/* the live file and at most 2 backups; every file holds whole frames
	 * and is no larger than 1 MiB; the live file ends with the last body */
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	size_t files = 0, frames = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		files++;
		ck_assert_msg(!strncmp(de->d_name, "spans.pb", 8), "stray file %s", de->d_name);
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		size_t len, off = 0;
		uint8_t *t = (uint8_t *)xt_slurp(p, &len);
		ck_assert_uint_le(len, 1u << 20);
		const uint8_t *body;
		uint32_t bl;
		int rc;
		while ((rc = filex_next(t, len, &off, &body, &bl)) == 0)
			frames++;
		ck_assert_int_eq(rc, -ENODATA);
		if (!strcmp(de->d_name, "spans.pb"))
			ck_assert(len >= b[n - 1].len + 4 &&
				  !memcmp(t + len - b[n - 1].len, b[n - 1].data, b[n - 1].len));
		free(t);
	}
	closedir(d);
	ck_assert_uint_eq(files, 3);
	ck_assert_uint_lt(frames, n); /* older files were pruned */
	ck_assert_uint_gt(frames, 2 * ((1u << 20) / (b[0].len + 4)) - 2);
	for (uint32_t i = 0; i < n; i++)
		xt_body_free(&b[i]);
	free(b);
	xt_teardown(&e);
}
END_TEST

START_TEST(sink_digest_and_latency)
{
	struct xt_env e;
	xt_setup(&e, "digest", 1u << 20);
	char dg[300];
	snprintf(dg, sizeof(dg), "%s/digest.txt", e.dir);
	const char *args[] = { "--digest", dg, "--latency", NULL };
	xt_sink_start(&e, args);
	xt_export_start(&e, "  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n", "otlphttp");
	struct xt_body b[3];
	publish_n(&e, b, 3, 4);
	ck_assert(xt_wait_spans(&e, 12, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	size_t len;
	char *t = xt_slurp(dg, &len);
	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(count_lines(t, NULL), 12);
	ck_assert_ptr_nonnull(strstr(t, "a2a3a4a5a6a7a8a9aaabacadaeafb0b1 0000000200000003 op-2-3 "));
	free(t);
	char p[300];
	snprintf(p, sizeof(p), "%s/sink.out", e.dir);
	t = xt_slurp(p, &len);
	ck_assert_ptr_nonnull(strstr(t, "spans=12 "));
	ck_assert_ptr_nonnull(strstr(t, "latency (now - span end) p50<="));
	ck_assert_ptr_nonnull(strstr(t, "over 12 spans"));
	free(t);
	for (int i = 0; i < 3; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_local");
	TCase *tc = tcase_create("local");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, debug_basic_and_detailed);
	tcase_add_test(tc, file_rotation);
	tcase_add_test(tc, sink_digest_and_latency);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
