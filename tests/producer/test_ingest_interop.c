/* tests/producer/test_ingest_interop.c: the official OpenTelemetry JS SDK
 * exporters (gRPC, HTTP/protobuf, HTTP/JSON, with and without gzip) send
 * thousands of spans (every AnyValue type, events, links, status, trace
 * state, flags, two resources, several scopes) to a real sluice-ingest; a
 * C consumer drains ring 0, decodes each record with protobuf-c and checks
 * every span field by field against what the Node client gave its exporter.
 * Also: the counters in the ingest stats block agree, SIGTERM exits 0.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/producer/ingest_check.h"
#include "tests/producer/ingest_proc.h"

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

START_TEST(interop_grpc) { interop("grpc", NULL, "11"); }
END_TEST
START_TEST(interop_grpc_gzip) { interop("grpc", "gzip", "12"); }
END_TEST
START_TEST(interop_http_proto) { interop("proto", NULL, "13"); }
END_TEST
START_TEST(interop_http_proto_gzip) { interop("proto", "gzip", "14"); }
END_TEST
START_TEST(interop_http_json) { interop("json", NULL, "15"); }
END_TEST
START_TEST(interop_http_json_gzip) { interop("json", "gzip", "16"); }
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
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
