/* tests/producer/test_ingest_interop.c: the official OpenTelemetry JS SDK
 * exporters (gRPC, HTTP/protobuf, HTTP/JSON, with and without gzip) send
 * thousands of spans (every AnyValue type, events, links, status, trace
 * state, flags, two resources, several scopes) to a real sluice-ingest; a
 * C consumer drains ring 0, decodes each record with protobuf-c and checks
 * every span field by field against what the Node client gave its exporter.
 * Also: the counters in the ingest stats block agree, SIGTERM exits 0; and
 * under backpressure (a consumer that holds back) the HTTP exporters get
 * 429 + Retry-After, retry, and every span still arrives exactly once.
 */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/producer/ingest_check.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/check_run.h"

#if defined(__SANITIZE_ADDRESS__)
#define SPANS "1000"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPANS "1000"
#endif
#endif
#ifndef SPANS
#define SPANS "2000"
#endif

static void interop(const char *proto, const char *comp, const char *seed)
{
	struct ingest_proc ip;
	char out[160], port[16], script[512], why[512];
	int rc = ip_start(&ip, 64u << 20, NULL);
	if (rc < 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
	snprintf(out, sizeof(out), "/tmp/%s-%s.json", ip.inst, proto);
	snprintf(port, sizeof(port), "%u", strcmp(proto, "grpc") == 0 ? ip.grpc : ip.http);
	snprintf(script, sizeof(script), "%s/tests/node/ingest_interop.js", ip_source_dir());
	char *argv[] = { "node", script, (char *)proto, port, SPANS, (char *)seed, out, (char *)comp, NULL };
	rc = ip_run(argv, 120000);
	if (rc != 0)
		ip_dump_log(&ip);
	ck_assert_msg(rc == 0, "node %s exited with %d", proto, rc);

	long n = ic_check_ring(&ip.ring, out, why, sizeof(why));
	ck_assert_msg(n == atol(SPANS), "%s over %s: %s", proto, comp ? comp : "identity", why);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_SPANS_IN), (uint64_t)atol(SPANS));
	ck_assert_uint_ge(stats_get(ip.stats, STAT_REQUESTS), (uint64_t)atol(SPANS) / 250);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_REQUESTS_FAILED), 0);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_RECORDS_OUT), ring_last_seq(&ip.ring));
	ck_assert_uint_gt(stats_get(ip.stats, STAT_BYTES_IN), 0);
	ck_assert_uint_ge(stats_get(ip.stats, STAT_CONNECTIONS_TOTAL), 1);
	ck_assert_int_eq(ip_stop(&ip), 0);
	ck_assert_uint_eq(atomic_load(&ip.stats->state), STAGE_STATE_STOPPED);
	ip_destroy(&ip);
	unlink(out);
}

START_TEST(interop_grpc)
{
	interop("grpc", NULL, "11");
}
END_TEST
START_TEST(interop_grpc_gzip)
{
	interop("grpc", "gzip", "12");
}
END_TEST
START_TEST(interop_http_proto)
{
	interop("proto", NULL, "13");
}
END_TEST
START_TEST(interop_http_proto_gzip)
{
	interop("proto", "gzip", "14");
}
END_TEST
START_TEST(interop_http_json)
{
	interop("json", NULL, "15");
}
END_TEST
START_TEST(interop_http_json_gzip)
{
	interop("json", "gzip", "16");
}
END_TEST

/* ---- backpressure: a consumer that holds back until ingest refuses ---- */

struct slow_consumer {
	struct ingest_proc *ip;
	struct ring copy; /* everything consumed, for ic_check_ring */
	atomic_bool stop;
	unsigned long moved;
};

static void *slow_consume(void *arg)
{
	struct slow_consumer *sc = arg;
	const struct record *rec;
	struct timespec pause = { 0, 300 * 1000000L };
	/* Hold back (bounded: 30 s) until ingest has refused something, so
	 * the exporters must go through 429 + Retry-After and retry. */
	for (int i = 0;
	     i < 3000 && !atomic_load(&sc->stop) && stats_get(sc->ip->stats, STAT_SPANS_REFUSED_FULL) == 0;
	     i++) {
		struct timespec t = { 0, 10 * 1000000L };
		nanosleep(&t, NULL);
	}
	while (!atomic_load(&sc->stop)) {
		while (ring_try_peek(&sc->ip->ring, &rec) == 0) {
			struct record *out;
			if (ring_try_reserve(&sc->copy, rec->len, &out) < 0)
				return NULL; /* the copy ring is sized for all of it */
			uint32_t len = out->len;
			memcpy(out, rec, RECORD_HDR_SIZE);
			out->len = len;
			memcpy(record_payload(out), record_cpayload(rec), rec->len);
			ring_publish(&sc->copy);
			sc->moved++;
		}
		ring_commit(&sc->ip->ring, ring_cursor(&sc->ip->ring));
		nanosleep(&pause, NULL);
	}
	return NULL;
}

static void backpressure(const char *proto)
{
	struct ingest_proc ip;
	char out[160], port[16], script[512], why[512];
	void *mem;
	int rc = ip_start(&ip, 512u << 10, "    ring_full_wait: 100ms\n    retry_after: 1s\n");
	if (rc < 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
	struct slow_consumer sc = { .ip = &ip };
	ck_assert_int_eq(tl_mem_ring(&sc.copy, 64u << 20, &mem), 0);
	pthread_t th;
	pthread_create(&th, NULL, slow_consume, &sc);
	snprintf(out, sizeof(out), "/tmp/%s-%s.json", ip.inst, proto);
	snprintf(port, sizeof(port), "%u", ip.http);
	snprintf(script, sizeof(script), "%s/tests/node/ingest_interop.js", ip_source_dir());
	char *argv[] = { "node", script, (char *)proto, port, "1500", "21", out, NULL };
	rc = ip_run(argv, 120000);
	atomic_store(&sc.stop, true);
	pthread_join(th, NULL);
	if (rc != 0)
		ip_dump_log(&ip);
	ck_assert_msg(rc == 0, "node %s exited with %d", proto, rc);
	/* The ring refused, the SDK retried after Retry-After, and every span
	 * arrived exactly once (a duplicate would fail the check). */
	ck_assert_uint_gt(stats_get(ip.stats, STAT_SPANS_REFUSED_FULL), 0);
	ck_assert_uint_gt(stats_get(ip.stats, STAT_RING_FULL_WAITS), 0);
	const struct record *rec;
	while (ring_try_peek(&ip.ring, &rec) == 0) { /* what the consumer left */
		struct record *o;
		ck_assert_int_eq(ring_try_reserve(&sc.copy, rec->len, &o), 0);
		uint32_t len = o->len;
		memcpy(o, rec, RECORD_HDR_SIZE);
		o->len = len;
		memcpy(record_payload(o), record_cpayload(rec), rec->len);
		ring_publish(&sc.copy);
	}
	long n = ic_check_ring(&sc.copy, out, why, sizeof(why));
	ck_assert_msg(n == 1500, "%s under backpressure: %s", proto, why);
	ck_assert_int_eq(ip_stop(&ip), 0);
	ip_destroy(&ip);
	free(mem);
	unlink(out);
}

START_TEST(backpressure_http_proto)
{
	backpressure("proto");
}
END_TEST
START_TEST(backpressure_http_json)
{
	backpressure("json");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_interop");
	TCase *tc = tcase_create("sdk");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, interop_grpc);
	tcase_add_test(tc, interop_grpc_gzip);
	tcase_add_test(tc, interop_http_proto);
	tcase_add_test(tc, interop_http_proto_gzip);
	tcase_add_test(tc, interop_http_json);
	tcase_add_test(tc, interop_http_json_gzip);
	tcase_add_test(tc, backpressure_http_proto);
	tcase_add_test(tc, backpressure_http_json);
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	ip_cleanup_runner();
	return failed ? 1 : 0;
}
