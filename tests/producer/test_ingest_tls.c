/* tests/producer/test_ingest_tls.c: a real sluice-ingest whose receivers
 * serve TLS (certificates made by tests/net/make_certs.sh with the openssl
 * command), one of them requiring client certificates (mTLS):
 *
 *   - the official JS SDK exporters of every signal over https:// (HTTP
 *     protobuf and JSON) and gRPC with TLS, trusting the test CA: every
 *     span, log record and data point arrives as sent; with a client
 *     certificate, through the mTLS receiver too;
 *   - curl over HTTPS with a zstd body made by the `zstd` command and a
 *     gzip body made by `gzip` (with --compressed): 200, the records land;
 *   - ALPN: the gRPC listener agrees h2, the HTTP listener http/1.1
 *     (openssl s_client);
 *   - mTLS: no client certificate, or one from another CA, is refused;
 *     a plain-text client on a TLS port gets nothing; each failed handshake
 *     is counted (tls_handshake_failures) and the receiver keeps serving.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/producer/ingest_check.h"
#include "tests/producer/ingest_check_signals.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/check_run.h"

static char dir[128]; /* /tmp/ingtls-<pid>: certificates, bodies, outputs */
static struct ingest_proc ip;

/* Run a shell command line (bounded: 120 s); its exit code. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char *argv[] = { "sh", "-c", cmd, NULL };
	return ip_run(argv, 120000);
}

static void start(void)
{
	char yaml[4096];
	const char *d = dir;
	snprintf(yaml, sizeof(yaml),
		 "receivers:\n"
		 "  otlp:\n"
		 "    protocols:\n"
		 "      grpc:\n"
		 "        endpoint: 127.0.0.1:0\n"
		 "        tls: {cert_file: %s/certs/server.pem, key_file: %s/certs/server.key}\n"
		 "      http:\n"
		 "        endpoint: 127.0.0.1:0\n"
		 "        tls: {cert_file: %s/certs/server.pem, key_file: %s/certs/server.key}\n"
		 "  otlp/mtls:\n"
		 "    protocols:\n"
		 "      grpc:\n"
		 "        endpoint: 127.0.0.1:0\n"
		 "        tls: {cert_file: %s/certs/server.pem, key_file: %s/certs/server.key,\n"
		 "              client_ca_file: %s/certs/ca.pem}\n"
		 "      http:\n"
		 "        endpoint: 127.0.0.1:0\n"
		 "        tls: {cert_file: %s/certs/server.pem, key_file: %s/certs/server.key,\n"
		 "              client_ca_file: %s/certs/ca.pem, min_version: \"1.3\"}\n"
		 "exporters:\n"
		 "  debug:\n"
		 "service:\n"
		 "  pipelines:\n"
		 "    traces:\n"
		 "      receivers: [otlp, otlp/mtls]\n"
		 "      exporters: [debug]\n"
		 "    logs:\n"
		 "      receivers: [otlp, otlp/mtls]\n"
		 "      exporters: [debug]\n"
		 "    metrics:\n"
		 "      receivers: [otlp, otlp/mtls]\n"
		 "      exporters: [debug]\n",
		 d, d, d, d, d, d, d, d, d, d);
	int rc = ip_start_yaml(&ip, 64u << 20, yaml);
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

/* One SDK exporter run against receiver recv over TLS (client: with a
 * client certificate), checked item by item against the ring. */
static void sdk(enum otlp_signal sig, const char *proto, const char *recv, bool client, const char *count)
{
	const char *sname = otlp_signal_get(sig)->name;
	char out[256], port[16], script[512], why[1024], ring[32], env[600];
	snprintf(out, sizeof(out), "%s/%s-%s-%s.json", dir, sname, proto, recv[4] ? "mtls" : "tls");
	snprintf(port, sizeof(port), "%u", ip_port(&ip, recv, strcmp(proto, "grpc") == 0));
	snprintf(script, sizeof(script), "%s/tests/node/%s", ip_source_dir(),
		 sig == OTLP_SIGNAL_TRACES ? "ingest_interop.js" : "ingest_interop_signals.js");
	int n = snprintf(env, sizeof(env), "SLUICE_TLS_CA=%s/certs/ca.pem", dir);
	if (client)
		snprintf(env + n, sizeof(env) - (size_t)n,
			 " SLUICE_TLS_CERT=%s/certs/client.pem SLUICE_TLS_KEY=%s/certs/client.key", dir, dir);
	int rc = sig == OTLP_SIGNAL_TRACES
			 ? sh("env %s node %s %s %s %s 7 %s", env, script, proto, port, count, out)
			 : sh("env %s node %s %s %s %s %s 7 %s", env, script, sname, proto, port, count, out);
	if (rc != 0)
		ip_dump_log(&ip);
	ck_assert_msg(rc == 0, "node %s %s over TLS (%s) exited with %d", sname, proto, recv, rc);
	snprintf(ring, sizeof(ring), "in:%s", sname);
	long got = sig == OTLP_SIGNAL_TRACES ? ic_check_ring(ip_ring(&ip, ring), out, why, sizeof(why))
					     : ics_check_ring(ip_ring(&ip, ring), sig, out, why, sizeof(why));
	ck_assert_msg(got >= atol(count), "%s over %s+tls (%s): %s", sname, proto, recv, why);
	unlink(out);
}

START_TEST(sdk_every_signal_over_tls)
{
	start();
	static const char *const protos[3] = { "grpc", "proto", "json" };
	for (int p = 0; p < 3; p++)
		sdk((enum otlp_signal)_i, protos[p], "otlp", false, "300");
	ck_assert_uint_eq(stats_get(ip.stats, STAT_TLS_HANDSHAKE_FAILURES), 0);
	finish();
}
END_TEST

START_TEST(sdk_over_mtls)
{
	start();
	sdk(OTLP_SIGNAL_LOGS, "grpc", "otlp/mtls", true, "300");
	sdk(OTLP_SIGNAL_METRICS, "proto", "otlp/mtls", true, "300");
	sdk(OTLP_SIGNAL_TRACES, "json", "otlp/mtls", true, "300");
	finish();
}
END_TEST

START_TEST(curl_https_zstd_and_gzip)
{
	start();
	size_t len;
	uint8_t *req = tl_signal_request(OTLP_SIGNAL_LOGS, 2, 100, 3, &len);
	char path[256];
	snprintf(path, sizeof(path), "%s/logs.pb", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fwrite(req, 1, len, f);
	fclose(f);
	free(req);
	ck_assert_int_eq(sh("zstd -q -f -o %s.zst %s && gzip -c %s > %s.gz", path, path, path, path), 0);
	unsigned port = ip_port(&ip, "otlp", false);
	const char *curl = "curl -sS --fail --max-time 20 -o /dev/null";
	ck_assert_int_eq(sh("%s --cacert %s/certs/ca.pem -H 'Content-Type: application/x-protobuf' "
			    "-H 'Content-Encoding: zstd' --data-binary @%s.zst https://127.0.0.1:%u/v1/logs",
			    curl, dir, path, port),
			 0);
	ck_assert_int_eq(
		sh("%s --compressed --cacert %s/certs/ca.pem -H 'Content-Type: application/x-protobuf' "
		   "-H 'Content-Encoding: gzip' --data-binary @%s.gz https://127.0.0.1:%u/v1/logs",
		   curl, dir, path, port),
		0);
	/* localhost too: the certificate names both. */
	ck_assert_int_eq(sh("%s --cacert %s/certs/ca.pem -H 'Content-Type: application/x-protobuf' "
			    "--data-binary @%s https://localhost:%u/v1/logs",
			    curl, dir, path, port),
			 0);
	/* Two resources a request, three requests. */
	struct ring *r = ip_ring(&ip, "in:logs");
	ck_assert_uint_eq(ring_last_seq(r), 6);
	const struct record *rec;
	uint64_t items = 0;
	while (ring_try_peek(r, &rec) == 0)
		items += rec->items;
	ck_assert_uint_eq(items, 600);
	/* A client that does not trust our CA gets nothing through. */
	ck_assert_int_ne(sh("%s -H 'Content-Type: application/x-protobuf' --data-binary @%s "
			    "https://127.0.0.1:%u/v1/logs 2>/dev/null",
			    curl, path, port),
			 0);
	ck_assert_uint_eq(ring_last_seq(r), 6);
	finish();
}
END_TEST

START_TEST(alpn)
{
	start();
	char out[256];
	snprintf(out, sizeof(out), "%s/alpn.txt", dir);
	ck_assert_int_eq(sh("openssl s_client -connect 127.0.0.1:%u -alpn h2 -CAfile %s/certs/ca.pem "
			    "</dev/null > %s 2>&1; grep -q 'ALPN protocol: h2' %s",
			    ip_port(&ip, "otlp", true), dir, out, out),
			 0);
	ck_assert_int_eq(sh("openssl s_client -connect 127.0.0.1:%u -alpn http/1.1 -CAfile %s/certs/ca.pem "
			    "</dev/null > %s 2>&1; grep -q 'ALPN protocol: http/1.1' %s",
			    ip_port(&ip, "otlp", false), dir, out, out),
			 0);
	finish();
}
END_TEST

START_TEST(mtls_refusals_counted)
{
	start();
	size_t len;
	uint8_t *req = tl_signal_request(OTLP_SIGNAL_METRICS, 1, 16, 3, &len);
	char path[256];
	snprintf(path, sizeof(path), "%s/metrics.pb", dir);
	FILE *f = fopen(path, "w");
	fwrite(req, 1, len, f);
	fclose(f);
	free(req);
	unsigned port = ip_port(&ip, "otlp/mtls", false);
	const char *curl =
		"curl -sS --fail --max-time 20 -o /dev/null -H 'Content-Type: application/x-protobuf'";
	/* No client certificate; one from another CA: refused. */
	ck_assert_int_ne(
		sh("%s --cacert %s/certs/ca.pem --data-binary @%s https://127.0.0.1:%u/v1/metrics 2>/dev/null",
		   curl, dir, path, port),
		0);
	ck_assert_int_ne(sh("%s --cacert %s/certs/ca.pem --cert %s/certs/other.pem --key %s/certs/other.key "
			    "--data-binary @%s https://127.0.0.1:%u/v1/metrics 2>/dev/null",
			    curl, dir, dir, dir, path, port),
			 0);
	/* TLS 1.2 where min_version is 1.3: refused. */
	ck_assert_int_ne(
		sh("%s --tls-max 1.2 --cacert %s/certs/ca.pem --cert %s/certs/client.pem --key %s/certs/client.key "
		   "--data-binary @%s https://127.0.0.1:%u/v1/metrics 2>/dev/null",
		   curl, dir, dir, dir, path, port),
		0);
	/* Plain text on a TLS port. */
	ck_assert_int_ne(sh("%s --data-binary @%s http://127.0.0.1:%u/v1/metrics 2>/dev/null", curl, path,
			    port),
			 0);
	ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, "in:metrics")), 0);
	/* The handshake failures are counted (the plain-text one too, once
	 * its bytes do not parse as TLS). */
	for (int i = 0; i < 100 && stats_get(ip.stats, STAT_TLS_HANDSHAKE_FAILURES) < 4; i++)
		usleep(20000);
	ck_assert_uint_ge(stats_get(ip.stats, STAT_TLS_HANDSHAKE_FAILURES), 3);
	/* A good client certificate is served. */
	ck_assert_int_eq(sh("%s --cacert %s/certs/ca.pem --cert %s/certs/client.pem --key %s/certs/client.key "
			    "--data-binary @%s https://127.0.0.1:%u/v1/metrics",
			    curl, dir, dir, dir, path, port),
			 0);
	ck_assert_uint_eq(ring_last_seq(ip_ring(&ip, "in:metrics")), 1);
	struct seg_component *k = ip_stat(&ip, "otlp/mtls", PLAN_TRANSPORT_HTTP, OTLP_SIGNAL_METRICS);
	ck_assert_uint_eq(seg_component_get(k, SEG_C_ACCEPTED), 16);
	finish();
}
END_TEST

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ingtls-%d", (int)getpid());
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s/tests/net/make_certs.sh %s/certs > /dev/null", ip_source_dir(), dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "make_certs.sh failed\n");
		return 1;
	}
	Suite *s = suite_create("ingest_tls");
	TCase *tc = tcase_create("tls");
	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, sdk_every_signal_over_tls, 0, 3);
	tcase_add_test(tc, sdk_over_mtls);
	tcase_add_test(tc, curl_https_zstd_and_gzip);
	tcase_add_test(tc, alpn);
	tcase_add_test(tc, mtls_refusals_counted);
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	ip_cleanup_runner();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return failed ? 1 : 0;
}
