/* sluice-export -> sluice-sink over OTLP/HTTP (and gRPC): every span arrives
 * exactly once and byte for byte as the batch stage wrote it; SIGTERM sends
 * everything before exiting 0; the ring is committed only after the acks. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xt.h"
#include "tests/check_run.h"

#define HTTP_EXPORTER(extra)                                                          \
	"  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: none\n" \
	"    connections: 4\n    sending_queue:\n      num_consumers: 4\n" extra

/* The backend as an API-key service: requests without this header are
 * refused (sluice-sink --require-header). */
static const char *const key_args[] = { "--require-header", "x-api-key=secret", NULL };
static const char *const *sink_args; /* for run_exact_n's sink; NULL: none */

static void run_exact_n(const char *tag, const char *exporters, const char *ids, bool bytes_equal,
			bool file_too, uint32_t batches, uint32_t per)
{
	struct xt_env e;
	xt_setup(&e, tag, 4u << 20);
	xt_sink_start(&e, sink_args);
	struct xt_body *sent = calloc(batches, sizeof(*sent));
	xt_export_start(&e, exporters, ids);
	for (uint32_t b = 0; b < batches; b++) {
		sent[b] = xt_make_body(b, per);
		ck_assert_int_eq(xt_publish(&e, &sent[b], 10000), 0);
	}
	ck_assert_msg(xt_wait_spans(&e, (uint64_t)batches * per, 30000), "sink got %llu of %u spans",
		      (unsigned long long)xt_sink_spans(&e), batches * per);
	ck_assert(xt_wait_ring_empty(&e, 10000));
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	if (strstr(ids, "otlp")) { /* keep-alive: few connections, all still open */
		uint64_t total = stats_get(st, STAT_CONNECTIONS_TOTAL);
		ck_assert_uint_ge(total, 1);
		ck_assert_uint_le(total, 4);
		ck_assert_uint_eq(stats_get(st, STAT_CONNECTIONS_OPEN), total);
	}
	ck_assert_uint_eq(stats_get(st, STAT_RECORDS_IN), batches);
	ck_assert_uint_eq(stats_get(st, STAT_SPANS_IN), (uint64_t)batches * per);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_INFLIGHT), 0);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	xt_check_exact(&e, sent, batches, per, bytes_equal);
	if (file_too) { /* the file exporter wrote the same bodies, in ring order */
		char path[300];
		snprintf(path, sizeof(path), "%s/file.out", e.dir);
		struct xt_body *got;
		size_t n = xt_read_bodies(path, &got);
		ck_assert_uint_eq(n, batches);
		for (uint32_t b = 0; b < batches; b++)
			ck_assert(got[b].len == sent[b].len &&
				  !memcmp(got[b].data, sent[b].data, sent[b].len));
		xt_bodies_free(got, n);
	}
	for (uint32_t b = 0; b < batches; b++)
		xt_body_free(&sent[b]);
	free(sent);
	xt_teardown(&e);
}

static void run_exact(const char *tag, const char *exporters, const char *ids, bool bytes_equal,
		      bool file_too)
{
	run_exact_n(tag, exporters, ids, bytes_equal, file_too, xt_asan() ? 40 : 200, 50);
}

START_TEST(http_exact)
{
	run_exact("http", HTTP_EXPORTER(""), "otlphttp", true, false);
}
END_TEST

/* The configured headers reach the backend with every request: the sink
 * refuses any request without x-api-key: secret, and every span arrives
 * (the name as written, mixed case; HTTP/2 metadata goes lower-case). */
START_TEST(http_gzip_headers)
{
	sink_args = key_args;
	run_exact("gzip",
		  "  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: gzip\n"
		  "    headers:\n      X-Api-Key: secret\n      x-other: 1\n    connections: 2\n",
		  "otlphttp", true, false);
}
END_TEST

START_TEST(grpc_headers)
{
	sink_args = key_args;
	run_exact("grpch",
		  "  otlp:\n    endpoint: http://127.0.0.1:%GRPC%\n    compression: none\n"
		  "    headers:\n      x-other: 1\n      X-Api-Key: secret\n",
		  "otlp", true, false);
}
END_TEST

/* A wrong key: the backend refuses every request for good (HTTP 401,
 * gRPC UNAUTHENTICATED), so nothing is delivered and every batch is
 * dead-lettered once, with the answer in its metadata. */
static void wrong_key(bool grpc)
{
	struct xt_env e;
	xt_setup(&e, grpc ? "keyg" : "keyh", 1u << 20);
	xt_sink_start(&e, key_args);
	char yaml[1024];
	snprintf(yaml, sizeof(yaml),
		 "  %s:\n    endpoint: http://127.0.0.1:%s\n    compression: none\n"
		 "    headers:\n      x-api-key: wrong\n    dead_letter_dir: %%DIR%%/dl\n",
		 grpc ? "otlp" : "otlphttp", grpc ? "%GRPC%" : "%HTTP%");
	xt_export_start(&e, yaml, grpc ? "otlp" : "otlphttp");
	struct xt_body b[3];
	for (uint32_t i = 0; i < 3; i++) {
		b[i] = xt_make_body(i, 4);
		ck_assert_int_eq(xt_publish(&e, &b[i], 5000), 0);
	}
	ck_assert(xt_wait_ring_empty(&e, 20000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_eq(xt_sink_spans(&e), 0);
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/dl/traces", e.dir);
	ck_assert_uint_eq(xt_count_files(dir, ".pb"), 3);
	size_t len;
	char *m = xt_dead_letter(dir, b[0].seq, grpc ? "otlp" : "otlphttp", "json", &len);
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(strstr(m, grpc ? "\"status\":16," : "\"status\":401,"), "%s", m);
	free(m);
	for (int i = 0; i < 3; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}

START_TEST(http_wrong_key_refused)
{
	wrong_key(false);
}
END_TEST

START_TEST(grpc_wrong_key_refused)
{
	wrong_key(true);
}
END_TEST

/* Bodies of 256 KiB and more are compressed on the worker thread
 * (exporter/xcompress.h) while the loop serves the other connections: every
 * span still arrives once, each body as it was sent. */
START_TEST(http_compressed_on_the_worker)
{
	const char *codecs[] = { "gzip", "zstd" };
	for (unsigned i = 0; i < 2; i++) {
		char yaml[300];
		snprintf(yaml, sizeof(yaml),
			 "  otlphttp:\n    endpoint: http://127.0.0.1:%%HTTP%%\n    compression: %s\n"
			 "    connections: 4\n    sending_queue:\n      num_consumers: 4\n",
			 codecs[i]);
		run_exact_n(codecs[i], yaml, "otlphttp", true, false, xt_asan() ? 6 : 16, 4000);
	}
}
END_TEST

START_TEST(grpc_exact)
{
	run_exact("grpc",
		  "  otlp:\n    endpoint: http://127.0.0.1:%GRPC%\n    compression: gzip\n"
		  "    max_concurrent_streams: 8\n    sending_queue:\n      num_consumers: 8\n",
		  "otlp", true, false);
}
END_TEST

/* Two exporters: each gets every batch; the ring moves only when both did. */
START_TEST(two_exporters)
{
	run_exact("two", HTTP_EXPORTER("") "  file:\n    path: %DIR%/file.out\n    format: proto\n",
		  "otlphttp, file", true, true);
}
END_TEST

/* Records that carry one bare ResourceSpans (no RECORD_F_REQUEST) are
 * framed into a request body and delivered like the others. */
START_TEST(bare_resource_spans)
{
	struct xt_env e;
	xt_setup(&e, "bare", 1u << 20);
	xt_sink_start(&e, NULL);
	xt_export_start(&e, HTTP_EXPORTER(""), "otlphttp");
	const uint32_t batches = 10, per = 9;
	struct xt_body sent[10];
	for (uint32_t b = 0; b < batches; b++) {
		sent[b] = xt_make_body(b, per);
		/* publish only the ResourceSpans: strip the 0x0a tag + varint length */
		struct xt_body rs = sent[b];
		size_t hdr = 1;
		while (rs.data[hdr] & 0x80)
			hdr++;
		hdr++;
		rs.data += hdr;
		rs.len -= hdr;
		ck_assert_int_eq(xt_publish_flags(&e, &rs, 5000, 0), 0);
	}
	ck_assert(xt_wait_spans(&e, (uint64_t)batches * per, 10000));
	ck_assert(xt_wait_ring_empty(&e, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	/* framed again, each is byte for byte the request it came from */
	xt_check_exact(&e, sent, batches, per, true);
	for (uint32_t b = 0; b < batches; b++)
		xt_body_free(&sent[b]);
	xt_teardown(&e);
}
END_TEST

/* SIGTERM right after publishing: the stage sends all, then exits 0. */
START_TEST(sigterm_drains)
{
	struct xt_env e;
	xt_setup(&e, "drain", 4u << 20);
	xt_sink_start(&e, NULL);
	const uint32_t batches = 60, per = 20;
	struct xt_body *sent = calloc(batches, sizeof(*sent));
	for (uint32_t b = 0; b < batches; b++) {
		sent[b] = xt_make_body(b, per);
		ck_assert_int_eq(xt_publish(&e, &sent[b], 10000), 0);
	}
	xt_export_start(&e, HTTP_EXPORTER(""), "otlphttp");
	ck_assert(xt_wait_running(&e, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_eq(xt_sink_spans(&e), (uint64_t)batches * per);
	ck_assert(xt_wait_ring_empty(&e, 100));
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	xt_check_exact(&e, sent, batches, per, true);
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_SENT_SPANS), (uint64_t)batches * per);
	ck_assert_uint_eq(atomic_load(&st->state), STAGE_STATE_STOPPED);
	for (uint32_t b = 0; b < batches; b++)
		xt_body_free(&sent[b]);
	free(sent);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_http");
	TCase *tc = tcase_create("delivery");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, http_exact);
	tcase_add_test(tc, http_gzip_headers);
	tcase_add_test(tc, grpc_headers);
	tcase_add_test(tc, http_wrong_key_refused);
	tcase_add_test(tc, grpc_wrong_key_refused);
	tcase_add_test(tc, http_compressed_on_the_worker);
	tcase_add_test(tc, grpc_exact);
	tcase_add_test(tc, two_exporters);
	tcase_add_test(tc, bare_resource_spans);
	tcase_add_test(tc, sigterm_drains);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
