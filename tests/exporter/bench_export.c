/* bench_export: the export stage alone. The OUT ring is filled with ready
 * 512-span ExportTraceServiceRequest bodies (about 220 bytes a span, the
 * size the other benchmarks measure with) as fast as the ring takes them;
 * sluice-export sends them to sluice-sink on 127.0.0.1. Reports spans/s
 * from the first publish to the sink's last accepted request, and the CPU
 * seconds per million spans of the export stage and of the sink (from
 * /proc/<pid>/stat).
 *
 *   bench_export [--mode http|grpc|file] [--spans N] [--connections C]
 *                [--compression none|gzip|zstd|deflate|zlib|snappy]
 *                [--level N] [--tls] [--gzip] [--batch SPANS]
 *   mode file = the file exporter writing to /dev/null: the no-network
 *   baseline (how fast the stage drains ring 2 at all).
 *   --tls: the sink serves TLS with certificates made by
 *   tests/net/make_certs.sh (https:// for otlphttp, TLS for gRPC).
 *   --gzip = --compression gzip. --batch: spans a body (default 512;
 *   the pipeline's batch stage sends 8192 with send_batch_size 8192).
 * Needs XT_EXPORT_BIN / XT_SINK_BIN or SLUICE_BUILD_DIR (bin/), and
 * SLUICE_SOURCE_DIR (or the current directory) for --tls. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "shm/ring.h"
#include "xt.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KV;
typedef Opentelemetry__Proto__Common__V1__AnyValue AV;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double proc_cpu(pid_t pid)
{
	char p[64], buf[1024];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *s = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static unsigned per = 512; /* spans a body (--batch) */

/* A body of `per` spans with six attributes a span, like an HTTP server's. */
static struct xt_body bench_body(void)
{
	struct xt_body b = xt_make_body(1, per);
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *r =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, b.len,
												 b.data);
	static const char *keys[] = { "http.method", "http.route", "net.peer.name", "user_agent.original",
				      "component" };
	static const char *vals[] = { "GET", "/api/v1/users/{id}/orders", "10.0.12.34", "curl/7.88.1",
				      "http" };
	KV kv[5];
	AV av[5];
	Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = r->resource_spans[0]->scope_spans[0];
	KV **attrs = calloc(ss->n_spans * 6, sizeof(*attrs));
	for (int i = 0; i < 5; i++) {
		opentelemetry__proto__common__v1__key_value__init(&kv[i]);
		opentelemetry__proto__common__v1__any_value__init(&av[i]);
		kv[i].key = (char *)keys[i];
		av[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		av[i].string_value = (char *)vals[i];
		kv[i].value = &av[i];
	}
	KV **old = calloc(ss->n_spans, sizeof(*old));
	for (size_t s = 0; s < ss->n_spans; s++) {
		old[s] = ss->spans[s]->attributes[0];
		attrs[s * 6] = old[s];
		for (int i = 0; i < 5; i++)
			attrs[s * 6 + 1 + (size_t)i] = &kv[i];
		ss->spans[s]->attributes = &attrs[s * 6];
		ss->spans[s]->n_attributes = 6;
	}
	struct xt_body out = { .spans = per };
	out.len =
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(r);
	out.data = malloc(out.len);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(r, out.data);
	/* give the spans their original attribute arrays back before freeing */
	for (size_t s = 0; s < ss->n_spans; s++) {
		ss->spans[s]->attributes = calloc(1, sizeof(KV *));
		ss->spans[s]->attributes[0] = old[s];
		ss->spans[s]->n_attributes = 1;
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(r, NULL);
	free(attrs);
	free(old);
	xt_body_free(&b);
	return out;
}

/* Arguments for the one Check test that runs the bench (the xt helpers
 * assert with Check, so they run inside a test). */
static const char *mode = "http";
static uint64_t spans = 20000000;
static unsigned conns = 4;
static const char *compression = "none";
static int level = 0;
static bool tls = false;
static int bench_rc;

static int bench(void);

START_TEST(run_bench)
{
	bench_rc = bench();
}
END_TEST

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			mode = argv[++i];
		else if (!strcmp(argv[i], "--spans") && i + 1 < argc)
			spans = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--connections") && i + 1 < argc)
			conns = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--gzip"))
			compression = "gzip";
		else if (!strcmp(argv[i], "--compression") && i + 1 < argc)
			compression = argv[++i];
		else if (!strcmp(argv[i], "--level") && i + 1 < argc)
			level = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc && atoi(argv[i + 1]) > 0)
			per = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--tls"))
			tls = true;
		else {
			fprintf(stderr,
				"usage: bench_export [--mode http|grpc|file] [--spans N] [--connections C]\n"
				"                    [--compression CODEC] [--level N] [--tls] [--gzip]\n"
				"                    [--batch SPANS_A_BODY]\n");
			return 2;
		}
	}
	Suite *su = suite_create("bench_export");
	TCase *tc = tcase_create("bench");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, run_bench);
	suite_add_tcase(su, tc);
	SRunner *sr = srunner_create(su);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : bench_rc;
}

static int bench(void)
{
	struct xt_env e;
	xt_setup(&e, "bench", 64u << 20);
	struct xt_body body = bench_body();
	uint64_t batches = (spans + per - 1) / per;
	spans = batches * per;
	char exp[1024], stop[64];
	snprintf(stop, sizeof(stop), "%llu", (unsigned long long)spans);
	bool file = !strcmp(mode, "file");
	char certs[300] = "", crt[340], key[340], tlsy[800] = "", lvl[80] = "";
	if (tls) {
		const char *src = getenv("SLUICE_SOURCE_DIR");
		char cmd[800];
		snprintf(certs, sizeof(certs), "%s/certs", e.dir);
		snprintf(cmd, sizeof(cmd), "bash '%s/tests/net/make_certs.sh' '%s'", src ? src : ".", certs);
		if (system(cmd) != 0) {
			fprintf(stderr, "make_certs.sh failed (set SLUICE_SOURCE_DIR)\n");
			return 1;
		}
		snprintf(crt, sizeof(crt), "%s/server.pem", certs);
		snprintf(key, sizeof(key), "%s/server.key", certs);
		snprintf(tlsy, sizeof(tlsy), "    tls:\n      ca_file: %s/ca.pem\n", certs);
	}
	if (level)
		snprintf(lvl, sizeof(lvl), "    compression_params:\n      level: %d\n", level);
	if (!file) {
		const char *args[] = {
			"--exit-after-spans",	   stop, "--bodies",  "",  "--log", "", "--no-check",
			tls ? "--tls-cert" : NULL, crt,	 "--tls-key", key, NULL
		};
		/* xt puts its own --bodies/--log first; the later ones win */
		xt_sink_start(&e, args);
	}
	if (!strcmp(mode, "grpc"))
		snprintf(exp, sizeof(exp),
			 "  otlp:\n    endpoint: %s127.0.0.1:%%GRPC%%\n    compression: %s\n%s%s"
			 "    max_concurrent_streams: %u\n    sending_queue:\n      num_consumers: %u\n",
			 tls ? "https://" : "http://", compression, lvl, tlsy, conns * 4, conns * 4);
	else if (file)
		snprintf(exp, sizeof(exp), "  file:\n    path: /dev/null\n    format: proto\n");
	else
		snprintf(exp, sizeof(exp),
			 "  otlphttp:\n    endpoint: %s://127.0.0.1:%%HTTP%%\n    compression: %s\n%s%s"
			 "    connections: %u\n    sending_queue:\n      num_consumers: %u\n",
			 tls ? "https" : "http", compression, lvl, tlsy, conns, conns);
	xt_export_start(&e, exp, !strcmp(mode, "grpc") ? "otlp" : file ? "file" : "otlphttp");
	if (!xt_wait_running(&e, 10000)) {
		fprintf(stderr, "export stage did not start\n");
		return 1;
	}
	double cpu0 = proc_cpu(e.export_pid), scpu0 = file ? 0 : proc_cpu(e.sink_pid);
	double t0 = now_s();
	for (uint64_t i = 0; i < batches; i++)
		if (xt_publish(&e, &body, 30000) < 0) {
			fprintf(stderr, "ring stuck at batch %llu\n", (unsigned long long)i);
			return 1;
		}
	double t1;
	double cpu1, scpu1 = 0;
	if (file) {
		xt_wait_ring_empty(&e, 60000);
		t1 = now_s();
		cpu1 = proc_cpu(e.export_pid);
	} else {
		/* the sink exits by itself after the last span; sample CPU just before */
		int st;
		scpu1 = proc_cpu(e.sink_pid);
		cpu1 = proc_cpu(e.export_pid);
		for (int i = 0; i < 60000; i++) {
			double s = proc_cpu(e.sink_pid), c = proc_cpu(e.export_pid);
			if (waitpid(e.sink_pid, &st, WNOHANG) == e.sink_pid) {
				e.sink_pid = 0;
				break;
			}
			scpu1 = s;
			cpu1 = c;
			usleep(1000);
		}
		t1 = now_s();
	}
	double secs = t1 - t0, ms = (double)spans / 1e6;
	printf("mode=%s%s+%s conns=%u spans=%llu bytes_per_span=%.0f seconds=%.3f spans_per_s=%.0f "
	       "export_cpu_s_per_M=%.3f sink_cpu_s_per_M=%.3f\n",
	       mode, tls ? "+tls" : "", compression, conns, (unsigned long long)spans, (double)body.len / per,
	       secs, (double)spans / secs, (cpu1 - cpu0) / ms, file ? 0.0 : (scpu1 - scpu0) / ms);
	xt_stop(&e.export_pid, SIGTERM);
	xt_body_free(&body);
	xt_teardown(&e);
	return 0;
}
