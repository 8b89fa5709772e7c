/* config/exp_otlp.c: the OTLP exporters: otlp_http (otlphttp) and otlp_grpc
 * (otlp). One settings shape, two descriptors (two key tables and two sets
 * of defaults); URLs per signal, TLS on as the Collector decides. */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

#define MSEC 1000000ull
#define SEC 1000000000ull
#define MIB (1ull << 20)

#define O struct sluice_otlp_exporter

static void common_init(O *o, bool grpc)
{
	memset(o, 0, sizeof(*o));
	o->compression = SLUICE_COMPRESSION_GZIP;
	o->timeout_ns = grpc ? 5 * SEC : 30 * SEC;
	o->retry_on_failure = (struct sluice_retry){
		.enabled = true,
		.initial_interval_ns = 5 * SEC,
		.max_interval_ns = 30 * SEC,
		.max_elapsed_time_ns = 300 * SEC,
		.multiplier = 1.5,
		.randomization_factor = 0.5,
	};
	o->sending_queue = (struct sluice_queue){
		.enabled = true, .num_consumers = 10, .queue_size = 1000, .storage_max_bytes = 1024 * MIB
	};
	tls_client_default(&o->tls);
	o->connections = grpc ? 1 : 4;
	o->max_concurrent_streams = 16;
}

static void http_init(void *settings)
{
	common_init(settings, false);
}

static void grpc_init(void *settings)
{
	common_init(settings, true);
}

static const struct schema_field retry_fields[] = {
	{ .name = "enabled", .kind = SK_BOOL, .off = offsetof(struct sluice_retry, enabled) },
	{ .name = "initial_interval",
	  .kind = SK_DUR,
	  .off = offsetof(struct sluice_retry, initial_interval_ns),
	  .min = MSEC,
	  .max = 3600 * SEC },
	{ .name = "max_interval",
	  .kind = SK_DUR,
	  .off = offsetof(struct sluice_retry, max_interval_ns),
	  .min = MSEC,
	  .max = 3600 * SEC },
	{ .name = "max_elapsed_time",
	  .kind = SK_DUR,
	  .off = offsetof(struct sluice_retry, max_elapsed_time_ns),
	  .max = 7 * 24 * 3600 * SEC },
	{ .name = "multiplier",
	  .kind = SK_DOUBLE,
	  .off = offsetof(struct sluice_retry, multiplier),
	  .dmin = 1,
	  .dmax = 100 },
	{ .name = "randomization_factor",
	  .kind = SK_DOUBLE,
	  .off = offsetof(struct sluice_retry, randomization_factor),
	  .dmin = 0,
	  .dmax = 1 },
	{ .name = NULL },
};

static int retry_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		       const struct ynode *const *seen)
{
	const struct sluice_retry *r = obj;

	(void)seen;
	if (r->initial_interval_ns > r->max_interval_ns)
		return schema_error(c, v, "%s: initial_interval is greater than max_interval", path);
	return 0;
}

static const struct schema_field queue_fields[] = {
	{ .name = "enabled", .kind = SK_BOOL, .off = offsetof(struct sluice_queue, enabled) },
	{ .name = "num_consumers",
	  .kind = SK_U32,
	  .off = offsetof(struct sluice_queue, num_consumers),
	  .min = 1,
	  .max = 1024 },
	{ .name = "queue_size",
	  .kind = SK_U32,
	  .off = offsetof(struct sluice_queue, queue_size),
	  .min = 1,
	  .max = 1000000 },
	{ .name = "storage", .kind = SK_PATH, .off = offsetof(struct sluice_queue, storage) },
	{ .name = "storage_max_bytes",
	  .kind = SK_SIZE,
	  .off = offsetof(struct sluice_queue, storage_max_bytes),
	  .min = MIB,
	  .max = 1ull << 44 },
	{ .name = "blocking",
	  .kind = SK_REFUSE,
	  .why = "a full queue always pushes back through the rings to the clients" },
	{ .name = "sizer", .kind = SK_REFUSE, .why = "the queue counts requests" },
	{ .name = NULL },
};

/* headers: {name: value}; names are case-insensitive on the wire, kept
 * lower-case (HTTP/2 requires it). */
static int headers_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return config_headers(c, v, path, true, dst,
			      (size_t *)((char *)dst + sizeof(struct sluice_header *)));
}

static void headers_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const O *o = (const O *)((const char *)value - offsetof(O, headers));

	config_headers_print(p, indent, f->name, o->headers, o->n_headers);
}

_Static_assert(offsetof(O, n_headers) == offsetof(O, headers) + sizeof(struct sluice_header *),
	       "n_headers follows headers");

static int encoding_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)dst;
	if (v->kind == YN_NULL || (v->kind == YN_SCALAR && !strcmp(v->text, "proto")))
		return 0;
	return schema_error(c, v, "%s: not supported by sluice: only proto (the rings hold protobuf)", path);
}

static const char *const compression_names[] = { "none", "gzip", "zstd", "deflate", "zlib", "snappy", NULL };

static const struct schema_field compression_params_fields[] = {
	{ .name = "level", .kind = SK_U32, .off = offsetof(O, compression_level), .max = 19 },
	{ .name = NULL },
};

enum {
	O_ENDPOINT,
	O_HEADERS,
	O_COMPRESSION,
	O_PARAMS,
	O_TIMEOUT,
	O_RETRY,
	O_QUEUE,
	O_DLQ,
	O_TLS,
	O_NEXT
};

#define OTLP_COMMON_FIELDS                                                                                   \
	[O_ENDPOINT] = { .name = "endpoint",                                                                 \
			 .kind = SK_STR,                                                                     \
			 .off = offsetof(O, endpoint),                                                       \
			 .flags = SF_OMIT_EMPTY },                                                           \
	[O_HEADERS] = { .name = "headers",                                                                   \
			.kind = SK_CUSTOM,                                                                   \
			.off = offsetof(O, headers),                                                         \
			.fn = headers_fn,                                                                    \
			.print = headers_print },                                                            \
	[O_COMPRESSION] = { .name = "compression",                                                           \
			    .kind = SK_ENUM,                                                                 \
			    .off = offsetof(O, compression),                                                 \
			    .names = compression_names },                                                    \
	[O_PARAMS] = { .name = "compression_params", .kind = SK_MAP, .sub = compression_params_fields },     \
	[O_TIMEOUT] = { .name = "timeout",                                                                   \
			.kind = SK_DUR,                                                                      \
			.off = offsetof(O, timeout_ns),                                                      \
			.min = MSEC,                                                                         \
			.max = 3600 * SEC },                                                                 \
	[O_RETRY] = { .name = "retry_on_failure",                                                            \
		      .kind = SK_MAP,                                                                        \
		      .off = offsetof(O, retry_on_failure),                                                  \
		      .sub = retry_fields,                                                                   \
		      .check = retry_check },                                                                \
	[O_QUEUE] = { .name = "sending_queue",                                                               \
		      .kind = SK_MAP,                                                                        \
		      .off = offsetof(O, sending_queue),                                                     \
		      .sub = queue_fields },                                                                 \
	[O_DLQ] = { .name = "dead_letter_dir", .kind = SK_PATH, .off = offsetof(O, dead_letter_dir) },       \
	[O_TLS] = { .name = "tls",                                                                           \
		    .kind = SK_MAP,                                                                          \
		    .off = offsetof(O, tls),                                                                 \
		    .sub = tls_client_fields,                                                                \
		    .check = tls_client_check },                                                             \
	{ .name = "encoding", .kind = SK_CUSTOM, .fn = encoding_fn },                                        \
	{ .name = "auth", .kind = SK_REFUSE, .why = "authenticators are extensions; set a header instead" }, \
	{                                                                                                    \
		.name = "proxy_url", .kind = SK_REFUSE, .why = "connections go to the backend directly"      \
	}

enum {
	H_TRACES = O_NEXT + 3,
	H_LOGS,
	H_METRICS
};

static const struct schema_field otlphttp_fields[] = {
	OTLP_COMMON_FIELDS,
	[H_TRACES] = { .name = "traces_endpoint",
		       .kind = SK_STR,
		       .off = offsetof(O, signal_endpoints[0]),
		       .flags = SF_OMIT_EMPTY },
	[H_LOGS] = { .name = "logs_endpoint",
		     .kind = SK_STR,
		     .off = offsetof(O, signal_endpoints[1]),
		     .flags = SF_OMIT_EMPTY },
	[H_METRICS] = { .name = "metrics_endpoint",
			.kind = SK_STR,
			.off = offsetof(O, signal_endpoints[2]),
			.flags = SF_OMIT_EMPTY },
	{ .name = "connections", .kind = SK_U32, .off = offsetof(O, connections), .min = 1, .max = 256 },
	{ .name = NULL },
};

static const struct schema_field otlp_fields[] = {
	OTLP_COMMON_FIELDS,
	{ .name = "max_concurrent_streams",
	  .kind = SK_U32,
	  .off = offsetof(O, max_concurrent_streams),
	  .min = 1,
	  .max = 1000 },
	{ .name = "balancer_name", .kind = SK_REFUSE, .why = "one connection to the endpoint is used" },
	{ .name = "keepalive", .kind = SK_REFUSE, .why = "HTTP/2 PING keep-alive settings are fixed" },
	{ .name = NULL },
};

static int check_level(struct schema_ctx *c, const struct ynode *at, const char *path, const O *o)
{
	static const unsigned max[] = {
		0, 9, 19, 9, 9, 0
	}; /* inside net/codec.c codec_level_check (zstd 1..19) */

	if (!o->compression_level || (unsigned)o->compression_level <= max[o->compression])
		return 0;
	if (!max[o->compression])
		return schema_error(c, at, "%s: compression_params.level: %s takes no level", path,
				    compression_names[o->compression]);
	return schema_error(c, at, "%s: compression_params.level: %d is out of range for %s (expected 1..%u)",
			    path, o->compression_level, compression_names[o->compression],
			    max[o->compression]);
}

static void set_compat(O *o, bool http)
{
	for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++) {
		if (!o->urls[s].text)
			continue;
		o->host = o->urls[s].host;
		o->port = o->urls[s].port;
		o->path = http ? o->urls[s].path : NULL;
		if (o->urls[s].tls)
			o->tls.enabled = true;
		break; /* the traces URL when there is one, else the first */
	}
}

static int http_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		       const struct ynode *const *seen)
{
	static const char *const suffix[] = { "/v1/traces", "/v1/logs", "/v1/metrics" };
	static const char *const keys[] = { "traces_endpoint", "logs_endpoint", "metrics_endpoint" };
	O *o = obj;
	struct sluice_url base = { 0 };
	char p[300];
	int rc;

	if (!o->endpoint && !o->signal_endpoints[0] && !o->signal_endpoints[1] && !o->signal_endpoints[2])
		return schema_error(c, v, "%s: \"endpoint\" is required", path);
	if (o->endpoint) {
		rc = config_url(c, seen[O_ENDPOINT], schema_path(p, sizeof(p), path, "endpoint"), o->endpoint,
				true, 0, &base);
		if (rc < 0)
			return rc;
	}
	for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++) {
		struct sluice_url *u = &o->urls[s];

		if (o->signal_endpoints[s]) { /* the Collector's <signal>_endpoint: a full URL used as is */
			rc = config_url(c, seen[H_TRACES + s], schema_path(p, sizeof(p), path, keys[s]),
					o->signal_endpoints[s], true, 0, u);
			if (rc < 0)
				return rc;
			if (!*u->path)
				u->path = "/";
		} else if (o->endpoint) {
			size_t n = strlen(base.path);

			while (n && base.path[n - 1] == '/')
				n--;
			*u = base;
			u->path = arena_printf(c->a, "%.*s%s", (int)n, base.path, suffix[s]);
			if (!u->path)
				return -ENOMEM;
		} else {
			continue; /* checked where a pipeline of this signal uses the exporter */
		}
		rc = config_url_text(c, u);
		if (rc < 0)
			return rc;
	}
	set_compat(o, true);
	return check_level(c, seen[O_PARAMS] ? seen[O_PARAMS] : v, path, o);
}

static int grpc_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		       const struct ynode *const *seen)
{
	O *o = obj;
	char p[300];
	bool scheme_http;
	int rc;

	if (!o->endpoint)
		return schema_error(c, v, "%s: \"endpoint\" is required", path);
	schema_path(p, sizeof(p), path, "endpoint");
	rc = config_url(c, seen[O_ENDPOINT], p, o->endpoint, false, 4317, &o->urls[0]);
	if (rc < 0)
		return rc;
	if (*o->urls[0].path && strcmp(o->urls[0].path, "/"))
		return schema_error(c, seen[O_ENDPOINT],
				    "%s: a gRPC endpoint has no path (expected host:port)", p);
	o->urls[0].path = "";
	scheme_http = !strncmp(o->endpoint, "http://", 7);
	if (o->urls[0].tls && o->tls.insecure)
		return schema_error(c, seen[O_TLS], "%s: tls.insecure is true but the endpoint is https://",
				    path);
	/* the Collector: TLS unless insecure or an http:// endpoint */
	o->urls[0].tls = !o->tls.insecure && !scheme_http;
	if ((rc = config_url_text(c, &o->urls[0])) < 0)
		return rc;
	o->urls[1] = o->urls[2] = o->urls[0];
	set_compat(o, false);
	o->tls.enabled = o->urls[0].tls;
	return check_level(c, seen[O_PARAMS] ? seen[O_PARAMS] : v, path, o);
}
static void urls_note(struct printer *p, int indent, const void *settings)
{
	const O *o = settings;

	if (o->path == NULL) { /* gRPC: one target for every signal */
		pr_line(p, indent, "# gRPC to %s%s%s:%u, %s\n", strchr(o->host, ':') ? "[" : "", o->host,
			strchr(o->host, ':') ? "]" : "", o->port,
			o->tls.enabled ? "TLS" : "plain text (no TLS)");
		return;
	}
	for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++)
		if (o->urls[s].text)
			pr_line(p, indent, "# %s go to %s%s\n", config_signal_name((enum sluice_signal)s),
				o->urls[s].text, o->urls[s].tls ? " (TLS)" : "");
}
#undef O

const struct component_desc exp_otlphttp_desc = {
	.names = (const char *const[]){ "otlphttp", "otlp_http", NULL },
	.type = SLUICE_EXP_OTLPHTTP,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = otlphttp_fields,
	.init = http_init,
	.finish = http_finish,
	.note = urls_note,
};

const struct component_desc exp_otlp_desc = {
	.names = (const char *const[]){ "otlp", "otlp_grpc", NULL },
	.type = SLUICE_EXP_OTLP,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = otlp_fields,
	.init = grpc_init,
	.finish = grpc_finish,
	.note = urls_note,
};
