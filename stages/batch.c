/* batch.c: the batch stage loop over struct batcher (views into ring 1). */
#include "stages/batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "rt/clock.h"

#define BATCH_WAIT_NS (100 * 1000 * 1000ull)

struct batch_state {
	struct batch_ctx *ctx;
	struct batcher b;
	struct split split;
	uint64_t end_pos;          /* ring 1 position after the batch's last record */
	const struct record *cur;  /* record being split */
	int dry, atomic;           /* split passes: sizing only / try-reserve */
	uint64_t dry_bytes;        /* ring bytes the parts need */
};

static void batch_count(struct stage_stats *st, enum stat_counter c, uint64_t n)
{
	if (st && n)
		stats_add(st, c, n);
}

static int batch_reserve(struct batch_ctx *c, uint32_t len, struct record **o)
{
	for (;;) {
		int rc = ring_reserve(c->out, len, o, (int64_t)BATCH_WAIT_NS);
		if (rc == -ETIMEDOUT || rc == -EAGAIN) {
			batch_count(c->st, STAT_RING_FULL_WAITS, 1);
			if (c->st)
				stats_heartbeat(c->st);
			continue;
		}
		if (rc != -EINTR)
			return rc;
	}
}

/* Publishes the held batch and commits ring 1 up to its end. */
static int batch_flush(struct batch_state *s, enum stat_counter why)
{
	struct batch_ctx *c = s->ctx;
	struct batcher *b = &s->b;
	if (!b->count)
		return 0;
	struct record *o;
	int rc = batch_reserve(c, (uint32_t)b->bytes, &o);
	if (rc < 0)
		return rc;
	uint32_t crc = batcher_write(b, record_payload(o));
	o->flags = RECORD_F_REQUEST;
	o->seq = b->last_seq;
	o->ingest_ns = b->oldest_ingest_ns;
	o->items = (uint32_t)b->items;
	record_seal_payload(o, crc);
	ring_publish(c->out);
	if ((rc = ring_commit(c->in, s->end_pos)) < 0)
		return rc;
	batch_count(c->st, STAT_BATCHES_OUT, 1);
	batch_count(c->st, STAT_RECORDS_OUT, 1);
	batch_count(c->st, STAT_SPANS_OUT, b->items);
	batch_count(c->st, STAT_BYTES_OUT, b->bytes);
	if (why != STAT_COUNT)
		batch_count(c->st, why, 1);
	batcher_reset(b);
	return 0;
}

static int batch_emit_part(void *arg, size_t frame_len, uint32_t items, uint8_t **dst)
{
	struct batch_state *s = arg;
	struct record *o;
	if (frame_len > ring_max_payload(s->ctx->out))
		return -EMSGSIZE;
	if (s->dry) { /* sizing pass: count, write nothing */
		s->dry_bytes += frame_len + RECORD_HDR_SIZE + RECORD_ALIGN;
		return 1;
	}
	/* try only: waiting would make ring_reserve publish the parts
	 * reserved so far, and the parts must become visible together */
	int rc = s->atomic ? ring_reserve(s->ctx->out, (uint32_t)frame_len, &o, 0)
			   : batch_reserve(s->ctx, (uint32_t)frame_len, &o);
	if (rc < 0)
		return rc;
	o->flags = RECORD_F_REQUEST;
	o->seq = s->cur->seq;
	o->ingest_ns = s->cur->ingest_ns;
	o->items = items;
	*dst = record_payload(o);
	return 0;
}

/* Waits until ring 2 has room for `bytes` of records at once: reserve one
 * record that large (nothing else is reserved, so nothing is published
 * early), then give it back. Room only grows while we hold no
 * reservation, so the parts reserved next fit without waiting. */
static int batch_wait_room(struct batch_ctx *c, uint64_t bytes)
{
	struct record *o;
	int rc = batch_reserve(c, (uint32_t)bytes, &o);
	if (rc == 0)
		ring_cancel(c->out);
	return rc;
}

/* A record too big for any batch: cut into parts and publish them in one
 * ring_publish (all with the record's seq), so a crash publishes all of
 * them or none. */
static int batch_split(struct batch_state *s, const struct record *rec)
{
	struct batch_ctx *c = s->ctx;
	uint32_t max_items = s->b.lim.send_batch_max_size;
	uint64_t max_bytes = s->b.lim.max_bytes;
	const uint8_t *p = record_cpayload(rec);
	int parts;
	s->cur = rec;
	for (int attempt = 0;; attempt++) {
		s->dry = 1;
		s->dry_bytes = 0;
		parts = split_run(&s->split, p, rec->len, max_items, max_bytes, batch_emit_part, s);
		s->dry = 0;
		if (parts < 0)
			break;
		/* one probe record covering every part (headers, alignment and
		 * a wrap included, see batch_wait_room) */
		s->atomic = s->dry_bytes <= ring_max_payload(c->out) && attempt < 3;
		if (s->atomic) {
			int rc = batch_wait_room(c, s->dry_bytes);
			if (rc < 0)
				return rc;
		} else {
			log_msg(LOG_WARN, "record seq %llu: its %d parts are larger than one ring "
				"record; publishing them one by one (a crash in between duplicates "
				"or loses part of this record)", (unsigned long long)rec->seq, parts);
		}
		parts = split_run(&s->split, p, rec->len, max_items, max_bytes, batch_emit_part, s);
		if (parts != -EAGAIN)
			break;
		ring_cancel(c->out); /* room vanished? size again */
	}
	if (parts < 0) {
		ring_cancel(c->out);
		log_msg(LOG_WARN, "record seq %llu (%u spans, %u bytes) cannot be split into "
			"batches (error %d); its spans are dropped",
			(unsigned long long)rec->seq, rec->items, rec->len, parts);
		batch_count(c->st, STAT_SPANS_REFUSED_INVALID, rec->items);
		return 0;
	}
	ring_publish(c->out);
	batch_count(c->st, STAT_BATCHES_OUT, (uint64_t)parts);
	batch_count(c->st, STAT_RECORDS_OUT, (uint64_t)parts);
	batch_count(c->st, STAT_BATCH_FLUSH_SIZE, (uint64_t)parts);
	batch_count(c->st, STAT_SPANS_OUT, rec->items);
	batch_count(c->st, STAT_BYTES_OUT, rec->len);
	return 0;
}

static int batch_limits(struct batch_ctx *c, struct batcher_limits *l)
{
	l->send_batch_size = c->cfg->send_batch_size;
	l->send_batch_max_size = c->cfg->send_batch_max_size;
	l->timeout_ns = c->cfg->timeout_ns;
	uint64_t bytes = c->cfg->send_batch_max_bytes ? c->cfg->send_batch_max_bytes : UINT64_MAX;
	if (bytes > ring_max_payload(c->out))
		bytes = ring_max_payload(c->out);
	if (bytes > ring_capacity(c->in) / 4)
		bytes = ring_capacity(c->in) / 4;
	l->max_bytes = bytes;
	return 0;
}

/* One peeked record; 0 or fatal errno. */
static int batch_take(struct batch_state *s, const struct record *rec, uint64_t pos, uint64_t now)
{
	struct batcher *b = &s->b;
	enum batcher_verdict v = batcher_offer(b, rec->len, rec->items);
	int rc;
	if (v == BATCHER_FLUSH_FIRST) {
		if ((rc = batch_flush(s, STAT_BATCH_FLUSH_SIZE)) < 0)
			return rc;
		v = batcher_offer(b, rec->len, rec->items);
	}
	if (v == BATCHER_SPLIT) {
		if ((rc = batch_split(s, rec)) < 0)
			return rc;
		return ring_commit(s->ctx->in, pos);
	}
	batcher_add(b, record_cpayload(rec), rec->len, rec->items, rec->seq, rec->ingest_ns, now);
	s->end_pos = pos;
	if (batcher_full(b))
		return batch_flush(s, STAT_BATCH_FLUSH_SIZE);
	return 0;
}

static int batch_loop(struct batch_state *s)
{
	struct batch_ctx *c = s->ctx;
	uint64_t skip = ring_last_seq(c->out), done = 0;
	int rc;
	for (;;) {
		uint64_t now = rt_mono_ns();
		if (batcher_due(&s->b, now) && (rc = batch_flush(s, STAT_BATCH_FLUSH_TIMEOUT)) < 0)
			return rc;
		bool stopping = c->stop && rt_stop_check(c->stop);
		uint64_t wait = batcher_wait_ns(&s->b, now);
		if (wait > BATCH_WAIT_NS)
			wait = BATCH_WAIT_NS;
		const struct record *rec;
		rc = ring_peek(c->in, &rec, stopping ? 0 : (int64_t)(wait ? wait : 1));
		if (rc == -EAGAIN || rc == -ETIMEDOUT || rc == -EINTR) {
			if (c->st)
				stats_heartbeat(c->st);
			if (stopping && rc == -EAGAIN)
				return batch_flush(s, STAT_COUNT); /* drained */
			continue;
		}
		if (rc < 0)
			return rc;
		uint64_t pos = ring_cursor(c->in);
		batch_count(c->st, STAT_RECORDS_IN, 1);
		batch_count(c->st, STAT_BYTES_IN, rec->len);
		if (rec->seq <= skip) {
			/* published before a restart; the batch is empty here
			 * because skipped records all precede new ones */
			batch_count(c->st, STAT_DUPLICATES_SKIPPED, rec->items);
			if (!s->b.count && (rc = ring_commit(c->in, pos)) < 0)
				return rc;
		} else {
			batch_count(c->st, STAT_SPANS_IN, rec->items);
			if ((rc = batch_take(s, rec, pos, now)) < 0)
				return rc;
		}
		if (++done % 256 == 0 && c->st)
			stats_heartbeat(c->st);
		if (c->max_records && done >= c->max_records)
			return batch_flush(s, STAT_COUNT);
	}
}

int batch_run(struct batch_ctx *c)
{
	struct batch_state s;
	memset(&s, 0, sizeof s);
	s.ctx = c;
	struct batcher_limits lim;
	batch_limits(c, &lim);
	/* every record holds >= 1 span, so a batch never needs more refs than
	 * its span limits; without limits, refs bound it */
	uint32_t nrefs = lim.send_batch_max_size ? lim.send_batch_max_size
			 : (lim.send_batch_size ? lim.send_batch_size : 8192);
	if (nrefs < 1024)
		nrefs = 1024;
	if (nrefs > (1u << 20))
		nrefs = 1u << 20;
	struct batcher_ref *refs = calloc(nrefs, sizeof *refs);
	if (!refs)
		return -ENOMEM;
	int rc = batcher_init(&s.b, &lim, refs, nrefs);
	if (rc == 0)
		rc = split_init(&s.split, nrefs, 65536);
	if (rc == 0)
		rc = batch_loop(&s);
	split_free(&s.split);
	free(refs);
	return rc;
}
