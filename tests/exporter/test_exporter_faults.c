/* sluice-export against a sluice-sink that fails on purpose: retries wait at
 * least what the backoff and the server's Retry-After say, in order;
 * refused batches land in the dead-letter directory with their metadata;
 * partial_success is counted; a backend that is down fills the ring
 * (backpressure) and loses nothing once it is back. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xt.h"
#include "tests/check_run.h"

#define RETRY_FAST                                                                       \
	"    retry_on_failure:\n      initial_interval: 200ms\n      max_interval: 1s\n" \
	"      multiplier: 2\n      randomization_factor: 0\n"

static struct stage_stats *st_of(struct xt_env *e)
{
	return segment_stats(&e->seg, STAGE_EXPORT);
}

/* One connection, one request at a time: the log is the exact story. */
START_TEST(retry_delays)
{
	struct xt_env e;
	xt_setup(&e, "retry", 1u << 20);
	const char *args[] = { "--fail", "503/1,429,close,stall,ok", NULL };
	xt_sink_start(&e, args);
	xt_export_start(&e,
			"  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: none\n"
			"    timeout: 300ms\n    connections: 1\n"
			"    sending_queue:\n      num_consumers: 1\n" RETRY_FAST
			"      max_elapsed_time: 60s\n",
			"otlphttp");
	struct xt_body b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = xt_make_body((uint32_t)i, 10);
		ck_assert_int_eq(xt_publish(&e, &b[i], 5000), 0);
	}
	ck_assert(xt_wait_spans(&e, 30, 20000));
	ck_assert(xt_wait_ring_empty(&e, 5000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	struct xt_logline *l;
	size_t n = xt_read_log(e.sink_log, &l);
	ck_assert_uint_eq(n, 7);
	static const char *answers[] = { "503/1", "429", "close", "stall", "ok", "ok", "ok" };
	/* minimum gap before each request: Retry-After 1 s; then backoff
	 * 200 ms * 2^(n-1). A connection closed before any answer is tried
	 * once more at once on a fresh connection (a stale keep-alive looks
	 * the same); that one stalls, the 300 ms timeout ends it, and the
	 * third backoff (800 ms) follows. */
	static const uint64_t min_gap[] = { 0, 1000, 400, 0, 300 + 800, 0, 0 };
	uint32_t crcs[] = { xt_crc(&b[0]), xt_crc(&b[0]), xt_crc(&b[0]), xt_crc(&b[0]),
			    xt_crc(&b[0]), xt_crc(&b[1]), xt_crc(&b[2]) };
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(l[i].answer, answers[i]);
		ck_assert_msg(l[i].crc == crcs[i], "request %zu carried the wrong batch", i);
		if (i)
			ck_assert_msg(l[i].ms + 1 >= l[i - 1].ms + min_gap[i],
				      "request %zu came %llu ms after the previous, want >= %llu", i,
				      (unsigned long long)(l[i].ms - l[i - 1].ms),
				      (unsigned long long)min_gap[i]);
	}
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_RETRIES), 3);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_REQUESTS_FAILED), 3);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_SENT_SPANS), 30);
	free(l);
	for (int i = 0; i < 3; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

static void run_deadletter(bool grpc)
{
	struct xt_env e;
	xt_setup(&e, grpc ? "dlg" : "dlh", 1u << 20);
	const char *args[] = { "--fail", "400,ok,503*100000", NULL };
	xt_sink_start(&e, args);
	char yaml[2048];
	snprintf(yaml, sizeof(yaml),
		 "  %s:\n    endpoint: %s127.0.0.1:%s\n    compression: none\n"
		 "    dead_letter_dir: %%DIR%%/dl\n"
		 "    sending_queue:\n      num_consumers: 1\n" RETRY_FAST "      max_elapsed_time: 1s\n",
		 grpc ? "otlp" : "otlphttp", "http://", grpc ? "%GRPC%" : "%HTTP%");
	xt_export_start(&e, yaml, grpc ? "otlp" : "otlphttp");
	struct xt_body b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = xt_make_body((uint32_t)i, 5 + (uint32_t)i);
		ck_assert_int_eq(xt_publish(&e, &b[i], 5000), 0);
	}
	/* A refused for good at once, B accepted, C retried until 1 s is used */
	ck_assert(xt_wait_ring_empty(&e, 20000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_eq(xt_sink_spans(&e), 6);
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/dl/traces", e.dir);
	ck_assert_uint_eq(xt_count_files(dir, ".pb"), 2);
	ck_assert_uint_eq(xt_count_files(dir, ".json"), 2);
	const char *name = grpc ? "otlp" : "otlphttp";
	size_t len;
	char *body = xt_dead_letter(dir, b[0].seq, name, "pb", &len);
	ck_assert_ptr_nonnull(body);
	ck_assert(len == b[0].len && !memcmp(body, b[0].data, len));
	free(body);
	body = xt_dead_letter(dir, b[2].seq, name, "pb", &len);
	ck_assert_ptr_nonnull(body);
	ck_assert(len == b[2].len && !memcmp(body, b[2].data, len));
	free(body);
	char *m = xt_dead_letter(dir, b[0].seq, name, "json", &len);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, grpc ? "\"status\":3," : "\"status\":400,"));
	ck_assert_ptr_nonnull(strstr(m, "\"spans\":5,"));
	ck_assert_ptr_nonnull(strstr(m, "\"attempts\":1}"));
	ck_assert_ptr_nonnull(strstr(m, "\"time\":\"20"));
	ck_assert_ptr_nonnull(strstr(m, grpc ? "INVALID_ARGUMENT" : "http status 400"));
	free(m);
	m = xt_dead_letter(dir, b[2].seq, name, "json", &len);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "retries exhausted"));
	ck_assert_ptr_nonnull(strstr(m, grpc ? "\"status\":14," : "\"status\":503,"));
	ck_assert_ptr_nonnull(strstr(m, "\"spans\":7,"));
	free(m);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_DEADLETTER_SPANS), 12);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_FAILED_SPANS), 12);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_SENT_SPANS), 6);
	for (int i = 0; i < 3; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}

START_TEST(deadletter_http)
{
	run_deadletter(false);
}
END_TEST

START_TEST(deadletter_grpc)
{
	run_deadletter(true);
}
END_TEST

/* gRPC: RESOURCE_EXHAUSTED with RetryInfo waits the server's delay and
 * retries; without RetryInfo it is final (dead letter); UNAVAILABLE retries. */
START_TEST(grpc_retry_info)
{
	struct xt_env e;
	xt_setup(&e, "ri", 1u << 20);
	const char *args[] = { "--fail", "429/1,503,ok,429,ok", NULL };
	xt_sink_start(&e, args);
	xt_export_start(&e,
			"  otlp:\n    endpoint: http://127.0.0.1:%GRPC%\n    compression: none\n"
			"    dead_letter_dir: %DIR%/dl\n"
			"    sending_queue:\n      num_consumers: 1\n" RETRY_FAST
			"      max_elapsed_time: 30s\n",
			"otlp");
	struct xt_body b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = xt_make_body((uint32_t)i, 3);
		ck_assert_int_eq(xt_publish(&e, &b[i], 5000), 0);
	}
	ck_assert(xt_wait_ring_empty(&e, 20000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	struct xt_logline *l;
	size_t n = xt_read_log(e.sink_log, &l);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(l[0].proto, "grpc");
	/* A: RESOURCE_EXHAUSTED + RetryInfo 1 s, UNAVAILABLE, ok; B: final; C: ok */
	ck_assert(l[0].crc == xt_crc(&b[0]) && l[1].crc == xt_crc(&b[0]) && l[2].crc == xt_crc(&b[0]));
	ck_assert_uint_ge(l[1].ms + 1, l[0].ms + 1000);
	ck_assert_uint_ge(l[2].ms + 1, l[1].ms + 400);
	ck_assert(l[3].crc == xt_crc(&b[1]) && l[4].crc == xt_crc(&b[2]));
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/dl/traces", e.dir);
	ck_assert_uint_eq(xt_count_files(dir, ".json"), 1);
	size_t len;
	char *m = xt_dead_letter(dir, b[1].seq, "otlp", "json", &len);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(strstr(m, "RESOURCE_EXHAUSTED"));
	ck_assert_ptr_nonnull(strstr(m, "\"status\":8,"));
	free(m);
	free(l);
	for (int i = 0; i < 3; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

/* gRPC: a stalled call is cancelled at the deadline and retried; a
 * dropped connection fails its calls (retryable) and the client reconnects. */
START_TEST(grpc_stall_and_close)
{
	struct xt_env e;
	xt_setup(&e, "gsc", 1u << 20);
	const char *args[] = { "--fail", "stall,close,ok", NULL };
	xt_sink_start(&e, args);
	xt_export_start(
		&e,
		"  otlp:\n    endpoint: http://127.0.0.1:%GRPC%\n    compression: gzip\n    timeout: 300ms\n"
		"    sending_queue:\n      num_consumers: 1\n" RETRY_FAST "      max_elapsed_time: 30s\n",
		"otlp");
	struct xt_body b[2];
	for (int i = 0; i < 2; i++) {
		b[i] = xt_make_body((uint32_t)i, 6);
		ck_assert_int_eq(xt_publish(&e, &b[i], 5000), 0);
	}
	ck_assert(xt_wait_spans(&e, 12, 20000));
	ck_assert(xt_wait_ring_empty(&e, 5000));
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
	/* No gaps asserted: the sink stamps a request when it has read it and
	 * a stalled one when it is cancelled, which on a busy box can be late
	 * by more than the deadline; the order and the bodies are what count. */
	struct xt_body *got;
	size_t gn = xt_read_bodies(e.sink_bodies, &got);
	ck_assert_uint_eq(gn, 2);
	ck_assert(got[0].len == b[0].len && !memcmp(got[0].data, b[0].data, b[0].len));
	xt_bodies_free(got, gn);
	free(l);
	for (int i = 0; i < 2; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

/* A minimal backend in a child process: reads one request a connection,
 * answers "200, Connection: close" with a body that ends at the close
 * (no Content-Length), closes. Returns its pid; *port gets the port. */
static pid_t eof_backend(uint16_t *port, int conns)
{
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(ls, 16), 0);
	ck_assert_int_eq(getsockname(ls, (struct sockaddr *)&a, &al), 0);
	*port = ntohs(a.sin_port);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid > 0) {
		close(ls);
		return pid;
	}
	static char buf[1 << 20];
	for (int k = 0; k < conns; k++) {
		int c = accept(ls, NULL, NULL);
		if (c < 0)
			_exit(1);
		size_t got = 0, need = (size_t)-1;
		while (got < need && got < sizeof(buf)) {
			ssize_t r = read(c, buf + got, sizeof(buf) - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			char *end = memmem(buf, got, "\r\n\r\n", 4);
			char *cl = memmem(buf, got, "Content-Length: ", 16);
			if (end && cl)
				need = (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10);
		}
		static const char resp[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n"
					   "Content-Type: application/x-protobuf\r\n\r\n";
		if (write(c, resp, sizeof(resp) - 1) < 0)
			_exit(1);
		close(c);
	}
	_exit(0);
}

/* An answer whose body ends with the connection is a whole answer. */
START_TEST(close_delimited_answer)
{
	struct xt_env e;
	xt_setup(&e, "eof", 1u << 20);
	pid_t be = eof_backend(&e.http_port, 3);
	xt_export_start(&e,
			"  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    connections: 1\n"
			"    sending_queue:\n      num_consumers: 1\n" RETRY_FAST,
			"otlphttp");
	struct xt_body b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = xt_make_body((uint32_t)i, 4);
		ck_assert_int_eq(xt_publish(&e, &b[i], 5000), 0);
	}
	ck_assert(xt_wait_ring_empty(&e, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&be, SIGTERM), 0);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_SENT_SPANS), 12);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_RETRIES), 0);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_CONNECTIONS_TOTAL), 3);
	for (int i = 0; i < 3; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

START_TEST(partial_success)
{
	struct xt_env e;
	xt_setup(&e, "partial", 1u << 20);
	const char *args[] = { "--fail", "partial=3", NULL };
	xt_sink_start(&e, args);
	xt_export_start(&e, "  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n", "otlphttp");
	struct xt_body b = xt_make_body(0, 10);
	ck_assert_int_eq(xt_publish(&e, &b, 5000), 0);
	ck_assert(xt_wait_ring_empty(&e, 10000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_PARTIAL_REJECTED), 3);
	ck_assert_uint_eq(stats_get(st_of(&e), STAT_EXPORT_DEADLETTER_SPANS), 0);
	char p[300];
	snprintf(p, sizeof(p), "%s/export.log", e.dir);
	size_t len;
	char *log = xt_slurp(p, &len);
	ck_assert_ptr_nonnull(strstr(log, "rejected 3 of 10 spans"));
	free(log);
	xt_body_free(&b);
	xt_teardown(&e);
}
END_TEST

/* Backend down, no disk queue: the ring fills and the producer is pushed
 * back; SIGTERM gives up after the (short) stop timeout, exits 0 and
 * leaves the batches in the ring; the next export stage sends them all. */
START_TEST(backpressure_then_recovery)
{
	struct xt_env e;
	xt_setup(&e, "bp", 64 * 1024);
	snprintf(e.stop_timeout, sizeof(e.stop_timeout), "1s");
	e.http_port = xt_free_port();
	const char *yaml = "  otlphttp:\n    endpoint: http://127.0.0.1:%HTTP%\n    compression: none\n"
			   "    sending_queue:\n      num_consumers: 2\n" RETRY_FAST
			   "      max_elapsed_time: 0s\n";
	xt_export_start(&e, yaml, "otlphttp");
	/* the SIGTERM below must find the stage running: before rt_open has
	 * blocked the stop signals (an ASan start on a busy box can take
	 * longer than filling the ring) it would simply kill it */
	ck_assert(xt_wait_running(&e, 60000));
	const uint32_t per = 20;
	struct xt_body b[64];
	uint32_t nb = 0;
	int rc = 0;
	for (; nb < 64; nb++) {
		b[nb] = xt_make_body(nb, per);
		rc = xt_publish(&e, &b[nb], 300);
		if (rc < 0) {
			xt_body_free(&b[nb]);
			break;
		}
	}
	ck_assert_msg(rc == -ETIMEDOUT, "the ring never filled (rc %d after %u batches)", rc, nb);
	ck_assert_uint_lt(nb, 64);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_uint_gt(ring_used(&e.ring), 0); /* nothing was let go */
	xt_sink_start(&e, NULL);
	xt_export_start(&e, yaml, "otlphttp");
	ck_assert(xt_wait_spans(&e, (uint64_t)nb * per, 20000));
	ck_assert(xt_wait_ring_empty(&e, 5000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	struct xt_body *got;
	size_t n = xt_read_bodies(e.sink_bodies, &got);
	uint32_t *counts = calloc((size_t)nb * per, sizeof(*counts));
	ck_assert(xt_count_spans(got, n, nb, per, counts));
	for (size_t i = 0; i < (size_t)nb * per; i++)
		ck_assert_msg(counts[i] == 1, "span %zu arrived %u times", i, counts[i]);
	free(counts);
	xt_bodies_free(got, n);
	for (uint32_t i = 0; i < nb; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exporter_faults");
	TCase *tc = tcase_create("faults");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, retry_delays);
	tcase_add_test(tc, deadletter_http);
	tcase_add_test(tc, deadletter_grpc);
	tcase_add_test(tc, grpc_retry_info);
	tcase_add_test(tc, grpc_stall_and_close);
	tcase_add_test(tc, close_delimited_answer);
	tcase_add_test(tc, partial_success);
	tcase_add_test(tc, backpressure_then_recovery);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
