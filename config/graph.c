/* config/graph.c: connectors between pipelines, checked as the Collector
 * checks them: used on both sides, signal pairs the type supports, routing
 * tables naming pipelines that receive from the router, contexts that fit
 * the signal, and no loops (the error names the loop). */
#include "config/component.h"
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"

static bool lists(const struct sluice_connector *const *list, size_t n, const struct sluice_connector *x)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == x)
			return true;
	return false;
}

uint64_t graph_targets(const struct sluice_config *cfg, size_t from, size_t conn)
{
	const struct sluice_connector *x = &cfg->connectors[conn];
	const struct sluice_pipeline *p = &cfg->pipelines[from];
	uint64_t t = 0;

	if (!lists(p->to_connectors, p->n_to_connectors, x))
		return 0;
	for (size_t q = 0; q < cfg->n_pipelines; q++) {
		const struct sluice_pipeline *r = &cfg->pipelines[q];

		if (lists(r->from_connectors, r->n_from_connectors, x) &&
		    component_connector_pair((int)x->type, p->signal, r->signal))
			t |= 1ull << q;
	}
	return t;
}

/* The list item naming `id` in a pipeline's list, for messages. */
static const struct ynode *item_of(const struct ynode *list, const char *id, const struct ynode *fallback)
{
	for (size_t i = 0; list && list->kind == YN_SEQ && i < list->n; i++)
		if (list->items[i]->kind == YN_SCALAR && !strcmp(list->items[i]->text, id))
			return list->items[i];
	return fallback;
}

static const char *pair_text(int type, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int a = 0; a < SLUICE_SIGNAL_COUNT; a++)
		for (int b = 0; b < SLUICE_SIGNAL_COUNT; b++)
			if (component_connector_pair(type, (enum sluice_signal)a, (enum sluice_signal)b) &&
			    used < size) {
				int w = snprintf(buf + used, size - used, "%s%s -> %s", used ? ", " : "",
						 config_signal_name((enum sluice_signal)a),
						 config_signal_name((enum sluice_signal)b));
				used += w > 0 ? (size_t)w : 0;
			}
	return buf;
}

/* Both sides used, and every use has a partner of a supported signal. */
static int check_sides(struct schema_ctx *c, const struct sluice_config *cfg, const struct pipeline_nodes *nd,
		       size_t k)
{
	const struct sluice_connector *x = &cfg->connectors[k];
	uint64_t from = 0, to = 0;
	char pairs[120];

	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		if (lists(cfg->pipelines[p].to_connectors, cfg->pipelines[p].n_to_connectors, x))
			from |= 1ull << p;
		if (lists(cfg->pipelines[p].from_connectors, cfg->pipelines[p].n_from_connectors, x))
			to |= 1ull << p;
	}
	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		const struct sluice_pipeline *pl = &cfg->pipelines[p];
		bool exp = from >> p & 1, rec = to >> p & 1;
		bool ok = false;

		if (!exp && !rec)
			continue;
		for (size_t q = 0; q < cfg->n_pipelines; q++) {
			if (exp && (to >> q & 1) &&
			    component_connector_pair((int)x->type, pl->signal, cfg->pipelines[q].signal))
				ok = true;
			if (rec && (from >> q & 1) &&
			    component_connector_pair((int)x->type, cfg->pipelines[q].signal, pl->signal))
				ok = true;
		}
		if (ok)
			continue;
		const struct ynode *at = item_of(exp ? nd[p].exporters : nd[p].receivers, x->id, nd[p].key);
		if (exp && !to)
			return schema_error(
				c, at,
				"service.pipelines.%s: connector \"%s\" is used as an exporter here but no pipeline lists it as a receiver",
				pl->id, x->id);
		if (rec && !from)
			return schema_error(
				c, at,
				"service.pipelines.%s: connector \"%s\" is used as a receiver here but no pipeline lists it as an exporter",
				pl->id, x->id);
		return schema_error(
			c, at,
			"service.pipelines.%s: connector \"%s\" %s %s here, but no pipeline on its other side has a signal it can %s (%s: %s)",
			pl->id, x->id, exp ? "takes" : "feeds", config_signal_name(pl->signal),
			exp ? "feed from that" : "turn into that", config_connector_type_name(x->type),
			pair_text((int)x->type, pairs, sizeof(pairs)));
	}
	return 0;
}

static int pipeline_index(const struct sluice_config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->n_pipelines; i++)
		if (!strcmp(cfg->pipelines[i].id, id))
			return (int)i;
	return -1;
}

/* A routing list of pipeline ids: each must receive from the router. */
static int route_targets(struct schema_ctx *c, const struct sluice_config *cfg,
			 const struct sluice_connector *x, const struct ynode *list, const char *path,
			 const struct sluice_pipeline ***out, size_t *n)
{
	char p[300];
	int rc;

	*n = 0;
	if (!list || list->kind == YN_NULL)
		return 0;
	*out = arena_calloc(c->a, list->n ? list->n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < list->n; i++) {
		const char *id;
		int q;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if ((rc = schema_str(c, list->items[i], p, &id)) < 0)
			return rc;
		if ((q = pipeline_index(cfg, id)) < 0)
			return schema_error(c, list->items[i],
					    "%s: \"%.80s\" is not a pipeline under service.pipelines", p, id);
		const struct sluice_pipeline *pl = &cfg->pipelines[q];
		if (!lists(pl->from_connectors, pl->n_from_connectors, x))
			return schema_error(c, list->items[i],
					    "%s: pipeline \"%s\" does not list \"%s\" as a receiver", p, id,
					    x->id);
		for (size_t j = 0; j < i; j++)
			if ((*out)[j] == pl)
				return schema_error(c, list->items[i], "%s: pipeline \"%s\" is listed twice",
						    p, id);
		(*out)[(*n)++] = pl;
	}
	return 0;
}

/* The routing table's pipelines resolved; each context fits every signal
 * the router takes. */
static int check_routing(struct schema_ctx *c, const struct sluice_config *cfg, struct sluice_connector *x)
{
	static const int needs[] = { [SLUICE_OTTL_RESOURCE] = -1,
				     [SLUICE_OTTL_SPAN] = SLUICE_SIGNAL_TRACES,
				     [SLUICE_OTTL_SPANEVENT] = SLUICE_SIGNAL_TRACES,
				     [SLUICE_OTTL_LOG] = SLUICE_SIGNAL_LOGS,
				     [SLUICE_OTTL_METRIC] = SLUICE_SIGNAL_METRICS,
				     [SLUICE_OTTL_DATAPOINT] = SLUICE_SIGNAL_METRICS };
	struct sluice_routing *r = &x->routing;
	char path[300];
	int rc;

	for (size_t i = 0; i < r->n_table; i++) {
		struct sluice_route *rt = &r->table[i];
		int need = needs[rt->condition.context];

		snprintf(path, sizeof(path), "connectors.%s.table[%zu].pipelines", x->id, i);
		if ((rc = route_targets(c, cfg, x, rt->at_pipelines_, path, &rt->pipelines,
					&rt->n_pipelines)) < 0)
			return rc;
		for (size_t p = 0; need >= 0 && p < cfg->n_pipelines; p++) {
			const struct sluice_pipeline *pl = &cfg->pipelines[p];

			if (lists(pl->to_connectors, pl->n_to_connectors, x) && (int)pl->signal != need)
				return schema_error_at(
					c, rt->line, rt->col,
					"connectors.%s.table[%zu]: context %s needs %s, but pipeline \"%s\" sends %s to \"%s\"",
					x->id, i,
					rt->condition.context == SLUICE_OTTL_SPAN  ? "span"
					: rt->condition.context == SLUICE_OTTL_LOG ? "log"
										   : "metric",
					config_signal_name((enum sluice_signal)need), pl->id,
					config_signal_name(pl->signal), x->id);
		}
	}
	snprintf(path, sizeof(path), "connectors.%s.default_pipelines", x->id);
	return route_targets(c, cfg, x, r->at_default_, path, &r->default_pipelines, &r->n_default);
}

/* Depth-first search for a loop through connectors. */
struct dfs {
	const struct sluice_config *cfg;
	uint8_t state[CONFIG_MAX_PIPELINES]; /* 0 new, 1 on the stack, 2 done */
	size_t stack[CONFIG_MAX_PIPELINES + 1], via[CONFIG_MAX_PIPELINES + 1];
	size_t depth;
};

static int visit(struct dfs *d, size_t p, size_t *loop_at)
{
	d->state[p] = 1;
	d->stack[d->depth++] = p;
	for (size_t k = 0; k < d->cfg->n_connectors; k++) {
		uint64_t t = graph_targets(d->cfg, p, k);

		for (size_t q = 0; q < d->cfg->n_pipelines; q++) {
			if (!(t >> q & 1) || d->state[q] == 2)
				continue;
			d->via[d->depth - 1] = k;
			if (d->state[q] == 1) {
				*loop_at = q;
				return 1;
			}
			if (visit(d, q, loop_at))
				return 1;
		}
	}
	d->state[p] = 2;
	d->depth--;
	return 0;
}

static int check_loops(struct schema_ctx *c, const struct sluice_config *cfg, const struct pipeline_nodes *nd)
{
	struct dfs d = { .cfg = cfg };
	size_t q;

	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		if (d.state[p] || !visit(&d, p, &q))
			continue;
		char text[400];
		size_t used = 0, first = 0;

		while (d.stack[first] != q)
			first++;
		for (size_t i = first; i < d.depth && used < sizeof(text); i++) {
			int w = snprintf(text + used, sizeof(text) - used, "%s -> %s -> ",
					 cfg->pipelines[d.stack[i]].id, cfg->connectors[d.via[i]].id);
			used += w > 0 ? (size_t)w : 0;
		}
		if (used < sizeof(text))
			snprintf(text + used, sizeof(text) - used, "%s", cfg->pipelines[q].id);
		return schema_error(c, nd[q].key, "service.pipelines: connectors make a loop: %s", text);
	}
	return 0;
}

int graph_check(struct schema_ctx *c, struct sluice_config *cfg, const struct pipeline_nodes *nodes)
{
	size_t used = 0;
	int rc;

	/* receivers in all: ingest serves them in one process */
	for (size_t r = 0; r < cfg->n_receivers; r++) {
		for (size_t p = 0; p < cfg->n_pipelines; p++) {
			const struct sluice_pipeline *pl = &cfg->pipelines[p];
			bool in = false;

			for (size_t i = 0; i < pl->n_receivers; i++)
				in |= pl->receivers[i] == &cfg->receivers[r];
			if (in) {
				used++;
				break;
			}
		}
	}
	if (used > CONFIG_MAX_RECEIVERS)
		return schema_error(c, nodes[0].key, "service.pipelines: more than %d receivers in use",
				    CONFIG_MAX_RECEIVERS);
	for (size_t k = 0; k < cfg->n_connectors; k++) {
		bool in_use = false;

		for (size_t p = 0; p < cfg->n_pipelines; p++)
			in_use |= lists(cfg->pipelines[p].to_connectors, cfg->pipelines[p].n_to_connectors,
					&cfg->connectors[k]);
		if ((rc = check_sides(c, cfg, nodes, k)) < 0)
			return rc;
		/* an unused router is checked but its pipeline names are not resolved */
		if (in_use && cfg->connectors[k].type == SLUICE_CONN_ROUTING &&
		    (rc = check_routing(c, cfg, &cfg->connectors[k])) < 0)
			return rc;
	}
	return check_loops(c, cfg, nodes);
}
