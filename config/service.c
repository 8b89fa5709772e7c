/* config/service.c: `service:` (the traces pipeline, telemetry) and the
 * checks that span several sections. */
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"
#include "config/log.h"

/* The defaults a pipeline falls back to when the file names nothing. */
static int add_default_receiver(struct schema_ctx *c, struct sluice_config *cfg)
{
	struct sluice_receiver *r = arena_calloc(c->a, cfg->n_receivers + 1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	if (cfg->n_receivers)
		memcpy(r, cfg->receivers, cfg->n_receivers * sizeof(*r));
	receivers_default(&r[cfg->n_receivers]);
	cfg->receivers = r;
	cfg->n_receivers++;
	return 0;
}

static int add_default_processor(struct schema_ctx *c, struct sluice_config *cfg)
{
	struct sluice_processor *p = arena_calloc(c->a, cfg->n_processors + 1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (cfg->n_processors)
		memcpy(p, cfg->processors, cfg->n_processors * sizeof(*p));
	p[cfg->n_processors].id = "batch";
	p[cfg->n_processors].type = SLUICE_PROC_BATCH;
	processors_default_batch(&p[cfg->n_processors].batch);
	cfg->processors = p;
	cfg->n_processors++;
	return 0;
}

static int add_default_exporter(struct schema_ctx *c, struct sluice_config *cfg)
{
	struct sluice_exporter *e = arena_calloc(c->a, cfg->n_exporters + 1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	if (cfg->n_exporters)
		memcpy(e, cfg->exporters, cfg->n_exporters * sizeof(*e));
	e[cfg->n_exporters].id = "debug";
	e[cfg->n_exporters].type = SLUICE_EXP_DEBUG;
	exporters_default_debug(&e[cfg->n_exporters].debug);
	cfg->exporters = e;
	cfg->n_exporters++;
	return 0;
}

/* Resolves a pipeline list (ids) to component indices. */
static int resolve(struct schema_ctx *c, const struct ynode *list, const char *path, const char *kind,
		   const char *section, size_t max, const char *(*id_of)(const struct sluice_config *, size_t),
		   size_t ndef, const struct sluice_config *cfg, size_t *idx, size_t *n)
{
	char p[128];
	int rc = schema_expect_seq(c, list, path);

	if (rc < 0)
		return rc;
	if (list->kind == YN_NULL || list->n == 0) {
		*n = 0;
		return 0;
	}
	if (list->n > max)
		return schema_error(c, list, "%s: more than %zu %ss", path, max, kind);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		const char *id;
		size_t j;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		rc = schema_str(c, it, p, &id);
		if (rc < 0)
			return rc;
		for (j = 0; j < ndef; j++)
			if (!strcmp(id_of(cfg, j), id))
				break;
		if (j == ndef) {
			char defined[200] = "";
			size_t used = 0;

			for (size_t k = 0; k < ndef && used < sizeof(defined); k++) {
				int w = snprintf(defined + used, sizeof(defined) - used, "%s%s", k ? ", " : "",
						 id_of(cfg, k));
				if (w < 0)
					break;
				used += (size_t)w;
			}
			return schema_error(c, it, "%s: %s \"%.80s\" is not defined under %s (%s%s)", path, kind, id,
					    section, ndef ? "defined: " : "none defined", defined);
		}
		for (size_t k = 0; k < i; k++)
			if (idx[k] == j)
				return schema_error(c, it, "%s: %s \"%s\" is listed twice", path, kind, id);
		idx[i] = j;
	}
	*n = list->n;
	return 0;
}

static const char *rid(const struct sluice_config *c, size_t i) { return c->receivers[i].id; }
static const char *pid(const struct sluice_config *c, size_t i) { return c->processors[i].id; }
static const char *eid(const struct sluice_config *c, size_t i) { return c->exporters[i].id; }

enum { T_RECEIVERS, T_PROCESSORS, T_EXPORTERS };

static int later_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)c, (void)v, (void)dst, (void)path;
	return 0;
}

static const struct schema_field traces_fields[] = {
	[T_RECEIVERS] = {.name = "receivers", .kind = SK_CUSTOM, .fn = later_fn},
	[T_PROCESSORS] = {.name = "processors", .kind = SK_CUSTOM, .fn = later_fn},
	[T_EXPORTERS] = {.name = "exporters", .kind = SK_CUSTOM, .fn = later_fn},
	{.name = NULL},
};

#define TP "service.pipelines.traces"

static int pipeline(struct schema_ctx *c, const struct ynode *traces, struct sluice_config *cfg)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS] = {0};
	struct sluice_pipeline *pl = &cfg->pipeline;
	size_t idx[CONFIG_MAX_PROCESSORS + 1], n = 0;
	int rc;

	if (traces && (rc = schema_map(c, traces, traces_fields, NULL, TP, seen)) < 0)
		return rc;

	/* receivers: listed, else every defined one, else the default */
	if (!seen[T_RECEIVERS] && !cfg->n_receivers && (rc = add_default_receiver(c, cfg)) < 0)
		return rc;
	if (!seen[T_RECEIVERS] && cfg->n_receivers > CONFIG_MAX_RECEIVERS)
		return schema_error(c, traces, TP ": more than %d receivers defined; list the ones to use",
				    CONFIG_MAX_RECEIVERS);
	pl->receivers = arena_calloc(c->a, CONFIG_MAX_RECEIVERS, sizeof(*pl->receivers));
	if (!pl->receivers)
		return -ENOMEM;
	if (seen[T_RECEIVERS]) {
		rc = resolve(c, seen[T_RECEIVERS], TP ".receivers", "receiver", "receivers", CONFIG_MAX_RECEIVERS,
			     rid, cfg->n_receivers, cfg, idx, &n);
		if (rc < 0)
			return rc;
		if (!n)
			return schema_error(c, seen[T_RECEIVERS], TP ".receivers: expected at least one receiver");
	} else {
		for (n = 0; n < cfg->n_receivers; n++)
			idx[n] = n;
	}
	for (size_t i = 0; i < n; i++)
		pl->receivers[i] = &cfg->receivers[idx[i]];
	pl->n_receivers = n;

	/* processors: listed in order; absent = [batch] when none is defined */
	if (!seen[T_PROCESSORS] && cfg->n_processors == 1 && cfg->processors[0].type == SLUICE_PROC_BATCH) {
		idx[0] = 0; /* the only processor defined is a batch: use it */
		n = 1;
	} else if (!seen[T_PROCESSORS]) {
		if (cfg->n_processors)
			return schema_error(c, traces ? traces : c->at_processors,
					    TP ".processors: not given, but processors are defined; list the ones to run, in order");
		if ((rc = add_default_processor(c, cfg)) < 0)
			return rc;
		idx[0] = 0;
		n = 1;
	} else {
		rc = resolve(c, seen[T_PROCESSORS], TP ".processors", "processor", "processors",
			     CONFIG_MAX_PROCESSORS + 1, pid, cfg->n_processors, cfg, idx, &n);
		if (rc < 0)
			return rc;
	}
	pl->processors = arena_calloc(c->a, CONFIG_MAX_PROCESSORS + 1, sizeof(*pl->processors));
	if (!pl->processors)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct sluice_processor *p = &cfg->processors[idx[i]];

		if (p->type == SLUICE_PROC_BATCH) {
			if (i + 1 != n)
				return schema_error(c, seen[T_PROCESSORS]->items[i],
						    TP ".processors[%zu]: the batch processor \"%s\" must be the last one", i,
						    p->id);
			pl->batch_processor = p;
			pl->batch = &p->batch;
			continue;
		}
		if (pl->n_processors == CONFIG_MAX_PROCESSORS)
			return schema_error(c, seen[T_PROCESSORS], TP ".processors: more than %d processors",
					    CONFIG_MAX_PROCESSORS);
		pl->processors[pl->n_processors++] = p;
	}
	if (!pl->batch) {
		static const struct sluice_batch passthrough = {.send_batch_size = 1,
								.send_batch_max_bytes = 4ull << 20};
		pl->batch = &passthrough;
	}

	/* exporters: listed, else every defined one, else the default */
	if (!seen[T_EXPORTERS] && !cfg->n_exporters && (rc = add_default_exporter(c, cfg)) < 0)
		return rc;
	if (!seen[T_EXPORTERS] && cfg->n_exporters > CONFIG_MAX_EXPORTERS)
		return schema_error(c, traces, TP ": more than %d exporters defined; list the ones to use",
				    CONFIG_MAX_EXPORTERS);
	if (seen[T_EXPORTERS]) {
		rc = resolve(c, seen[T_EXPORTERS], TP ".exporters", "exporter", "exporters", CONFIG_MAX_EXPORTERS,
			     eid, cfg->n_exporters, cfg, idx, &n);
		if (rc < 0)
			return rc;
		if (!n)
			return schema_error(c, seen[T_EXPORTERS], TP ".exporters: expected at least one exporter");
	} else {
		for (n = 0; n < cfg->n_exporters; n++)
			idx[n] = n;
	}
	pl->exporters = arena_calloc(c->a, CONFIG_MAX_EXPORTERS, sizeof(*pl->exporters));
	if (!pl->exporters)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		pl->exporters[i] = &cfg->exporters[idx[i]];
	pl->n_exporters = n;
	return 0;
}

static int pipelines_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	const struct ynode **traces = dst;
	int rc = schema_expect_map(c, v, path);

	if (rc < 0 || v->kind == YN_NULL)
		return rc;
	for (size_t i = 0; i < v->n; i += 2) {
		const struct ynode *k = v->items[i];

		if (k->kind != YN_SCALAR)
			return schema_error(c, k, "%s: expected a pipeline name", path);
		if (!strcmp(k->text, "traces")) {
			if (*traces)
				return schema_error(c, k, "duplicate key \"traces\" in %s", path);
			*traces = v->items[i + 1];
		} else if (!strncmp(k->text, "traces/", 7)) {
			return schema_error(c, k, "%s: only one traces pipeline per instance (run another instance for \"%.60s\")",
					    path, k->text);
		} else {
			return schema_error(c, k, "%s: unsupported pipeline \"%.60s\" (sluice carries traces only)", path,
					    k->text);
		}
	}
	return 0;
}

static const char *const level_names[] = {"error", "warn", "info", "debug", NULL};

static const struct schema_field metrics_fields[] = {
	{.name = "address", .kind = SK_CUSTOM, .off = 0, .fn = receivers_endpoint},
	{.name = NULL},
};

static int metrics_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_map(c, v, metrics_fields, dst, path, NULL);
}

static const struct schema_field logs_fields[] = {
	{.name = "level", .kind = SK_ENUM, .off = 0, .names = level_names},
	{.name = NULL},
};

static int logs_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_map(c, v, logs_fields, dst, path, NULL);
}

static const struct schema_field telemetry_fields[] = {
	{.name = "metrics", .kind = SK_CUSTOM, .off = offsetof(struct sluice_config, metrics_address), .fn = metrics_fn},
	{.name = "logs", .kind = SK_CUSTOM, .off = offsetof(struct sluice_config, log_level), .fn = logs_fn},
	{.name = NULL},
};

static int telemetry_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	/* dst is the config: telemetry fields live at its top level */
	return schema_map(c, v, telemetry_fields, dst, path, NULL);
}

static int extensions_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)dst;
	if (v->kind == YN_NULL || (v->kind == YN_SEQ && v->n == 0))
		return 0;
	return schema_error(c, v, "%s: sluice has no extensions (its /metrics and /health are on service.telemetry.metrics.address)",
			    path);
}

int service_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS] = {0}, *traces = NULL;
	/* pipelines is resolved after the walk: it needs `traces` apart */
	const struct schema_field fields[] = {
		{.name = "pipelines", .kind = SK_CUSTOM, .fn = later_fn},
		{.name = "telemetry", .kind = SK_CUSTOM, .off = 0, .fn = telemetry_fn},
		{.name = "extensions", .kind = SK_CUSTOM, .fn = extensions_fn},
		{.name = NULL},
	};
	int rc;

	cfg->metrics_address = (struct sluice_endpoint){"127.0.0.1:8888", "127.0.0.1", 8888};
	cfg->log_level = LOG_INFO;
	if (map && (rc = schema_map(c, map, fields, cfg, "service", seen)) < 0)
		return rc;
	if (seen[0] && (rc = pipelines_fn(c, seen[0], &traces, "service.pipelines")) < 0)
		return rc;
	return pipeline(c, traces, cfg);
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
	static const char *const names[] = {"ingest_process", "process_batch", "batch_export"};
	const char *ring_name = names[ring_idx];
	char a[32], b[32], m[32];
	struct ynode at = {.line = line, .col = col};
	const struct ynode *where = line ? &at : c->at_rings[ring_idx];

	config_format_size(limit, a, sizeof(a));
	config_format_size(ring, b, sizeof(b));
	config_format_size(ring / 2 - CONFIG_RING_RECORD_OVERHEAD, m, sizeof(m));
	return schema_error(c, where,
			    "%s %s does not fit one record of the %s ring (%s holds records up to %s); raise sluice.rings.%s or lower the limit",
			    what, a, ring_name, b, m, ring_name);
}

int service_finish(struct schema_ctx *c, struct sluice_config *cfg)
{
	const struct sluice_pipeline *pl = &cfg->pipeline;
	int rc;

	for (size_t i = 0; i < pl->n_receivers; i++) {
		const struct sluice_receiver *r = pl->receivers[i];
		char what[128];
		uint64_t lim[2] = {r->http_enabled ? r->http_max_request_body_size : 0,
				   r->grpc_enabled ? r->grpc_max_recv_msg_size : 0};

		for (int k = 0; k < 2; k++) {
			snprintf(what, sizeof(what), "receivers.%s: %s", r->id,
				 k ? "grpc max_recv_msg_size_mib" : "http max_request_body_size");
			if (lim[k] && !fits(lim[k], cfg->rings.ingest_process))
				return too_big(c, r->line, r->col, what, lim[k], 0, cfg->rings.ingest_process);
			if (lim[k] && !fits(lim[k], cfg->rings.process_batch))
				return too_big(c, r->line, r->col, what, lim[k], 1, cfg->rings.process_batch);
		}
	}
	if (!fits(pl->batch->send_batch_max_bytes, cfg->rings.batch_export)) {
		const struct sluice_processor *b = pl->batch_processor;
		char what[128];

		snprintf(what, sizeof(what), "processors.%s: send_batch_max_bytes", b ? b->id : "batch");
		return too_big(c, b ? b->line : 0, b ? b->col : 0, what, pl->batch->send_batch_max_bytes,
			       2, cfg->rings.batch_export);
	}
	for (size_t i = 0; i < cfg->n_exporters; i++) {
		struct sluice_exporter *e = &cfg->exporters[i];

		if ((e->type != SLUICE_EXP_OTLP && e->type != SLUICE_EXP_OTLPHTTP) || e->otlp.dead_letter_dir)
			continue;
		char *d = arena_printf(c->a, "%s/%s/deadletter/%s", cfg->state_dir, cfg->instance, e->id);
		if (!d)
			return -ENOMEM;
		for (char *q = d + strlen(d) - strlen(e->id); *q; q++)
			if (*q == '/')
				*q = '_';
		e->otlp.dead_letter_dir = d;
	}
	rc = 0;
	return rc;
}
