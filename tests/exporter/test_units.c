/* Unit tests of the export stage's pieces that need no network: the retry
 * tables and backoff, Retry-After parsing, the longest-acknowledged-prefix
 * window, the disk queue (including reopen after a "crash" and corruption),
 * dead-letter files, endpoint and partial_success parsing. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exporter/deadletter.h"
#include "exporter/paths.h"
#include "exporter/diskq.h"
#include "exporter/localx.h"
#include "exporter/otlphttp.h"
#include "exporter/retry.h"
#include "exporter/window.h"
#include "tests/check_run.h"

static void tmpdir(char *buf, size_t n, const char *tag)
{
	snprintf(buf, n, "/tmp/xu-%d-%s", (int)getpid(), tag);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", buf);
	ck_assert_int_eq(system(cmd), 0);
}

static void rmdir_r(const char *d)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(retry_tables)
{
	static const struct {
		int st;
		enum retry_class c;
	} http[] = {
		{ 200, RETRY_OK },	  { 202, RETRY_OK },	    { 0, RETRY_AGAIN },
		{ 429, RETRY_AGAIN },	  { 502, RETRY_AGAIN },	    { 503, RETRY_AGAIN },
		{ 504, RETRY_AGAIN },	  { 400, RETRY_PERMANENT }, { 401, RETRY_PERMANENT },
		{ 404, RETRY_PERMANENT }, { 413, RETRY_PERMANENT }, { 500, RETRY_PERMANENT },
		{ 301, RETRY_PERMANENT },
	};
	for (size_t i = 0; i < sizeof(http) / sizeof(http[0]); i++)
		ck_assert_msg(retry_class_http(http[i].st) == http[i].c, "http %d", http[i].st);
	static const struct {
		int code;
		bool ri;
		enum retry_class c;
	} grpc[] = {
		{ 0, false, RETRY_OK },		{ 1, false, RETRY_AGAIN },
		{ 4, false, RETRY_AGAIN },	{ 10, false, RETRY_AGAIN },
		{ 11, false, RETRY_AGAIN },	{ 14, false, RETRY_AGAIN },
		{ 15, false, RETRY_AGAIN },	{ 8, true, RETRY_AGAIN },
		{ 8, false, RETRY_PERMANENT },	{ 3, false, RETRY_PERMANENT },
		{ 7, false, RETRY_PERMANENT },	{ 13, false, RETRY_PERMANENT },
		{ 16, false, RETRY_PERMANENT }, { 12, false, RETRY_PERMANENT },
	};
	for (size_t i = 0; i < sizeof(grpc) / sizeof(grpc[0]); i++)
		ck_assert_msg(retry_class_grpc(grpc[i].code, grpc[i].ri) == grpc[i].c, "grpc %d",
			      grpc[i].code);
}
END_TEST

START_TEST(retry_backoff)
{
	struct retry_policy p;
	retry_policy_default(&p);
	p.initial_ms = 100;
	p.max_interval_ms = 1000;
	p.multiplier = 2;
	p.randomization = 0.5;
	p.max_elapsed_ms = 0;
	uint64_t rng = 12345;
	for (int round = 0; round < 200; round++)
		for (unsigned a = 1; a <= 8; a++) {
			double base = 100.0;
			for (unsigned i = 1; i < a; i++)
				base *= 2;
			if (base > 1000)
				base = 1000;
			int64_t d = retry_next_delay(&p, a, 0, -1, &rng);
			ck_assert_msg(d >= (int64_t)(base * 0.5) && d <= (int64_t)(base * 1.5) + 1,
				      "attempt %u delay %lld base %.0f", a, (long long)d, base);
		}
	/* the server's hint is a floor */
	ck_assert_int_ge(retry_next_delay(&p, 1, 0, 7000, &rng), 7000);
	/* max_elapsed_time bounds the wait */
	p.max_elapsed_ms = 1000;
	ck_assert_int_eq(retry_next_delay(&p, 1, 990, -1, &rng), -ETIMEDOUT);
	ck_assert_int_eq(retry_next_delay(&p, 1, 0, 5000, &rng), -ETIMEDOUT);
	p.enabled = false;
	ck_assert_int_eq(retry_next_delay(&p, 1, 0, -1, &rng), -ETIMEDOUT);
	/* jitter actually varies */
	p.enabled = true;
	p.max_elapsed_ms = 0;
	int64_t first = retry_next_delay(&p, 3, 0, -1, &rng);
	bool differs = false;
	for (int i = 0; i < 20 && !differs; i++)
		differs = retry_next_delay(&p, 3, 0, -1, &rng) != first;
	ck_assert(differs);
}
END_TEST

START_TEST(retry_after)
{
	ck_assert_int_eq(retry_parse_after("3", 1, 0), 3000);
	ck_assert_int_eq(retry_parse_after(" 120 ", 5, 0), 120000);
	ck_assert_int_eq(retry_parse_after("99999999999", 11, 0), 3600000);
	ck_assert_int_eq(retry_parse_after("", 0, 0), -EINVAL);
	ck_assert_int_eq(retry_parse_after("1.5", 3, 0), -EINVAL);
	ck_assert_int_eq(retry_parse_after("soon", 4, 0), -EINVAL);
	const char *d = "Sun, 06 Nov 1994 08:49:37 GMT";
	ck_assert_int_eq(retry_parse_after(d, strlen(d), 784111777 - 10), 10000);
	ck_assert_int_eq(retry_parse_after(d, strlen(d), 784111777 + 10), 0);
}
END_TEST

START_TEST(window_prefix)
{
	struct window w;
	ck_assert_int_eq(window_init(&w, 5), 0);
	ck_assert_uint_eq(w.cap, 8);
	for (int i = 0; i < 8; i++) {
		struct window_batch b = { .seq = 10 + i, .ring_end = 100 * (i + 1), .pending = 3 };
		ck_assert_int_eq(window_push(&w, &b), i);
	}
	struct window_batch b = { .pending = 1 };
	ck_assert_int_eq(window_push(&w, &b), -ENOSPC);
	uint64_t pos = 0, seq = 0;
	/* exporter 0 acks 0..3, exporter 1 acks 1..3: batch 0 still blocks */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(window_done(&w, i, 0), 0);
	for (int i = 1; i < 4; i++)
		ck_assert_int_eq(window_done(&w, i, 1), 0);
	ck_assert_uint_eq(window_release(&w, &pos, &seq), 0);
	ck_assert_int_eq(window_done(&w, 0, 1), 0);
	ck_assert_int_eq(window_done(&w, 0, 1), -EALREADY);
	ck_assert_uint_eq(window_release(&w, &pos, &seq), 4);
	ck_assert_uint_eq(pos, 400);
	ck_assert_uint_eq(seq, 13);
	ck_assert_int_eq(window_done(&w, 2, 0), -ERANGE);
	ck_assert_uint_eq(window_count(&w), 4);
	/* out of order acks of the rest: release only when the gap closes */
	ck_assert_int_eq(window_done(&w, 7, 0), 0);
	ck_assert_int_eq(window_done(&w, 7, 1), 0);
	ck_assert_uint_eq(window_release(&w, &pos, &seq), 0);
	for (int i = 4; i < 7; i++) {
		window_done(&w, i, 0);
		window_done(&w, i, 1);
	}
	ck_assert_uint_eq(window_release(&w, &pos, &seq), 4);
	ck_assert_uint_eq(pos, 800);
	/* wraps around */
	struct window_batch c = { .seq = 99, .ring_end = 900, .pending = 1 };
	ck_assert_int_eq(window_push(&w, &c), 8);
	ck_assert_ptr_eq(window_at(&w, 8), &w.b[0]);
	window_free(&w);
}
END_TEST

START_TEST(diskq_roundtrip)
{
	char dir[256];
	tmpdir(dir, sizeof(dir), "dq");
	struct diskq q;
	ck_assert_int_eq(diskq_open(&q, dir, 1u << 20, false), 0);
	uint8_t body[1000];
	for (int s = 5; s >= 1; s--) { /* pushed out of order, kept in seq order */
		memset(body, s, sizeof(body));
		struct diskq_rec r = {
			.seq = (uint64_t)s * 10, .items = (uint32_t)s, .len = 100u * s, .ingest_ns = 7
		};
		ck_assert_int_eq(diskq_push(&q, &r, body), 0);
	}
	ck_assert_uint_eq(diskq_count(&q), 5);
	ck_assert(diskq_has(&q, 30));
	ck_assert(!diskq_has(&q, 31));
	uint64_t seq;
	ck_assert_int_eq(diskq_next(&q, &seq), 0);
	ck_assert_uint_eq(seq, 10);
	ck_assert_int_eq(diskq_next(&q, &seq), 0);
	ck_assert_uint_eq(seq, 20);
	diskq_unbusy(&q, 10);
	ck_assert_int_eq(diskq_next(&q, &seq), 0);
	ck_assert_uint_eq(seq, 10);
	uint8_t *buf = NULL;
	size_t cap = 0;
	struct diskq_rec r;
	ck_assert_int_eq(diskq_load(&q, 20, &buf, &cap, &r), 0);
	ck_assert_uint_eq(r.len, 200);
	ck_assert_uint_eq(r.items, 2);
	ck_assert_uint_eq(buf[0], 2);
	ck_assert_uint_eq(buf[199], 2);
	ck_assert_int_eq(diskq_remove(&q, 10), 0);
	ck_assert_int_eq(diskq_remove(&q, 10), -ENOENT);
	uint64_t bytes = diskq_bytes(&q);
	diskq_close(&q);

	/* a restart finds the same queue; a half-written temp file is dropped */
	char tmp[400];
	snprintf(tmp, sizeof(tmp), "%s/00000000000000000099.q.tmp", dir);
	FILE *f = fopen(tmp, "w");
	fputs("junk", f);
	fclose(f);
	ck_assert_int_eq(diskq_open(&q, dir, 1u << 20, false), 0);
	ck_assert_uint_eq(diskq_count(&q), 4);
	ck_assert_uint_eq(diskq_bytes(&q), bytes);
	ck_assert_int_ne(access(tmp, F_OK), 0);
	ck_assert_int_eq(diskq_next(&q, &seq), 0);
	ck_assert_uint_eq(seq, 20);

	/* corruption is detected by the crc */
	char path[400];
	snprintf(path, sizeof(path), "%s/00000000000000000030.q", dir);
	f = fopen(path, "r+");
	fseek(f, DISKQ_HDR_SIZE + 5, SEEK_SET);
	fputc(0x77, f);
	fclose(f);
	ck_assert_int_eq(diskq_load(&q, 30, &buf, &cap, &r), -EBADMSG);

	/* the byte limit refuses */
	struct diskq_rec big = { .seq = 1000, .len = 1u << 20 };
	uint8_t *bb = calloc(1, 1u << 20);
	ck_assert(!diskq_fits(&q, big.len));
	ck_assert_int_eq(diskq_push(&q, &big, bb), -ENOSPC);
	free(bb);
	free(buf);
	diskq_close(&q);
	rmdir_r(dir);
}
END_TEST

START_TEST(deadletter_files)
{
	char dir[256];
	tmpdir(dir, sizeof(dir), "dl");
	char sub[300];
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	ck_assert_int_eq(deadletter_open_dir(sub), 0);
	struct deadletter_meta m = { .exporter = "otlphttp/x",
				     .seq = 42,
				     .reason = "http status 400: \"bad\"",
				     .status = 400,
				     .items = 7,
				     .attempts = 1,
				     .time_ns = 1764046200123000000ULL };
	ck_assert_int_eq(deadletter_write(sub, "abcdef", 6, &m), 0);
	char p[600];
	snprintf(p, sizeof(p), "%s/00000000000000000042-otlphttp_x.pb", sub);
	FILE *f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	char buf[1024] = "";
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ck_assert_uint_eq(n, 6);
	ck_assert(!memcmp(buf, "abcdef", 6));
	snprintf(p, sizeof(p), "%s/00000000000000000042-otlphttp_x.json", sub);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "\"exporter\":\"otlphttp_x\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"seq\":42"));
	ck_assert_ptr_nonnull(strstr(buf, "\"reason\":\"http status 400: \\\"bad\\\"\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"status\":400"));
	ck_assert_ptr_nonnull(strstr(buf, "\"spans\":7"));
	ck_assert_ptr_nonnull(strstr(buf, "\"time\":\"2025-11-25T04:50:00.123Z\""));
	ck_assert_ptr_nonnull(strstr(buf, "\"bytes\":6"));
	ck_assert_ptr_null(strstr(buf, "pipeline"));
	/* another signal's batch: its pipeline, its signal and its item name */
	m.pipeline = "logs/audit";
	m.signal = "logs";
	m.item_key = "log_records";
	m.seq = 43;
	ck_assert_int_eq(deadletter_write(sub, "abc", 3, &m), 0);
	snprintf(p, sizeof(p), "%s/00000000000000000043-otlphttp_x.json", sub);
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	ck_assert_ptr_nonnull(
		strstr(buf, "\"exporter\":\"otlphttp_x\",\"pipeline\":\"logs/audit\",\"signal\":\"logs\","));
	ck_assert_ptr_nonnull(strstr(buf, "\"log_records\":7,"));
	ck_assert_ptr_null(strstr(buf, "\"spans\""));
	rmdir_r(dir);
}
END_TEST

/* One place derives every exporter directory: ids and pipelines become one
 * path component each. */
START_TEST(export_paths)
{
	char p[128];
	ck_assert_int_eq(export_path_deadletter(p, sizeof(p), "/st", "edge-1", "otlphttp/full"),
			 (int)strlen("/st/edge-1/deadletter/otlphttp_full"));
	ck_assert_str_eq(p, "/st/edge-1/deadletter/otlphttp_full");
	char q[160];
	ck_assert_int_gt(export_path_pipeline(q, sizeof(q), p, "traces/pay/ments"), 0);
	ck_assert_str_eq(q, "/st/edge-1/deadletter/otlphttp_full/traces_pay_ments");
	/* the base keeps its slashes */
	ck_assert_int_gt(export_path_diskq(q, sizeof(q), "/var/q/a", "otlp/b"), 0);
	ck_assert_str_eq(q, "/var/q/a/otlp_b");
	volatile size_t small = 8; /* a run-time size: no compile-time truncation warning */
	ck_assert_int_eq(export_path_pipeline(q, small, "/var/q/a", "logs"), -ENAMETOOLONG);
	ck_assert_str_eq(q, "");
}
END_TEST

START_TEST(endpoints_and_partial)
{
	char host[64], path[64];
	uint16_t port;
	ck_assert_int_eq(otlphttp_parse_endpoint("http://127.0.0.1:4318", host, 64, &port, path, 64), 0);
	ck_assert_str_eq(host, "127.0.0.1");
	ck_assert_uint_eq(port, 4318);
	ck_assert_str_eq(path, "");
	ck_assert_int_eq(otlphttp_parse_endpoint("http://[::1]:9/api/", host, 64, &port, path, 64), 0);
	ck_assert_str_eq(host, "::1");
	ck_assert_str_eq(path, "/api");
	ck_assert_int_eq(otlphttp_parse_endpoint("https://x:1", host, 64, &port, path, 64), -EINVAL);
	ck_assert_int_eq(otlphttp_parse_endpoint("http://x", host, 64, &port, path, 64), -EINVAL);
	ck_assert_int_eq(otlphttp_parse_endpoint("http://x:99999", host, 64, &port, path, 64), -EINVAL);
	/* ExportTraceServiceResponse{partial_success{rejected_spans: 300, error_message: "no"}} */
	static const uint8_t resp[] = { 0x0a, 0x07, 0x08, 0xac, 0x02, 0x12, 0x02, 'n', 'o' };
	const char *m;
	size_t ml;
	ck_assert_int_eq(otlp_partial_rejected(resp, sizeof(resp), &m, &ml), 300);
	ck_assert_uint_eq(ml, 2);
	ck_assert(!memcmp(m, "no", 2));
	ck_assert_int_eq(otlp_partial_rejected(resp, 4, &m, &ml), -EBADMSG);
	ck_assert_int_eq(otlp_partial_rejected(NULL, 0, &m, &ml), 0);
	/* file exporter framing */
	static const uint8_t fr[] = { 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0, 0, 0, 0, 9, 'x' };
	size_t off = 0;
	const uint8_t *b;
	uint32_t bl;
	ck_assert_int_eq(filex_next(fr, sizeof(fr), &off, &b, &bl), 0);
	ck_assert_uint_eq(bl, 2);
	ck_assert_int_eq(filex_next(fr, sizeof(fr), &off, &b, &bl), 0);
	ck_assert_uint_eq(bl, 0);
	ck_assert_int_eq(filex_next(fr, sizeof(fr), &off, &b, &bl), -EBADMSG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_units");
	TCase *tc = tcase_create("units");
	tcase_add_test(tc, retry_tables);
	tcase_add_test(tc, retry_backoff);
	tcase_add_test(tc, retry_after);
	tcase_add_test(tc, window_prefix);
	tcase_add_test(tc, export_paths);
	tcase_add_test(tc, diskq_roundtrip);
	tcase_add_test(tc, deadletter_files);
	tcase_add_test(tc, endpoints_and_partial);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
