/* exporter/held.h: the delivery engine's end of the line for a batch
 * refused for good: its dead letter, and holding it when that cannot be
 * written (the policy is described in exporter/deliver.h). Internal to
 * exporter/deliver.c; no other caller.
 *
 *   held_init(x)       at deliver_add
 *   held_refused(a)    write a's dead letter, or hold the batch; a's slot
 *                      is free afterwards either way (except when there is
 *                      no memory to hold it: then a waits in its slot)
 *   held_fill(x, a)    put a held batch that is due for a re-send into the
 *                      free attempt a; false when none is
 *   held_on_ack(x, a)  the backend acknowledged a: re-sends may be due
 *   held_free(x)       at deliver_free
 *   held_gauge(d)      the STAT_EXPORT_DEGRADED value
 */
#ifndef SLUICE_EXPORTER_HELD_H
#define SLUICE_EXPORTER_HELD_H

#include "exporter/deliver.h"

void held_init(struct dexp *x);
void held_refused(struct attempt *a);
bool held_fill(struct dexp *x, struct attempt *a);
void held_on_ack(struct dexp *x, const struct attempt *a);
void held_free(struct dexp *x);
uint64_t held_gauge(const struct deliver *d);

/* deliver.c's, for held.c: the exporter is done with a's batch (sent,
 * dead-lettered, spilled): clears its window bit or removes its disk
 * entry and frees the slot. */
void deliver_attempt_finish(struct attempt *a);
/* The slot is free again but the batch stays where it is (held). */
void deliver_attempt_release(struct attempt *a);

static inline void deliver_count(struct deliver *d, enum stat_counter c, uint64_t n)
{
	if (d->st && n)
		stats_add(d->st, c, n);
}

/* Per-exporter counters: sent (out) or failed for good (dropped). */
static inline void deliver_count_exporter(struct dexp *x, bool sent, uint64_t n)
{
	if (!x->slot)
		return;
	atomic_fetch_add_explicit(&x->slot->in, n, memory_order_relaxed);
	atomic_fetch_add_explicit(sent ? &x->slot->out : &x->slot->dropped, n,
				  memory_order_relaxed);
}

#endif
