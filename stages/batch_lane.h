/* batch_lane.h: private to the batch stage (batch*.c): one pipeline's
 * state (a lane) and the steps the loop in batch.c drives.
 *
 * A lane never sleeps: each step returns when its OUT ring is full, with
 * what it was doing kept (a flush pending, or the record it was placing
 * `held`) and `want` set to the OUT payload bytes it waits for; the loop
 * polls that ring's space eventfd and steps the lane again.
 */
#ifndef SLUICE_STAGES_BATCH_LANE_H
#define SLUICE_STAGES_BATCH_LANE_H

#include <stdbool.h>
#include <stdint.h>

#include "shm/hist.h"
#include "stages/batch.h"
#include "stages/batcher.h"
#include "stages/split.h"

#define LANE_BUDGET 256 /* records a lane takes before the loop turns to the next */
#define LANE_REWOUND 1	/* lane_flush: a payload was corrupt; batch dropped, input rewound */

struct batch_lane {
	struct batch_pipe *p;
	struct batcher b;
	struct batcher_ref *refs;  /* b's array */
	uint64_t end_pos;	   /* MID position after the batch's last record */
	uint64_t skip_seq;	   /* inputs with seq <= this were published before a restart */
	uint64_t verify_to;	   /* peek with full checks while the cursor is below this */
	const struct record *held; /* peeked, not placed yet: waits for OUT space */
	uint64_t held_pos;	   /* MID position after it */
	bool held_verified;	   /* its payload was checked by ring_peek */
	uint32_t held_parts;	   /* split one by one: parts of `held` already published */
	bool flush_pending;	   /* the batch waits for OUT space */
	enum stat_counter flush_why;
	uint32_t want;		/* OUT payload bytes waited for; 0 = not blocked */
	bool want_poll;		/* more than one record can say: retry on a short timer */
	bool empty;		/* the last peek found the MID ring empty */
	bool warned_bad;	/* "records of another signal" said once */
	bool warned_quarantine; /* "cannot quarantine" said once */
};

/* Split pass, for lane_emit. */
enum batch_cut_mode {
	BATCH_CUT_DRY = 0,    /* size the parts, write nothing */
	BATCH_CUT_ATOMIC = 1, /* reserve every part without waiting; publish together */
	BATCH_CUT_ONE = 2,    /* publish each part before reserving the next */
};

struct batch_state {
	struct batch_ctx *c;
	struct batch_lane *lanes;
	struct split split; /* scratch, one split at a time */
	uint64_t done;	    /* inputs taken (max_records) */
	uint64_t alive_ns;  /* last rt_alive */
	bool draining;
	/* the split in progress */
	struct batch_lane *cut;
	enum batch_cut_mode mode;
	uint64_t dry_bytes, dry_max; /* DRY: ring bytes of all parts, of the largest */
	uint64_t items, bytes;	     /* items and body bytes of the parts of this pass */
	uint32_t part;		     /* parts seen in this pass */
	uint32_t part_len;	     /* the last part emit was asked for */
	bool part_open;		     /* ONE: a reserved part waits for its publish */
	uint32_t part_n;	     /* parts noted in part_items this pass */
	uint32_t *part_items;	     /* items of each part of this pass (ATOMIC, ONE), for the
	                               send-size histogram once all are out; grown on this
	                               rare path, freed by batch_run */
	uint32_t part_cap;	     /* entries part_items holds */
	bool part_items_short;	     /* a grow failed: this split's sizes go unobserved */
};

/* One step of a lane: finish what waits, flush on timeout, take up to
 * LANE_BUDGET records (none when `take` is false). 1 if it did anything,
 * 0 if not (idle or blocked), or a fatal errno. */
int lane_step(struct batch_state *s, struct batch_lane *l, uint64_t now, bool take);

/* Publish the batch and commit its inputs. 0, -EAGAIN (blocked: flush
 * left pending), LANE_REWOUND, or a fatal errno. why: STAT_BATCH_FLUSH_*,
 * STAT_COUNT for a drain. */
int lane_flush(struct batch_state *s, struct batch_lane *l, enum stat_counter why);

/* The held record alone passes a limit: publish its parts (batch_cut.c).
 * 0 (held placed: published or dropped), -EAGAIN (blocked, held kept),
 * LANE_REWOUND (its payload is corrupt), or a fatal errno. */
int lane_cut(struct batch_state *s, struct batch_lane *l);

/* After ring_peek said -EBADMSG: step over, quarantine, log, go on
 * (batch_corrupt.c). 0 or a fatal errno. */
int lane_corrupt(struct batch_state *s, struct batch_lane *l);

/* A payload did not match its checksum: forget the batch and what is held,
 * rewind the MID ring, and peek with full checks up to where we were, so
 * that ring_peek finds the corrupt record. */
void lane_recheck(struct batch_lane *l);

/* The OUT ring lacks `want` payload bytes: keep what waits, count the
 * wait, return -EAGAIN. */
int lane_wait_out(struct batch_state *s, struct batch_lane *l, uint32_t want);

/* Checks the held record's payload against its checksum unless peeked
 * with full checks; false (after lane_recheck) when it does not match. */
bool lane_held_intact(struct batch_lane *l);

/* The send-size histogram, for a batch of `items` just published. */
static inline void lane_observe_size(struct batch_lane *l, uint64_t items)
{
	hist_observe(l->p->send_size, items);
}

/* Counting, for all steps. */
void lane_count(struct batch_state *s, enum stat_counter c, uint64_t n);
void lane_progress(struct batch_state *s, uint64_t records);

#endif
