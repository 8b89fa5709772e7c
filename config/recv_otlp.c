/* config/recv_otlp.c: the otlp receiver (protocols grpc and http). */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

#define MIB (1ull << 20)
#define SEC 1000000000ull
#define MSEC 1000000ull

static const char *const default_paths[SLUICE_SIGNAL_COUNT] = { "/v1/traces", "/v1/logs", "/v1/metrics" };

static void otlp_init(void *settings)
{
	struct sluice_receiver *r = settings;

	memset(r, 0, sizeof(*r));
	r->grpc_enabled = true;
	r->grpc_endpoint = (struct sluice_endpoint){ "127.0.0.1:4317", "127.0.0.1", 4317 };
	r->grpc_max_recv_msg_size = 4 * MIB;
	r->grpc_max_concurrent_streams = 100;
	tls_server_default(&r->grpc_tls);
	r->http_enabled = true;
	r->http_endpoint = (struct sluice_endpoint){ "127.0.0.1:4318", "127.0.0.1", 4318 };
	r->http_max_request_body_size = 20 * MIB;
	r->http_read_timeout_ns = 30 * SEC;
	r->http_idle_timeout_ns = 60 * SEC;
	tls_server_default(&r->http_tls);
	for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++)
		r->http_url_paths[s] = default_paths[s];
	r->ring_full_wait_ns = 500 * MSEC;
	r->retry_after_ns = 1 * SEC;
}

int receivers_endpoint(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_endpoint *e = dst;
	const char *s, *colon, *host;
	size_t hlen;
	int rc;

	if (v->kind == YN_NULL)
		return 0;
	rc = schema_str(c, v, path, &s);
	if (rc < 0)
		return rc;
	if (strstr(s, "://"))
		return schema_error(c, v, "%s: expected host:port without a scheme, got \"%.80s\"", path, s);
	colon = strrchr(s, ':');
	if (!colon)
		return schema_error(c, v, "%s: expected host:port, got \"%.80s\" (no port)", path, s);
	host = s;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	} else if (memchr(host, ':', hlen) || memchr(host, '[', hlen) || memchr(host, ']', hlen)) {
		return schema_error(c, v, "%s: expected host:port (IPv6 as [addr]:port), got \"%.80s\"", path,
				    s);
	}
	const char *p = colon + 1;
	if (!*p || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p))
		return schema_error(c, v, "%s: expected host:port with a numeric port, got \"%.80s\"", path,
				    s);
	uint64_t port = strtoull(p, NULL, 10);
	if (port > 65535)
		return schema_error(c, v, "%s: port %s is out of range (expected 0..65535)", path, p);
	e->text = s;
	e->host = hlen ? arena_strndup(c->a, host, hlen) : "0.0.0.0";
	e->port = (uint16_t)port;
	return e->host ? 0 : -ENOMEM;
}

void receivers_endpoint_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	pr_str(p, indent, f->name, ((const struct sluice_endpoint *)value)->text);
}

static int url_path_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	const char *s;
	int rc;

	if (v->kind == YN_NULL)
		return 0;
	rc = schema_str(c, v, path, &s);
	if (rc < 0)
		return rc;
	if (s[0] != '/' || strpbrk(s, " ?#\t"))
		return schema_error(c, v, "%s: expected a URL path starting with \"/\", got \"%.80s\"", path,
				    s);
	*(const char **)dst = s;
	return 0;
}

static void url_path_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	pr_str(p, indent, f->name, *(const char *const *)value);
}

#define R struct sluice_receiver
static const struct schema_field grpc_fields[] = {
	{ .name = "endpoint",
	  .kind = SK_CUSTOM,
	  .off = offsetof(R, grpc_endpoint),
	  .fn = receivers_endpoint,
	  .print = receivers_endpoint_print },
	{ .name = "max_recv_msg_size_mib",
	  .kind = SK_U64,
	  .off = offsetof(R, grpc_max_recv_msg_size),
	  .min = 1,
	  .max = 1024,
	  .scale = MIB },
	{ .name = "max_concurrent_streams",
	  .kind = SK_U32,
	  .off = offsetof(R, grpc_max_concurrent_streams),
	  .min = 1,
	  .max = 10000 },
	{ .name = "tls",
	  .kind = SK_MAP,
	  .off = offsetof(R, grpc_tls),
	  .sub = tls_server_fields,
	  .check = tls_server_check,
	  .flags = SF_PRESENCE,
	  .off2 = offsetof(R, grpc_tls.enabled) },
	{ .name = NULL },
};

static const struct schema_field http_fields[] = {
	{ .name = "endpoint",
	  .kind = SK_CUSTOM,
	  .off = offsetof(R, http_endpoint),
	  .fn = receivers_endpoint,
	  .print = receivers_endpoint_print },
	{ .name = "max_request_body_size",
	  .kind = SK_SIZE,
	  .off = offsetof(R, http_max_request_body_size),
	  .min = 1024,
	  .max = 1ull << 30 },
	{ .name = "read_timeout",
	  .kind = SK_DUR,
	  .off = offsetof(R, http_read_timeout_ns),
	  .min = MSEC,
	  .max = 3600 * SEC },
	{ .name = "idle_timeout",
	  .kind = SK_DUR,
	  .off = offsetof(R, http_idle_timeout_ns),
	  .min = MSEC,
	  .max = 24 * 3600 * SEC },
	{ .name = "traces_url_path",
	  .kind = SK_CUSTOM,
	  .off = offsetof(R, http_url_paths[0]),
	  .fn = url_path_fn,
	  .print = url_path_print },
	{ .name = "logs_url_path",
	  .kind = SK_CUSTOM,
	  .off = offsetof(R, http_url_paths[1]),
	  .fn = url_path_fn,
	  .print = url_path_print },
	{ .name = "metrics_url_path",
	  .kind = SK_CUSTOM,
	  .off = offsetof(R, http_url_paths[2]),
	  .fn = url_path_fn,
	  .print = url_path_print },
	{ .name = "tls",
	  .kind = SK_MAP,
	  .off = offsetof(R, http_tls),
	  .sub = tls_server_fields,
	  .check = tls_server_check,
	  .flags = SF_PRESENCE,
	  .off2 = offsetof(R, http_tls.enabled) },
	{ .name = "include_metadata",
	  .kind = SK_REFUSE,
	  .why = "request metadata is not kept (routing by request context is not supported)" },
	{ .name = "cors", .kind = SK_REFUSE, .why = "browsers are not served directly; put a proxy in front" },
	{ .name = NULL },
};

static int http_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		      const struct ynode *const *seen)
{
	const struct sluice_receiver *r = obj;

	(void)v;
	for (int a = 0; a < SLUICE_SIGNAL_COUNT; a++)
		for (int b = 0; b < a; b++)
			if (!strcmp(r->http_url_paths[a], r->http_url_paths[b]))
				return schema_error(c, seen[4 + a] ? seen[4 + a] : seen[4 + b],
						    "%s: %s_url_path and %s_url_path are both \"%.80s\"",
						    path, config_signal_name((enum sluice_signal)b),
						    config_signal_name((enum sluice_signal)a),
						    r->http_url_paths[a]);
	return 0;
}

static const struct schema_field protocol_fields[] = {
	{ .name = "grpc",
	  .kind = SK_MAP,
	  .sub = grpc_fields,
	  .flags = SF_PRESENCE,
	  .off2 = offsetof(R, grpc_enabled) },
	{ .name = "http",
	  .kind = SK_MAP,
	  .sub = http_fields,
	  .check = http_check,
	  .flags = SF_PRESENCE,
	  .off2 = offsetof(R, http_enabled) },
	{ .name = NULL },
};

static int protocols_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_receiver *r = dst;
	int rc;

	/* Collector behaviour: only the protocols listed are served. */
	r->grpc_enabled = false;
	r->http_enabled = false;
	rc = schema_map(c, v, protocol_fields, r, path, NULL);
	if (rc == 0 && !r->grpc_enabled && !r->http_enabled)
		return schema_error(c, v, "%s: expected at least one of grpc, http", path);
	return rc;
}

static void protocols_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	schema_print_map(p, indent, f->name, protocol_fields, value);
}

static const struct schema_field otlp_fields[] = {
	{ .name = "protocols", .kind = SK_CUSTOM, .fn = protocols_fn, .print = protocols_print },
	{ .name = "ring_full_wait", .kind = SK_DUR, .off = offsetof(R, ring_full_wait_ns), .max = 60 * SEC },
	{ .name = "retry_after",
	  .kind = SK_DUR,
	  .off = offsetof(R, retry_after_ns),
	  .min = SEC,
	  .max = 3600 * SEC },
	{ .name = NULL },
};
#undef R

const struct component_desc recv_otlp_desc = {
	.names = (const char *const[]){ "otlp", NULL },
	.signals = SLUICE_SIGNALS_ALL,
	.fields = otlp_fields,
	.init = otlp_init,
};
