/* process.h: the process stage's loop, ring 0 -> chain -> ring 1.
 *
 * For each input record (in seq order): skip it if seq <= the output ring's
 * last published seq (it was published before a crash: counted as
 * duplicates_skipped), else run the chain, publish the result with the
 * input's seq, ingest_ns and the kept span count (nothing when no span is
 * left), then commit the input. Crash at any point: the input stays
 * uncommitted until its output is published, and the seq rule skips what
 * was published, so nothing is lost or duplicated.
 * Returns 0 when *stop is set and the input ring is empty (drain), or a
 * negative errno on a fatal ring error (-EBADMSG: corrupt ring).
 */
#ifndef SLUICE_STAGES_PROCESS_H
#define SLUICE_STAGES_PROCESS_H

#include <signal.h>

#include "rt/stop.h"
#include "shm/ring.h"
#include "shm/stats.h"
#include "stages/chain.h"

struct process_ctx {
	struct ring *in, *out;
	struct chain *chain;              /* NULL or 0 processors: pass-through */
	struct stage_stats *st;           /* may be NULL */
	struct rt_stop *stop;              /* rt/stop.h; NULL = never */
	uint64_t max_records;             /* stop after this many inputs (0 = no limit; benchmarks) */
};

int process_run(struct process_ctx *p);

#endif
