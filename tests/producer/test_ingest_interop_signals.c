/* tests/producer/test_ingest_interop_signals.c: the official OpenTelemetry
 * JS SDK's logs and metrics exporters (gRPC, HTTP/protobuf, HTTP/JSON,
 * with and without gzip) send to a real sluice-ingest serving traces, logs
 * and metrics pipelines; a C consumer drains the logs or metrics IN ring,
 * decodes each record with protobuf-c and compares every log record (body
 * of every AnyValue kind, severity number and text, attributes, times,
 * trace context, flags, event name, scope, resource) and every data point
 * (sums, gauges, explicit and exponential histograms with their buckets,
 * temporality, monotonicity, attributes, times) with what the SDK was
 * given (tests/node/ingest_interop_signals.js). The receiver's counters
 * for that signal and transport agree; nothing reaches the other rings.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/producer/ingest_check_signals.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/check_run.h"

#if defined(__SANITIZE_ADDRESS__)
#define ITEMS "600"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ITEMS "600"
#endif
#endif
#ifndef ITEMS
#define ITEMS "2000"
#endif

/* The three pipelines of one receiver (shared with test_ingest_tls.c's
 * shape, without TLS). */
static const char yaml[] = "receivers:\n"
			   "  otlp:\n"
			   "    protocols:\n"
			   "      grpc:\n"
			   "        endpoint: 127.0.0.1:0\n"
			   "      http:\n"
			   "        endpoint: 127.0.0.1:0\n"
			   "exporters:\n"
			   "  debug:\n"
			   "service:\n"
			   "  pipelines:\n"
			   "    traces:\n"
			   "      receivers: [otlp]\n"
			   "      exporters: [debug]\n"
			   "    logs:\n"
			   "      receivers: [otlp]\n"
			   "      exporters: [debug]\n"
			   "    metrics:\n"
			   "      receivers: [otlp]\n"
			   "      exporters: [debug]\n";

static void interop(enum otlp_signal sig, const char *proto, const char *comp, const char *seed)
{
	struct ingest_proc ip;
	const char *sname = sig == OTLP_SIGNAL_LOGS ? "logs" : "metrics";
	char out[160], port[16], script[512], why[1024], ring[32];
	int rc = ip_start_yaml(&ip, 64u << 20, yaml);
	if (rc < 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);
	snprintf(out, sizeof(out), "/tmp/%s-%s-%s.json", ip.inst, sname, proto);
	snprintf(port, sizeof(port), "%u", strcmp(proto, "grpc") == 0 ? ip.grpc : ip.http);
	snprintf(script, sizeof(script), "%s/tests/node/ingest_interop_signals.js", ip_source_dir());
	char *argv[] = { "node", script,       (char *)sname, (char *)proto, port,
			 ITEMS,	 (char *)seed, out,	      (char *)comp,  NULL };
	rc = ip_run(argv, 120000);
	if (rc != 0)
		ip_dump_log(&ip);
	ck_assert_msg(rc == 0, "node %s %s exited with %d", sname, proto, rc);

	snprintf(ring, sizeof(ring), "in:%s", sname);
	long n = ics_check_ring(ip_ring(&ip, ring), sig, out, why, sizeof(why));
	ck_assert_msg(n >= atol(ITEMS), "%s over %s%s: %s", sname, proto, comp ? "+gzip" : "", why);
	enum plan_transport t = strcmp(proto, "grpc") == 0 ? PLAN_TRANSPORT_GRPC : PLAN_TRANSPORT_HTTP;
	ck_assert_uint_eq(seg_component_get(ip_stat(&ip, "otlp", t, sig), SEG_C_ACCEPTED), (uint64_t)n);
	ck_assert_uint_eq(seg_component_get(ip_stat(&ip, "otlp", t, sig), SEG_C_REFUSED), 0);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_SPANS_IN), (uint64_t)n);
	ck_assert_uint_eq(stats_get(ip.stats, STAT_REQUESTS_FAILED), 0);
	ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, "in:traces")), 0);
	ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, sig == OTLP_SIGNAL_LOGS ? "in:metrics" : "in:logs")), 0);
	ck_assert_int_eq(ip_stop(&ip), 0);
	ip_destroy(&ip);
	unlink(out);
}

START_TEST(logs_grpc)
{
	interop(OTLP_SIGNAL_LOGS, "grpc", NULL, "31");
}
END_TEST
START_TEST(logs_grpc_gzip)
{
	interop(OTLP_SIGNAL_LOGS, "grpc", "gzip", "32");
}
END_TEST
START_TEST(logs_http_proto)
{
	interop(OTLP_SIGNAL_LOGS, "proto", NULL, "33");
}
END_TEST
START_TEST(logs_http_proto_gzip)
{
	interop(OTLP_SIGNAL_LOGS, "proto", "gzip", "34");
}
END_TEST
START_TEST(logs_http_json)
{
	interop(OTLP_SIGNAL_LOGS, "json", NULL, "35");
}
END_TEST
START_TEST(logs_http_json_gzip)
{
	interop(OTLP_SIGNAL_LOGS, "json", "gzip", "36");
}
END_TEST
START_TEST(metrics_grpc)
{
	interop(OTLP_SIGNAL_METRICS, "grpc", NULL, "41");
}
END_TEST
START_TEST(metrics_grpc_gzip)
{
	interop(OTLP_SIGNAL_METRICS, "grpc", "gzip", "42");
}
END_TEST
START_TEST(metrics_http_proto)
{
	interop(OTLP_SIGNAL_METRICS, "proto", NULL, "43");
}
END_TEST
START_TEST(metrics_http_proto_gzip)
{
	interop(OTLP_SIGNAL_METRICS, "proto", "gzip", "44");
}
END_TEST
START_TEST(metrics_http_json)
{
	interop(OTLP_SIGNAL_METRICS, "json", NULL, "45");
}
END_TEST
START_TEST(metrics_http_json_gzip)
{
	interop(OTLP_SIGNAL_METRICS, "json", "gzip", "46");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_interop_signals");
	TCase *tc = tcase_create("sdk");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, logs_grpc);
	tcase_add_test(tc, logs_grpc_gzip);
	tcase_add_test(tc, logs_http_proto);
	tcase_add_test(tc, logs_http_proto_gzip);
	tcase_add_test(tc, logs_http_json);
	tcase_add_test(tc, logs_http_json_gzip);
	tcase_add_test(tc, metrics_grpc);
	tcase_add_test(tc, metrics_grpc_gzip);
	tcase_add_test(tc, metrics_http_proto);
	tcase_add_test(tc, metrics_http_proto_gzip);
	tcase_add_test(tc, metrics_http_json);
	tcase_add_test(tc, metrics_http_json_gzip);
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	ip_cleanup_runner();
	return failed ? 1 : 0;
}
