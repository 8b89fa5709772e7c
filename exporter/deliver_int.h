/* exporter/deliver_int.h: the delivery engine's insides, shared by its
 * files (deliver.c, deliver_ring.c, held.c); no other caller. */
#ifndef SLUICE_EXPORTER_DELIVER_INT_H
#define SLUICE_EXPORTER_DELIVER_INT_H

#include "exporter/deliver.h"

/* The exporter is done with a's batch (sent, dead-lettered, spilled):
 * clears its window bit or removes its disk entry and frees the slot. */
void deliver_attempt_finish(struct attempt *a);
/* The slot is free again but the batch stays where it is (held). */
void deliver_attempt_release(struct attempt *a);
/* Exporter x is done with window batch win_idx (its bit, its queue bytes). */
void deliver_batch_done(struct dexp *x, uint64_t win_idx);

/* deliver_ring.c: reads what the ring has into the window (records whose
 * header checks; payloads are checked at first use). Batches read, or
 * -ENOTRECOVERABLE / -ENOMEM. */
int deliver_read_ring(struct deliver *d);
/* Checks the payload CRC of every window batch up to i that is not
 * checked yet (in window order). 0, or -EBADMSG: the first corrupt one
 * was found, the window was cut before it and the ring rewound to it
 * (the next read steps over it and quarantines it). */
int deliver_batch_check(struct deliver *d, uint64_t i);

static inline void deliver_count(struct deliver *d, enum stat_counter c, uint64_t n)
{
	if (d->st && n)
		stats_add(d->st, c, n);
}

/* Per-exporter counters: sent (out) or failed for good (dropped), in the
 * stage block's proc slot and in the plan's component slot. */
static inline void deliver_count_exporter(struct dexp *x, bool sent, uint64_t n)
{
	if (x->comp && n)
		seg_component_add(x->comp, sent ? SEG_C_SENT : SEG_C_FAILED, n);
	if (!x->slot)
		return;
	atomic_fetch_add_explicit(&x->slot->in, n, memory_order_relaxed);
	atomic_fetch_add_explicit(sent ? &x->slot->out : &x->slot->dropped, n, memory_order_relaxed);
}

/* Counter c (DELIVER_C_*) of the exporter's component slot. */
static inline void deliver_count_comp(struct dexp *x, unsigned c, uint64_t n)
{
	if (x->comp && n)
		seg_component_add(x->comp, c, n);
}

#endif
