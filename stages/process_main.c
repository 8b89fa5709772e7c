/* sluice-process: ring 0 -> filter/sample/transform -> ring 1.
 * Usage: sluice-process [-c FILE]. SIGTERM/SIGINT: drain ring 0, exit 0. */
#include <errno.h>
#include <string.h>

#include "config/log.h"
#include "rt/rt.h"
#include "stages/chain.h"
#include "stages/process.h"

int main(int argc, char **argv)
{
	struct rt rt;
	int code, rc;
	if (!rt_open(&rt, argc, argv, STAGE_PROCESS,
		     "process stage: ring 0 -> processors -> ring 1; SIGTERM drains ring 0", &code))
		return code;

	char err[512];
	const struct sluice_pipeline *pl = &rt.cfg->pipeline;
	struct chain *chain = chain_new(pl->processors, pl->n_processors, err, sizeof err);
	if (!chain) {
		log_msg(LOG_ERROR, "%s", err);
		return rt_close(&rt, 2);
	}
	if (chain_bind_stats(chain, rt.st) < 0)
		log_msg(LOG_WARN, "no free per-processor stats slot; some processors are not counted");
	struct ring in, out;
	if ((rc = segment_ring(&rt.seg, RING_INGEST_PROCESS, &in)) < 0 ||
	    (rc = segment_ring(&rt.seg, RING_PROCESS_BATCH, &out)) < 0) {
		log_msg(LOG_ERROR, "segment rings: %s", strerror(-rc));
		chain_free(chain);
		return rt_close(&rt, 1);
	}
	log_msg(LOG_INFO, "running %zu processors, ring %d -> ring %d (resuming after seq %llu)",
		pl->n_processors, RING_INGEST_PROCESS, RING_PROCESS_BATCH,
		(unsigned long long)ring_last_seq(&out));
	struct process_ctx ctx = { .in = &in, .out = &out, .chain = chain, .st = rt.st,
				   .stop = &rt.stop };
	rt_ready(&rt);
	rc = process_run(&ctx);
	if (chain_overflows(chain))
		log_msg(LOG_WARN, "%llu attribute edits were skipped for lack of room",
			(unsigned long long)chain_overflows(chain));
	chain_free(chain);
	if (rc < 0) {
		log_msg(LOG_ERROR, "stopped: %s", strerror(-rc));
		return rt_close(&rt, 1);
	}
	log_msg(LOG_INFO, "drained, exiting");
	return rt_close(&rt, 0);
}
