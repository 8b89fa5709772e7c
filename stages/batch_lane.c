/* batch_lane.c: one pipeline's records into batches, without sleeping. */
#include "stages/batch_lane.h"

#include <errno.h>

#include "config/log.h"
#include "rt/rt.h"
#include "shm/segment.h"

void lane_count(struct batch_state *s, enum stat_counter c, uint64_t n)
{
	if (s->c->st && n)
		stats_add(s->c->st, c, n);
}

void lane_progress(struct batch_state *s, uint64_t records)
{
	if (s->c->rt)
		rt_progress(s->c->rt, records);
}

static void lane_component(struct batch_lane *l, unsigned counter, uint64_t n)
{
	if (l->p->stats && n)
		seg_component_add(l->p->stats, counter, n);
}

void lane_recheck(struct batch_lane *l)
{
	struct ring *in = l->p->in;
	uint64_t to = ring_cursor(in);
	if (l->verify_to < to)
		l->verify_to = to;
	ring_rewind(in);
	batcher_reset(&l->b);
	l->end_pos = ring_committed(in);
	l->held = NULL;
	l->held_parts = 0;
	l->flush_pending = false;
	l->want = 0;
	l->want_poll = false;
}

int lane_wait_out(struct batch_state *s, struct batch_lane *l, uint32_t want)
{
	if (!l->want)
		lane_count(s, STAT_RING_FULL_WAITS, 1);
	l->want = want ? want : 1;
	return -EAGAIN;
}

int lane_flush(struct batch_state *s, struct batch_lane *l, enum stat_counter why)
{
	struct batch_pipe *p = l->p;
	struct batcher *b = &l->b;
	l->flush_pending = false;
	if (!b->count)
		return 0;
	struct record *o;
	uint32_t crc, bad;
	int rc = ring_reserve(p->out, (uint32_t)b->bytes, &o, 0);
	if (rc == -EAGAIN) {
		l->flush_pending = true;
		l->flush_why = why;
		return lane_wait_out(s, l, (uint32_t)b->bytes);
	}
	if (rc < 0)
		return rc;
	if (batcher_write(b, record_payload(o), &crc, &bad) < 0) {
		ring_cancel(p->out);
		lane_recheck(l);
		return LANE_REWOUND;
	}
	o->flags = RECORD_F_REQUEST;
	o->signal = p->signal;
	o->ingest_ns = b->oldest_ingest_ns;
	o->items = (uint32_t)b->items;
	record_seal_payload(o, crc);
	ring_note_source(p->out, p->slot, b->last_seq);
	ring_publish(p->out);
	if ((rc = ring_commit(p->in, l->end_pos)) < 0)
		return rc;
	uint64_t in_bytes = 0;
	for (uint32_t i = 0; i < b->count; i++)
		in_bytes += b->refs[i].len;
	lane_count(s, STAT_RECORDS_IN, b->count);
	lane_count(s, STAT_BYTES_IN, in_bytes);
	lane_count(s, STAT_SPANS_IN, b->items);
	lane_count(s, STAT_BATCHES_OUT, 1);
	lane_count(s, STAT_RECORDS_OUT, 1);
	lane_count(s, STAT_SPANS_OUT, b->items);
	lane_count(s, STAT_BYTES_OUT, b->bytes);
	if (why != STAT_COUNT)
		lane_count(s, why, 1);
	lane_observe_size(l, b->items);
	lane_component(l, SEG_C_IN, b->items);
	lane_component(l, SEG_C_OUT, b->items);
	lane_progress(s, b->count);
	batcher_reset(b);
	l->want = 0;
	l->want_poll = false;
	return 0;
}

/* The held record will not be batched (published before a restart, or not
 * a record this pipeline can send): let it go with the batch, or at once
 * when there is none. */
static int lane_pass(struct batch_state *s, struct batch_lane *l)
{
	int rc = 0;
	lane_count(s, STAT_RECORDS_IN, 1);
	lane_count(s, STAT_BYTES_IN, l->held->len);
	if (l->b.count)
		l->end_pos = l->held_pos;
	else
		rc = ring_commit(l->p->in, l->held_pos);
	lane_progress(s, 1);
	l->held = NULL;
	return rc;
}

bool lane_held_intact(struct batch_lane *l)
{
	const struct record *rec = l->held;
	if (!l->held_verified && !record_payload_ok(rec, crc32c(0, record_cpayload(rec), rec->len))) {
		lane_recheck(l);
		return false;
	}
	l->held_verified = true;
	return true;
}

static int lane_place(struct batch_state *s, struct batch_lane *l, uint64_t now)
{
	const struct record *rec = l->held;
	struct batch_pipe *p = l->p;
	int rc;
	/* a record let go without its copy is checked first: a damaged seq or
	 * signal must not pass for a duplicate or a stranger */
	if ((rec->seq <= l->skip_seq || rec->signal != p->signal || (rec->flags & RECORD_F_REQUEST)) &&
	    !lane_held_intact(l))
		return LANE_REWOUND;
	if (rec->seq <= l->skip_seq) {
		lane_count(s, STAT_DUPLICATES_SKIPPED, rec->items);
		return lane_pass(s, l);
	}
	if (rec->signal != p->signal || (rec->flags & RECORD_F_REQUEST)) {
		if (!l->warned_bad)
			log_msg(LOG_ERROR,
				"pipeline %s: ring %s holds a record of signal %u "
				"(flags 0x%x) where bare resources of signal %u are expected; its %u "
				"items are dropped (said once)",
				p->name, p->in_name, rec->signal, rec->flags, p->signal, rec->items);
		l->warned_bad = true;
		lane_count(s, STAT_SPANS_REFUSED_INVALID, rec->items);
		lane_component(l, SEG_C_IN, rec->items);
		lane_component(l, SEG_C_DROPPED, rec->items);
		return lane_pass(s, l);
	}
	enum batcher_verdict v = batcher_offer(&l->b, rec->len, rec->items);
	if (v == BATCHER_FLUSH_FIRST) {
		if ((rc = lane_flush(s, l, STAT_BATCH_FLUSH_SIZE)) != 0)
			return rc;
		v = batcher_offer(&l->b, rec->len, rec->items);
	}
	if (v == BATCHER_SPLIT)
		return lane_cut(s, l);
	struct batcher_ref ref = { .payload = record_cpayload(rec),
				   .len = rec->len,
				   .items = rec->items,
				   .check = l->held_verified ? NULL : rec };
	batcher_add(&l->b, &ref, rec->seq, rec->ingest_ns, now);
	l->end_pos = l->held_pos;
	l->held = NULL;
	bool full = batcher_full(&l->b);
	if (full || batcher_due(&l->b, now)) { /* due at once: timeout 0 */
		/* -EAGAIN: placed, and the flush waits for room (take no more) */
		return lane_flush(s, l, full ? STAT_BATCH_FLUSH_SIZE : STAT_BATCH_FLUSH_TIMEOUT);
	}
	return 0;
}

/* Peek the next record, with the payload's check left to the copy unless
 * we are re-reading after a bad copy. */
static int lane_peek(struct batch_lane *l)
{
	struct ring *in = l->p->in;
	const struct record *rec;
	bool full = ring_cursor(in) < l->verify_to;
	int rc = full ? ring_peek(in, &rec, 0) : ring_peek_deferred(in, &rec, 0);
	if (rc < 0)
		return rc;
	l->held = rec;
	l->held_pos = ring_cursor(in);
	l->held_verified = full;
	l->held_parts = 0;
	return 0;
}

int lane_step(struct batch_state *s, struct batch_lane *l, uint64_t now, bool take)
{
	int rc, moved = 0;
	if (l->flush_pending) {
		if ((rc = lane_flush(s, l, l->flush_why)) == -EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
		moved = 1;
	}
	if (l->held) {
		if ((rc = lane_place(s, l, now)) == -EAGAIN)
			return moved;
		if (rc < 0)
			return rc;
		moved = 1;
	}
	if (batcher_due(&l->b, now)) {
		if ((rc = lane_flush(s, l, STAT_BATCH_FLUSH_TIMEOUT)) == -EAGAIN)
			return moved;
		if (rc < 0)
			return rc;
		moved = 1;
	}
	uint64_t real_ns = 0; /* one clock read a step: the step never sleeps */
	for (int i = 0; take && i < LANE_BUDGET; i++) {
		if (s->c->max_records && s->done >= s->c->max_records)
			break;
		rc = lane_peek(l);
		if (rc == -EAGAIN || rc == -ETIMEDOUT || rc == -EINTR) {
			l->empty = true;
			break;
		}
		moved = 1;
		l->empty = false;
		if (rc == -EBADMSG) {
			if ((rc = lane_corrupt(s, l)) < 0)
				return rc;
			continue;
		}
		if (rc < 0)
			return rc;
		s->done++;
		if (l->p->age) { /* taken now: how long it waited in the MID ring */
			if (!real_ns)
				real_ns = rt_real_ns();
			hist_observe(l->p->age, hist_age_ns(l->held->ingest_ns, real_ns));
		}
		if ((rc = lane_place(s, l, now)) == -EAGAIN)
			break;
		if (rc < 0)
			return rc;
	}
	return moved;
}
