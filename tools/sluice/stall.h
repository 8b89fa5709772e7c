/* tools/sluice/stall.h: stall detection (issue 14, section 4).
 *
 * A stage is stalled when records wait in its input rings (IN rings for
 * process, MID for batch, OUT for export; ingest has none) and its loop
 * has shown no sign of life for sluice.stall_timeout. Signs of life, read
 * from the stage's stats block: `progress` or `progress_ns` moving
 * (rt_progress / rt_alive), or `heartbeat_ns` moving (stats_heartbeat, what
 * the stages call today). A stage waiting on a full output ring or a
 * failing backend keeps calling them, so it is alive; only a stopped or
 * hung loop stalls. With sluice.restart_stalled the supervisor kills
 * (SIGKILL) a stage that stays stalled for another stall_timeout and
 * restarts it like a crashed one.
 *
 * The supervisor publishes its verdicts in the segment's aux region
 * STALL_REGION_NAME, so /health, /metrics and `sluice status` (another
 * process) all say the same:
 *   stalled_since[stage]  CLOCK_MONOTONIC ns of the stage's last sign of
 *                         life while it is stalled, 0 while it is not
 *   stall_restarts[stage] restarts because of a stall (also counted in the
 *                         stage's restarts)
 * One writer (the supervisor), relaxed words.
 */
#ifndef SLUICE_TOOLS_STALL_H
#define SLUICE_TOOLS_STALL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "shm/segment.h"

#define STALL_REGION_NAME "sluice:supervisor"
#define STALL_MAGIC 0x4c4c415453554c53ull /* "SLUSTALL" */

struct stall_region {
	uint64_t magic;
	uint64_t timeout_ns; /* sluice.stall_timeout, for readers */
	_Atomic uint64_t stalled_since[STAGE_COUNT];
	_Atomic uint64_t stall_restarts[STAGE_COUNT];
};

/* The region of a segment, or NULL (absent or not formatted). */
struct stall_region *stall_region_get(struct segment *seg);

/* Format it (the supervisor, on a fresh or migrated segment). */
void stall_region_format(void *mem, uint64_t timeout_ns);

/* 0 while the stage is not stalled, else CLOCK_MONOTONIC ns of its last
 * sign of life. */
uint64_t stall_since(struct segment *seg, enum stage_index st);

/* The supervisor's memory of one stage. */
struct stall_watch {
	uint64_t progress, progress_ns, heartbeat_ns; /* last values seen */
	uint64_t life_ns;			      /* CLOCK_MONOTONIC when one of them last moved
	                         (or the input was empty, or the stage started) */
	bool stalled;
	bool killed; /* SIGKILL sent for this stall */
};

enum stall_verdict {
	STALL_FINE = 0, /* alive, or nothing waits for it */
	STALL_NEW,	/* stalled from now on: report it */
	STALL_STILL,	/* stalled, not yet for another timeout */
	STALL_RESTART,	/* stalled for timeout more: kill and restart it */
	STALL_OVER,	/* it was stalled and showed life again */
};

/* Forget the past: the stage (re)started at now_ns. */
void stall_watch_reset(struct stall_watch *w, const struct stage_stats *s, uint64_t now_ns);

/* One look at a running stage at now_ns (CLOCK_MONOTONIC). pending: its
 * input rings hold records. timeout_ns 0: never stalled. */
enum stall_verdict stall_watch_check(struct stall_watch *w, const struct stage_stats *s, bool pending,
				     uint64_t timeout_ns, uint64_t now_ns);

#endif
