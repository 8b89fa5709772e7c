/* shm/ring_seq.c - the crash-consistent view of what the producer
 * published: last seq and the per-source table (ring-t.h: last[2]).
 *
 * The producer writes the slot that does not describe the current head,
 * then stores head (release). So at every instant one slot describes head
 * and nobody writes it until head has moved on twice. A reader takes head,
 * finds the slot whose head_after equals it, copies it, and checks that
 * neither head_after nor head moved meanwhile; if they did, it retries.
 */
#include <errno.h>
#include <string.h>

#include "shm/atomic.h"
#include "shm/ring.h"
#include "shm/ring_priv.h"

#define SNAPSHOT_TRIES 1000

int ring_last_snapshot(const struct ring_ctrl *c, struct ring_last_snap *out)
{
	struct ring_ctrl *ctl = (struct ring_ctrl *)c;

	/* Bounded: a live producer can only make us retry by publishing. */
	for (int tries = 0; tries < SNAPSHOT_TRIES; tries++) {
		uint64_t h = SHM_LOAD_ACQUIRE(&ctl->head);

		for (int i = 0; i < 2; i++) {
			struct ring_last *l = &ctl->last[i];

			if (SHM_LOAD_ACQUIRE(&l->head_after) != h)
				continue;
			out->head = h;
			out->seq = SHM_LOAD_ACQUIRE(&l->seq);
			for (unsigned k = 0; k < RING_MAX_SOURCES; k++)
				out->src[k] = SHM_LOAD_ACQUIRE(&l->src[k]);
			if (SHM_LOAD_ACQUIRE(&l->head_after) == h && SHM_LOAD_ACQUIRE(&ctl->head) == h)
				return 0;
		}
		if (SHM_LOAD_ACQUIRE(&ctl->head) == h)
			return -ENOTRECOVERABLE; /* head stood still, no slot for it */
		SHM_CPU_RELAX();
	}
	return -EAGAIN;
}

uint64_t ring_last_seq(const struct ring *r)
{
	struct ring_last_snap snap;

	return ring_last_snapshot(r->ctl, &snap) == 0 ? snap.seq : 0;
}

int ring_note_source(struct ring *r, uint32_t slot, uint64_t in_seq)
{
	if (slot >= RING_MAX_SOURCES)
		return -EINVAL;
	r->src[slot] = in_seq;
	return 0;
}

uint64_t ring_source_seq(const struct ring *r, uint32_t slot)
{
	struct ring_last_snap snap;

	if (slot >= RING_MAX_SOURCES || ring_last_snapshot(r->ctl, &snap) != 0)
		return 0;
	return snap.src[slot];
}
