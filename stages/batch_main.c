/* sluice-batch: ring 1 -> batches (ExportTraceServiceRequest bodies) -> ring 2.
 * Usage: sluice-batch [-c FILE]. SIGTERM/SIGINT: drain ring 1, flush the
 * partial batch, exit 0. */
#include <errno.h>
#include <string.h>

#include "config/log.h"
#include "rt/rt.h"
#include "stages/batch.h"

int main(int argc, char **argv)
{
	struct rt rt;
	int code, rc;
	if (!rt_open(&rt, argc, argv, STAGE_BATCH,
		     "batch stage: ring 1 -> request bodies -> ring 2; SIGTERM drains ring 1", &code))
		return code;

	struct ring in, out;
	if ((rc = segment_ring(&rt.seg, RING_PROCESS_BATCH, &in)) < 0 ||
	    (rc = segment_ring(&rt.seg, RING_BATCH_EXPORT, &out)) < 0) {
		log_msg(LOG_ERROR, "segment rings: %s", strerror(-rc));
		return rt_close(&rt, 1);
	}
	const struct sluice_batch *cfg = rt.cfg->pipeline.batch;
	log_msg(LOG_INFO, "batching ring %d -> ring %d: send_batch_size %u, "
		"send_batch_max_size %u, max bytes %llu, timeout %llu ms (resuming after seq %llu)",
		RING_PROCESS_BATCH, RING_BATCH_EXPORT, cfg->send_batch_size,
		cfg->send_batch_max_size, (unsigned long long)cfg->send_batch_max_bytes,
		(unsigned long long)(cfg->timeout_ns / 1000000), (unsigned long long)ring_last_seq(&out));
	struct batch_ctx ctx = { .in = &in, .out = &out, .cfg = cfg, .st = rt.st, .stop = &rt.stop };
	rt_ready(&rt);
	rc = batch_run(&ctx);
	if (rc < 0) {
		log_msg(LOG_ERROR, "stopped: %s", strerror(-rc));
		return rt_close(&rt, 1);
	}
	log_msg(LOG_INFO, "drained, exiting");
	return rt_close(&rt, 0);
}
