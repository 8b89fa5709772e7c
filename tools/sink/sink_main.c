/* sluice-sink: a minimal OTLP receiver (traces, logs, metrics) for tests
 * and benchmarks.
 *
 *   sluice-sink [--http HOST:PORT] [--grpc HOST:PORT] [--port-file FILE]
 *               [--signals LIST] [--fail SCHEDULE [--repeat]]
 *               [--bodies[-logs|-metrics] FILE] [--digest[-logs|-metrics] FILE]
 *               [--log FILE] [--latency] [--exit-after-spans N]
 *               [--exit-after-items N] [--no-check] [--max-body BYTES] [--quiet]
 *               [--require-header NAME=VALUE]
 *
 * Checking every item end to end: sluice-gen gives item i of a request the
 * id first_id + i (a span's span_id; a log record's or data point's gen.id
 * attribute) and, with --ack-log, writes "first_id count" for every
 * acknowledged request. --digest FILE (traces), --digest-logs FILE and
 * --digest-metrics FILE write one line per accepted item whose second word
 * is that id in hex (formats in sink.h); a test counts each id's lines:
 * every acknowledged id at least once is "nothing missing", no id twice is
 * "nothing duplicated" (tests/e2e/lib.js: digestIds, ackRanges,
 * compareAcked). --bodies FILE / --bodies-logs / --bodies-metrics keep the
 * accepted request bodies themselves (protobuf, 4-byte big-endian length
 * before each) for field-by-field comparisons.
 *
 * Prints a summary on SIGTERM/SIGINT (or after --exit-after-*) and exits
 * 0; 2 on a usage error, 1 on a runtime error. See sink.h for the schedule.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "tools/sink/sink.h"

static int usage(int code)
{
	fprintf(code ? stderr : stdout,
		"usage: sluice-sink [options]\n"
		"Receives OTLP traces, logs and metrics (HTTP protobuf or JSON, gRPC), checks\n"
		"every request with otlp's validators, counts items per signal.\n"
		"  --http HOST:PORT        OTLP/HTTP listener (default 127.0.0.1:4318; port 0 = any)\n"
		"  --grpc HOST:PORT        OTLP/gRPC (h2c) listener (default: none)\n"
		"  --signals LIST          signals taken, e.g. \"traces,logs\" (default all three);\n"
		"                          others: HTTP 404, gRPC UNIMPLEMENTED\n"
		"  --no-http               no HTTP listener\n"
		"  --tls-cert FILE         serve TLS on both listeners with this certificate ...\n"
		"  --tls-key FILE          ... and key (ALPN http/1.1 and h2)\n"
		"  --tls-client-ca FILE    require client certificates from this CA (mTLS)\n"
		"  --port-file FILE        write \"http=PORT grpc=PORT\" once listening\n"
		"  --fail SCHEDULE         e.g. \"503/2*3,400,close,stall,partial=5,ok*10\"\n"
		"  --repeat                start the schedule over when it ends\n"
		"  --bodies FILE           append accepted trace request bodies (4-byte BE length +\n"
		"                          protobuf body; \"\" = none, also for the other files)\n"
		"  --bodies-logs FILE      the same for logs, --bodies-metrics FILE for metrics\n"
		"  --digest FILE           append \"traceid spanid name end_ns\" per accepted span\n"
		"  --digest-logs FILE      append \"log GENID traceid spanid severity time_ns\" per record\n"
		"  --digest-metrics FILE   append \"point GENID metric type time_ns\" per data point\n"
		"                          (GENID: the gen.id attribute sluice-gen sets, \"-\" if none;\n"
		"                          word 2 of every digest line is the id sluice-gen gave)\n"
		"  --log FILE              one line per request: mono_ms n proto answer items crc32 signal\n"
		"  --latency               measure now - item time (span end, log time, point time)\n"
		"  --exit-after-spans N    stop after N accepted spans\n"
		"  --exit-after-items N    stop after N accepted items of any signal\n"
		"  --max-body BYTES        request body cap (default 64 MiB)\n"
		"  --no-check              count items without validating every field (benchmarks)\n"
		"  --require-header N=V    refuse requests without header N: V (HTTP 401, gRPC 16)\n"
		"  --quiet                 no summary\n");
	return code;
}

static int split_addr(const char *a, char *host, size_t cap, uint16_t *port)
{
	const char *c = strrchr(a, ':');
	if (!c || (size_t)(c - a) >= cap)
		return -EINVAL;
	char *end;
	long p = strtol(c + 1, &end, 10);
	if (*end || p < 0 || p > 65535 || c[1] == 0)
		return -EINVAL;
	memcpy(host, a, (size_t)(c - a));
	host[c - a] = 0;
	if (host[0] == '[') { /* [v6] */
		size_t l = strlen(host);
		memmove(host, host + 1, l);
		if (l >= 2 && host[l - 2] == ']')
			host[l - 2] = 0;
	}
	if (!host[0])
		snprintf(host, cap, "0.0.0.0");
	*port = (uint16_t)p;
	return 0;
}

/* "traces,logs" -> a bit per signal. */
static int parse_signals(const char *text, unsigned *bits)
{
	*bits = 0;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, ",");
		const struct otlp_signal_desc *sd = otlp_signal_by_name(p, n);
		if (!sd)
			return -EINVAL;
		*bits |= 1u << sd->signal;
		p += n;
		if (*p == ',')
			p++;
	}
	return *bits ? 0 : -EINVAL;
}

static void on_signal(struct net_watch *w, int fd, void *arg)
{
	(void)w;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	net_loop_stop(arg);
}

static FILE *open_out(const char *path)
{
	if (!*path) /* "" = none (overrides an earlier option) */
		return NULL;
	FILE *f = fopen(path, "ae");
	if (!f)
		fprintf(stderr, "sluice-sink: %s: %s\n", path, strerror(errno));
	return f;
}

int main(int argc, char **argv)
{
	struct sink *s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	const char *http = "127.0.0.1:4318", *grpc = NULL, *port_file = NULL, *fail = NULL;
	const char *bodies[OTLP_SIGNAL_COUNT] = { 0 }, *digest[OTLP_SIGNAL_COUNT] = { 0 }, *logp = NULL;
	const char *signals = NULL;
	const char *tls_cert = NULL, *tls_key = NULL, *tls_ca = NULL;
	bool repeat = false;
	s->max_body = 64u << 20;
	sink_lat_req_init(&s->lat_req);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && v && (++i, 1))
		if (ARG("--http"))
			http = v;
		else if (ARG("--grpc"))
			grpc = v;
		else if (!strcmp(a, "--no-http"))
			http = NULL;
		else if (ARG("--tls-cert"))
			tls_cert = v;
		else if (ARG("--tls-key"))
			tls_key = v;
		else if (ARG("--tls-client-ca"))
			tls_ca = v;
		else if (ARG("--port-file"))
			port_file = v;
		else if (ARG("--fail"))
			fail = v;
		else if (!strcmp(a, "--repeat"))
			repeat = true;
		else if (ARG("--bodies") || ARG("--bodies-traces"))
			bodies[OTLP_SIGNAL_TRACES] = v;
		else if (ARG("--bodies-logs"))
			bodies[OTLP_SIGNAL_LOGS] = v;
		else if (ARG("--bodies-metrics"))
			bodies[OTLP_SIGNAL_METRICS] = v;
		else if (ARG("--digest") || ARG("--digest-traces"))
			digest[OTLP_SIGNAL_TRACES] = v;
		else if (ARG("--digest-logs"))
			digest[OTLP_SIGNAL_LOGS] = v;
		else if (ARG("--digest-metrics"))
			digest[OTLP_SIGNAL_METRICS] = v;
		else if (ARG("--signals"))
			signals = v;
		else if (ARG("--exit-after-items"))
			s->exit_after_items = strtoull(v, NULL, 10);
		else if (ARG("--log"))
			logp = v;
		else if (!strcmp(a, "--latency"))
			s->latency = true;
		else if (ARG("--exit-after-spans"))
			s->exit_after_spans = strtoull(v, NULL, 10);
		else if (ARG("--max-body"))
			s->max_body = strtoull(v, NULL, 10);
		else if (!strcmp(a, "--quiet"))
			s->quiet = true;
		else if (!strcmp(a, "--no-check"))
			s->nocheck = true;
		else if (ARG("--require-header") && strchr(v, '=') && strchr(v, '=') != v) {
			s->req_name = v;
			s->req_name_len = (size_t)(strchr(v, '=') - v);
			s->req_value = strchr(v, '=') + 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			free(s);
			return usage(0);
		} else {
			fprintf(stderr, "sluice-sink: unknown or incomplete option %s\n", a);
			free(s);
			return usage(2);
		}
#undef ARG
	}
	char err[256];
	if (fail && sink_sched_parse(&s->sched, fail, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-sink: %s\n", err);
		free(s);
		return 2;
	}
	s->sched.repeat = repeat;
	s->signals = (1u << OTLP_SIGNAL_COUNT) - 1;
	if (signals && parse_signals(signals, &s->signals) < 0) {
		fprintf(stderr, "sluice-sink: --signals %s: want a list of traces, logs, metrics\n", signals);
		free(s);
		return 2;
	}
	if (tls_cert || tls_key) {
		struct net_tls_server_config tc = { .cert_file = tls_cert,
						    .key_file = tls_key,
						    .client_ca_file = tls_ca };
		if (net_tls_server_new(&s->tls_http, &tc, "http/1.1", err, sizeof(err)) < 0 ||
		    net_tls_server_new(&s->tls_grpc, &tc, "h2", err, sizeof(err)) < 0) {
			fprintf(stderr, "sluice-sink: %s\n", err);
			net_tls_free(s->tls_http);
			free(s);
			return 2;
		}
	}
	if (!s->max_body)
		s->max_body = 64u << 20;
	int code = 1;
	for (int k = 0; k < OTLP_SIGNAL_COUNT; k++)
		if ((bodies[k] && *bodies[k] && !(s->sig[k].bodies = open_out(bodies[k]))) ||
		    (digest[k] && *digest[k] && !(s->sig[k].digest = open_out(digest[k]))))
			goto out;
	if (logp && *logp && !(s->log = open_out(logp)))
		goto out;
	/* Receive buffers: 4 of 256 KiB instead of the loop's 256 of 16 KiB.
	 * Big buffers mean few completions and callbacks, and more requests or
	 * ResourceSpans whole in one receive, checked in place (a part cut by
	 * a buffer's end is copied). Few buffers keep the kernel writing into
	 * memory still in cache (the loop hands buffers out in turn; 4 MiB of
	 * them cycled through L2). Measured (docs/bench/tools.md), CPU s per
	 * million spans: 16 x 64 KiB 0.25, 8 x 128 KiB 0.13, 4 x 256 KiB 0.12
	 * (and 0.12 vs 0.14 behind the socat relay). Running out of buffers
	 * costs a re-armed receive, not data. */
	struct net_loop_opts lo = { .buf_count = 4, .buf_size = 256u << 10 };
	int rc = net_loop_new(&s->loop, &lo, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sluice-sink: %s\n", err);
		goto out;
	}
	char host[256];
	uint16_t port, hp = 0, gp = 0;
	if (http) {
		if (split_addr(http, host, sizeof(host), &port) < 0) {
			fprintf(stderr, "sluice-sink: bad --http address %s\n", http);
			code = 2;
			goto out_loop;
		}
		if ((rc = sink_http_listen(s, host, port, &hp)) < 0) {
			fprintf(stderr, "sluice-sink: listen %s: %s\n", http, strerror(-rc));
			goto out_loop;
		}
	}
	if (grpc) {
		if (split_addr(grpc, host, sizeof(host), &port) < 0) {
			fprintf(stderr, "sluice-sink: bad --grpc address %s\n", grpc);
			code = 2;
			goto out_loop;
		}
		if ((rc = sink_grpc_listen(s, host, port, &gp)) < 0) {
			fprintf(stderr, "sluice-sink: listen %s: %s\n", grpc, strerror(-rc));
			goto out_loop;
		}
	}
	sigset_t ss;
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	int sfd = signalfd(-1, &ss, SFD_NONBLOCK | SFD_CLOEXEC);
	struct net_watch *sw;
	if (sfd < 0 || net_watch_add(s->loop, sfd, on_signal, s->loop, &sw) < 0) {
		fprintf(stderr, "sluice-sink: signalfd: %s\n", strerror(errno));
		goto out_loop;
	}
	if (port_file) {
		char tmp[4200];
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "http=%u grpc=%u\n", hp, gp) < 0 || fclose(f) != 0 ||
		    rename(tmp, port_file) < 0) {
			fprintf(stderr, "sluice-sink: %s: %s\n", port_file, strerror(errno));
			goto out_loop;
		}
	}
	rc = net_loop_run(s->loop);
	code = rc < 0 ? 1 : 0;
	if (!s->quiet)
		sink_summary(s, stdout);
	close(sfd);
out_loop:
	while (s->conns_list.next && s->conns_list.next != &s->conns_list)
		s->conns_list.next->free(s->conns_list.next);
	net_loop_free(s->loop);
out:
	for (int k = 0; k < OTLP_SIGNAL_COUNT; k++) {
		if (s->sig[k].bodies)
			fclose(s->sig[k].bodies);
		if (s->sig[k].digest)
			fclose(s->sig[k].digest);
	}
	otlp_json_buf_free(&s->json);
	if (s->log)
		fclose(s->log);
	free(s->scratch);
	codec_ctx_free(&s->cx);
	net_tls_free(s->tls_http);
	net_tls_free(s->tls_grpc);
	free(s);
	return code;
}
