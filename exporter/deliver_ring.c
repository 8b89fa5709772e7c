/* The delivery engine's ring side: records into the window (header checked
 * at read), each payload's CRC at first use, and corrupt records stepped
 * over into the quarantine directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "exporter/deliver_int.h"
#include "otlp/wire.h"
#include "rt/clock.h"
#include "shm/quarantine.h"
#include "rt/dirs.h"

/* The quarantine directory's *.quarantine files stay under this (a flood
 * of corruption must not fill the disk: past it, entries are truncated). */
#define DELIVER_QUARANTINE_MAX (64ull << 20)

/* Keeps the bytes ring_skip_corrupt stepped over, and says so once. */
static void quarantine(struct deliver *d, const struct ring_skip *s)
{
	const uint8_t *part[2];
	size_t len[2];
	char kept[700] = "its bytes are not kept (no quarantine directory)";
	if (d->qdir[0] && ring_skipped_bytes(d->ring, s, part, len) == 0) {
		struct quarantine_entry e = {
			.ring = d->ring_name,
			.offset = s->from,
			.seq_before = s->seq_before,
			.seq_after = s->seq_after,
			.part = { part[0], part[1] },
			.len = { len[0], len[1] },
		};
		char why[512] = "";
		int rc = dirs_make(d->qdir, why, sizeof(why));
		int64_t n = rc < 0 ? rc : quarantine_write(d->qdir, DELIVER_QUARANTINE_MAX, &e);
		if (n >= 0)
			snprintf(kept, sizeof(kept), "%lld of its bytes kept in %.500s", (long long)n,
				 d->qdir);
		else
			snprintf(kept, sizeof(kept),
				 "its bytes are not kept: quarantine directory %.400s %.250s", d->qdir,
				 why[0] ? why : strerror((int)-n));
	}
	log_msg(LOG_ERROR,
		"ring %s: corrupt data at offset %llu (%llu bytes, between record seq %llu "
		"and %llu; records lost: %llu) skipped, never sent; %s",
		d->ring_name, (unsigned long long)s->from, (unsigned long long)(s->to - s->from),
		(unsigned long long)s->seq_before, (unsigned long long)s->seq_after,
		(unsigned long long)s->records, kept);
}

static int skip_corrupt(struct deliver *d)
{
	struct ring_skip s;
	int rc = ring_skip_corrupt(d->ring, &s);
	if (rc == -EINVAL)
		return 0; /* intact after all: the next peek takes it */
	if (rc < 0)
		return rc;
	d->corrupt_skips++;
	quarantine(d, &s);
	return 0;
}

/* The window from batch i on is read again: i is corrupt (or unknown) and
 * nobody has used i or anything after it (exporters take batches in
 * window order and the check comes first). */
static void cut(struct deliver *d, uint64_t i)
{
	struct window_batch *b = window_at(&d->w, i);
	uint64_t seq_before = i > d->w.tail ? window_at(&d->w, i - 1)->seq : d->last_seq;
	uint64_t pos = b->ring_start;
	for (uint64_t k = i; k < d->w.head; k++) {
		const struct window_batch *c = window_at(&d->w, k);
		for (unsigned e = 0; e < d->nx; e++)
			if (c->pending & (1u << e))
				d->x[e]->pending_bytes -= c->ring_end - c->ring_start;
	}
	for (unsigned e = 0; e < d->nx; e++)
		if (d->x[e]->cursor > i)
			d->x[e]->cursor = i;
	window_cut(&d->w, i);
	ring_rewind_to(d->ring, pos, seq_before);
	d->verify_next = true;
	d->again = true;
}

int deliver_batch_check(struct deliver *d, uint64_t i)
{
	if (d->checked < d->w.tail)
		d->checked = d->w.tail; /* released without ever being used */
	while (d->checked <= i) {
		struct window_batch *b = window_at(&d->w, d->checked);
		const struct record *r = b->rec;
		/* the first read of the body since the batch stage wrote it: it
		 * brings the bytes into the cache for the compressor or the
		 * socket copy that follows at once. (A build for measuring what
		 * the check costs leaves it out: docs/bench/export.md.) */
#ifndef SLUICE_BENCH_SKIP_PAYLOAD_CHECK
		if (!record_payload_ok(r, crc32c(0, record_cpayload(r), r->len))) {
			cut(d, d->checked);
			return -EBADMSG;
		}
#else
		(void)cut;
#endif
		if (!b->resumed) { /* the run that finished it counted it */
			deliver_count(d, STAT_RECORDS_IN, 1);
			deliver_count(d, STAT_SPANS_IN, r->items);
			deliver_count(d, STAT_BYTES_IN, r->len);
		}
		d->checked++;
	}
	return 0;
}

/* One bare ResourceSpans/Logs/Metrics: frame it as a request body
 * (0x0a varint-len payload). A copy, but only on this rare path: the
 * batch stage writes ready request bodies. */
static int frame(struct window_batch *b, const struct record *r)
{
	uint8_t *o = malloc((size_t)r->len + 11);
	if (!o)
		return -ENOMEM;
	uint8_t *p = o;
	*p++ = 0x0a;
	p = otlp_wire_put_varint(p, r->len);
	memcpy(p, record_cpayload(r), r->len);
	b->owned = o;
	b->body = o;
	b->len = (uint32_t)(p - o) + r->len;
	return 0;
}

int deliver_read_ring(struct deliver *d)
{
	int n = 0, rearm = 0, rc = 0;
	uint64_t real_ns = 0; /* one clock read a pass: the pass never sleeps */
	uint64_t resumed = 0;
	while (!d->ring_bad && !window_full(&d->w)) {
		const struct record *r;
		/* after a rewind the record there is read with its checksum, so
		 * that a corrupt one is reported for ring_skip_corrupt */
		rc = d->verify_next ? ring_try_peek(d->ring, &r) : ring_peek_deferred(d->ring, &r, 0);
		if (rc == -EAGAIN || rc == -EINTR) {
			d->ring_empty = true;
			/* say we sleep; 1 = records arrived meanwhile: read on */
			if (rc == -EAGAIN && d->arm_fd && rearm++ < 4 && ring_arm_data(d->ring) == 1)
				continue;
			break;
		}
		d->ring_empty = false;
		d->verify_next = false;
		if (rc == -EBADMSG) {
			if ((rc = skip_corrupt(d)) < 0)
				goto bad;
			continue;
		}
		if (rc < 0)
			goto bad;
		uint64_t end = ring_cursor(d->ring);
		struct window_batch b = {
			.seq = r->seq,
			.ring_start = end - record_size(r->len),
			.ring_end = end,
			.rec = r,
			.body = record_cpayload(r),
			.len = r->len,
			.items = r->items,
			.ingest_ns = r->ingest_ns,
			.pending = d->nx >= 32 ? 0xffffffffu : (1u << d->nx) - 1,
		};
		if (!(r->flags & RECORD_F_REQUEST) && (rc = frame(&b, r)) < 0) {
			/* the record stays uncommitted: a restart redoes it */
			log_msg(LOG_ERROR, "out of memory framing ring %s record seq %llu", d->ring_name,
				(unsigned long long)r->seq);
			d->ring_bad = true;
			return rc;
		}
		for (unsigned i = 0; i < d->nx; i++)
			if (d->x[i]->has_q && (b.pending & (1u << i)) && diskq_has(&d->x[i]->q, b.seq))
				b.pending &= ~(1u << i); /* spilled before a restart */
		for (unsigned i = 0; i < d->nx; i++)
			if ((b.pending & (1u << i)) && donemark_has(&d->x[i]->done, b.seq))
				b.pending &= ~(1u << i); /* finished before a restart */
		if (!b.pending && d->nx) {
			b.resumed = true;
			resumed++;
			deliver_count(d, STAT_DUPLICATES_SKIPPED, b.items);
		}
		for (unsigned i = 0; i < d->nx; i++)
			if (b.pending & (1u << i))
				d->x[i]->pending_bytes += b.ring_end - b.ring_start;
		window_push(&d->w, &b);
		if (d->age) {
			if (!real_ns)
				real_ns = rt_real_ns();
			hist_observe(d->age, hist_age_ns(b.ingest_ns, real_ns));
		}
		n++;
	}
	if (resumed) {
		d->resumed += resumed;
		log_msg(LOG_INFO,
			"ring %s: %llu batches every exporter had finished before a restart are let go "
			"of, not sent again",
			d->ring_name, (unsigned long long)resumed);
	}
	return n;
bad:
	log_msg(LOG_ERROR, "ring %s is damaged (%s); the export stage stops", d->ring_name, strerror(-rc));
	d->ring_bad = true;
	return rc;
}
