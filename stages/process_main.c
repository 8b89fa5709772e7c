/* sluice-process: the process stage. Runs the plan's pipelines between the
 * IN rings (from ingest) and the MID rings (to batch): processors,
 * connectors, span-metrics aggregation (stages/process.h).
 * Usage: sluice-process [-c FILE]. SIGTERM/SIGINT: drain the IN rings, exit 0.
 * Exit 1 on a damaged ring or a runtime failure, 2 on a usage/config error. */
#include <errno.h>
#include <string.h>

#include "config/log.h"
#include "config/plan.h"
#include "rt/rt.h"
#include "stages/process.h"
#include "stages/route.h"

int main(int argc, char **argv)
{
	struct rt rt;
	struct process *p;
	char err[512];
	int code, rc;

	if (!rt_open(&rt, argc, argv, STAGE_PROCESS,
		     "process stage: IN rings -> pipelines (processors, connectors) -> MID rings; "
		     "SIGTERM drains the IN rings",
		     &code))
		return code;
	struct process_opts o = {
		.rt = &rt, .st = rt.st, .stop = &rt.stop, .route_access = &route_access_wire
	};
	if ((rc = process_new(&p, rt.cfg, &rt.seg, &o, err, sizeof(err))) < 0) {
		log_msg(LOG_ERROR, "%s", err);
		/* a config the stage cannot run is the config's fault: 2, as for a bad file */
		return rt_close(&rt, rc == -EINVAL || rc == -ENOTSUP ? 2 : 1);
	}
	log_msg(LOG_INFO, "running %zu pipelines: %u IN rings -> %u MID rings", rt.cfg->n_pipelines,
		rt.cfg->plan->n_in, rt.cfg->plan->n_mid);
	rt_ready(&rt);
	rc = process_run(p);
	process_free(p);
	if (rc < 0) {
		log_msg(LOG_ERROR, "stopped: %s", strerror(-rc));
		return rt_close(&rt, 1);
	}
	log_msg(LOG_INFO, "drained, exiting");
	return rt_close(&rt, 0);
}
