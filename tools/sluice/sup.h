/* tools/sluice/sup.h: the supervisor behind `sluice run`.
 *
 * sup_run() validates nothing itself (the caller loaded the config), then:
 * takes the instance lock, creates the segment or resumes the one a previous
 * supervisor left (its records are still in the rings), starts the four
 * stages, watches them with pidfds on one io_uring loop, restarts a dead
 * stage with exponential backoff; a stage that crashes more than
 * restart.max_restarts times in restart.window is restarted every
 * backoff_max from then on and reported failed, while the other stages run
 * on (the limit is per stage: nothing stops the pipeline but a stop). It
 * refuses to start when a directory it would use is not safely its own
 * (rt/dirs.h). It serves the control socket and the
 * Prometheus/health endpoint.
 * SIGTERM, SIGINT or `sluice stop` drain the pipeline in order (ingest
 * first, export last); the segment is removed only when every ring is
 * empty, so nothing accepted is ever thrown away.
 *
 * Exit codes (returned): SUP_EXIT_OK, SUP_EXIT_FAILED (could not start or
 * run). (4, "a stage kept crashing", is no longer used.)
 */
#ifndef SLUICE_TOOLS_SUP_H
#define SLUICE_TOOLS_SUP_H

#include "config/config.h"

enum {
	SUP_EXIT_OK = 0,
	SUP_EXIT_FAILED = 1,
	SUP_EXIT_USAGE = 2,
	SUP_EXIT_NOT_RUNNING = 3,
};

/* config_path: absolute path handed to the stages (NULL = built-in
 * defaults). bin_dir: where the stage binaries are. */
int sup_run(const struct sluice_config *cfg, const char *config_path, const char *bin_dir);

#endif
