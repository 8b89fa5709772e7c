/* tools/gen/gen_main.c: sluice-gen, the OTLP load generator. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/log.h"
#include "net/tls.h"
#include "rt/clock.h"
#include "tools/gen/gen.h"

#define GEN_TICK_MS 10
#define GEN_MAX_SAMPLES (4u << 20)
#define GEN_DRAIN_NS 15000000000ull

static const char gen_usage[] =
	"usage: sluice-gen [options]\n"
	"Sends synthetic spans, log records or metric data points (the items) to an\n"
	"OTLP receiver and reports what it acknowledged.\n"
	"  -S, --signal SIG      traces (default), logs, metrics\n"
	"  -p, --protocol P      http/protobuf (default), http/json, grpc\n"
	"  -e, --endpoint H:P    default 127.0.0.1:4318 (http) or 127.0.0.1:4317 (grpc)\n"
	"      --path PATH       HTTP path (default the signal's: /v1/traces, /v1/logs, /v1/metrics)\n"
	"  -z, --compression C   none (default), gzip, zlib, deflate, zstd, snappy\n"
	"      --compression-level N  the codec's level (default: the codec's default)\n"
	"  -s, --spans N, --items N  items per request (default 512)\n"
	"  -a, --attrs N         attributes per item (default 8 a span; logs and metrics:\n"
	"                        3 a record, 2 a data point, beside gen.id)\n"
	"      --trace-context F logs: share of records with trace and span ids (0..1, default 0.5)\n"
	"      --points-per-metric N  metrics: data points per Metric (default 8)\n"
	"      --metric-types LIST    metrics: types taking turns, from gauge, sum, histogram,\n"
	"                        exphistogram, summary, all (default gauge,sum,histogram)\n"
	"  -c, --connections N   connections (default 8)\n"
	"      --streams N       gRPC calls in flight per connection (default 2)\n"
	"  -r, --rate R          target items/s (default 0: as fast as possible)\n"
	"  -d, --duration S      seconds to send (default 10)\n"
	"  -n, --count N         stop after N items (default: no limit; duration still bounds)\n"
	"      --id-base N       first item id (default: from the clock)\n"
	"      --ack-log FILE    write \"first_id count\" for each acknowledged request\n"
	"      --service NAME    service.name of the resource (default sluice-gen)\n"
	"      --tls-ca FILE     TLS (ALPN h2 for grpc, http/1.1 otherwise), trusting this CA\n"
	"      --tls-cert FILE, --tls-key FILE  a client certificate and its key (mTLS)\n"
	"  -q, --quiet           no progress lines\n"
	"Ids: item i of a request has id first_id + i: a span's span_id (64-bit\n"
	"big-endian), a log record's or data point's attribute gen.id (16 hex digits).\n"
	"Exit: 0 when every request was acknowledged or refused (429/503/\n"
	"RESOURCE_EXHAUSTED/UNAVAILABLE), 1 when some failed, 2 on usage errors.\n";

static volatile sig_atomic_t gen_interrupted;
static void gen_on_signal(int sig)
{
	(void)sig;
	gen_interrupted = 1;
}

bool gen_may_send(struct gen *g)
{
	if (g->o.count && g->n.sent_spans + g->o.spans > g->o.count)
		return false;
	if (g->o.rate <= 0)
		return true;
	if (g->tokens < 1.0)
		return false;
	g->tokens -= 1.0;
	return true;
}

uint64_t gen_take_ids(struct gen *g, uint32_t n)
{
	uint64_t id = g->next_id;
	g->next_id += n;
	return id;
}

void gen_record(struct gen *g, enum gen_outcome oc, uint64_t first_id, uint32_t n, uint64_t sent_ns)
{
	switch (oc) {
	case GEN_ACKED:
		g->n.acked_req++;
		g->n.acked_spans += n;
		if (g->ack)
			fprintf(g->ack, "%" PRIu64 " %u\n", first_id, n);
		if (g->n_lat < g->cap_lat) {
			uint64_t us = (net_loop_now_ns(g->loop) - sent_ns) / 1000;
			g->lat_us[g->n_lat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
		}
		break;
	case GEN_REFUSED:
		g->n.refused_req++;
		g->n.refused_spans += n;
		break;
	case GEN_FAILED:
		g->n.failed_req++;
		g->n.failed_spans += n;
		break;
	}
}

static void gen_progress(struct gen *g, uint64_t now)
{
	double secs = (double)(now - g->last_progress_ns) / 1e9;
	double rate = secs > 0 ? (double)(g->n.acked_spans - g->last_progress_spans) / secs : 0;
	const char *items = g->sd->item_text;
	fprintf(stderr,
		"[%6.1fs] sent %" PRIu64 " %s, acked %" PRIu64 ", refused %" PRIu64 ", failed %" PRIu64
		", %.0f %s/s\n",
		(double)(now - g->start_ns) / 1e9, g->n.sent_spans, items, g->n.acked_spans,
		g->n.refused_spans, g->n.failed_spans, rate, items);
	g->last_progress_ns = now;
	g->last_progress_spans = g->n.acked_spans;
}

static void gen_tick(struct net_timer *t, void *arg)
{
	struct gen *g = arg;
	uint64_t now = net_loop_now_ns(g->loop);
	if (g->o.rate > 0) {
		double per_req = g->o.rate / g->o.spans;
		g->tokens += per_req * (double)(now - g->last_tick_ns) / 1e9;
		double cap = per_req * 0.05 + 1; /* at most 50 ms of burst */
		if (g->tokens > cap)
			g->tokens = cap;
	}
	g->last_tick_ns = now;
	if (!g->stopping && (now >= g->end_ns || gen_interrupted ||
			     (g->o.count && g->n.sent_spans + g->o.spans > g->o.count))) {
		g->stopping = true;
		g->end_ns = now;
	}
	if (g->o.proto == GEN_GRPC)
		gen_grpc_kick(g);
	else
		gen_http_kick(g);
	if (!g->o.quiet && now - g->last_progress_ns >= 1000000000ull)
		gen_progress(g, now);
	if (g->stopping && (g->inflight == 0 || now - g->end_ns > GEN_DRAIN_NS)) {
		net_loop_stop(g->loop);
		return;
	}
	net_timer_arm(g->loop, t, GEN_TICK_MS);
}

static int gen_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double gen_pct(const struct gen *g, double p)
{
	if (g->n_lat == 0)
		return 0;
	size_t i = (size_t)ceil(p / 100.0 * (double)g->n_lat);
	return g->lat_us[i ? i - 1 : 0] / 1000.0;
}

static void gen_summary(struct gen *g)
{
	static const char *names[] = { "http/protobuf", "http/json", "grpc" };
	double secs = (double)(g->end_ns - g->start_ns) / 1e9;
	qsort(g->lat_us, g->n_lat, sizeof(uint32_t), gen_cmp_u32);
	const char *items = g->sd->item_text;
	printf("sluice-gen: %s -> %s:%u, %u %s/request, %u connections%s%s\n", names[g->o.proto], g->o.host,
	       g->o.port, g->o.spans, items, g->o.connections, g->o.codec != CODEC_NONE ? ", " : "",
	       g->o.codec != CODEC_NONE ? codec_name(g->o.codec) : "");
	printf("  sending time  %.2f s\n", secs);
	printf("  requests      sent %" PRIu64 "  acked %" PRIu64 "  refused %" PRIu64 "  failed %" PRIu64
	       "  unanswered %" PRIu64 "\n",
	       g->n.sent_req, g->n.acked_req, g->n.refused_req, g->n.failed_req, g->inflight);
	printf("  %-14ssent %" PRIu64 "  acked %" PRIu64 "  refused %" PRIu64 "  failed %" PRIu64 "\n", items,
	       g->n.sent_spans, g->n.acked_spans, g->n.refused_spans, g->n.failed_spans);
	printf("  throughput    %.0f %s/s acknowledged\n", secs > 0 ? g->n.acked_spans / secs : 0, items);
	printf("  latency ms    p50 %.2f  p90 %.2f  p99 %.2f  max %.2f  (%zu requests)\n", gen_pct(g, 50),
	       gen_pct(g, 90), gen_pct(g, 99), gen_pct(g, 100), g->n_lat);
}

static int gen_parse_endpoint(struct gen_opts *o, const char *ep)
{
	static char host[256];
	const char *colon = strrchr(ep, ':');
	if (!colon || colon == ep || (size_t)(colon - ep) >= sizeof(host))
		return -EINVAL;
	memcpy(host, ep, (size_t)(colon - ep));
	host[colon - ep] = '\0';
	long port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -EINVAL;
	o->host = host;
	o->port = (uint16_t)port;
	return 0;
}

enum {
	OPT_PATH = 1000,
	OPT_STREAMS,
	OPT_ID_BASE,
	OPT_ACK_LOG,
	OPT_SERVICE,
	OPT_TLS_CA,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_LEVEL,
	OPT_CTX,
	OPT_PER_METRIC,
	OPT_TYPES
};

static int gen_parse(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longs[] = {
		{ "protocol", required_argument, NULL, 'p' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "spans", required_argument, NULL, 's' },
		{ "items", required_argument, NULL, 's' },
		{ "attrs", required_argument, NULL, 'a' },
		{ "connections", required_argument, NULL, 'c' },
		{ "streams", required_argument, NULL, OPT_STREAMS },
		{ "rate", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "id-base", required_argument, NULL, OPT_ID_BASE },
		{ "ack-log", required_argument, NULL, OPT_ACK_LOG },
		{ "service", required_argument, NULL, OPT_SERVICE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
		{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
		{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
		{ "signal", required_argument, NULL, 'S' },
		{ "compression", required_argument, NULL, 'z' },
		{ "compression-level", required_argument, NULL, OPT_LEVEL },
		{ "trace-context", required_argument, NULL, OPT_CTX },
		{ "points-per-metric", required_argument, NULL, OPT_PER_METRIC },
		{ "metric-types", required_argument, NULL, OPT_TYPES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *endpoint = NULL;
	bool attrs_given = false;
	int ch, c;
	while ((ch = getopt_long(argc, argv, "p:e:s:a:c:r:d:n:S:z:qh", longs, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (strcmp(optarg, "http/protobuf") == 0 || strcmp(optarg, "http") == 0)
				o->proto = GEN_HTTP_PROTOBUF;
			else if (strcmp(optarg, "http/json") == 0 || strcmp(optarg, "json") == 0)
				o->proto = GEN_HTTP_JSON;
			else if (strcmp(optarg, "grpc") == 0)
				o->proto = GEN_GRPC;
			else
				return -EINVAL;
			break;
		case 'S': {
			const struct otlp_signal_desc *sd = otlp_signal_by_name(optarg, strlen(optarg));
			if (!sd)
				return -EINVAL;
			o->signal = sd->signal;
			break;
		}
		case 'z':
			if (!strcmp(optarg, "none"))
				c = CODEC_NONE;
			else if ((c = codec_from_name(optarg, strlen(optarg))) < 0)
				return -EINVAL;
			o->codec = (enum codec)c;
			break;
		case OPT_LEVEL:
			o->level = (int)strtol(optarg, NULL, 10);
			break;
		case 'e':
			endpoint = optarg;
			break;
		case OPT_PATH:
			o->path = optarg;
			break;
		case 's':
			o->spans = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			o->attrs = (uint32_t)strtoul(optarg, NULL, 10);
			attrs_given = true;
			break;
		case 'c':
			o->connections = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case OPT_STREAMS:
			o->streams = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			o->rate = strtod(optarg, NULL);
			break;
		case 'd':
			o->duration_s = strtod(optarg, NULL);
			break;
		case 'n':
			o->count = strtoull(optarg, NULL, 10);
			break;
		case OPT_ID_BASE:
			o->id_base = strtoull(optarg, NULL, 10);
			break;
		case OPT_ACK_LOG:
			o->ack_log = optarg;
			break;
		case OPT_SERVICE:
			o->service = optarg;
			break;
		case OPT_TLS_CA:
			o->tls_ca = optarg;
			break;
		case OPT_TLS_CERT:
			o->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o->tls_key = optarg;
			break;
		case OPT_CTX:
			o->ctx_share = strtod(optarg, NULL);
			break;
		case OPT_PER_METRIC:
			o->points_per_metric = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case OPT_TYPES:
			if (gen_metric_types_parse(optarg, &o->metric_types) < 0)
				return -EINVAL;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(gen_usage, stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc || o->spans == 0 || o->connections == 0 || o->streams == 0 || o->duration_s <= 0 ||
	    o->rate < 0 || o->points_per_metric == 0 || o->ctx_share < 0 || o->ctx_share > 1 ||
	    !o->tls_cert != !o->tls_key || (o->tls_cert && !o->tls_ca) ||
	    codec_level_check(o->codec, o->level) < 0 ||
	    (o->codec != CODEC_NONE && o->codec != CODEC_GZIP && o->codec != CODEC_ZLIB &&
	     o->codec != CODEC_DEFLATE && o->codec != CODEC_ZSTD && o->codec != CODEC_SNAPPY))
		return -EINVAL;
	if (!attrs_given)
		o->attrs = o->signal == OTLP_SIGNAL_LOGS ? 3 : o->signal == OTLP_SIGNAL_METRICS ? 2 : 8;
	if (!o->path)
		o->path = otlp_signal_get(o->signal)->http_path;
	if (!endpoint)
		endpoint = o->proto == GEN_GRPC ? "127.0.0.1:4317" : "127.0.0.1:4318";
	return gen_parse_endpoint(o, endpoint);
}

int main(int argc, char **argv)
{
	static struct gen g;
	g.o = (struct gen_opts){ .spans = 512,
				 .attrs = 8,
				 .connections = 8,
				 .streams = 2,
				 .duration_s = 10,
				 .service = "sluice-gen",
				 .level = CODEC_LEVEL_DEFAULT,
				 .ctx_share = 0.5,
				 .points_per_metric = 8,
				 .metric_types = GEN_MT_DEFAULT };
	if (gen_parse(argc, argv, &g.o) < 0) {
		fputs(gen_usage, stderr);
		return 2;
	}
	g.sd = otlp_signal_get(g.o.signal);
	char err[256];
	int rc = net_loop_new(&g.loop, NULL, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sluice-gen: %s\n", err);
		return 1;
	}
	if (g.o.tls_ca) {
		struct net_tls_client_config tc = { .ca_file = g.o.tls_ca,
						    .cert_file = g.o.tls_cert,
						    .key_file = g.o.tls_key };
		if (net_tls_client_new(&g.tls, &tc, g.o.proto == GEN_GRPC ? "h2" : "http/1.1", err,
				       sizeof(err)) < 0) {
			fprintf(stderr, "sluice-gen: %s\n", err);
			return 2;
		}
	}
	if ((rc = net_resolve(g.o.host, g.o.port, &g.sa, &g.salen)) < 0) {
		fprintf(stderr, "sluice-gen: cannot resolve %s: %s\n", g.o.host, strerror(-rc));
		return 2;
	}
	if (g.o.ack_log && !(g.ack = fopen(g.o.ack_log, "w"))) {
		fprintf(stderr, "sluice-gen: %s: %s\n", g.o.ack_log, strerror(errno));
		return 2;
	}
	uint64_t now = rt_real_ns();
	g.next_id = g.o.id_base ? g.o.id_base : ((now / 1000000000ull) << 24 | (now % 1000000000ull) >> 6);
	g.cap_lat = GEN_MAX_SAMPLES;
	g.lat_us = malloc(g.cap_lat * sizeof(uint32_t));
	signal(SIGINT, gen_on_signal);
	signal(SIGTERM, gen_on_signal);
	signal(SIGPIPE, SIG_IGN);
	net_loop_run_once(g.loop, 0);
	g.start_ns = g.last_tick_ns = g.last_progress_ns = net_loop_now_ns(g.loop);
	g.end_ns = g.start_ns + (uint64_t)(g.o.duration_s * 1e9);
	g.tokens = 1;
	rc = g.o.proto == GEN_GRPC ? gen_grpc_start(&g) : gen_http_start(&g);
	if (rc < 0 || !g.lat_us) {
		fprintf(stderr, "sluice-gen: cannot start: %s\n", strerror(rc < 0 ? -rc : ENOMEM));
		return 1;
	}
	struct net_timer tick;
	net_timer_init(&tick, gen_tick, &g);
	net_timer_arm(g.loop, &tick, GEN_TICK_MS);
	rc = net_loop_run(g.loop);
	if (!g.o.quiet)
		gen_progress(&g, net_loop_now_ns(g.loop));
	gen_summary(&g);
	if (g.ack)
		fclose(g.ack);
	if (g.o.proto == GEN_GRPC)
		gen_grpc_free(&g);
	else
		gen_http_free(&g);
	net_loop_free(g.loop);
	codec_ctx_free(&g.cx);
	free(g.lat_us);
	return rc < 0 || g.n.failed_req > 0 ? 1 : 0;
}
