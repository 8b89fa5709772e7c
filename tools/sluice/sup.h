/* tools/sluice/sup.h: the supervisor behind `sluice run`.
 *
 * sup_run() validates nothing itself (the caller loaded the config), then:
 * takes the instance lock, creates the segment or resumes the one a previous
 * supervisor left (its records are still in the rings), starts the four
 * stages, watches them with pidfds on one io_uring loop, restarts a dead
 * stage with exponential backoff and gives up after too many restarts in a
 * window. It serves the control socket and the Prometheus/health endpoint.
 * SIGTERM, SIGINT or `sluice stop` drain the pipeline in order (ingest
 * first, export last); the segment is removed only when every ring is
 * empty, so nothing accepted is ever thrown away.
 *
 * Exit codes (returned): SUP_EXIT_OK, SUP_EXIT_FAILED (could not start or
 * run), SUP_EXIT_GAVE_UP (a stage kept crashing).
 */
#ifndef SLUICE_TOOLS_SUP_H
#define SLUICE_TOOLS_SUP_H

#include "config/config.h"

enum {
	SUP_EXIT_OK = 0,
	SUP_EXIT_FAILED = 1,
	SUP_EXIT_USAGE = 2,
	SUP_EXIT_NOT_RUNNING = 3,
	SUP_EXIT_GAVE_UP = 4,
};

/* config_path: absolute path handed to the stages (NULL = built-in
 * defaults). bin_dir: where the stage binaries are. */
int sup_run(const struct sluice_config *cfg, const char *config_path, const char *bin_dir);

#endif
