/* config/service.c: `service:` (pipelines, telemetry) and the checks that
 * span sections: ring sizes against message limits, default dead-letter
 * directories, then the plan. */
#include "config/loader.h"
#include "config/plan.h"
#include "config/print.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"
#include "config/log.h"
#include "exporter/paths.h" /* header-only: the one place export paths are made */

static int later_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)c, (void)v, (void)dst, (void)path;
	return 0;
}

static const char *const level_names[] = { "error", "warn", "info", "debug", NULL };

#define CF struct sluice_config
static const struct schema_field metrics_fields[] = {
	{ .name = "address",
	  .kind = SK_CUSTOM,
	  .off = offsetof(CF, metrics_address),
	  .fn = receivers_endpoint,
	  .print = receivers_endpoint_print },
	{ .name = NULL },
};

static const struct schema_field logs_fields[] = {
	{ .name = "level", .kind = SK_ENUM, .off = offsetof(CF, log_level), .names = level_names },
	{ .name = NULL },
};

static const struct schema_field telemetry_fields[] = {
	{ .name = "metrics", .kind = SK_MAP, .sub = metrics_fields },
	{ .name = "logs", .kind = SK_MAP, .sub = logs_fields },
	{ .name = NULL },
};
#undef CF

static int extensions_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)dst;
	if (v->kind == YN_NULL || (v->kind == YN_SEQ && v->n == 0))
		return 0;
	return schema_error(
		c, v,
		"%s: sluice has no extensions (its /metrics and /health are on service.telemetry.metrics.address)",
		path);
}

enum {
	SV_PIPELINES,
	SV_TELEMETRY,
	SV_EXTENSIONS
};

static const struct schema_field service_fields[] = {
	[SV_PIPELINES] = { .name = "pipelines", .kind = SK_CUSTOM, .fn = later_fn },
	[SV_TELEMETRY] = { .name = "telemetry", .kind = SK_MAP, .sub = telemetry_fields },
	[SV_EXTENSIONS] = { .name = "extensions", .kind = SK_CUSTOM, .fn = extensions_fn },
	{ .name = NULL },
};

int service_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS] = { 0 };
	int rc;

	cfg->metrics_address = (struct sluice_endpoint){ "127.0.0.1:8888", "127.0.0.1", 8888 };
	cfg->log_level = LOG_INFO;
	if (map && (rc = schema_map(c, map, service_fields, cfg, "service", seen)) < 0)
		return rc;
	return pipelines_parse(c, seen[SV_PIPELINES], cfg);
}

static void ids(struct printer *p, const char *key, const char *const *list, size_t n)
{
	pr_strlist(p, 3, key, list, n);
}

void service_print(struct printer *p, const struct sluice_config *cfg)
{
	const char *list[CONFIG_MAX_PROCESSORS + 2 * CONFIG_MAX_CONNECTORS + CONFIG_MAX_RECEIVERS + 2];
	size_t n;

	pr_line(p, 0, "service:\n");
	pr_line(p, 1, "pipelines:\n");
	for (size_t i = 0; i < cfg->n_pipelines; i++) {
		const struct sluice_pipeline *pl = &cfg->pipelines[i];

		pr_key(p, 2, pl->id);
		fputc('\n', p->f);
		for (n = 0; n < pl->n_receivers; n++)
			list[n] = pl->receivers[n]->id;
		for (size_t j = 0; j < pl->n_from_connectors; j++)
			list[n++] = pl->from_connectors[j]->id;
		ids(p, "receivers", list, n);
		for (n = 0; n < pl->n_processors; n++)
			list[n] = pl->processors[n]->id;
		if (pl->batch_processor)
			list[n++] = pl->batch_processor->id;
		ids(p, "processors", list, n);
		for (n = 0; n < pl->n_exporters; n++)
			list[n] = pl->exporters[n]->id;
		for (size_t j = 0; j < pl->n_to_connectors; j++)
			list[n++] = pl->to_connectors[j]->id;
		ids(p, "exporters", list, n);
	}
	schema_print_map(p, 1, "telemetry", telemetry_fields, cfg);
}

/* A record of `limit` payload bytes must fit the ring: the shm ring takes
 * records up to capacity / 2 including the header and alignment. */
static bool fits(uint64_t limit, uint64_t ring)
{
	return limit + CONFIG_RING_RECORD_OVERHEAD <= ring / 2;
}

/* At the component when the file defines it, else at the ring size. */
static int too_big(struct schema_ctx *c, unsigned line, unsigned col, const char *what, uint64_t limit,
		   int ring_idx, uint64_t ring)
{
	static const char *const names[] = { "ingest_process", "process_batch", "batch_export" };
	const char *ring_name = names[ring_idx];
	char a[32], b[32], m[32];
	struct ynode at = { .line = line, .col = col };
	const struct ynode *where = line ? &at : c->at_rings[ring_idx];

	config_format_size(limit, a, sizeof(a));
	config_format_size(ring, b, sizeof(b));
	config_format_size(ring / 2 - CONFIG_RING_RECORD_OVERHEAD, m, sizeof(m));
	return schema_error(
		c, where,
		"%s %s does not fit one record of the %s ring (%s holds records up to %s); raise sluice.rings.%s or lower the limit",
		what, a, ring_name, b, m, ring_name);
}

static int receiver_fits(struct schema_ctx *c, const struct sluice_config *cfg,
			 const struct sluice_receiver *r)
{
	uint64_t lim[2] = { r->http_enabled ? r->http_max_request_body_size : 0,
			    r->grpc_enabled ? r->grpc_max_recv_msg_size : 0 };
	char what[128];

	for (int k = 0; k < 2; k++) {
		snprintf(what, sizeof(what), "receivers.%s: %s", r->id,
			 k ? "grpc max_recv_msg_size_mib" : "http max_request_body_size");
		if (lim[k] && !fits(lim[k], cfg->rings.ingest_process))
			return too_big(c, r->line, r->col, what, lim[k], 0, cfg->rings.ingest_process);
		if (lim[k] && !fits(lim[k], cfg->rings.process_batch))
			return too_big(c, r->line, r->col, what, lim[k], 1, cfg->rings.process_batch);
	}
	return 0;
}

int service_finish(struct schema_ctx *c, struct sluice_config *cfg)
{
	int rc;

	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		const struct sluice_pipeline *pl = &cfg->pipelines[p];

		for (size_t i = 0; i < pl->n_receivers; i++)
			if ((rc = receiver_fits(c, cfg, pl->receivers[i])) < 0)
				return rc;
		if (pl->n_exporters && !fits(pl->batch->send_batch_max_bytes, cfg->rings.batch_export)) {
			const struct sluice_processor *b = pl->batch_processor;
			char what[128];

			snprintf(what, sizeof(what), "processors.%s: send_batch_max_bytes",
				 b ? b->id : "batch");
			return too_big(c, b ? b->line : 0, b ? b->col : 0, what,
				       pl->batch->send_batch_max_bytes, 2, cfg->rings.batch_export);
		}
	}
	for (size_t i = 0; i < cfg->n_exporters; i++) {
		struct sluice_exporter *e = &cfg->exporters[i];

		if ((e->type != SLUICE_EXP_OTLP && e->type != SLUICE_EXP_OTLPHTTP) || e->otlp.dead_letter_dir)
			continue;
		char dir[4096];
		if (export_path_deadletter(dir, sizeof(dir), cfg->state_dir, cfg->instance, e->id) < 0)
			return schema_error_at(c, e->line, e->col,
					       "exporters.%s: its dead-letter directory under "
					       "state_dir %.200s is too long",
					       e->id, cfg->state_dir);
		char *d = arena_strdup(c->a, dir);
		if (!d)
			return -ENOMEM;
		e->otlp.dead_letter_dir = d;
	}
	return plan_build(c, cfg);
}
