/* sluice-process: ring 0 -> filter/sample/transform -> ring 1.
 * Usage: sluice-process [-c FILE]. SIGTERM/SIGINT: drain ring 0, exit 0. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "config/log.h"
#include "stages/chain.h"
#include "stages/process.h"
#include "stages/stage.h"

static volatile sig_atomic_t g_stop;

static void on_stop(int sig)
{
	(void)sig;
	g_stop = 1;
}

int main(int argc, char **argv)
{
	/* handlers first: a SIGTERM during start-up still means "drain" */
	stage_catch_stop(on_stop);
	struct stage s;
	int rc = stage_open(&s, argc, argv, STAGE_PROCESS);
	if (rc)
		return rc;

	char err[512];
	const struct sluice_pipeline *pl = &s.cfg->pipeline;
	struct chain *chain = chain_new(pl->processors, pl->n_processors, err, sizeof err);
	if (!chain) {
		log_msg(LOG_ERROR, "%s", err);
		return stage_close(&s, 2);
	}
	if (chain_bind_stats(chain, s.st) < 0)
		log_msg(LOG_WARN, "no free per-processor stats slot; some processors are not counted");
	struct ring in, out;
	if ((rc = segment_ring(&s.seg, RING_INGEST_PROCESS, &in)) < 0 ||
	    (rc = segment_ring(&s.seg, RING_PROCESS_BATCH, &out)) < 0) {
		log_msg(LOG_ERROR, "segment rings: %s", strerror(-rc));
		chain_free(chain);
		return stage_close(&s, 1);
	}
	log_msg(LOG_INFO, "running %zu processors, ring %d -> ring %d (resuming after seq %llu)",
		pl->n_processors, RING_INGEST_PROCESS, RING_PROCESS_BATCH,
		(unsigned long long)ring_last_seq(&out));
	struct process_ctx ctx = { .in = &in, .out = &out, .chain = chain, .st = s.st,
				   .stop = &g_stop };
	rc = process_run(&ctx);
	if (chain_overflows(chain))
		log_msg(LOG_WARN, "%llu attribute edits were skipped for lack of room",
			(unsigned long long)chain_overflows(chain));
	chain_free(chain);
	if (rc < 0) {
		log_msg(LOG_ERROR, "stopped: %s", strerror(-rc));
		return stage_close(&s, 1);
	}
	log_msg(LOG_INFO, "drained, exiting");
	return stage_close(&s, 0);
}
