/* tools/sluice/child.h: one supervised stage process.
 *
 *   child_spawn()    fork + exec the stage binary with the wake-fd and log
 *                    environment; the child dies with the supervisor
 *                    (PR_SET_PDEATHSIG) and gets a pidfd the loop can watch
 *   child_reap()     collect the exit status once the pidfd is readable
 *   child_on_exit()  the restart policy: exponential backoff; "too many
 *                    restarts in the window" is a crash loop, restarted at
 *                    the maximum backoff (never a reason to stop the others)
 *
 * No I/O loop here: the supervisor watches pidfds and arms timers.
 */
#ifndef SLUICE_TOOLS_CHILD_H
#define SLUICE_TOOLS_CHILD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"
#include "shm/stats.h"

#define CHILD_HISTORY 64 /* restart times remembered for the window check */

enum child_verdict {
	CHILD_RESTART = 0,    /* restart after child->backoff_ns */
	CHILD_CRASH_LOOP = 1, /* too many restarts in the window: restart after
	                         backoff_ns = backoff_max, report the stage failed */
};

struct child {
	enum stage_index stage;
	char binary[4096];		 /* absolute path of sluice-<stage> */
	pid_t pid;			 /* 0 = not running */
	int pidfd;			 /* -1 = none */
	uint64_t started_mono_ns;	 /* CLOCK_MONOTONIC of the last spawn */
	uint64_t backoff_ns;		 /* delay before the next restart */
	uint64_t restarts;		 /* unplanned restarts so far */
	uint64_t history[CHILD_HISTORY]; /* monotonic ns of recent crashes */
	unsigned history_len;
	int last_status; /* waitid si_status */
	int last_code;	 /* CLD_EXITED, CLD_KILLED, CLD_DUMPED */
};

/* Fill `c` for `stage` with the binary in bin_dir. -ENOENT (with the path in
 * c->binary) when the binary is missing or not executable. */
int child_init(struct child *c, enum stage_index stage, const char *bin_dir);

/* Fork and exec. argv: binary [-c config_path]. env adds SLUICE_WAKE_FDS and
 * SLUICE_LOG_LEVEL to the supervisor's environment. Returns 0 with c->pid
 * and c->pidfd set, or -errno. */
int child_spawn(struct child *c, const char *config_path, const char *wake_env, const char *log_level);

/* Reap a child whose pidfd became readable: fills last_status/last_code,
 * closes the pidfd, pid = 0. Returns 0, or -EAGAIN if it has not exited. */
int child_reap(struct child *c);

/* Human text of the last exit: "exited with status 1", "killed by signal 9". */
const char *child_exit_text(const struct child *c, char *buf, size_t size);

/* True when the last exit was a clean "exit 0". */
bool child_exited_cleanly(const struct child *c);

/* Apply the restart policy after an unplanned exit at monotonic time now:
 * backoff doubles from backoff_initial up to backoff_max, and resets when
 * the stage had run longer than backoff_max; more than max_restarts crashes
 * inside `window` is CHILD_CRASH_LOOP with backoff_ns = backoff_max (until
 * the crashes inside the window are few enough again). */
enum child_verdict child_on_exit(struct child *c, const struct sluice_restart *policy, uint64_t now_ns);

/* Send a signal to a running child through its pidfd (no pid reuse race). */
int child_signal(struct child *c, int sig);

/* "sluice-ingest" ... for a stage. */
const char *child_binary_name(enum stage_index stage);

#endif
