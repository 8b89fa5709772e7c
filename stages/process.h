/* stages/process.h: the process stage's executor: it runs the plan
 * (config/plan.h) between the segment's IN and MID rings.
 *
 *   struct process *p;
 *   process_new(&p, cfg, seg, &opts, err, sizeof err);   chains, connectors, ring handles
 *   rc = process_run(p);                 until stop + drained, max_records, or a fatal error
 *   process_free(p);
 *
 * For each record of every IN ring, for each of its ring's entry
 * pipelines: the pipeline's processors (stages/sigchain.h), then its real
 * exporters -> its MID ring, its connectors -> forward: the target
 * pipelines (recursively); routing: the pipelines of the first matching
 * route (stages/route.h), whole records or item by item; spanmetrics: the
 * kept spans into the connector's aggregation (stages/smconn.h), whose
 * flushes enter its metrics pipelines the same way.
 *
 * Crash rule: everything one input record sends to one MID ring is
 * published at once, after ring_note_source(mid, slot of the IN ring, seq);
 * the input is committed when every MID ring and aggregation it reaches
 * has it. After a restart, inputs with seq <= ring_source_seq(mid, slot)
 * are not sent to that MID ring again, nor counted again by an aggregation
 * whose applied seq covers them. A flush N is published with the
 * connector's slot and seq N.
 *
 * Full MID rings: reserves never wait. A record whose MID ring is full stays
 * uncommitted (what it sent elsewhere is published and skipped on the
 * retry), its IN ring waits for that ring's space, and the other IN rings
 * go on. The stage sleeps only when nothing can move: on the IN rings'
 * data and the blocking MID rings' space eventfds (one IN ring: the ring's
 * own spin-then-futex wait), at most PROCESS_WAIT_NS.
 *
 * Corrupt input records (ring_peek -EBADMSG) are stepped over with
 * ring_skip_corrupt, their bytes appended to <state_dir>/<instance>/
 * quarantine/<ring>.quarantine, logged with ring, offset and seqs, and the
 * stage goes on; a damaged ring (-ENOTRECOVERABLE) ends process_run with
 * that error.
 *
 * The common plan (one IN ring, one pipeline, one MID ring, no connector)
 * writes the chain's output straight into the reserved MID record; copies
 * are made only for a second destination.
 */
#ifndef SLUICE_STAGES_PROCESS_H
#define SLUICE_STAGES_PROCESS_H

#include <stdint.h>

#include "config/config.h"
#include "rt/rt.h"
#include "rt/stop.h"
#include "shm/segment.h"
#include "shm/stats.h"
#include "stages/route.h"

#define PROCESS_WAIT_NS (100ull * 1000 * 1000)	/* longest sleep between stop checks */
#define PROCESS_ALIVE_NS (250ull * 1000 * 1000) /* rt_alive at least this often */
#define PROCESS_QUARANTINE_MAX (256ull << 20)	/* bytes the quarantine directory may hold */

struct process_opts {
	struct rt *rt;				 /* rt_alive / rt_progress / rt_draining; NULL: st only */
	struct stage_stats *st;			 /* stage counters (NULL: none); rt->st when rt is set */
	struct rt_stop *stop;			 /* NULL: run until max_records or an error */
	uint64_t max_records;			 /* return after this many input records (0: no limit) */
	const char *quarantine_dir;		 /* NULL: <state_dir>/<instance>/quarantine */
	const struct route_access *route_access; /* item-context routing accessors (NULL: none) */
};

struct process;

/* Builds the executor: every pipeline's chain (bound to its component
 * slots), the connectors (span-metrics regions attached; a flush pending
 * from before a crash confirmed or made again), producer handles on the
 * MID rings and consumer handles on the IN rings. seg must hold the plan's
 * rings (same indexes). 0 or -errno with a message in err. */
int process_new(struct process **out, const struct sluice_config *cfg, struct segment *seg,
		const struct process_opts *opts, char *err, size_t errlen);

/* What process_new would refuse in the config alone (a chain or routing
 * table that does not compile), checked before any stage starts: 0, or
 * -EINVAL with "FILE:LINE:COL: pipeline|connector ID: why" in err. */
int process_check(const struct sluice_config *cfg, char *err, size_t errlen);

/* 0 after a stop once every IN ring is drained (or max_records inputs), or
 * a fatal -errno (-ENOTRECOVERABLE: a damaged ring). */
int process_run(struct process *p);

void process_free(struct process *p);

#endif
