/* rt/rt.h: the runtime every sluice stage starts, runs and stops on.
 *
 *   int main(int argc, char **argv)
 *   {
 *           struct rt rt;
 *           int code;
 *           if (!rt_open(&rt, argc, argv, STAGE_PROCESS, "ring 0 -> processors -> ring 1", &code))
 *                   return code;                  // usage, config or attach failure: logged
 *           ... set up from rt.cfg / rt.seg ...
 *           rt_ready(&rt);                        // RUNNING: the supervisor counts us as up
 *           while (!rt_stop_check(&rt.stop)) { work; rt_alive(&rt); }
 *           rt_draining(&rt);                     // empty the input downstream, then
 *           return rt_close(&rt, 0);              // STOPPED (0) or FAILED, detached, freed
 *   }
 *
 * rt_open, in this order: blocks the stop signals (rt/stop.h) so a stop
 * during start-up waits for the stage to be able to drain; reads
 * `[-c FILE] [-h]`; loads the config (errors are one log line
 * "FILE:LINE:COL: ..."); attaches /sluice.<instance>, waiting up to
 * RT_ATTACH_WAIT_MS while it does not exist yet or is still being
 * formatted (the supervisor formats it before it starts us; a test may
 * race it); imports the ring eventfds from SLUICE_WAKE_FDS; finds the
 * stage's stats block and marks it STARTING with our pid. Exit codes:
 * 0 after -h, 2 usage or config error, 1 runtime failure.
 */
#ifndef SLUICE_RT_RT_H
#define SLUICE_RT_RT_H

#include <stdbool.h>

#include "config/config.h"
#include "rt/clock.h"
#include "rt/stop.h"
#include "shm/segment.h"
#include "shm/stats.h"

#define RT_ATTACH_WAIT_MS 5000

struct rt {
	enum stage_index stage;
	const char *config_path; /* -c FILE, NULL = built-in defaults */
	struct sluice_config *cfg;
	struct segment seg;
	struct stage_stats *st; /* this stage's block in the segment */
	struct rt_stop stop;
	bool attached;
};

/* True: run the stage. False: return *exit_code from main (the reason is
 * logged, or the usage printed). `about` is one line for -h. */
bool rt_open(struct rt *rt, int argc, char **argv, enum stage_index stage, const char *about, int *exit_code);

/* Marks the stage RUNNING (pid, start time, heartbeat). */
void rt_ready(struct rt *rt);

/* A sign of life from the stage's main loop (call it at least every
 * second, also while it waits on a full output ring or a backend): the
 * supervisor calls a stage whose input holds records and whose loop stays
 * silent longer than sluice.stall_timeout stalled. */
void rt_alive(struct rt *rt);

/* n units of work done (input records consumed, requests answered). */
void rt_progress(struct rt *rt, uint64_t n);

/* Marks the stage DRAINING and logs which signal asked. */
void rt_draining(struct rt *rt);

/* Marks the stage STOPPED (code 0) or FAILED, closes what rt_open opened,
 * frees the config; returns code. Safe after a failed rt_open. */
int rt_close(struct rt *rt, int code);

/* Attach with the bounded retry rt_open uses (for tools and tests). */
int rt_attach(struct segment *seg, const char *instance, unsigned wait_ms);

#endif
