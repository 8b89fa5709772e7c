/* The exporters over TLS (certificates made with the openssl command by
 * tests/net/make_certs.sh):
 *   - otlphttp to https:// sluice-sink, and to Node's https server (not
 *     ours), trusting the test CA; otlp gRPC with TLS (on by default), SNI
 *     and verification by server_name_override;
 *   - mTLS: with the client certificate the sink serves us; without one
 *     it refuses, and every batch is retried, then dead-lettered;
 *   - a backend whose certificate does not verify (wrong host, expired,
 *     unknown CA): nothing is sent, nothing is lost (every batch retried,
 *     then in the dead-letter directory), the log names the reason and the
 *     stage counts the handshake failures. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xt.h"
#include "tests/check_run.h"

static char certs[256];

static const char *cert(const char *name)
{
	static char buf[8][400];
	static int k;
	char *b = buf[k++ % 8];
	snprintf(b, 400, "%s/%s", certs, name);
	return b;
}

static int make_certs(void)
{
	snprintf(certs, sizeof(certs), "/tmp/xt-certs-%d", (int)getpid());
	char cmd[700];
	const char *src = getenv("SLUICE_SOURCE_DIR");
	snprintf(cmd, sizeof(cmd), "bash '%s/tests/net/make_certs.sh' '%s'", src ? src : "../..", certs);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s failed (is openssl installed?)\n", cmd);
		return -1;
	}
	return 0;
}

#define FAST_RETRY                                                                          \
	"    retry_on_failure:\n      initial_interval: 100ms\n      max_interval: 200ms\n" \
	"      max_elapsed_time: 2s\n      randomization_factor: 0\n"

enum {
	BATCHES = 12,
	PER = 20
};

static void publish(struct xt_env *e, struct xt_body *b)
{
	for (uint32_t i = 0; i < BATCHES; i++) {
		b[i] = xt_make_body(i, PER);
		ck_assert_int_eq(xt_publish(e, &b[i], 10000), 0);
	}
}

/* Every span exactly once in a length-framed bodies file. */
static void check_all_once(const char *bodies)
{
	struct xt_body *got;
	size_t n = xt_read_bodies(bodies, &got);
	ck_assert_uint_eq(n, BATCHES);
	uint32_t counts[BATCHES * PER] = { 0 };
	ck_assert(xt_count_spans(got, n, BATCHES, PER, counts));
	for (int i = 0; i < BATCHES * PER; i++)
		ck_assert_msg(counts[i] == 1, "span %d arrived %u times", i, counts[i]);
	xt_bodies_free(got, n);
}

/* A sink serving TLS with `server` (and requiring client certificates of
 * the test CA when mtls), an exporter with `exporter_yaml`: all delivered. */
static void run_ok(const char *tag, const char *server, bool mtls, const char *exporter_yaml, const char *id)
{
	struct xt_env e;
	xt_setup(&e, tag, 4u << 20);
	char sk[400], sp[400];
	snprintf(sp, sizeof(sp), "%s.pem", cert(server));
	snprintf(sk, sizeof(sk), "%s.key", cert(server));
	const char *args[] = { "--tls-cert",   sp,  "--tls-key", sk, mtls ? "--tls-client-ca" : NULL,
			       cert("ca.pem"), NULL };
	xt_sink_start(&e, args);
	xt_export_start(&e, exporter_yaml, id);
	struct xt_body b[BATCHES];
	publish(&e, b);
	ck_assert_msg(xt_wait_spans(&e, BATCHES * PER, 20000), "the sink got %llu spans",
		      (unsigned long long)xt_sink_spans(&e));
	ck_assert(xt_wait_ring_empty(&e, 10000));
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_TLS_FAILURES), 0);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_SENT_SPANS), BATCHES * PER);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	check_all_once(e.sink_bodies);
	for (int i = 0; i < BATCHES; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}

START_TEST(https_to_sink)
{
	char y[1024];
	snprintf(y, sizeof(y),
		 "  otlphttp:\n    endpoint: https://127.0.0.1:%%HTTP%%\n    compression: gzip\n"
		 "    tls:\n      ca_file: %s\n",
		 cert("ca.pem"));
	run_ok("https", "server", false, y, "otlphttp");
}
END_TEST

START_TEST(grpc_tls_server_name)
{
	/* TLS is on for otlp gRPC without a scheme; the certificate names
	 * localhost, verified through server_name_override */
	char y[1024];
	snprintf(y, sizeof(y),
		 "  otlp:\n    endpoint: 127.0.0.1:%%GRPC%%\n    compression: zstd\n"
		 "    tls:\n      ca_file: %s\n      server_name_override: localhost\n",
		 cert("ca.pem"));
	run_ok("grpctls", "server", false, y, "otlp");
}
END_TEST

START_TEST(mtls_with_client_cert)
{
	char y[1024];
	snprintf(y, sizeof(y),
		 "  otlphttp:\n    endpoint: https://127.0.0.1:%%HTTP%%\n    compression: none\n"
		 "    tls:\n      ca_file: %s\n      cert_file: %s\n      key_file: %s\n",
		 cert("ca.pem"), cert("client.pem"), cert("client.key"));
	run_ok("mtls", "server", true, y, "otlphttp");
	snprintf(y, sizeof(y),
		 "  otlp:\n    endpoint: https://localhost:%%GRPC%%\n"
		 "    tls:\n      ca_file: %s\n      cert_file: %s\n      key_file: %s\n",
		 cert("ca.pem"), cert("client.pem"), cert("client.key"));
	run_ok("mtlsg", "server", true, y, "otlp");
}
END_TEST

/* The backend is refused (or refuses us): nothing sent, everything in the
 * dead-letter directory after the retries, the reason in the log (when
 * `log_reason`) and in every dead letter. */
static void run_refused(const char *tag, const char *server, bool mtls, const char *client_tls,
			const char *log_reason, const char *dl_reason, bool verify_failure)
{
	struct xt_env e;
	xt_setup(&e, tag, 4u << 20);
	char sk[400], sp[400], y[2048];
	snprintf(sp, sizeof(sp), "%s.pem", cert(server));
	snprintf(sk, sizeof(sk), "%s.key", cert(server));
	const char *args[] = { "--tls-cert",   sp,  "--tls-key", sk, mtls ? "--tls-client-ca" : NULL,
			       cert("ca.pem"), NULL };
	xt_sink_start(&e, args);
	snprintf(y, sizeof(y),
		 "  otlphttp:\n    endpoint: https://localhost:%%HTTP%%\n    compression: none\n"
		 "    dead_letter_dir: %%DIR%%/dl\n    sending_queue:\n      num_consumers: 4\n" FAST_RETRY
		 "    tls:\n%s",
		 client_tls);
	xt_export_start(&e, y, "otlphttp");
	struct xt_body b[BATCHES];
	publish(&e, b);
	ck_assert(xt_wait_ring_empty(&e, 30000));
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	ck_assert_uint_eq(xt_sink_spans(&e), 0);
	char dir[400];
	snprintf(dir, sizeof(dir), "%s/dl/traces", e.dir);
	ck_assert_uint_eq(xt_count_files(dir, ".pb"), BATCHES);
	for (int i = 0; i < BATCHES; i++) {
		size_t len;
		char *t = xt_dead_letter(dir, b[i].seq, "otlphttp", "pb", &len);
		ck_assert_msg(t && len == b[i].len && !memcmp(t, b[i].data, len), "batch %d lost", i);
		free(t);
		t = xt_dead_letter(dir, b[i].seq, "otlphttp", "json", &len);
		ck_assert_msg(t && strstr(t, "retries exhausted") && strstr(t, dl_reason), "dead letter: %s",
			      t);
		free(t);
	}
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	/* retried before the dead letter; how often depends on how long each
	 * handshake takes on a busy box (max_elapsed_time counts it) */
	ck_assert_uint_gt(stats_get(st, STAT_EXPORT_RETRIES), 0);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_DEADLETTER_SPANS), BATCHES * PER);
	if (verify_failure) {
		ck_assert_uint_gt(stats_get(st, STAT_EXPORT_TLS_FAILURES), 0);
		ck_assert_uint_gt(stats_get(st, STAT_EXPORT_TLS_VERIFY_FAILURES), 0);
	}
	if (log_reason) {
		char p[400];
		size_t len;
		snprintf(p, sizeof(p), "%s/export.log", e.dir);
		char *t = xt_slurp(p, &len);
		ck_assert_msg(t && strstr(t, "WARN") &&
				      strstr(t, "exporter otlphttp: TLS handshake with https://localhost:") &&
				      strstr(t, log_reason),
			      "the log does not say \"%s\": %s", log_reason, t);
		free(t);
	}
	for (int i = 0; i < BATCHES; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}

START_TEST(mtls_without_client_cert)
{
	char c[600];
	snprintf(c, sizeof(c), "      ca_file: %s\n", cert("ca.pem"));
	run_refused("mtlsno", "server", true, c, NULL, "TLS", false);
}
END_TEST

START_TEST(wrong_host)
{
	char c[600];
	snprintf(c, sizeof(c), "      ca_file: %s\n", cert("ca.pem"));
	run_refused("wronghost", "wronghost", false, c,
		    "(hostname): TLS: certificate verify failed: hostname mismatch", "hostname mismatch",
		    true);
}
END_TEST

START_TEST(expired)
{
	char c[600];
	snprintf(c, sizeof(c), "      ca_file: %s\n", cert("ca.pem"));
	run_refused("expired", "expired", false, c,
		    "(expired): TLS: certificate verify failed: certificate has expired",
		    "certificate has expired", true);
}
END_TEST

START_TEST(unknown_ca)
{
	char c[600];
	snprintf(c, sizeof(c), "      ca_file: %s\n", cert("ca.pem"));
	run_refused("unknownca", "other", false, c,
		    "(unknown_ca): TLS: certificate verify failed: unable to get local issuer certificate",
		    "unable to get local issuer certificate", true);
}
END_TEST

/* Node's https server: a TLS stack that is not ours. */
START_TEST(https_to_node)
{
	if (system("node --version > /dev/null 2>&1") != 0) {
		fprintf(stderr, "https_to_node: no node: skipped\n");
		return;
	}
	struct xt_env e;
	xt_setup(&e, "node", 4u << 20);
	char script[400], ports[400], bodies[400], out[400], key[400], crt[400];
	const char *src = getenv("SLUICE_SOURCE_DIR");
	snprintf(script, sizeof(script), "%s/tests/exporter/https_backend.js", src ? src : "../..");
	snprintf(ports, sizeof(ports), "%s/node.ports", e.dir);
	snprintf(bodies, sizeof(bodies), "%s/node.bodies", e.dir);
	snprintf(out, sizeof(out), "%s/node.out", e.dir);
	snprintf(crt, sizeof(crt), "%s", cert("server.pem"));
	snprintf(key, sizeof(key), "%s", cert("server.key"));
	char *argv[] = { "/usr/bin/env", "node", script,     "--cert", crt, "--key", key,
			 "--port-file",	 ports,	 "--bodies", bodies,   NULL };
	e.sink_pid = xt_spawn(argv, out, out, NULL); /* torn down with the sink's pid */
	unsigned port = 0;
	for (int i = 0; i < 1000 && !port; i++) {
		size_t len;
		char *t = xt_slurp(ports, &len);
		if (t)
			sscanf(t, "http=%u", &port);
		free(t);
		if (!port)
			xt_msleep(10);
	}
	ck_assert_msg(port, "the node https server did not start");
	char y[1024];
	snprintf(y, sizeof(y),
		 "  otlphttp:\n    endpoint: https://localhost:%u\n    compression: gzip\n"
		 "    tls:\n      ca_file: %s\n",
		 port, cert("ca.pem"));
	xt_export_start(&e, y, "otlphttp");
	struct xt_body b[BATCHES];
	publish(&e, b);
	ck_assert(xt_wait_ring_empty(&e, 20000));
	struct stage_stats *st = segment_stats(&e.seg, STAGE_EXPORT);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_SENT_SPANS), BATCHES * PER);
	ck_assert_uint_eq(stats_get(st, STAT_EXPORT_TLS_FAILURES), 0);
	ck_assert_int_eq(xt_stop(&e.export_pid, SIGTERM), 0);
	ck_assert_int_eq(xt_stop(&e.sink_pid, SIGTERM), 0);
	check_all_once(bodies);
	for (int i = 0; i < BATCHES; i++)
		xt_body_free(&b[i]);
	xt_teardown(&e);
}
END_TEST

int main(void)
{
	if (make_certs() < 0)
		return 1;
	Suite *s = suite_create("exporter_tls");
	TCase *tc = tcase_create("tls");
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, https_to_sink);
	tcase_add_test(tc, grpc_tls_server_name);
	tcase_add_test(tc, mtls_with_client_cert);
	tcase_add_test(tc, mtls_without_client_cert);
	tcase_add_test(tc, wrong_host);
	tcase_add_test(tc, expired);
	tcase_add_test(tc, unknown_ca);
	tcase_add_test(tc, https_to_node);
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", certs);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", certs);
	return failed ? 1 : 0;
}
