/* config/plan.c: the plan (config/plan.h) computed from the resolved
 * pipelines: rings, their sources, the ingest table, the process-stage
 * graph, the component-stats slots and the topology fingerprint. */
#include "config/plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"
#include "config/loader.h"

_Static_assert(CONFIG_MAX_CONNECTORS <= PLAN_MAX_EDGES, "a pipeline's connectors fit its edges");
_Static_assert(CONFIG_MAX_PIPELINES <= 64, "pipeline sets are uint64_t masks");
_Static_assert(PLAN_MAX_RINGS <= 64, "ring sets are uint64_t masks");

struct builder {
	struct schema_ctx *c;
	const struct sluice_config *cfg;
	struct sluice_plan *plan;
};

static size_t index_of(const void *base, const void *item, size_t size)
{
	return (size_t)((const char *)item - (const char *)base) / size;
}

static int add_ring(struct builder *b, enum plan_ring_kind kind, enum sluice_signal sig, uint64_t pipelines,
		    int pipeline)
{
	struct sluice_plan *pl = b->plan;
	const struct sluice_config *cfg = b->cfg;
	static const char *const prefix[] = { "in", "mid", "out" };
	uint64_t cap[] = { cfg->rings.ingest_process, cfg->rings.process_batch, cfg->rings.batch_export };

	if (pl->n_rings == PLAN_MAX_RINGS) {
		const struct sluice_pipeline *p = &cfg->pipelines[pipeline >= 0 ? (size_t)pipeline : 0];
		return schema_error_at(
			b->c, p->line, p->col,
			"service.pipelines: more than %d rings needed (one IN ring per distinct set of pipelines a receiver feeds, a MID and an OUT ring per pipeline with exporters); use fewer pipelines",
			PLAN_MAX_RINGS);
	}
	struct plan_ring *r = &pl->rings[pl->n_rings];
	r->kind = kind;
	r->signal = sig;
	r->capacity = cap[kind];
	r->pipelines = pipelines;
	r->pipeline = pipeline;
	if (kind != PLAN_RING_IN) {
		_Static_assert(CONFIG_PIPELINE_ID_MAX + 5 <= PLAN_NAME_MAX, "\"mid:<id>\" fits a ring name");
		snprintf(r->name, sizeof(r->name), "%s:%s", prefix[kind], cfg->pipelines[pipeline].id);
	} else {
		size_t used = (size_t)snprintf(r->name, sizeof(r->name), "in:");
		bool fits = true;

		for (size_t p = 0; p < cfg->n_pipelines && fits; p++) {
			if (!(pipelines >> p & 1))
				continue;
			int w = snprintf(r->name + used, sizeof(r->name) - used, "%s%s", used > 3 ? "+" : "",
					 cfg->pipelines[p].id);
			fits = w > 0 && used + (size_t)w < sizeof(r->name);
			used += fits ? (size_t)w : 0;
		}
		if (!fits)
			snprintf(r->name, sizeof(r->name), "in:%s#%u", config_signal_name(sig), pl->n_rings);
	}
	return (int)pl->n_rings++;
}

/* The IN rings: one per distinct (signal, set of pipelines) a receiver
 * feeds; the ingest table. */
static int in_rings(struct builder *b)
{
	const struct sluice_config *cfg = b->cfg;
	struct sluice_plan *pl = b->plan;

	for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++) {
		for (size_t r = 0; r < cfg->n_receivers; r++) {
			uint64_t set = 0;
			int ring = -1;

			for (size_t p = 0; p < cfg->n_pipelines; p++) {
				const struct sluice_pipeline *x = &cfg->pipelines[p];

				for (size_t i = 0; x->signal == (enum sluice_signal)s && i < x->n_receivers;
				     i++)
					if (x->receivers[i] == &cfg->receivers[r])
						set |= 1ull << p;
			}
			if (!set)
				continue;
			for (uint32_t i = 0; i < pl->n_rings && ring < 0; i++)
				if (pl->rings[i].signal == (enum sluice_signal)s &&
				    pl->rings[i].pipelines == set)
					ring = (int)i;
			if (ring < 0 &&
			    (ring = add_ring(b, PLAN_RING_IN, (enum sluice_signal)s, set, -1)) < 0)
				return ring;
			pl->ingest_[r * SLUICE_SIGNAL_COUNT + (size_t)s] = ring;
			for (size_t p = 0; p < cfg->n_pipelines; p++)
				if (set >> p & 1)
					pl->pipelines[p].in_rings |= 1ull << ring;
		}
	}
	pl->n_in = pl->n_rings;
	return 0;
}

static int pipeline_rings(struct builder *b)
{
	const struct sluice_config *cfg = b->cfg;
	struct sluice_plan *pl = b->plan;
	int rc;

	for (int kind = PLAN_RING_MID; kind <= PLAN_RING_OUT; kind++) {
		for (size_t p = 0; p < cfg->n_pipelines; p++) {
			if (!cfg->pipelines[p].n_exporters)
				continue;
			if ((rc = add_ring(b, (enum plan_ring_kind)kind, cfg->pipelines[p].signal, 1ull << p,
					   (int)p)) < 0)
				return rc;
			*(kind == PLAN_RING_MID ? &pl->pipelines[p].mid_ring
						: &pl->pipelines[p].out_ring) = rc;
		}
	}
	pl->n_mid = pl->n_out = (pl->n_rings - pl->n_in) / 2;
	return 0;
}

static void edges(struct builder *b)
{
	const struct sluice_config *cfg = b->cfg;
	struct sluice_plan *pl = b->plan;

	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		const struct sluice_pipeline *x = &cfg->pipelines[p];
		struct plan_pipeline *pp = &pl->pipelines[p];

		for (size_t i = 0; i < x->n_to_connectors; i++) {
			size_t k = index_of(cfg->connectors, x->to_connectors[i], sizeof(*cfg->connectors));

			pp->edges[pp->n_edges].connector = (uint32_t)k;
			pp->edges[pp->n_edges].targets = graph_targets(cfg, p, k);
			pl->connectors[k].from |= 1ull << p;
			pl->connectors[k].to |= pp->edges[pp->n_edges].targets;
			pp->n_edges++;
		}
	}
}

/* Pipelines records starting in `start` reach through forward and routing
 * connectors; the span-metrics connectors they reach are marked in hit. */
static uint64_t reach(const struct builder *b, uint64_t start, bool *hit)
{
	uint64_t seen = start, todo = start;

	while (todo) {
		size_t p = (size_t)__builtin_ctzll(todo);
		const struct plan_pipeline *pp = &b->plan->pipelines[p];

		todo &= todo - 1;
		for (uint32_t e = 0; e < pp->n_edges; e++) {
			uint32_t k = pp->edges[e].connector;

			if (b->cfg->connectors[k].type == SLUICE_CONN_SPANMETRICS) {
				if (hit)
					hit[k] = true;
				continue;
			}
			todo |= pp->edges[e].targets & ~seen;
			seen |= pp->edges[e].targets;
		}
	}
	return seen;
}

static int add_source(struct builder *b, size_t p, enum plan_source_kind kind, uint32_t index)
{
	const struct plan_pipeline *pp = &b->plan->pipelines[p];
	struct plan_ring *r;

	if (pp->mid_ring < 0)
		return 0;
	r = &b->plan->rings[pp->mid_ring];
	if (r->n_sources == PLAN_MAX_SOURCES) {
		const struct sluice_pipeline *x = &b->cfg->pipelines[p];
		return schema_error_at(
			b->c, x->line, x->col,
			"service.pipelines.%s: records reach this pipeline from more than %d sources (receiver sets and span-metrics connectors); at most %d can feed one pipeline",
			x->id, PLAN_MAX_SOURCES, PLAN_MAX_SOURCES);
	}
	r->sources[r->n_sources].kind = kind;
	r->sources[r->n_sources].index = index;
	r->n_sources++;
	return 0;
}

static int sources(struct builder *b)
{
	const struct sluice_config *cfg = b->cfg;
	struct sluice_plan *pl = b->plan;
	bool *hit = arena_calloc(b->c->a, cfg->n_connectors + 1, sizeof(*hit));
	int rc;

	if (!hit)
		return -ENOMEM;
	for (uint32_t i = 0; i < pl->n_in; i++) {
		memset(hit, 0, (cfg->n_connectors + 1) * sizeof(*hit));
		uint64_t to = reach(b, pl->rings[i].pipelines, hit);
		for (size_t p = 0; p < cfg->n_pipelines; p++)
			if ((to >> p & 1) && (rc = add_source(b, p, PLAN_SOURCE_RING, i)) < 0)
				return rc;
		for (size_t k = 0; k < cfg->n_connectors; k++)
			if (hit[k])
				pl->connectors[k].in_rings |= 1ull << i;
	}
	for (size_t k = 0; k < cfg->n_connectors; k++) {
		if (cfg->connectors[k].type != SLUICE_CONN_SPANMETRICS || !pl->connectors[k].to)
			continue;
		uint64_t to = reach(b, pl->connectors[k].to, NULL);
		for (size_t p = 0; p < cfg->n_pipelines; p++)
			if ((to >> p & 1) && (rc = add_source(b, p, PLAN_SOURCE_CONNECTOR, (uint32_t)k)) < 0)
				return rc;
	}
	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		const struct plan_pipeline *pp = &pl->pipelines[p];

		if (pp->out_ring >= 0) {
			pl->rings[pp->out_ring].sources[0] = (struct plan_source){ PLAN_SOURCE_RING,
										   (uint32_t)pp->mid_ring };
			pl->rings[pp->out_ring].n_sources = 1;
		}
	}
	return 0;
}

static int add_stat(struct builder *b, enum plan_stat_kind kind, enum sluice_signal sig,
		    enum plan_transport t, size_t component, int pipeline, const char *id)
{
	struct sluice_plan *pl = b->plan;

	if (pl->n_stats == PLAN_MAX_STATS)
		return schema_error_at(
			b->c, 0, 0,
			"service.pipelines: more than %d component statistics slots needed; use fewer pipelines or components",
			PLAN_MAX_STATS);
	pl->stats[pl->n_stats] =
		(struct plan_stat){ .kind = kind,
				    .signal = sig,
				    .transport = t,
				    .component = (int)component,
				    .pipeline = pipeline,
				    .component_id = id,
				    .pipeline_id = pipeline >= 0 ? b->cfg->pipelines[pipeline].id : "" };
	return (int)pl->n_stats++;
}

static int stats(struct builder *b)
{
	const struct sluice_config *cfg = b->cfg;
	struct sluice_plan *pl = b->plan;
	int rc;

	for (size_t r = 0; r < cfg->n_receivers; r++) {
		const struct sluice_receiver *x = &cfg->receivers[r];
		bool on[] = { false, x->grpc_enabled, x->http_enabled };

		for (int t = PLAN_TRANSPORT_GRPC; t <= PLAN_TRANSPORT_HTTP; t++)
			for (int s = 0; on[t] && s < SLUICE_SIGNAL_COUNT; s++) {
				if (pl->ingest_[r * SLUICE_SIGNAL_COUNT + (size_t)s] < 0)
					continue;
				rc = add_stat(b, PLAN_STAT_RECEIVER, (enum sluice_signal)s,
					      (enum plan_transport)t, r, -1, x->id);
				if (rc < 0)
					return rc;
				pl->receiver_stats_[(r * 2 + (size_t)(t - 1)) * SLUICE_SIGNAL_COUNT +
						    (size_t)s] = rc;
			}
	}
	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		const struct sluice_pipeline *x = &cfg->pipelines[p];
		struct plan_pipeline *pp = &pl->pipelines[p];
		size_t np = x->n_processors + (x->batch_processor != NULL);

		for (size_t i = 0; i < np; i++) {
			const struct sluice_processor *pr = i < x->n_processors ? x->processors[i]
										: x->batch_processor;
			rc = add_stat(b, PLAN_STAT_PROCESSOR, x->signal, PLAN_TRANSPORT_NONE,
				      index_of(cfg->processors, pr, sizeof(*pr)), (int)p, pr->id);
			if (rc < 0)
				return rc;
			pp->processor_stats[i] = rc;
		}
		for (size_t i = 0; i < x->n_exporters; i++) {
			rc = add_stat(b, PLAN_STAT_EXPORTER, x->signal, PLAN_TRANSPORT_NONE,
				      index_of(cfg->exporters, x->exporters[i], sizeof(*cfg->exporters)),
				      (int)p, x->exporters[i]->id);
			if (rc < 0)
				return rc;
			pp->exporter_stats[i] = rc;
		}
		for (uint32_t e = 0; e < pp->n_edges; e++) {
			rc = add_stat(b, PLAN_STAT_CONNECTOR, x->signal, PLAN_TRANSPORT_NONE,
				      pp->edges[e].connector, (int)p,
				      cfg->connectors[pp->edges[e].connector].id);
			if (rc < 0)
				return rc;
			pp->edges[e].stat = rc;
		}
	}
	return 0;
}

/* FNV-1a, 64 bits: stable across builds and machines. */
static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t fingerprint(const struct sluice_plan *pl)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < pl->n_rings; i++) {
		const struct plan_ring *r = &pl->rings[i];
		uint64_t v[] = { (uint64_t)r->kind, (uint64_t)r->signal, r->capacity, r->n_sources };

		h = fnv(h, v, sizeof(v));
		h = fnv(h, r->name, strlen(r->name) + 1);
		for (uint32_t s = 0; s < r->n_sources; s++) {
			uint64_t src[] = { (uint64_t)r->sources[s].kind, r->sources[s].index };
			h = fnv(h, src, sizeof(src));
		}
	}
	return h;
}

int plan_build(struct schema_ctx *c, struct sluice_config *cfg)
{
	struct sluice_plan *pl = arena_alloc(c->a, sizeof(*pl));
	struct builder b = { .c = c, .cfg = cfg, .plan = pl };
	size_t nr = cfg->n_receivers;
	int rc;

	if (!pl)
		return -ENOMEM;
	pl->pipelines = arena_calloc(c->a, cfg->n_pipelines + 1, sizeof(*pl->pipelines));
	pl->connectors = arena_calloc(c->a, cfg->n_connectors + 1, sizeof(*pl->connectors));
	pl->stats = arena_calloc(c->a, PLAN_MAX_STATS, sizeof(*pl->stats));
	pl->ingest_ = arena_calloc(c->a, nr * SLUICE_SIGNAL_COUNT + 1, sizeof(int));
	pl->receiver_stats_ = arena_calloc(c->a, nr * 2 * SLUICE_SIGNAL_COUNT + 1, sizeof(int));
	if (!pl->pipelines || !pl->connectors || !pl->stats || !pl->ingest_ || !pl->receiver_stats_)
		return -ENOMEM;
	pl->n_receivers_ = nr;
	for (size_t i = 0; i < nr * SLUICE_SIGNAL_COUNT; i++)
		pl->ingest_[i] = -1;
	for (size_t i = 0; i < nr * 2 * SLUICE_SIGNAL_COUNT; i++)
		pl->receiver_stats_[i] = -1;
	for (size_t p = 0; p < cfg->n_pipelines; p++)
		pl->pipelines[p].mid_ring = pl->pipelines[p].out_ring = -1;
	if ((rc = in_rings(&b)) < 0 || (rc = pipeline_rings(&b)) < 0)
		return rc;
	edges(&b);
	if ((rc = sources(&b)) < 0 || (rc = stats(&b)) < 0)
		return rc;
	pl->fingerprint = fingerprint(pl);
	cfg->plan = pl;
	return 0;
}
