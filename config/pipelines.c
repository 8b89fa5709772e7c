/* config/pipelines.c: service.pipelines: pipeline ids, each pipeline's
 * component lists resolved and checked as the Collector checks them (at
 * least one receiver and one exporter, components defined, each listed at
 * most once, processors and exporters able to serve the signal), plus the
 * sluice defaults for a lone pipeline. Connectors across pipelines:
 * config/graph.c. */
#include "config/component.h"
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"

static int later(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)c, (void)v, (void)dst, (void)path;
	return 0;
}

enum {
	T_RECEIVERS,
	T_PROCESSORS,
	T_EXPORTERS
};

static const struct schema_field pipeline_fields[] = {
	[T_RECEIVERS] = { .name = "receivers", .kind = SK_CUSTOM, .fn = later },
	[T_PROCESSORS] = { .name = "processors", .kind = SK_CUSTOM, .fn = later },
	[T_EXPORTERS] = { .name = "exporters", .kind = SK_CUSTOM, .fn = later },
	{ .name = NULL },
};

static const char *signal_words[] = { "traces", "logs", "metrics" };

/* "traces", "logs/x": the signal; or an error. */
static int pipeline_id(struct schema_ctx *c, const struct ynode *k, const char *path, enum sluice_signal *sig)
{
	const char *slash;
	size_t tlen;

	if (k->kind != YN_SCALAR)
		return schema_error(c, k, "%s: expected a pipeline name, got %s", path,
				    yamltree_kind_name(k->kind));
	slash = strchr(k->text, '/');
	tlen = slash ? (size_t)(slash - k->text) : k->len;
	for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++) {
		if (strlen(signal_words[s]) != tlen || strncmp(signal_words[s], k->text, tlen))
			continue;
		if (slash && !slash[1])
			return schema_error(c, k, "%s: pipeline \"%.80s\" has an empty name after \"/\"",
					    path, k->text);
		if (k->len > CONFIG_PIPELINE_ID_MAX)
			return schema_error(c, k, "%s: pipeline id \"%.80s\" is longer than %d characters",
					    path, k->text, CONFIG_PIPELINE_ID_MAX);
		*sig = (enum sluice_signal)s;
		return 0;
	}
	if (tlen == 8 && !strncmp(k->text, "profiles", 8))
		return schema_error(c, k, "%s: not supported by sluice: profiles pipelines (\"%.60s\")", path,
				    k->text);
	return schema_error(
		c, k,
		"%s: unknown signal \"%.*s\" in pipeline \"%.60s\" (expected traces, logs or metrics, optionally /name)",
		path, (int)(tlen > 40 ? 40 : tlen), k->text, k->text);
}

/* "(defined: a, b)" / "(none defined)" for a kind, with connectors when
 * they could also be meant. */
static const char *defined_list(const struct sluice_config *cfg, enum component_kind k, char *buf,
				size_t size)
{
	size_t used = 0, n = k == COMPONENT_RECEIVER   ? cfg->n_receivers
			     : k == COMPONENT_EXPORTER ? cfg->n_exporters
						       : cfg->n_processors;
	int w;

	w = snprintf(buf, size, "%s", n ? "defined: " : "none defined");
	used = w > 0 ? (size_t)w : 0;
	for (size_t i = 0; i < n && used < size; i++) {
		const char *id = k == COMPONENT_RECEIVER   ? cfg->receivers[i].id
				 : k == COMPONENT_EXPORTER ? cfg->exporters[i].id
							   : cfg->processors[i].id;
		w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", id);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	for (size_t i = 0; k != COMPONENT_PROCESSOR && i < cfg->n_connectors && used < size; i++) {
		w = snprintf(buf + used, size - used, "%s%s",
			     i ? ", " : "; connectors: ", cfg->connectors[i].id);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

static int find(const struct sluice_config *cfg, enum component_kind k, const char *id)
{
	size_t n = k == COMPONENT_RECEIVER    ? cfg->n_receivers
		   : k == COMPONENT_EXPORTER  ? cfg->n_exporters
		   : k == COMPONENT_PROCESSOR ? cfg->n_processors
					      : cfg->n_connectors;

	for (size_t i = 0; i < n; i++) {
		const char *x = k == COMPONENT_RECEIVER	   ? cfg->receivers[i].id
				: k == COMPONENT_EXPORTER  ? cfg->exporters[i].id
				: k == COMPONENT_PROCESSOR ? cfg->processors[i].id
							   : cfg->connectors[i].id;
		if (!strcmp(x, id))
			return (int)i;
	}
	return -1;
}

/* One list (receivers, processors or exporters) of a pipeline: ids to
 * indexes; conn[i] tells a connector from a component of the kind. */
static int resolve(struct schema_ctx *c, const struct sluice_config *cfg, const struct ynode *list,
		   const char *path, enum component_kind k, int *idx, bool *conn, size_t *n)
{
	static const char *const kind_word[] = { "receiver", "processor", "exporter" };
	char p[300], defined[240];
	int rc = schema_expect_seq(c, list, path);

	*n = 0;
	if (rc < 0 || list->kind == YN_NULL)
		return rc;
	if (list->n > CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1)
		return schema_error(c, list, "%s: more than %d entries", path,
				    CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		const char *id;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if ((rc = schema_str(c, it, p, &id)) < 0)
			return rc;
		idx[i] = find(cfg, k, id);
		conn[i] = false;
		if (idx[i] < 0 && k != COMPONENT_PROCESSOR &&
		    (idx[i] = find(cfg, COMPONENT_CONNECTOR, id)) >= 0)
			conn[i] = true;
		if (idx[i] < 0)
			return schema_error(c, it, "%s: %s \"%.80s\" is not defined under %ss%s (%s)", path,
					    kind_word[k], id, kind_word[k],
					    k != COMPONENT_PROCESSOR && cfg->n_connectors ? " or connectors"
											  : "",
					    defined_list(cfg, k, defined, sizeof(defined)));
		for (size_t j = 0; j < i; j++)
			if (idx[j] == idx[i] && conn[j] == conn[i])
				return schema_error(c, it, "%s: %s \"%s\" is listed twice", path,
						    kind_word[k], id);
	}
	*n = list->n;
	return 0;
}

static const struct sluice_batch passthrough = { .send_batch_size = 1, .send_batch_max_bytes = 4ull << 20 };

static int fill_receivers(struct schema_ctx *c, struct sluice_config *cfg, struct sluice_pipeline *pl,
			  const struct ynode *key, const struct ynode *list, bool lone, const char *path)
{
	int idx[CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1];
	bool conn[CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1];
	char p[300];
	size_t n = 0;
	int rc;

	schema_path(p, sizeof(p), path, "receivers");
	if (list) {
		if ((rc = resolve(c, cfg, list, p, COMPONENT_RECEIVER, idx, conn, &n)) < 0)
			return rc;
	} else if (lone) { /* sluice's default: every receiver defined, or otlp */
		if (!cfg->n_receivers && (rc = component_add_default(c, cfg, COMPONENT_RECEIVER, "otlp")) < 0)
			return rc;
		if (cfg->n_receivers > CONFIG_MAX_RECEIVERS)
			return schema_error(c, key,
					    "%s: more than %d receivers defined; list the ones to use", path,
					    CONFIG_MAX_RECEIVERS);
		for (n = 0; n < cfg->n_receivers; n++)
			idx[n] = (int)n, conn[n] = false;
	} else {
		return schema_error(c, key,
				    "%s: \"receivers\" is required (a pipeline needs at least one receiver)",
				    path);
	}
	pl->receivers = arena_calloc(c->a, n + 1, sizeof(*pl->receivers));
	pl->from_connectors = arena_calloc(c->a, n + 1, sizeof(*pl->from_connectors));
	if (!pl->receivers || !pl->from_connectors)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (conn[i])
			pl->from_connectors[pl->n_from_connectors++] = &cfg->connectors[idx[i]];
		else
			pl->receivers[pl->n_receivers++] = &cfg->receivers[idx[i]];
	}
	if (!n)
		return schema_error(c, list, "%s: expected at least one receiver", p);
	if (pl->n_from_connectors > CONFIG_MAX_CONNECTORS)
		return schema_error(c, list, "%s: more than %d connectors", p, CONFIG_MAX_CONNECTORS);
	return 0;
}

static int fill_processors(struct schema_ctx *c, struct sluice_config *cfg, struct sluice_pipeline *pl,
			   const struct ynode *key, const struct ynode *list, bool lone, const char *path)
{
	int idx[CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1];
	bool conn[CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1];
	char p[300], sig[40];
	size_t n = 0;
	int rc;

	schema_path(p, sizeof(p), path, "processors");
	if (list) {
		if ((rc = resolve(c, cfg, list, p, COMPONENT_PROCESSOR, idx, conn, &n)) < 0)
			return rc;
	} else if (lone && cfg->n_processors == 1 && cfg->processors[0].type == SLUICE_PROC_BATCH) {
		idx[0] = 0; /* the only processor defined is a batch: use it */
		n = 1;
	} else if (lone && cfg->n_processors) {
		return schema_error(
			c, key ? key : c->at_processors,
			"%s: not given, but processors are defined; list the ones to run, in order", p);
	} else if (lone) {
		if ((rc = component_add_default(c, cfg, COMPONENT_PROCESSOR, "batch")) < 0)
			return rc;
		idx[0] = rc;
		n = 1;
	}
	pl->processors = arena_calloc(c->a, CONFIG_MAX_PROCESSORS + 1, sizeof(*pl->processors));
	if (!pl->processors)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct sluice_processor *x = &cfg->processors[idx[i]];
		const struct component_desc *d = component_desc_of(COMPONENT_PROCESSOR, x->id);
		const struct ynode *at = list ? list->items[i] : key;

		struct ynode def = { .line = x->line, .col = x->col };
		if (!at)
			at = &def; /* the default pipeline has no list: point at the definition */
		if (!(d->signals & SLUICE_SIGNAL_BIT(pl->signal)))
			return schema_error(c, at,
					    "%s[%zu]: processor \"%s\" cannot process %s (%s handles %s)", p,
					    i, x->id, config_signal_name(pl->signal), d->names[0],
					    component_signals_text(d->signals, sig, sizeof(sig)));
		if ((x->type == SLUICE_PROC_ATTRIBUTES) && pl->signal != SLUICE_SIGNAL_TRACES &&
		    (x->attributes.include.present || x->attributes.exclude.present))
			return schema_error(
				c, at,
				"%s[%zu]: processor \"%s\" has include/exclude, which match spans: it cannot process %s",
				p, i, x->id, config_signal_name(pl->signal));
		if (x->type == SLUICE_PROC_BATCH) {
			if (i + 1 != n)
				return schema_error(c, at,
						    "%s[%zu]: the batch processor \"%s\" must be the last one",
						    p, i, x->id);
			pl->batch_processor = x;
			pl->batch = &x->batch;
			continue;
		}
		if (pl->n_processors == CONFIG_MAX_PROCESSORS)
			return schema_error(c, list, "%s: more than %d processors", p, CONFIG_MAX_PROCESSORS);
		pl->processors[pl->n_processors++] = x;
	}
	if (!pl->batch)
		pl->batch = &passthrough;
	return 0;
}

static int fill_exporters(struct schema_ctx *c, struct sluice_config *cfg, struct sluice_pipeline *pl,
			  const struct ynode *key, const struct ynode *list, bool lone, const char *path)
{
	int idx[CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1];
	bool conn[CONFIG_MAX_PROCESSORS + CONFIG_MAX_CONNECTORS + 1];
	char p[300], sig[40];
	size_t n = 0;
	int rc;

	schema_path(p, sizeof(p), path, "exporters");
	if (list) {
		if ((rc = resolve(c, cfg, list, p, COMPONENT_EXPORTER, idx, conn, &n)) < 0)
			return rc;
	} else if (lone) {
		if (!cfg->n_exporters &&
		    (rc = component_add_default(c, cfg, COMPONENT_EXPORTER, "debug")) < 0)
			return rc;
		if (cfg->n_exporters > CONFIG_MAX_EXPORTERS)
			return schema_error(c, key,
					    "%s: more than %d exporters defined; list the ones to use", path,
					    CONFIG_MAX_EXPORTERS);
		for (n = 0; n < cfg->n_exporters; n++)
			idx[n] = (int)n, conn[n] = false;
	} else {
		return schema_error(c, key,
				    "%s: \"exporters\" is required (a pipeline needs at least one exporter)",
				    path);
	}
	pl->exporters = arena_calloc(c->a, n + 1, sizeof(*pl->exporters));
	pl->to_connectors = arena_calloc(c->a, n + 1, sizeof(*pl->to_connectors));
	if (!pl->exporters || !pl->to_connectors)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *at = list ? list->items[i] : key;
		const char *id = conn[i] ? cfg->connectors[idx[i]].id : cfg->exporters[idx[i]].id;
		const struct component_desc *d =
			component_desc_of(conn[i] ? COMPONENT_CONNECTOR : COMPONENT_EXPORTER, id);

		if (!(d->signals & SLUICE_SIGNAL_BIT(pl->signal))) {
			/* the default pipeline has no list: point at the definition */
			struct ynode def = {
				.line = conn[i] ? cfg->connectors[idx[i]].line : cfg->exporters[idx[i]].line,
				.col = conn[i] ? cfg->connectors[idx[i]].col : cfg->exporters[idx[i]].col
			};
			return schema_error(c, at ? at : &def,
					    "%s[%zu]: %s \"%s\" cannot take %s (%s takes %s)", p, i,
					    conn[i] ? "connector" : "exporter", id,
					    config_signal_name(pl->signal), d->names[0],
					    component_signals_text(d->signals, sig, sizeof(sig)));
		}
		if (conn[i]) {
			pl->to_connectors[pl->n_to_connectors++] = &cfg->connectors[idx[i]];
			continue;
		}
		const struct sluice_exporter *e = &cfg->exporters[idx[i]];
		if ((e->type == SLUICE_EXP_OTLPHTTP || e->type == SLUICE_EXP_OTLP) &&
		    !e->otlp.urls[pl->signal].text)
			return schema_error(
				c, at,
				"%s[%zu]: exporter \"%s\" has no URL for %s (set endpoint or %s_endpoint)", p,
				i, id, config_signal_name(pl->signal), config_signal_name(pl->signal));
		pl->exporters[pl->n_exporters++] = e;
	}
	if (!n)
		return schema_error(c, list, "%s: expected at least one exporter", p);
	if (pl->n_exporters > CONFIG_MAX_EXPORTERS)
		return schema_error(c, list, "%s: more than %d exporters", p, CONFIG_MAX_EXPORTERS);
	if (pl->n_to_connectors > CONFIG_MAX_CONNECTORS)
		return schema_error(c, list, "%s: more than %d connectors", p, CONFIG_MAX_CONNECTORS);
	return 0;
}

/* No service.pipelines: a "traces", a "logs" and a "metrics" pipeline with
 * the defaults, for the signals every defined receiver and exporter serves
 * (a prometheus exporter alone: metrics only; an otlphttp exporter with
 * traces_endpoint alone: traces only); traces when they share none,
 * so the pipeline's own checks say which component cannot serve it. */
static int collect_defaults(struct schema_ctx *c, struct sluice_config *cfg, struct pipeline_nodes **nodes)
{
	static const char *const ids[SLUICE_SIGNAL_COUNT] = { "traces", "logs", "metrics" };
	unsigned sig = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_COUNT) - 1;
	const struct component_desc *d;
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_receivers; i++)
		if ((d = component_desc_of(COMPONENT_RECEIVER, cfg->receivers[i].id)))
			sig &= d->signals;
	for (size_t i = 0; i < cfg->n_exporters; i++) {
		const struct sluice_exporter *e = &cfg->exporters[i];

		if ((d = component_desc_of(COMPONENT_EXPORTER, e->id)))
			sig &= d->signals;
		for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++) /* otlphttp with traces_endpoint only */
			if ((e->type == SLUICE_EXP_OTLPHTTP || e->type == SLUICE_EXP_OTLP) &&
			    !e->otlp.urls[s].text)
				sig &= ~SLUICE_SIGNAL_BIT(s);
	}
	if (!sig)
		sig = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_TRACES);
	cfg->pipelines = arena_calloc(c->a, SLUICE_SIGNAL_COUNT, sizeof(*cfg->pipelines));
	*nodes = arena_calloc(c->a, SLUICE_SIGNAL_COUNT, sizeof(**nodes));
	if (!cfg->pipelines || !*nodes)
		return -ENOMEM;
	for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++) {
		if (!(sig & SLUICE_SIGNAL_BIT(s)))
			continue;
		cfg->pipelines[n].id = ids[s];
		cfg->pipelines[n++].signal = (enum sluice_signal)s;
	}
	cfg->n_pipelines = n;
	return 0;
}

/* The pipelines' keys: ids checked, duplicates refused. NULL map: the
 * default pipelines (collect_defaults). */
static int collect(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg,
		   struct pipeline_nodes **nodes)
{
	const char *path = "service.pipelines";
	size_t n = map && map->kind == YN_MAP ? map->n / 2 : 0;
	int rc;

	if (map && (rc = schema_expect_map(c, map, path)) < 0)
		return rc;
	if (n > CONFIG_MAX_PIPELINES)
		return schema_error(c, map, "%s: more than %d pipelines", path, CONFIG_MAX_PIPELINES);
	cfg->pipelines = arena_calloc(c->a, n ? n : 1, sizeof(*cfg->pipelines));
	*nodes = arena_calloc(c->a, n ? n : 1, sizeof(**nodes));
	if (!cfg->pipelines || !*nodes)
		return -ENOMEM;
	if (!n)
		return collect_defaults(c, cfg, nodes);
	for (size_t i = 0; i < n; i++) {
		const struct ynode *k = map->items[2 * i];
		struct sluice_pipeline *pl = &cfg->pipelines[i];

		if ((rc = pipeline_id(c, k, path, &pl->signal)) < 0)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (!strcmp(cfg->pipelines[j].id, k->text))
				return schema_error(c, k, "duplicate key \"%s\" in %s", k->text, path);
		pl->id = k->text;
		pl->line = k->line;
		pl->col = k->col;
		(*nodes)[i].key = k;
		(*nodes)[i].value = map->items[2 * i + 1];
	}
	cfg->n_pipelines = n;
	return 0;
}

int pipelines_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg)
{
	struct pipeline_nodes *nodes = NULL;
	char path[300];
	int rc;

	if ((rc = collect(c, map, cfg, &nodes)) < 0)
		return rc;
	/* one pipeline, or the defaults: lists left out take every receiver
	 * and exporter defined (or otlp, debug) and the batch processor */
	bool lone = cfg->n_pipelines == 1 || !map || map->kind != YN_MAP || !map->n;
	for (size_t i = 0; i < cfg->n_pipelines; i++) {
		struct sluice_pipeline *pl = &cfg->pipelines[i];
		struct pipeline_nodes *nd = &nodes[i];
		const struct ynode *seen[SCHEMA_MAX_FIELDS] = { 0 };

		schema_path(path, sizeof(path), "service.pipelines", pl->id);
		if (nd->value && (rc = schema_map(c, nd->value, pipeline_fields, NULL, path, seen)) < 0)
			return rc;
		nd->receivers = seen[T_RECEIVERS];
		nd->exporters = seen[T_EXPORTERS];
		/* a missing list is reported at the pipeline's key */
		const struct ynode *key = nd->key ? nd->key : nd->value;
		if ((rc = fill_receivers(c, cfg, pl, key, seen[T_RECEIVERS], lone, path)) < 0 ||
		    (rc = fill_processors(c, cfg, pl, nd->value ? nd->value : key, seen[T_PROCESSORS], lone,
					  path)) < 0 ||
		    (rc = fill_exporters(c, cfg, pl, key, seen[T_EXPORTERS], lone, path)) < 0)
			return rc;
	}
	if ((rc = graph_check(c, cfg, nodes)) < 0)
		return rc;
	/* COMPAT: the first traces pipeline, for the stages that read one */
	cfg->pipeline = (struct sluice_pipeline){ .id = "", .batch = &passthrough };
	for (size_t i = 0; i < cfg->n_pipelines; i++) {
		if (cfg->pipelines[i].signal == SLUICE_SIGNAL_TRACES) {
			cfg->pipeline = cfg->pipelines[i];
			break;
		}
	}
	return 0;
}
