/* batch_cut.c: a record too big for any batch, cut into parts (split.h)
 * that are published together.
 *
 * Passes of the same split: DRY sizes the parts; ATOMIC reserves every
 * part without waiting (a reserve that waited would publish the parts
 * reserved so far, and the parts must become visible together), writes
 * them, then one ring_note_source + ring_publish. If the OUT ring lacks
 * room, everything reserved is cancelled and the lane waits for room for
 * all of them: a record as large as all parts together (which, wherever
 * the ring wraps, means room for the parts). Only when the parts could not
 * fit even in an empty OUT ring are they published one by one (ONE), which
 * a crash in between would duplicate in part: said in the log.
 */
#include "stages/batch_lane.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "shm/segment.h"

/* Keeps the items of the pass's next part for the send-size histogram
 * (observed when every part is out: an ATOMIC pass may yet be cancelled). */
static void note_part(struct batch_state *s, uint32_t items)
{
	uint32_t k = s->part_n++;
	if (k >= s->part_cap && !s->part_items_short) {
		uint32_t cap = s->part_cap ? s->part_cap * 2 : 64;
		uint32_t *n = realloc(s->part_items, (size_t)cap * sizeof *n);
		if (n) {
			s->part_items = n;
			s->part_cap = cap;
		} else {
			s->part_items_short = true;
		}
	}
	if (k < s->part_cap)
		s->part_items[k] = items;
}

static int lane_emit(void *arg, size_t frame_len, uint32_t items, uint8_t **dst)
{
	struct batch_state *s = arg;
	struct batch_lane *l = s->cut;
	struct ring *out = l->p->out;
	struct record *o;
	if (frame_len > ring_max_payload(out))
		return -EMSGSIZE;
	uint64_t size = record_size((uint32_t)frame_len);
	s->items += items;
	s->bytes += frame_len;
	s->part_len = (uint32_t)frame_len;
	if (s->mode != BATCH_CUT_DRY)
		note_part(s, items);
	switch (s->mode) {
	case BATCH_CUT_DRY:
		s->dry_bytes += size;
		if (size > s->dry_max)
			s->dry_max = size;
		return 1;
	case BATCH_CUT_ONE:
		if (s->part++ < l->held_parts)
			return 1; /* published before the lane last waited */
		if (s->part_open) {
			ring_publish(out);
			l->held_parts++;
			s->part_open = false;
		}
		break;
	case BATCH_CUT_ATOMIC:
		break;
	}
	int rc = ring_reserve(out, (uint32_t)frame_len, &o, 0);
	if (rc < 0)
		return rc;
	o->flags = RECORD_F_REQUEST;
	o->signal = l->p->signal;
	o->ingest_ns = l->held->ingest_ns;
	o->items = items;
	*dst = record_payload(o);
	s->part_open = s->mode == BATCH_CUT_ONE;
	return 0;
}

static int lane_split(struct batch_state *s, struct batch_lane *l, enum batch_cut_mode mode)
{
	const struct record *rec = l->held;
	struct batcher_limits *lim = &l->b.lim;
	s->cut = l;
	s->mode = mode;
	s->items = s->bytes = 0;
	if (mode == BATCH_CUT_DRY)
		s->dry_bytes = s->dry_max = 0;
	s->part = 0;
	s->part_n = 0;
	s->part_items_short = false;
	s->part_open = false;
	return split_run(&s->split, (enum otlp_signal)(l->p->signal - 1), record_cpayload(rec), rec->len,
			 lim->send_batch_max_size, lim->max_bytes, lane_emit, s);
}

/* The record cannot be cut (malformed, or one item larger than any OUT
 * record): its items are dropped, loudly. */
static void lane_cut_failed(struct batch_state *s, struct batch_lane *l, int err)
{
	const struct record *rec = l->held;
	log_msg(LOG_WARN,
		"pipeline %s: record seq %llu (%u items, %u bytes) cannot be split "
		"into batches (%s); its items are dropped",
		l->p->name, (unsigned long long)rec->seq, rec->items, rec->len,
		err == -EMSGSIZE ? "one item is larger than an output record" : strerror(-err));
	lane_count(s, STAT_SPANS_REFUSED_INVALID, rec->items);
	if (l->p->stats) {
		seg_component_add(l->p->stats, SEG_C_IN, rec->items);
		seg_component_add(l->p->stats, SEG_C_DROPPED, rec->items);
	}
}

/* The held record is placed: count, commit it. parts 0: nothing sent. */
static int lane_cut_done(struct batch_state *s, struct batch_lane *l, int parts)
{
	const struct record *rec = l->held;
	lane_count(s, STAT_RECORDS_IN, 1);
	lane_count(s, STAT_BYTES_IN, rec->len);
	if (parts > 0) {
		lane_count(s, STAT_SPANS_IN, s->items);
		lane_count(s, STAT_BATCHES_OUT, (uint64_t)parts);
		lane_count(s, STAT_RECORDS_OUT, (uint64_t)parts);
		lane_count(s, STAT_BATCH_FLUSH_SIZE, (uint64_t)parts);
		lane_count(s, STAT_SPANS_OUT, s->items);
		lane_count(s, STAT_BYTES_OUT, s->bytes);
		if (l->p->stats) {
			seg_component_add(l->p->stats, SEG_C_IN, s->items);
			seg_component_add(l->p->stats, SEG_C_OUT, s->items);
		}
		for (uint32_t i = 0; !s->part_items_short && i < s->part_n && i < s->part_cap; i++)
			lane_observe_size(l, s->part_items[i]);
	}
	lane_progress(s, 1);
	l->held = NULL;
	l->held_parts = 0;
	l->want = 0;
	l->want_poll = false;
	return ring_commit(l->p->in, l->held_pos);
}

int lane_cut(struct batch_state *s, struct batch_lane *l)
{
	const struct record *rec = l->held;
	struct ring *out = l->p->out;
	if (!lane_held_intact(l)) /* the split reads the payload: check it first */
		return LANE_REWOUND;
	int parts = lane_split(s, l, BATCH_CUT_DRY);
	if (parts <= 0) {
		if (parts < 0)
			lane_cut_failed(s, l, parts);
		return lane_cut_done(s, l, 0);
	}
	uint64_t dry = s->dry_bytes;
	if (dry + s->dry_max <= ring_capacity(out) && !l->held_parts) {
		parts = lane_split(s, l, BATCH_CUT_ATOMIC);
		if (parts == -EAGAIN) {
			ring_cancel(out);
			uint64_t probe = dry - RECORD_HDR_SIZE;
			/* larger than one record can be: retry on a timer */
			l->want_poll = probe > ring_max_payload(out);
			return lane_wait_out(s, l, l->want_poll ? ring_max_payload(out) : (uint32_t)probe);
		}
	} else {
		if (!l->held_parts)
			log_msg(LOG_WARN,
				"pipeline %s: record seq %llu is cut into %d parts that "
				"together do not fit its output ring; publishing them one by one (a "
				"crash in between would send the first ones twice)",
				l->p->name, (unsigned long long)rec->seq, parts);
		parts = lane_split(s, l, BATCH_CUT_ONE);
		if (parts == -EAGAIN) /* the parts before are out; wait for room for the next */
			return lane_wait_out(s, l, s->part_len);
		if (parts >= 0)
			l->held_parts = 0;
	}
	if (parts < 0) {
		ring_cancel(out);
		lane_cut_failed(s, l, parts);
		return lane_cut_done(s, l, 0);
	}
	ring_note_source(out, l->p->slot, rec->seq);
	ring_publish(out);
	return lane_cut_done(s, l, parts);
}
