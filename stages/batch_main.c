/* sluice-batch: ring 1 -> batches (ExportTraceServiceRequest bodies) -> ring 2.
 * Usage: sluice-batch [-c FILE]. SIGTERM/SIGINT: drain ring 1, flush the
 * partial batch, exit 0. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "config/log.h"
#include "stages/batch.h"
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
	int rc = stage_open(&s, argc, argv, STAGE_BATCH);
	if (rc)
		return rc;

	struct ring in, out;
	if ((rc = segment_ring(&s.seg, RING_PROCESS_BATCH, &in)) < 0 ||
	    (rc = segment_ring(&s.seg, RING_BATCH_EXPORT, &out)) < 0) {
		log_msg(LOG_ERROR, "segment rings: %s", strerror(-rc));
		return stage_close(&s, 1);
	}
	const struct sluice_batch *cfg = s.cfg->pipeline.batch;
	log_msg(LOG_INFO, "batching ring %d -> ring %d: send_batch_size %u, "
		"send_batch_max_size %u, max bytes %llu, timeout %llu ms (resuming after seq %llu)",
		RING_PROCESS_BATCH, RING_BATCH_EXPORT, cfg->send_batch_size,
		cfg->send_batch_max_size, (unsigned long long)cfg->send_batch_max_bytes,
		(unsigned long long)(cfg->timeout_ns / 1000000), (unsigned long long)ring_last_seq(&out));
	struct batch_ctx ctx = { .in = &in, .out = &out, .cfg = cfg, .st = s.st, .stop = &g_stop };
	rc = batch_run(&ctx);
	if (rc < 0) {
		log_msg(LOG_ERROR, "stopped: %s", strerror(-rc));
		return stage_close(&s, 1);
	}
	log_msg(LOG_INFO, "drained, exiting");
	return stage_close(&s, 0);
}
