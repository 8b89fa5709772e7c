/* config/exporters.c: `exporters:` (otlphttp, otlp, debug, file). */
#include "config/loader.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

#define MSEC 1000000ull
#define SEC 1000000000ull
#define MIB (1ull << 20)

void exporters_default_debug(struct sluice_debug_exporter *d)
{
	d->verbosity = SLUICE_VERBOSITY_BASIC;
	d->output = NULL;
}

static void default_otlp(struct sluice_otlp_exporter *o, bool grpc)
{
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
		.enabled = true, .num_consumers = 10, .queue_size = 1000, .storage_max_bytes = 1024 * MIB};
	o->connections = grpc ? 1 : 4;
	o->max_concurrent_streams = 16;
	o->port = grpc ? 4317 : 80;
}

static const struct schema_field retry_fields[] = {
	{.name = "enabled", .kind = SK_BOOL, .off = offsetof(struct sluice_retry, enabled)},
	{.name = "initial_interval", .kind = SK_DUR, .off = offsetof(struct sluice_retry, initial_interval_ns),
	 .min = MSEC, .max = 3600 * SEC},
	{.name = "max_interval", .kind = SK_DUR, .off = offsetof(struct sluice_retry, max_interval_ns),
	 .min = MSEC, .max = 3600 * SEC},
	{.name = "max_elapsed_time", .kind = SK_DUR, .off = offsetof(struct sluice_retry, max_elapsed_time_ns),
	 .max = 7 * 24 * 3600 * SEC},
	{.name = "multiplier", .kind = SK_DOUBLE, .off = offsetof(struct sluice_retry, multiplier), .dmin = 1,
	 .dmax = 100},
	{.name = "randomization_factor", .kind = SK_DOUBLE,
	 .off = offsetof(struct sluice_retry, randomization_factor), .dmin = 0, .dmax = 1},
	{.name = NULL},
};

static int retry_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_retry *r = dst;
	int rc = schema_map(c, v, retry_fields, r, path, NULL);

	if (rc == 0 && r->initial_interval_ns > r->max_interval_ns)
		return schema_error(c, v, "%s: initial_interval is greater than max_interval", path);
	return rc;
}

static const struct schema_field queue_fields[] = {
	{.name = "enabled", .kind = SK_BOOL, .off = offsetof(struct sluice_queue, enabled)},
	{.name = "num_consumers", .kind = SK_U32, .off = offsetof(struct sluice_queue, num_consumers), .min = 1,
	 .max = 1024},
	{.name = "queue_size", .kind = SK_U32, .off = offsetof(struct sluice_queue, queue_size), .min = 1,
	 .max = 1000000},
	{.name = "storage", .kind = SK_CUSTOM, .off = offsetof(struct sluice_queue, storage), .fn = extras_abs_path},
	{.name = "storage_max_bytes", .kind = SK_SIZE, .off = offsetof(struct sluice_queue, storage_max_bytes),
	 .min = MIB, .max = 1ull << 44},
	{.name = NULL},
};

static int queue_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_map(c, v, queue_fields, dst, path, NULL);
}

/* headers: {name: value}; names are case-insensitive on the wire, kept
 * lower-case (HTTP/2 requires it). */
static int headers_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_otlp_exporter *o = dst;
	char p[300];
	int rc = schema_expect_map(c, v, path);

	if (rc < 0 || v->kind == YN_NULL)
		return rc;
	o->headers = arena_calloc(c->a, v->n / 2 + 1, sizeof(*o->headers));
	if (!o->headers)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i];
		struct sluice_header *h = &o->headers[o->n_headers];
		char *name;

		if (k->kind != YN_SCALAR || !k->len || strspn(k->text, "abcdefghijklmnopqrstuvwxyz"
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&'*+^`|~") != k->len)
			return schema_error(c, k, "%s: bad header name \"%.60s\"", path, k->text ? k->text : "");
		name = arena_strndup(c->a, k->text, k->len);
		if (!name)
			return -ENOMEM;
		for (char *q = name; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		for (size_t j = 0; j < o->n_headers; j++)
			if (!strcmp(o->headers[j].name, name))
				return schema_error(c, k, "%s: duplicate header \"%s\"", path, name);
		rc = schema_str(c, v->items[i + 1], schema_path(p, sizeof(p), path, name), &h->value);
		if (rc < 0)
			return rc;
		if (strpbrk(h->value, "\r\n"))
			return schema_error(c, v->items[i + 1], "%s: header value contains a line break", p);
		h->name = name;
		o->n_headers++;
	}
	return 0;
}

/* tls: only `insecure: true` (plain text) is possible: sluice has no TLS. */
static int tls_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	static const struct schema_field tls_fields[] = {
		{.name = "insecure", .kind = SK_BOOL, .off = 0},
		{.name = NULL},
	};
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	bool insecure = false;
	int rc;

	(void)dst;
	rc = schema_map(c, v, tls_fields, &insecure, path, seen);
	if (rc == 0 && !insecure)
		return schema_error(c, seen[0] ? seen[0] : v,
				    "%s: sluice has no TLS; only \"insecure: true\" is accepted (terminate TLS in a local proxy)",
				    path);
	return rc;
}

static const char *const compression_names[] = {"none", "gzip", NULL};

#define OTLP_COMMON_FIELDS                                                                                   \
	{.name = "endpoint", .kind = SK_STR, .off = offsetof(struct sluice_otlp_exporter, endpoint)},            \
	{.name = "headers", .kind = SK_CUSTOM, .fn = headers_fn},                                             \
	{.name = "compression", .kind = SK_ENUM, .off = offsetof(struct sluice_otlp_exporter, compression),      \
	 .names = compression_names},                                                                         \
	{.name = "timeout", .kind = SK_DUR, .off = offsetof(struct sluice_otlp_exporter, timeout_ns),           \
	 .min = MSEC, .max = 3600 * SEC},                                                                      \
	{.name = "retry_on_failure", .kind = SK_CUSTOM,                                                       \
	 .off = offsetof(struct sluice_otlp_exporter, retry_on_failure), .fn = retry_fn},                      \
	{.name = "sending_queue", .kind = SK_CUSTOM, .off = offsetof(struct sluice_otlp_exporter, sending_queue), \
	 .fn = queue_fn},                                                                                      \
	{.name = "dead_letter_dir", .kind = SK_CUSTOM,                                                        \
	 .off = offsetof(struct sluice_otlp_exporter, dead_letter_dir), .fn = extras_abs_path},                \
	{.name = "tls", .kind = SK_CUSTOM, .fn = tls_fn}

enum { O_ENDPOINT, O_TRACES_ENDPOINT = 8 };

static const struct schema_field otlphttp_fields[] = {
	OTLP_COMMON_FIELDS,
	[O_TRACES_ENDPOINT] = {.name = "traces_endpoint", .kind = SK_STR, .off = offsetof(struct sluice_otlp_exporter, path)},
	{.name = "connections", .kind = SK_U32, .off = offsetof(struct sluice_otlp_exporter, connections), .min = 1,
	 .max = 256},
	{.name = NULL},
};

static const struct schema_field otlp_fields[] = {
	OTLP_COMMON_FIELDS,
	{.name = "max_concurrent_streams", .kind = SK_U32,
	 .off = offsetof(struct sluice_otlp_exporter, max_concurrent_streams), .min = 1, .max = 1000},
	{.name = NULL},
};

/* "http://host[:port][/path]" (scheme required for otlphttp; optional
 * for otlp, which takes "host:port"). */
static int parse_url(struct schema_ctx *c, const struct ynode *at, const char *path, const char *url,
		     bool need_scheme, struct sluice_otlp_exporter *o, const char **url_path)
{
	const char *s = url, *host, *end, *port = NULL;
	size_t hlen;

	if (!strncmp(s, "https://", 8))
		return schema_error(c, at, "%s: https is not supported (sluice has no TLS; send to a local TLS proxy over http://)",
				    path);
	if (!strncmp(s, "http://", 7))
		s += 7;
	else if (strstr(s, "://") || need_scheme)
		return schema_error(c, at, "%s: expected a URL like http://host:4318, got \"%.80s\"", path, url);
	end = s + strcspn(s, "/?#");
	if (*end == '?' || *end == '#')
		return schema_error(c, at, "%s: query and fragment are not supported in \"%.80s\"", path, url);
	host = s;
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));
		if (!rb)
			return schema_error(c, at, "%s: unterminated [IPv6] host in \"%.80s\"", path, url);
		hlen = (size_t)(rb - host - 1);
		host++;
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return schema_error(c, at, "%s: bad host in \"%.80s\"", path, url);
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		hlen = (size_t)((colon ? colon : end) - host);
		if (colon)
			port = colon + 1;
	}
	if (!hlen)
		return schema_error(c, at, "%s: no host in \"%.80s\"", path, url);
	if (port) {
		size_t plen = (size_t)(end - port);
		unsigned long v = 0;

		if (!plen || plen > 5 || strspn(port, "0123456789") < plen)
			return schema_error(c, at, "%s: bad port in \"%.80s\"", path, url);
		v = strtoul(port, NULL, 10);
		if (v == 0 || v > 65535)
			return schema_error(c, at, "%s: port %lu is out of range (expected 1..65535)", path, v);
		o->port = (uint16_t)v;
	}
	o->host = arena_strndup(c->a, host, hlen);
	*url_path = *end ? end : "";
	return o->host ? 0 : -ENOMEM;
}

static int otlp_exporter(struct schema_ctx *c, const struct ynode *v, struct sluice_exporter *e, const char *path)
{
	struct sluice_otlp_exporter *o = &e->otlp;
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	bool http = e->type == SLUICE_EXP_OTLPHTTP;
	const char *traces_endpoint, *upath;
	char p[300];
	int rc;

	default_otlp(o, !http);
	rc = schema_map(c, v, http ? otlphttp_fields : otlp_fields, o, path, seen);
	if (rc < 0)
		return rc;
	traces_endpoint = http ? o->path : NULL;
	o->path = NULL;
	if (!o->endpoint && !traces_endpoint)
		return schema_error(c, v, "%s: \"endpoint\" is required", path);
	if (traces_endpoint) {
		/* the Collector's traces_endpoint: a full URL used as is */
		rc = parse_url(c, seen[O_TRACES_ENDPOINT], schema_path(p, sizeof(p), path, "traces_endpoint"),
			       traces_endpoint, true, o, &upath);
		if (rc < 0)
			return rc;
		o->path = *upath ? upath : "/";
		if (!o->endpoint)
			o->endpoint = traces_endpoint;
		return 0;
	}
	rc = parse_url(c, seen[O_ENDPOINT], schema_path(p, sizeof(p), path, "endpoint"), o->endpoint, http, o,
		       &upath);
	if (rc < 0)
		return rc;
	if (!http) {
		if (*upath && strcmp(upath, "/"))
			return schema_error(c, seen[O_ENDPOINT], "%s: a gRPC endpoint has no path (expected host:port)", p);
		return 0;
	}
	size_t n = strlen(upath);
	while (n && upath[n - 1] == '/')
		n--;
	o->path = arena_printf(c->a, "%.*s/v1/traces", (int)n, upath);
	return o->path ? 0 : -ENOMEM;
}

static const char *const verbosity_names[] = {"basic", "normal", "detailed", NULL};

static int debug_output_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	if (v->kind == YN_SCALAR && !strcmp(v->text, "stdout")) {
		*(const char **)dst = NULL;
		return 0;
	}
	return extras_abs_path(c, v, dst, path);
}

static const struct schema_field debug_fields[] = {
	{.name = "verbosity", .kind = SK_ENUM, .off = offsetof(struct sluice_debug_exporter, verbosity),
	 .names = verbosity_names},
	{.name = "output", .kind = SK_CUSTOM, .off = offsetof(struct sluice_debug_exporter, output),
	 .fn = debug_output_fn},
	{.name = NULL},
};

static const struct schema_field rotation_fields[] = {
	{.name = "max_megabytes", .kind = SK_U64, .off = offsetof(struct sluice_file_exporter, rotation_max_bytes),
	 .min = 1, .max = 1000000, .scale = MIB},
	{.name = "max_backups", .kind = SK_U32, .off = offsetof(struct sluice_file_exporter, rotation_max_backups),
	 .max = 100000},
	{.name = NULL},
};

static int rotation_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_file_exporter *f = dst;

	f->rotation = true;
	return schema_map(c, v, rotation_fields, f, path, NULL);
}

static const struct schema_field file_fields[] = {
	{.name = "path", .kind = SK_CUSTOM, .off = offsetof(struct sluice_file_exporter, path), .fn = extras_abs_path},
	{.name = "rotation", .kind = SK_CUSTOM, .fn = rotation_fn},
	{.name = NULL},
};

static const char *const exporter_types[] = {"otlphttp", "otlp", "debug", "file", NULL};

const char *config_exporter_type_name(enum sluice_exporter_type t)
{
	return (unsigned)t <= SLUICE_EXP_FILE ? exporter_types[t] : "?";
}

static int one_exporter(struct schema_ctx *c, const struct ynode *v, struct sluice_exporter *e, const char *path)
{
	int rc;

	switch (e->type) {
	case SLUICE_EXP_OTLPHTTP:
	case SLUICE_EXP_OTLP:
		return otlp_exporter(c, v, e, path);
	case SLUICE_EXP_DEBUG:
		exporters_default_debug(&e->debug);
		return schema_map(c, v, debug_fields, &e->debug, path, NULL);
	case SLUICE_EXP_PROMETHEUS:
		return -EINVAL;
	case SLUICE_EXP_FILE:
		e->file.rotation_max_bytes = 100 * MIB;
		e->file.rotation_max_backups = 100;
		rc = schema_map(c, v, file_fields, &e->file, path, NULL);
		if (rc == 0 && !e->file.path)
			return schema_error(c, v, "%s: \"path\" is required", path);
		return rc;
	}
	return -EINVAL;
}

int exporters_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg)
{
	char path[256];
	int rc, type;

	rc = schema_expect_map(c, map, "exporters");
	if (rc < 0 || map->kind == YN_NULL)
		return rc;
	if (map->n / 2 > 256)
		return schema_error(c, map, "exporters: more than 256 defined");
	cfg->exporters = arena_calloc(c->a, map->n / 2 + 1, sizeof(*cfg->exporters));
	if (!cfg->exporters)
		return -ENOMEM;
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->items[i], *v = map->items[i + 1];
		struct sluice_exporter *e = &cfg->exporters[cfg->n_exporters];

		rc = component_type(c, k, "exporter", exporter_types, &type);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < cfg->n_exporters; j++)
			if (!strcmp(cfg->exporters[j].id, k->text))
				return schema_error(c, k, "duplicate key \"%s\" in exporters", k->text);
		e->id = k->text;
		e->type = (enum sluice_exporter_type)type;
		e->line = k->line;
		e->col = k->col;
		rc = one_exporter(c, v, e, schema_path(path, sizeof(path), "exporters", k->text));
		if (rc < 0)
			return rc;
		cfg->n_exporters++;
	}
	return 0;
}
