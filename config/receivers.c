/* config/receivers.c: `receivers:` (otlp with protocols grpc and http). */
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

#define MIB (1ull << 20)
#define SEC 1000000000ull
#define MSEC 1000000ull

void receivers_default(struct sluice_receiver *r)
{
	memset(r, 0, sizeof(*r));
	r->id = "otlp";
	r->grpc_enabled = true;
	r->grpc_endpoint = (struct sluice_endpoint){"127.0.0.1:4317", "127.0.0.1", 4317};
	r->grpc_max_recv_msg_size = 4 * MIB;
	r->grpc_max_concurrent_streams = 100;
	r->http_enabled = true;
	r->http_endpoint = (struct sluice_endpoint){"127.0.0.1:4318", "127.0.0.1", 4318};
	r->http_max_request_body_size = 20 * MIB;
	r->http_read_timeout_ns = 30 * SEC;
	r->http_idle_timeout_ns = 60 * SEC;
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
		return schema_error(c, v, "%s: expected host:port (IPv6 as [addr]:port), got \"%.80s\"", path, s);
	}
	uint64_t port = 0;
	const char *p = colon + 1;
	if (!*p || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p))
		return schema_error(c, v, "%s: expected host:port with a numeric port, got \"%.80s\"", path, s);
	port = strtoull(p, NULL, 10);
	if (port > 65535)
		return schema_error(c, v, "%s: port %s is out of range (expected 0..65535)", path, p);
	e->text = s;
	e->host = hlen ? arena_strndup(c->a, host, hlen) : "0.0.0.0";
	e->port = (uint16_t)port;
	return e->host ? 0 : -ENOMEM;
}

static const struct schema_field grpc_fields[] = {
	{.name = "endpoint", .kind = SK_CUSTOM, .off = offsetof(struct sluice_receiver, grpc_endpoint),
	 .fn = receivers_endpoint},
	{.name = "max_recv_msg_size_mib", .kind = SK_U64,
	 .off = offsetof(struct sluice_receiver, grpc_max_recv_msg_size), .min = 1, .max = 1024, .scale = MIB},
	{.name = "max_concurrent_streams", .kind = SK_U32,
	 .off = offsetof(struct sluice_receiver, grpc_max_concurrent_streams), .min = 1, .max = 10000},
	{.name = NULL},
};

static const struct schema_field http_fields[] = {
	{.name = "endpoint", .kind = SK_CUSTOM, .off = offsetof(struct sluice_receiver, http_endpoint),
	 .fn = receivers_endpoint},
	{.name = "max_request_body_size", .kind = SK_SIZE,
	 .off = offsetof(struct sluice_receiver, http_max_request_body_size), .min = 1024, .max = 1ull << 30},
	{.name = "read_timeout", .kind = SK_DUR, .off = offsetof(struct sluice_receiver, http_read_timeout_ns),
	 .min = MSEC, .max = 3600 * SEC},
	{.name = "idle_timeout", .kind = SK_DUR, .off = offsetof(struct sluice_receiver, http_idle_timeout_ns),
	 .min = MSEC, .max = 24 * 3600 * SEC},
	{.name = NULL},
};

static int grpc_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_receiver *r = dst;

	r->grpc_enabled = true;
	return schema_map(c, v, grpc_fields, r, path, NULL);
}

static int http_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_receiver *r = dst;

	r->http_enabled = true;
	return schema_map(c, v, http_fields, r, path, NULL);
}

static const struct schema_field protocol_fields[] = {
	{.name = "grpc", .kind = SK_CUSTOM, .fn = grpc_fn},
	{.name = "http", .kind = SK_CUSTOM, .fn = http_fn},
	{.name = NULL},
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

static const struct schema_field receiver_fields[] = {
	{.name = "protocols", .kind = SK_CUSTOM, .fn = protocols_fn},
	{.name = "ring_full_wait", .kind = SK_DUR, .off = offsetof(struct sluice_receiver, ring_full_wait_ns),
	 .max = 60 * SEC},
	{.name = "retry_after", .kind = SK_DUR, .off = offsetof(struct sluice_receiver, retry_after_ns),
	 .min = SEC, .max = 3600 * SEC},
	{.name = NULL},
};

static const char *const receiver_types[] = {"otlp", NULL};

int receivers_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg)
{
	char p[256];
	int rc, type;

	rc = schema_expect_map(c, map, "receivers");
	if (rc < 0 || map->kind == YN_NULL)
		return rc;
	if (map->n / 2 > 256)
		return schema_error(c, map, "receivers: more than 256 defined");
	cfg->receivers = arena_calloc(c->a, map->n / 2 + 1, sizeof(*cfg->receivers));
	if (!cfg->receivers)
		return -ENOMEM;
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->items[i], *v = map->items[i + 1];
		struct sluice_receiver *r = &cfg->receivers[cfg->n_receivers];

		rc = component_type(c, k, "receiver", receiver_types, &type);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < cfg->n_receivers; j++)
			if (!strcmp(cfg->receivers[j].id, k->text))
				return schema_error(c, k, "duplicate key \"%s\" in receivers", k->text);
		receivers_default(r);
		r->id = k->text;
		r->line = k->line;
		r->col = k->col;
		rc = schema_map(c, v, receiver_fields, r, schema_path(p, sizeof(p), "receivers", k->text), NULL);
		if (rc < 0)
			return rc;
		cfg->n_receivers++;
	}
	return 0;
}
