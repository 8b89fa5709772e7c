/* sluice-batch: for every pipeline of the plan, its MID ring -> batches
 * (Export*ServiceRequest bodies) -> its OUT ring, with that pipeline's
 * batch settings, all in this one process.
 * Usage: sluice-batch [-c FILE]. SIGTERM/SIGINT: drain the MID rings, flush
 * the partial batches, exit 0. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/log.h"
#include "config/plan.h"
#include "rt/rt.h"
#include "shm/hist.h"
#include "stages/batch.h"
#include "rt/dirs.h"

_Static_assert(PLAN_MAX_SOURCES == RING_MAX_SOURCES, "plan and ring source tables agree");
_Static_assert(PLAN_MAX_RINGS <= SEG_MAX_RINGS, "plan rings fit the segment");

#define BATCH_QUARANTINE_MAX (1ull << 30) /* bytes all quarantine files may hold */

struct batch_main {
	struct batch_pipe pipes[CONFIG_MAX_PIPELINES];
	struct ring in[CONFIG_MAX_PIPELINES], out[CONFIG_MAX_PIPELINES];
	uint32_t n;
};

/* The slot of ring `mid` among the sources of ring `out`, or -1. */
static int batch_slot(const struct sluice_plan *plan, int mid, int out)
{
	const struct plan_ring *r = &plan->rings[out];
	for (uint32_t i = 0; i < r->n_sources; i++)
		if (r->sources[i].kind == PLAN_SOURCE_RING && r->sources[i].index == (uint32_t)mid)
			return (int)i;
	return -1;
}

static int batch_pipes(struct rt *rt, struct batch_main *m)
{
	const struct sluice_config *cfg = rt->cfg;
	const struct sluice_plan *plan = cfg->plan;
	uint32_t nrings = segment_nrings(&rt->seg);
	if (segment_topology(&rt->seg) && segment_topology(&rt->seg) != plan->fingerprint) {
		log_msg(LOG_ERROR,
			"segment /sluice.%s was made for another set of pipelines "
			"(topology %016llx, this config's %016llx)",
			cfg->instance, (unsigned long long)segment_topology(&rt->seg),
			(unsigned long long)plan->fingerprint);
		return -EINVAL;
	}
	for (size_t p = 0; p < cfg->n_pipelines; p++) {
		const struct plan_pipeline *pp = &plan->pipelines[p];
		const struct sluice_pipeline *pl = &cfg->pipelines[p];
		if (pp->mid_ring < 0 || pp->out_ring < 0)
			continue; /* exports only to connectors: nothing to batch */
		int slot = batch_slot(plan, pp->mid_ring, pp->out_ring);
		if ((uint32_t)pp->mid_ring >= nrings || (uint32_t)pp->out_ring >= nrings || slot < 0) {
			log_msg(LOG_ERROR,
				"pipeline %s: rings %d -> %d are not in segment /sluice.%s "
				"(%u rings)",
				pl->id, pp->mid_ring, pp->out_ring, cfg->instance, nrings);
			return -EINVAL;
		}
		struct batch_pipe *bp = &m->pipes[m->n];
		int rc = segment_ring(&rt->seg, (uint32_t)pp->mid_ring, &m->in[m->n]);
		if (rc == 0)
			rc = segment_ring(&rt->seg, (uint32_t)pp->out_ring, &m->out[m->n]);
		if (rc < 0) {
			log_msg(LOG_ERROR, "pipeline %s: rings: %s", pl->id, strerror(-rc));
			return rc;
		}
		int stat = pl->batch_processor ? pp->processor_stats[pl->n_processors] : -1;
		*bp = (struct batch_pipe){
			.in = &m->in[m->n],
			.out = &m->out[m->n],
			.cfg = pl->batch,
			.signal = (uint16_t)(RECORD_SIGNAL_TRACES + (unsigned)pl->signal),
			.slot = (uint32_t)slot,
			.stats = stat >= 0 ? segment_component(&rt->seg, (uint32_t)stat) : NULL,
			.name = pl->id,
			.in_name = plan->rings[pp->mid_ring].name,
			.age = hist_for(&rt->seg, HIST_RING_AGE, (uint32_t)pp->mid_ring),
			.send_size = stat >= 0 ? hist_for(&rt->seg, HIST_BATCH_SIZE, (uint32_t)stat) : NULL
		};
		log_msg(LOG_INFO,
			"pipeline %s: ring %d %s -> ring %d %s: send_batch_size %u, "
			"send_batch_max_size %u, max bytes %llu, timeout %llu ms (resuming after "
			"input seq %llu)",
			pl->id, pp->mid_ring, plan->rings[pp->mid_ring].name, pp->out_ring,
			plan->rings[pp->out_ring].name, pl->batch->send_batch_size,
			pl->batch->send_batch_max_size, (unsigned long long)pl->batch->send_batch_max_bytes,
			(unsigned long long)(pl->batch->timeout_ns / 1000000),
			(unsigned long long)ring_source_seq(bp->out, bp->slot));
		m->n++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rt rt;
	int code, rc;
	if (!rt_open(&rt, argc, argv, STAGE_BATCH,
		     "batch stage: each pipeline's MID ring -> request bodies -> its OUT ring; "
		     "SIGTERM drains",
		     &code))
		return code;
	struct batch_main *m = calloc(1, sizeof *m);
	if (!m) {
		log_msg(LOG_ERROR, "out of memory");
		return rt_close(&rt, 1);
	}
	if ((rc = batch_pipes(&rt, m)) < 0) {
		free(m);
		return rt_close(&rt, 1);
	}
	char qdir[4096];
	if (dirs_quarantine(rt.cfg, qdir, sizeof(qdir)) < 0) {
		log_msg(LOG_ERROR, "state_dir %s: too long for the quarantine directory", rt.cfg->state_dir);
		free(m);
		return rt_close(&rt, 1);
	}
	struct batch_ctx ctx = { .pipes = m->pipes,
				 .n_pipes = m->n,
				 .st = rt.st,
				 .rt = &rt,
				 .stop = &rt.stop,
				 .quarantine_dir = qdir,
				 .quarantine_max = BATCH_QUARANTINE_MAX,
				 .make_dir = dirs_make };
	rt_ready(&rt);
	if (!m->n) { /* no pipeline with a real exporter: idle until asked to stop */
		log_msg(LOG_INFO, "no pipeline to batch; waiting for the stop");
		while (!rt_stop_check(&rt.stop)) {
			rt_alive(&rt);
			usleep(100000);
		}
		free(m);
		return rt_close(&rt, 0);
	}
	rc = batch_run(&ctx);
	free(m);
	if (rc < 0) {
		log_msg(LOG_ERROR, "stopped: %s", strerror(-rc));
		return rt_close(&rt, 1);
	}
	log_msg(LOG_INFO, "drained, exiting");
	return rt_close(&rt, 0);
}
