/* tests/producer/test_ingest_abuse.c: a real sluice-ingest under bad input
 * and pressure. Every bad request gets the right status and a message while
 * the process keeps serving good requests; refused requests publish
 * nothing; a full ring answers 429 + Retry-After / RESOURCE_EXHAUSTED +
 * RetryInfo; a waiting request completes once space frees; SIGTERM finishes
 * in-flight requests and exits 0; seq continues across a restart.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/grpc.h"
#include "net/gzip.h"
#include "otlp/wire.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/check_run.h"

#define EXPORT_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define PB "application/x-protobuf"

static struct ingest_proc ip;
static char resp[1 << 16];

static void start(uint64_t ring_cap, const char *extra)
{
	int rc = ip_start(&ip, ring_cap, extra);
	if (rc < 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
}

static void finish(void)
{
	int rc = ip_stop(&ip);
	if (rc != 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
	ip_destroy(&ip);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Send raw bytes on a new connection, read one response. */
static int raw(const void *req, size_t len, const char **body, size_t *blen, const char *want, char *hval)
{
	int fd = tl_connect(ip.http);
	ck_assert_int_ge(fd, 0);
	tl_write_all(fd, req, len);
	int st = tl_http_response(fd, resp, sizeof(resp), body, blen, want, hval, 64);
	close(fd);
	return st;
}

/* A good request must still work (and publish 2 records). */
static void good_http(void)
{
	size_t len;
	uint8_t *req = tl_request(2, 10, 99, &len);
	uint64_t seq = ring_last_seq(&ip.ring);
	ck_assert_int_eq(tl_http_post(ip.http, PB, NULL, req, len, resp, sizeof(resp), NULL, NULL), 200);
	ck_assert_uint_eq(ring_last_seq(&ip.ring), seq + 2);
	free(req);
}

static void assert_status_body(const char *body, size_t blen, int code)
{
	struct grpc_details d;
	ck_assert_int_eq(grpc_details_decode((const uint8_t *)body, blen, &d), 0);
	ck_assert_int_eq(d.code, code);
	ck_assert_uint_gt(d.message_len, 0);
}

START_TEST(http_bad_input)
{
	start(8u << 20, "        max_request_body_size: 1MiB\n");
	const char *body;
	size_t blen, len;
	char hv[64];
	uint8_t *req = tl_request(2, 10, 5, &len);

	/* Truncated and garbage protobuf: 400 with a google.rpc.Status. */
	ck_assert_int_eq(tl_http_post(ip.http, PB, NULL, req, len - 3, resp, sizeof(resp), &body, &blen),
			 400);
	assert_status_body(body, blen, 3);
	static const char garbage[] = "\x0a\xff\xff\xff\xff\x0f garbage that is not protobuf";
	ck_assert_int_eq(tl_http_post(ip.http, PB, NULL, garbage, sizeof(garbage) - 1, resp, sizeof(resp),
				      &body, &blen),
			 400);
	assert_status_body(body, blen, 3);
	good_http();

	/* Invalid JSON: 400 with a JSON Status naming the problem. */
	static const char badjson[] = "{\"resourceSpans\": [ {\"scopeSpans\": oops";
	ck_assert_int_eq(tl_http_post(ip.http, "application/json", NULL, badjson, sizeof(badjson) - 1, resp,
				      sizeof(resp), &body, &blen),
			 400);
	ck_assert_ptr_nonnull(strstr(body, "\"message\""));
	ck_assert_ptr_nonnull(strstr(body, "\"code\":3"));

	/* Wrong content type or encoding: 415. */
	ck_assert_int_eq(tl_http_post(ip.http, "text/plain", NULL, req, len, resp, sizeof(resp), &body,
				      &blen),
			 415);
	ck_assert_uint_gt(blen, 0);
	ck_assert_int_eq(tl_http_post(ip.http, PB, "br", req, len, resp, sizeof(resp), NULL, NULL), 415);

	/* Wrong path, wrong method, no length. */
	static const char r404[] = "POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
				   "\r\nContent-Length: 0\r\n\r\n";
	ck_assert_int_eq(raw(r404, sizeof(r404) - 1, NULL, NULL, NULL, NULL), 404);
	static const char r405[] = "GET /v1/traces HTTP/1.1\r\nHost: x\r\n\r\n";
	ck_assert_int_eq(raw(r405, sizeof(r405) - 1, NULL, NULL, "Allow", hv), 405);
	ck_assert_str_eq(hv, "POST");
	static const char r411[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: " PB "\r\n\r\n";
	ck_assert_int_eq(raw(r411, sizeof(r411) - 1, NULL, NULL, NULL, NULL), 411);

	/* Oversized body (announced): 413 before reading it. */
	static const char r413[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
				   "\r\nContent-Length: 5000000\r\n\r\n";
	ck_assert_int_eq(raw(r413, sizeof(r413) - 1, NULL, NULL, NULL, NULL), 413);

	/* Gzip bomb: 64 MiB of zeros in ~64 KiB; the decoder stops at the cap. */
	size_t big = 64u << 20, cap = gzip_encode_bound(big);
	uint8_t *zeros = calloc(1, big), *gz = malloc(cap);
	ssize_t glen = gzip_encode(zeros, big, gz, cap, 9);
	ck_assert_int_gt(glen, 0);
	ck_assert_int_eq(tl_http_post(ip.http, PB, "gzip", gz, (size_t)glen, resp, sizeof(resp), &body,
				      &blen),
			 413);
	assert_status_body(body, blen, 8);
	free(zeros);
	free(gz);
	good_http();

	/* Chunked, gzip, pipelined and Expect: 100-continue all work. */
	uint64_t seq = ring_last_seq(&ip.ring);
	char *pipe = malloc(2 * (len + 256));
	int n = sprintf(pipe,
			"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
			"\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n",
			len);
	memcpy(pipe + n, req, len);
	n += (int)len;
	n += sprintf(pipe + n,
		     "\r\n0\r\n\r\nPOST /v1/traces?x=1 HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
		     "; charset=binary\r\nExpect: 100-continue\r\nContent-Length: %zu\r\n\r\n",
		     len);
	memcpy(pipe + n, req, len);
	n += (int)len;
	int fd = tl_connect(ip.http);
	tl_write_all(fd, pipe, (size_t)n);
	ck_assert_int_eq(tl_http_response(fd, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0), 200);
	int st = tl_http_response(fd, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0);
	if (st == 100)
		st = tl_http_response(fd, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0);
	ck_assert_int_eq(st, 200);
	close(fd);
	free(pipe);
	ck_assert_uint_eq(ring_last_seq(&ip.ring), seq + 4);

	/* Nothing refused was published: 4 good requests x 2 records. */
	ck_assert_uint_eq(ring_last_seq(&ip.ring), 8);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_REQUESTS_FAILED), 10);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_REQUESTS), 14);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_SPANS_IN), 4 * 20);
	free(req);
	finish();
}
END_TEST

START_TEST(slow_clients)
{
	start(8u << 20, "        read_timeout: 1s\n");
	/* A stalls in its head, C in its body; B is served meanwhile. */
	int a = tl_connect(ip.http), c = tl_connect(ip.http);
	static const char part[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-";
	tl_write_all(a, part, sizeof(part) - 1);
	static const char partbody[] = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
				       "\r\nContent-Length: 1000\r\n\r\n\x0a\x05";
	tl_write_all(c, partbody, sizeof(partbody) - 1);
	good_http();
	ck_assert_int_eq(tl_http_response(a, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0), 408);
	ck_assert_int_eq(tl_http_response(c, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0), 408);
	char b;
	ck_assert_int_eq(recv(a, &b, 1, 0), 0); /* then closed */
	close(a);
	close(c);
	good_http();
	finish();
}
END_TEST

START_TEST(grpc_bad_input)
{
	start(8u << 20, NULL);
	struct ip_grpc_result r;
	size_t len;
	uint8_t *req = tl_request(2, 10, 5, &len);
	static const char garbage[] = "\x0a\xff\xff\xff garbage";
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, garbage, sizeof(garbage) - 1, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_INVALID_ARGUMENT);
	ck_assert_ptr_nonnull(strstr(r.message, "invalid"));
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, req, len - 1, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_INVALID_ARGUMENT);
	ck_assert_int_eq(ip_grpc_call(ip.grpc,
				      "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", req,
				      len, false, &r),
			 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_UNIMPLEMENTED);
	/* gzip works; a gzip bomb is refused without RetryInfo. */
	size_t cap = gzip_encode_bound(len);
	uint8_t *gz = malloc(cap);
	ssize_t glen = gzip_encode(req, len, gz, cap, 6);
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, gz, (size_t)glen, true, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_OK);
	free(gz);
	size_t big = 64u << 20;
	uint8_t *zeros = calloc(1, big);
	cap = gzip_encode_bound(big);
	gz = malloc(cap);
	glen = gzip_encode(zeros, big, gz, cap, 9);
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, gz, (size_t)glen, true, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	ck_assert_int_eq(r.retry_delay_ns, -1);
	free(gz);
	free(zeros);
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, req, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_OK);
	ck_assert_uint_eq(ring_last_seq(&ip.ring), 4); /* the two OK calls only */
	free(req);
	finish();
}
END_TEST

/* HEADERS + RST_STREAM, over and over: the server must say GOAWAY
 * (ENHANCE_YOUR_CALM) and keep serving other connections. */
START_TEST(h2_reset_flood)
{
	start(8u << 20, NULL);
	size_t cap = 24 + 9 + 2000 * (9 + 14 + 9 + 4), n = 0;
	uint8_t *out = malloc(cap);
	memcpy(out, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 24);
	n = 24;
	static const uint8_t settings[9] = { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
	memcpy(out + n, settings, 9);
	n += 9;
	for (uint32_t i = 0; i < 2000; i++) {
		uint32_t id = 2 * i + 1;
		static const uint8_t hpack[14] = { 0x83, 0x86, 0x84, 0x01, 0x09, '1', '2',
						   '7',	 '.',  '0',  '.',  '0',	 '.', '1' };
		uint8_t h[9] = { 0,
				 0,
				 14,
				 1,
				 0x4,
				 (uint8_t)(id >> 24),
				 (uint8_t)(id >> 16),
				 (uint8_t)(id >> 8),
				 (uint8_t)id };
		memcpy(out + n, h, 9);
		memcpy(out + n + 9, hpack, 14);
		n += 23;
		uint8_t rst[13] = {
			0,	     0, 4, 3, 0, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8),
			(uint8_t)id, 0, 0, 0, 8
		};
		memcpy(out + n, rst, 13);
		n += 13;
	}
	int fd = tl_connect(ip.grpc);
	tl_write_all(fd, out, n); /* may fail part way: the server hangs up */
	shutdown(fd, SHUT_WR);
	size_t have = 0;
	ssize_t k;
	while (have < cap && (k = recv(fd, out + have, cap - have, 0)) > 0)
		have += (size_t)k;
	close(fd);
	bool goaway = false;
	for (size_t p = 0; p + 9 <= have;) {
		size_t flen = ((size_t)out[p] << 16) | ((size_t)out[p + 1] << 8) | out[p + 2];
		if (out[p + 3] == 7 && p + 9 + 8 <= have && out[p + 9 + 7] == 0x0b)
			goaway = true;
		p += 9 + flen;
	}
	free(out);
	ck_assert_msg(goaway, "no GOAWAY(ENHANCE_YOUR_CALM) in %zu bytes", have);
	struct ip_grpc_result r;
	size_t len;
	uint8_t *req = tl_request(1, 5, 5, &len);
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, req, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_OK);
	free(req);
	good_http();
	finish();
}
END_TEST

static void drain_ring(void)
{
	const struct record *rec;
	while (ring_try_peek(&ip.ring, &rec) == 0)
		;
	ring_commit(&ip.ring, ring_cursor(&ip.ring));
}

START_TEST(ring_full)
{
	start(256u << 10, "    ring_full_wait: 1500ms\n    retry_after: 2s\n");
	size_t len;
	uint8_t *req = tl_request(4, 40, 7, &len);
	const char *body;
	size_t blen;
	char hv[64];
	int st, ok = 0;
	for (int i = 0; i < 100; i++) {
		st = tl_http_post(ip.http, PB, NULL, req, len, resp, sizeof(resp), &body, &blen);
		if (st != 200)
			break;
		ok++;
	}
	ck_assert_int_eq(st, 429);
	ck_assert_int_gt(ok, 0);
	assert_status_body(body, blen, 8);
	uint64_t seq = ring_last_seq(&ip.ring);
	ck_assert_uint_eq(seq, 4u * (unsigned)ok);
	/* Retry-After on the refusal; still nothing published. */
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
			 "\r\nContent-Length: %zu\r\n\r\n",
			 len);
	int fd = tl_connect(ip.http);
	tl_write_all(fd, head, (size_t)n);
	tl_write_all(fd, req, len);
	ck_assert_int_eq(tl_http_response(fd, resp, sizeof(resp), NULL, NULL, "Retry-After", hv, sizeof(hv)),
			 429);
	ck_assert_str_eq(hv, "2");
	close(fd);
	struct ip_grpc_result r;
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, req, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_RESOURCE_EXHAUSTED);
	ck_assert_int_eq(r.retry_delay_ns, 2000000000ll);
	ck_assert_uint_eq(ring_last_seq(&ip.ring), seq);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_SPANS_REFUSED_FULL), 3 * 160);

	/* A request that arrives while full waits, and succeeds once the
	 * consumer frees space within the bounded wait. */
	fd = tl_connect(ip.http);
	tl_write_all(fd, head, (size_t)n);
	tl_write_all(fd, req, len);
	/* Free space only once ingest has queued it (ring_full_waits moves). */
	for (int i = 0; i < 1000 && stats_get(ip.stats, STAT_RING_FULL_WAITS) < 4; i++)
		sleep_ms(10);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_RING_FULL_WAITS), 4);
	drain_ring();
	ck_assert_int_eq(tl_http_response(fd, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0), 200);
	close(fd);
	ck_assert_uint_eq(ring_last_seq(&ip.ring), seq + 4);
	free(req);
	finish();
}
END_TEST

START_TEST(sigterm_finishes_inflight)
{
	start(8u << 20, NULL);
	size_t len;
	uint8_t *req = tl_request(2, 10, 3, &len);
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: " PB
			 "\r\nExpect: 100-continue\r\nContent-Length: %zu\r\n\r\n",
			 len);
	int fd = tl_connect(ip.http);
	tl_write_all(fd, head, (size_t)n);
	/* 100 Continue: ingest has this request's head, it is in flight. */
	ck_assert_int_eq(tl_http_response(fd, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0), 100);
	tl_write_all(fd, req, len / 2);
	kill(ip.pid, SIGTERM);
	int other = 0;
	for (int i = 0; i < 1000 && (other = tl_connect(ip.http)) >= 0; i++) {
		close(other);
		sleep_ms(10);
	}
	ck_assert_int_lt(other, 0); /* no longer accepting */
	tl_write_all(fd, req + len / 2, len - len / 2);
	ck_assert_int_eq(tl_http_response(fd, resp, sizeof(resp), NULL, NULL, NULL, NULL, 0), 200);
	close(fd);
	ck_assert_int_eq(ip_wait(&ip, 20000), 0);
	ck_assert_uint_eq(ring_last_seq(&ip.ring), 2);
	ck_assert_uint_eq(atomic_load(&ip.stats->state), STAGE_STATE_STOPPED);
	free(req);
	ip_destroy(&ip);
}
END_TEST

START_TEST(restart_continues_seq)
{
	start(8u << 20, NULL);
	good_http();
	ck_assert_int_eq(ip_stop(&ip), 0);
	int rc = ip_restart(&ip);
	if (rc < 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
	good_http();
	const struct record *rec;
	for (uint64_t want = 1; want <= 4; want++) {
		ck_assert_int_eq(ring_try_peek(&ip.ring, &rec), 0);
		ck_assert_uint_eq(rec->seq, want);
	}
	ck_assert_int_ne(ring_try_peek(&ip.ring, &rec), 0);
	finish();
}
END_TEST

/* Usage and config errors exit 2, a missing segment or a busy port exit
 * 1, each with a message (on stderr, seen in the test log). */
START_TEST(startup_errors)
{
	char path[128];
	snprintf(path, sizeof(path), "/tmp/ingest-bad-%d.yaml", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs("receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:0\n        bogus_key: 1\n",
	      f);
	fclose(f);
	char *bad[] = { (char *)ip_ingest_bin(), "-c", path, NULL };
	ck_assert_int_eq(ip_run(bad, 20000), 2);
	char *usage[] = { (char *)ip_ingest_bin(), "extra-arg", NULL };
	ck_assert_int_eq(ip_run(usage, 20000), 2);
	f = fopen(path, "w");
	fprintf(f, "sluice:\n  instance: no-such-segment-%d\n", (int)getpid());
	fclose(f);
	ck_assert_int_eq(ip_run(bad, 20000), 1);
	/* A port already taken: the second instance on the same HTTP port. */
	start(1u << 20, NULL);
	f = fopen(path, "w");
	fprintf(f,
		"receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:%u\n"
		"exporters:\n  debug:\nservice:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
		"      exporters: [debug]\nsluice:\n  instance: %s\n",
		ip.http, ip.inst);
	fclose(f);
	ck_assert_int_eq(ip_run(bad, 20000), 1);
	unlink(path);
	good_http();
	finish();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_abuse");
	TCase *tc = tcase_create("proc");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, http_bad_input);
	tcase_add_test(tc, slow_clients);
	tcase_add_test(tc, grpc_bad_input);
	tcase_add_test(tc, h2_reset_flood);
	tcase_add_test(tc, ring_full);
	tcase_add_test(tc, sigterm_finishes_inflight);
	tcase_add_test(tc, restart_continues_seq);
	tcase_add_test(tc, startup_errors);
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	ip_cleanup_runner();
	return failed ? 1 : 0;
}
