/* stages/pgraph.c: the process stage's graph, built from the plan: each
 * pipeline's chain and connector edges, what each pipeline can reach (so a
 * retried input runs only what still needs it), ring handles with their
 * source slots, the connectors' runtime state. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "rt/clock.h"
#include "stages/process_priv.h"

_Static_assert(PLAN_MAX_SOURCES <= RING_MAX_SOURCES, "a plan ring's sources fit the ring's source table");
_Static_assert(PLAN_MAX_RINGS <= 64 && CONFIG_MAX_PIPELINES <= 64, "rings and pipelines are mask bits");

static int chain_of(struct process *p, uint32_t q, char *err, size_t errlen)
{
	const struct sluice_pipeline *x = &p->cfg->pipelines[q];
	const struct plan_pipeline *pp = &p->plan->pipelines[q];
	struct px_pipe *pipe = &p->pipes[q];
	struct seg_component *comp[CONFIG_MAX_PROCESSORS + 1] = { 0 };
	char why[256];

	pipe->chain = sigchain_new(x->signal, x->processors, x->n_processors, why, sizeof(why));
	if (!pipe->chain) {
		snprintf(err, errlen, "pipeline %s: %s", x->id, why);
		return -EINVAL;
	}
	for (size_t i = 0; i < sigchain_len(pipe->chain) && i < CONFIG_MAX_PROCESSORS; i++)
		comp[i] = pp->processor_stats[i] >= 0
				  ? segment_component(p->seg, (uint32_t)pp->processor_stats[i])
				  : NULL;
	sigchain_bind(pipe->chain, comp);
	pipe->pass = sigchain_len(pipe->chain) == 0;
	return 0;
}

static int connector_of(struct process *p, uint32_t k, char *err, size_t errlen)
{
	const struct sluice_connector *c = &p->cfg->connectors[k];

	if (c->type == SLUICE_CONN_ROUTING && !p->route[k])
		return route_new(&p->route[k], p->cfg, k, p->o.route_access, err, errlen);
	if (c->type == SLUICE_CONN_SPANMETRICS && !p->sm[k]) {
		if (k >= 64) {
			snprintf(err, errlen, "connector %s: at most 64 connectors before a spanmetrics one",
				 c->id);
			return -EINVAL;
		}
		p->sm_mask |= 1ull << k;
		return smconn_new(&p->sm[k], p->cfg, k, p->seg, err, errlen);
	}
	return 0;
}

/* A pipeline that feeds a spanmetrics connector from a chain that keeps
 * the span fields: the chain hands the connector what it read of each
 * kept span (one allocation, here). */
static int facts_of(struct px_pipe *pipe, char *err, size_t errlen)
{
	bool want = false;

	for (uint32_t e = 0; e < pipe->n_edges; e++)
		if (pipe->edges[e].type == SLUICE_CONN_SPANMETRICS)
			want = true;
	if (!want || !sigchain_collect(pipe->chain, &pipe->facts))
		return 0; /* (a pass-through pipeline collects nothing) */
	pipe->facts.f = malloc(PX_FACTS_MAX * sizeof(*pipe->facts.f));
	if (!pipe->facts.f) { /* cap stays 0: every span would be "lost" */
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	pipe->facts.cap = PX_FACTS_MAX;
	pipe->facts_on = true;
	return 0;
}

static int pipe_build(struct process *p, uint32_t q, char *err, size_t errlen)
{
	const struct plan_pipeline *pp = &p->plan->pipelines[q];
	struct px_pipe *pipe = &p->pipes[q];
	int rc;

	pipe->cfg = &p->cfg->pipelines[q];
	pipe->mid = pp->mid_ring;
	if ((rc = chain_of(p, q, err, errlen)) < 0)
		return rc;
	for (uint32_t e = 0; e < pp->n_edges; e++) {
		const struct plan_edge *pe = &pp->edges[e];
		struct px_edge *x = &pipe->edges[e];

		x->type = p->cfg->connectors[pe->connector].type;
		x->connector = pe->connector;
		x->targets = pe->targets;
		x->stat = pe->stat >= 0 ? segment_component(p->seg, (uint32_t)pe->stat) : NULL;
		if ((rc = connector_of(p, pe->connector, err, errlen)) < 0)
			return rc;
	}
	pipe->n_edges = pp->n_edges;
	return facts_of(pipe, err, errlen);
}

/* What pipeline q's output can reach (the config has no cycles). */
static void reach(struct process *p, uint32_t q, uint8_t *seen)
{
	struct px_pipe *pipe = &p->pipes[q];

	if (seen[q])
		return;
	seen[q] = 1;
	for (uint32_t e = 0; e < pipe->n_edges; e++) {
		const struct px_edge *x = &pipe->edges[e];

		if (x->type == SLUICE_CONN_SPANMETRICS) {
			pipe->down_sm |= 1ull << x->connector;
			continue;
		}
		for (uint64_t t = x->targets; t; t &= t - 1) {
			uint32_t r = (uint32_t)__builtin_ctzll(t);
			reach(p, r, seen);
			pipe->down_mid |= p->pipes[r].reach_mid;
			pipe->down_sm |= p->pipes[r].reach_sm;
		}
	}
	pipe->reach_mid = pipe->down_mid | (pipe->mid >= 0 ? 1ull << pipe->mid : 0);
	pipe->reach_sm = pipe->down_sm;
}

static int mid_build(struct process *p, uint32_t i, char *err, size_t errlen)
{
	const struct plan_ring *pr = &p->plan->rings[i];
	struct px_mid *m = calloc(1, sizeof(*m));
	int rc;

	if (!m || !(m->slot_conn = malloc(p->cfg->n_connectors + 1))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	p->mid[i] = m;
	p->mids |= 1ull << i;
	if ((rc = segment_ring(p->seg, i, &m->r)) < 0) {
		snprintf(err, errlen, "ring %u (%s): %s", i, pr->name, strerror(-rc));
		return rc;
	}
	memset(m->slot_in, -1, sizeof(m->slot_in));
	memset(m->slot_conn, -1, p->cfg->n_connectors + 1);
	for (uint32_t s = 0; s < pr->n_sources; s++) {
		if (pr->sources[s].kind == PLAN_SOURCE_RING)
			m->slot_in[pr->sources[s].index] = (int8_t)s;
		else
			m->slot_conn[pr->sources[s].index] = (int8_t)s;
		m->done[s] = ring_source_seq(&m->r, s);
	}
	if (ring_max_payload(&m->r) > p->max_payload)
		p->max_payload = ring_max_payload(&m->r);
	return 0;
}

static int in_build(struct process *p, uint32_t i, char *err, size_t errlen)
{
	struct px_in *in = &p->in[i];
	int rc;

	if ((rc = segment_ring(p->seg, i, &in->r)) < 0) {
		snprintf(err, errlen, "ring %u (%s): %s", i, p->plan->rings[i].name, strerror(-rc));
		return rc;
	}
	in->ring = i;
	in->entry = p->plan->rings[i].pipelines;
	in->wait_sm = -1;
	for (uint64_t e = in->entry; e; e &= e - 1) {
		const struct px_pipe *pipe = &p->pipes[__builtin_ctzll(e)];
		in->reach_mid |= pipe->reach_mid;
		in->reach_sm |= pipe->reach_sm;
	}
	return 0;
}

int px_graph_build(struct process *p, char *err, size_t errlen)
{
	const struct sluice_config *cfg = p->cfg;
	const struct sluice_plan *plan = p->plan;
	uint8_t seen[CONFIG_MAX_PIPELINES] = { 0 };
	int rc;

	if (segment_nrings(p->seg) < plan->n_rings) {
		snprintf(err, errlen, "the segment has %u rings, the plan %u", segment_nrings(p->seg),
			 plan->n_rings);
		return -EINVAL;
	}
	if (segment_topology(p->seg) && segment_topology(p->seg) != plan->fingerprint) {
		snprintf(err, errlen,
			 "the segment was made for another set of pipelines (topology %016llx, "
			 "the config's %016llx)",
			 (unsigned long long)segment_topology(p->seg), (unsigned long long)plan->fingerprint);
		return -EINVAL;
	}
	p->pipes = calloc(cfg->n_pipelines + 1, sizeof(*p->pipes));
	p->route = calloc(cfg->n_connectors + 1, sizeof(*p->route));
	p->sm = calloc(cfg->n_connectors + 1, sizeof(*p->sm));
	if (!p->pipes || !p->route || !p->sm) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t q = 0; q < cfg->n_pipelines; q++)
		if ((rc = pipe_build(p, q, err, errlen)) < 0)
			return rc;
	for (uint32_t q = 0; q < cfg->n_pipelines; q++)
		reach(p, q, seen);
	p->n_in = plan->n_in;
	for (uint32_t i = 0; i < plan->n_rings; i++) {
		if (plan->rings[i].kind == PLAN_RING_MID && (rc = mid_build(p, i, err, errlen)) < 0)
			return rc;
	}
	for (uint32_t i = 0; i < plan->n_in; i++)
		if ((rc = in_build(p, i, err, errlen)) < 0)
			return rc;
	return 0;
}

void px_graph_free(struct process *p)
{
	if (p->pipes)
		for (size_t q = 0; q < p->cfg->n_pipelines; q++) {
			sigchain_free(p->pipes[q].chain);
			free(p->pipes[q].facts.f);
		}
	for (size_t k = 0; p->route && k < p->cfg->n_connectors; k++)
		route_free(p->route[k]);
	for (size_t k = 0; p->sm && k < p->cfg->n_connectors; k++)
		smconn_free(p->sm[k]);
	for (uint32_t i = 0; i < PLAN_MAX_RINGS; i++) {
		if (p->mid[i])
			free(p->mid[i]->slot_conn);
		free(p->mid[i]);
	}
	for (uint32_t d = 0; d < PX_DEPTH; d++) {
		free(p->out[d].p);
		free(p->split[d].p);
		free(p->dec[d].p);
	}
	free(p->pipes);
	free(p->route);
	free(p->sm);
}

int px_sm_recover(struct process *p, char *err, size_t errlen)
{
	for (uint64_t b = p->sm_mask; b; b &= b - 1) {
		uint32_t k = (uint32_t)__builtin_ctzll(b);
		struct smconn *s = p->sm[k];
		uint64_t n = smconn_restart_pending(s);
		bool all = true;
		int64_t rc;

		if (!n)
			continue;
		for (uint64_t m = p->mids; m; m &= m - 1) {
			const struct px_mid *x = p->mid[__builtin_ctzll(m)];
			int slot = x->slot_conn[k];
			if (slot >= 0 && x->done[slot] < n)
				all = false;
		}
		if (all) {
			rc = smconn_restart_confirm(s, n);
			log_msg(LOG_INFO,
				"connector %s: flush %llu was published before the restart: confirmed",
				s->cfg->id, (unsigned long long)n);
		} else if ((rc = smconn_restart_cancel(s, n)) == 0) {
			/* made again before any record is counted: the same flush */
			rc = smconn_flush(s, rt_real_ns());
			log_msg(LOG_INFO,
				"connector %s: flush %llu was not published everywhere before the "
				"restart: made again",
				s->cfg->id, (unsigned long long)n);
		}
		if (rc < 0) {
			snprintf(err, errlen, "connector %s: flush %llu after a restart: %s", s->cfg->id,
				 (unsigned long long)n, strerror((int)-rc));
			return (int)rc;
		}
	}
	return 0;
}
