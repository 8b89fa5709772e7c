/* sluice-export's otlp (gRPC) exporter with bodies of XC_MIN (256 KiB) and
 * more, which it compresses on the compression worker thread
 * (exporter/xcompress.h, named "sluice-xcomp") while its loop goes on:
 * every span reaches sluice-sink's gRPC port exactly once, each body
 * decompressed byte for byte as it was sent, the sink decoded one body of
 * that codec per batch, and the worker thread did the compressing (its CPU
 * time in /proc, against what compressing the same bodies costs here).
 * A stalled call and a dropped connection are retried with such bodies as
 * with small ones; a stop with calls and jobs out lets no batch go. */
#include <check.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exporter/xcompress.h"
#include "net/codec.h"
#include "xt.h"
#include "tests/check_run.h"

#define RETRY_FAST                                                                       \
	"    retry_on_failure:\n      initial_interval: 200ms\n      max_interval: 1s\n" \
	"      multiplier: 2\n      randomization_factor: 0\n"

/* CPU nanoseconds the export stage's "sluice-xcomp" threads have run
 * (schedstat: exact, not in clock ticks); -1 if it has none. */
static int64_t xcomp_thread_ns(pid_t pid)
{
	char p[320];
	snprintf(p, sizeof(p), "/proc/%d/task", (int)pid);
	DIR *d = opendir(p);
	if (!d)
		return -1;
	int64_t sum = -1;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char comm[64] = "";
		snprintf(p, sizeof(p), "/proc/%d/task/%s/comm", (int)pid, de->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		bool ours = fgets(comm, sizeof(comm), f) && !strcmp(comm, "sluice-xcomp\n");
		fclose(f);
		if (!ours)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/task/%s/schedstat", (int)pid, de->d_name);
		unsigned long long ns = 0;
		f = fopen(p, "r");
		if (f && fscanf(f, "%llu", &ns) == 1)
			sum = (sum < 0 ? 0 : sum) + (int64_t)ns;
		if (f)
			fclose(f);
	}
	closedir(d);
	return sum;
}

/* Thread CPU nanoseconds compressing the bodies once here, as the
 * exporter does (the codec's default level). */
static int64_t compress_ns(const char *codec, const struct xt_body *b, uint32_t n)
{
	enum codec c = (enum codec)codec_from_name(codec, strlen(codec));
	struct codec_ctx cx;
	codec_ctx_init(&cx);
	size_t cap = codec_encode_bound(c, b[0].len * 2);
	uint8_t *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	struct timespec t0, t1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_gt(codec_encode(&cx, c, CODEC_LEVEL_DEFAULT, b[i].data, b[i].len, out, cap), 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	free(out);
	codec_ctx_free(&cx);
	return (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000000 + (t1.tv_nsec - t0.tv_nsec);
}

/* The sink's summary line count of bodies it decompressed with codec. */
static long sink_decoded(const struct xt_env *e, const char *codec)
{
	char path[300], key[32];
	snprintf(path, sizeof(path), "%s/sink.out", e->dir);
	snprintf(key, sizeof(key), " %s=", codec);
	size_t len;
	char *t = xt_slurp(path, &len);
	if (!t)
		return -1;
	const char *line = strstr(t, "sink: compressed bodies");
	const char *k = line ? strstr(line, key) : NULL;
	long n = k ? strtol(k + strlen(key), NULL, 10) : 0;
	free(t);
	return n;
}

/* Each received body is one of the sent ones and every span came once. */
static void run_worker(const char *codec)
{
	const uint32_t batches = xt_asan() ? 6 : 16, per = 4000;
	struct xt_env e;
	xt_setup(&e, codec, 32u << 20);
	xt_sink_start(&e, NULL);
	char yaml[400];
	snprintf(yaml, sizeof(yaml),
		 "  otlp:\n    endpoint: http://127.0.0.1:%%GRPC%%\n    compression: %s\n"
		 "    max_concurrent_streams: 4\n    sending_queue:\n      num_consumers: 4\n",
		 codec);
	xt_export_start(&e, yaml, "otlp");
	struct xt_body *sent = calloc(batches, sizeof(*sent));
	for (uint32_t b = 0; b < batches; b++) {
		sent[b] = xt_make_body(b, per);
		ck_assert_uint_ge(sent[b].len, XC_MIN); /* the worker's, not inline */
		ck_assert_int_eq(xt_publish(&e, &sent[b], 10000), 0);
	}
	ck_assert_msg(xt_wait_spans(&e, (uint64_t)batches * per, 60000), "sink got %llu of %u spans",
		      (unsigned long long)xt_sink_spans(&e), batches * per);
	ck_assert(xt_wait_ring_empty(&e, 10000));
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_SENT_SPANS), (uint64_t)batches * per);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_INFLIGHT), 0);
	ck_assert_uint_eq(stats_get(st, STAT_CONNECTIONS_TOTAL), 1);
	/* Inline, the worker would have run a few microseconds (its start);
	 * here it ran about what compressing every body costs (a retry would
	 * only add). A quarter leaves room for two processes' noise. */
	int64_t worker = xcomp_thread_ns(e.export_pid), here = compress_ns(codec, sent, batches);
	fprintf(stderr,
		"%s: %u bodies of %zu bytes; the worker thread ran %.2f ms, compressing them here %.2f ms\n",
		codec, batches, sent[0].len, (double)worker / 1e6, (double)here / 1e6);
	ck_assert_msg(worker >= here / 4, "%s: the worker thread ran %lld ns, compressing here takes %lld ns",
		      codec, (long long)worker, (long long)here);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	ck_assert_int_eq(sink_decoded(&e, codec), (long)batches);
	xt_check_exact(&e, sent, batches, per, true);
	for (uint32_t b = 0; b < batches; b++)
		xt_body_free(&sent[b]);
	free(sent);
	xt_teardown(&e);
}

START_TEST(grpc_gzip_on_the_worker)
{
	run_worker("gzip");
}
END_TEST

START_TEST(grpc_zstd_on_the_worker)
{
	run_worker("zstd");
}
END_TEST

/* A stalled call is cancelled at its deadline, then the connection is
 * dropped under the retry: the body is compressed on the worker again for
 * each try and arrives once; the second batch after it. */
START_TEST(grpc_worker_stall_and_close)
{
	struct xt_env e;
	xt_setup(&e, "wsc", 8u << 20);
	const char *args[] = { "--fail", "stall,close,ok", NULL };
	xt_sink_start(&e, args);
	xt_export_start(
		&e,
		"  otlp:\n    endpoint: http://127.0.0.1:%GRPC%\n    compression: zstd\n    timeout: 500ms\n"
		"    sending_queue:\n      num_consumers: 1\n" RETRY_FAST "      max_elapsed_time: 30s\n",
		"otlp");
	const uint32_t per = 4000;
	struct xt_body b[2];
	for (uint32_t i = 0; i < 2; i++) {
		b[i] = xt_make_body(i, per);
		ck_assert_uint_ge(b[i].len, XC_MIN);
		ck_assert_int_eq(xt_publish(&e, &b[i], 5000), 0);
	}
	ck_assert(xt_wait_spans(&e, 2 * per, 30000));
	ck_assert(xt_wait_ring_empty(&e, 5000));
	ck_assert_int_ge(xcomp_thread_ns(e.export_pid), 0);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	struct xt_logline *l;
	size_t n = xt_read_log(e.sink_log, &l);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(l[0].answer, "stall");
	ck_assert_str_eq(l[1].answer, "close");
	ck_assert_str_eq(l[2].answer, "ok");
	for (int i = 0; i < 3; i++)
		ck_assert(l[i].crc == xt_crc(&b[0]));
	ck_assert(l[3].crc == xt_crc(&b[1]));
	free(l);
	xt_check_exact(&e, b, 2, per, true);
	for (int i = 0; i < 2; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

/* SIGTERM right after publishing: the bodies still on the worker are
 * finished and sent before the stage exits 0. */
START_TEST(grpc_worker_sigterm_drains)
{
	struct xt_env e;
	xt_setup(&e, "wdrain", 32u << 20);
	xt_sink_start(&e, NULL);
	const uint32_t batches = xt_asan() ? 4 : 10, per = 4000;
	struct xt_body *sent = calloc(batches, sizeof(*sent));
	for (uint32_t b = 0; b < batches; b++) {
		sent[b] = xt_make_body(b, per);
		ck_assert_int_eq(xt_publish(&e, &sent[b], 10000), 0);
	}
	xt_export_start(&e,
			"  otlp:\n    endpoint: http://127.0.0.1:%GRPC%\n    compression: gzip\n"
			"    max_concurrent_streams: 4\n    sending_queue:\n      num_consumers: 4\n",
			"otlp");
	ck_assert(xt_wait_running(&e, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_eq(xt_sink_spans(&e), (uint64_t)batches * per);
	ck_assert(xt_wait_ring_empty(&e, 100));
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	xt_check_exact(&e, sent, batches, per, true);
	for (uint32_t b = 0; b < batches; b++)
		xt_body_free(&sent[b]);
	free(sent);
	xt_teardown(&e);
}
END_TEST

/* The stage stops while two calls stall on a backend that never answers
 * and the other bodies wait for a stream (or are still on the worker):
 * after the stop timeout it exits 0 without having let a batch go (the
 * transport is freed with calls and jobs out: the ASan build checks that
 * nothing leaks and nothing is used after free), and the next export stage
 * sends every batch once. */
START_TEST(grpc_worker_stop_with_calls_out)
{
	struct xt_env e;
	xt_setup(&e, "wstop", 32u << 20);
	snprintf(e.stop_timeout, sizeof(e.stop_timeout), "1s");
	const char *args[] = { "--fail", "stall", "--repeat", NULL };
	xt_sink_start(&e, args);
	const char *yaml = "  otlp:\n    endpoint: http://127.0.0.1:%GRPC%\n    compression: gzip\n"
			   "    timeout: 30s\n    max_concurrent_streams: 2\n"
			   "    sending_queue:\n      num_consumers: 8\n";
	xt_export_start(&e, yaml, "otlp");
	ck_assert(xt_wait_running(&e, 60000));
	const uint32_t batches = 8, per = 4000;
	struct xt_body sent[8];
	for (uint32_t b = 0; b < batches; b++) {
		sent[b] = xt_make_body(b, per);
		ck_assert_int_eq(xt_publish(&e, &sent[b], 10000), 0);
	}
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	for (int i = 0; i < 500 && stats_get(st, STAT_EXPORT_INFLIGHT) < batches; i++)
		xt_msleep(20);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_INFLIGHT), batches);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_SENT_SPANS), 0);
	ck_assert_uint_gt(ring_used(&e.ring), 0); /* nothing was let go */
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	e.http_port = e.grpc_port = 0; /* a new sink that answers, on new ports */
	xt_sink_start(&e, NULL);
	xt_export_start(&e, yaml, "otlp");
	ck_assert(xt_wait_spans(&e, (uint64_t)batches * per, 30000));
	ck_assert(xt_wait_ring_empty(&e, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	xt_check_exact(&e, sent, batches, per, true);
	for (uint32_t b = 0; b < batches; b++)
		xt_body_free(&sent[b]);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_grpc_worker");
	TCase *tc = tcase_create("worker");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, grpc_gzip_on_the_worker);
	tcase_add_test(tc, grpc_zstd_on_the_worker);
	tcase_add_test(tc, grpc_worker_stall_and_close);
	tcase_add_test(tc, grpc_worker_sigterm_drains);
	tcase_add_test(tc, grpc_worker_stop_with_calls_out);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
