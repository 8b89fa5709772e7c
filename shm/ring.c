/* shm/ring.c - SPSC ring: format, bind, reserve/publish, peek/commit.
 * The crash-consistent sequence and source table live in ring_seq.c,
 * corrupt records and damaged control blocks in ring_corrupt.c, sleeping
 * and waking in ring_wait.c.
 *
 * Only head, tail, last[] and the wait words are shared-concurrent; every
 * access to them goes through the SHM_* macros (shm/atomic.h). Record bytes
 * are plain memory ordered by the head release / acquire pair: the producer
 * writes them before the release store of head, the consumer reads them
 * after the acquire load, and nobody writes them again until tail passes.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "shm/atomic.h"
#include "shm/ring.h"
#include "shm/ring_priv.h"
#include "shm/ring_wait.h"

int ring_format(void *mem, uint64_t capacity)
{
	struct ring_ctrl *ctl = mem;

	if (!mem || ((uintptr_t)mem & 63) || !ring_capacity_ok(capacity))
		return -EINVAL;
	memset(ctl, 0, sizeof(*ctl));
	ctl->magic = RING_MAGIC;
	ctl->capacity = capacity;
	/* last[0] = {0, 0}: "head 0, last seq 0". last[1] matches no head, so
	 * a first publish that dies half-way through it is never read. */
	SHM_STORE_RELAXED(&ctl->last[1].head_after, UINT64_MAX);
	return 0;
}

int ring_init(struct ring *r, void *mem, int data_fd, int space_fd)
{
	struct ring_ctrl *ctl = mem;
	struct ring_last_snap snap;
	uint64_t half;
	int rc;

	memset(r, 0, sizeof(*r));
	r->data_fd = -1;
	r->space_fd = -1;
	if (!mem || ((uintptr_t)mem & 63))
		return -EINVAL;
	if (ctl->magic != RING_MAGIC || !ring_capacity_ok(ctl->capacity))
		return -ENOTRECOVERABLE;
	r->ctl = ctl;
	r->data = (uint8_t *)mem + RING_CTRL_SIZE;
	r->cap = ctl->capacity;
	r->mask = r->cap - 1;
	half = r->cap / 2 - RECORD_HDR_SIZE;
	r->max_payload = half > UINT32_MAX - 64 ? UINT32_MAX - 64 : (uint32_t)half;
	r->data_fd = data_fd;
	r->space_fd = space_fd;

	r->cons_tail = r->cursor = r->tail_cache = SHM_LOAD_ACQUIRE(&ctl->tail);
	memset(&snap, 0, sizeof(snap));
	rc = ring_last_snapshot(ctl, &snap);
	if (rc == -EAGAIN)				  /* an observer while the producer publishes: */
		snap.head = SHM_LOAD_ACQUIRE(&ctl->head); /* it needs no table */
	else if (rc < 0)
		return rc;
	/* A restarted producer continues the sequence and the source table. */
	r->prod_head = r->prod_pos = r->head_cache = snap.head;
	r->pub_seq = snap.seq;
	memcpy(r->src, snap.src, sizeof(r->src));
	if (r->prod_head - r->cons_tail > r->cap || r->prod_head < r->cons_tail ||
	    ((r->prod_head | r->cons_tail) & (RECORD_ALIGN - 1)))
		return -ENOTRECOVERABLE;
	return 0;
}

/* Fix the size of the open record (the caller may have lowered its len). */
static int close_open(struct ring *r)
{
	if (!r->open)
		return 0;
	if (r->open->len > r->open_len)
		return -EINVAL;
	r->prod_pos += record_size(r->open->len);
	r->open = NULL;
	return 0;
}

/* Bytes from prod_pos that a record of `size` needs: the record itself,
 * plus the skipped end of the buffer when it does not fit before the end. */
static uint64_t need_bytes(const struct ring *r, uint64_t size)
{
	uint64_t room = r->cap - (r->prod_pos & r->mask);

	return size <= room ? size : room + size;
}

int ring_reserve(struct ring *r, uint32_t len, struct record **out, int64_t timeout_ns)
{
	int64_t deadline = 0;
	uint64_t size, need, room;
	struct record *rec;
	int rc;

	*out = NULL;
	if (len > r->max_payload)
		return -EMSGSIZE;
	rc = close_open(r);
	if (rc)
		return rc;
	size = record_size(len);
	need = need_bytes(r, size);
	if (r->prod_pos + need - r->tail_cache > r->cap) {
		r->tail_cache = SHM_LOAD_ACQUIRE(&r->ctl->tail);
		while (r->prod_pos + need - r->tail_cache > r->cap) {
			if (timeout_ns == 0)
				return -EAGAIN;
			/* The consumer cannot free space held by our own
			 * unpublished records: publish them before sleeping. */
			if (r->npending)
				ring_publish(r);
			if (!deadline)
				deadline = ring_wait_deadline(timeout_ns);
			rc = ring_wait_space(r, r->prod_pos + need, deadline);
			if (rc)
				return rc;
		}
	}
	room = r->cap - (r->prod_pos & r->mask);
	if (size > room) {
		/* Wrap: mark the rest of the buffer as padding (a PAD header
		 * if one fits, else the consumer skips < 32 bytes implicitly). */
		if (room >= RECORD_HDR_SIZE) {
			rec = (struct record *)(r->data + (r->prod_pos & r->mask));
			memset(rec, 0, RECORD_HDR_SIZE);
			rec->len = (uint32_t)(room - RECORD_HDR_SIZE);
			rec->flags = RECORD_F_PAD;
			record_seal(rec);
		}
		r->prod_pos += room;
	}
	rec = (struct record *)(r->data + (r->prod_pos & r->mask));
	memset(rec, 0, RECORD_HDR_SIZE);
	rec->len = len;
	rec->signal = RECORD_SIGNAL_TRACES;
	rec->seq = (r->last ? r->last->seq : r->pub_seq) + 1;
	r->open = rec;
	r->open_len = len;
	r->last = rec;
	r->npending++;
	*out = rec;
	return 0;
}

/* Seal the reserved records [prod_head, prod_pos) whose producer did not
 * (crc still 0). They are ours and were just written: hot in our cache. */
static void seal_pending(struct ring *r)
{
	for (uint64_t pos = r->prod_head; pos < r->prod_pos;) {
		uint64_t room = r->cap - (pos & r->mask);
		struct record *rec = (struct record *)(r->data + (pos & r->mask));

		if (room < RECORD_HDR_SIZE || (rec->flags & RECORD_F_PAD)) {
			pos += room;
			continue;
		}
		if (rec->crc == 0)
			record_seal(rec);
		pos += record_size(rec->len);
	}
}

int ring_publish(struct ring *r)
{
	struct ring_ctrl *ctl = r->ctl;
	uint32_t n = r->npending;
	struct ring_last *next;
	uint64_t end;
	int rc;

	if (!n)
		return 0;
	rc = close_open(r);
	if (rc)
		return rc;
	seal_pending(r);
	end = r->prod_pos;
	/* Describe the new head in the slot that does NOT describe the
	 * current one, then publish: a crash anywhere in between leaves the
	 * old slot matching the old head. */
	next = &ctl->last[SHM_LOAD_RELAXED(&ctl->last[0].head_after) == r->prod_head ? 1 : 0];
	SHM_STORE_RELAXED(&next->seq, r->last->seq);
	for (unsigned k = 0; k < RING_MAX_SOURCES; k++)
		SHM_STORE_RELAXED(&next->src[k], r->src[k]);
	SHM_STORE_RELAXED(&next->head_after, end);
	SHM_STORE_RELEASE(&ctl->head, end);
	r->prod_head = end;
	r->pub_seq = r->last->seq;
	r->npending = 0;
	r->last = NULL;
	/* Pairs with the consumer's fence between "I sleep" and re-checking
	 * head: either it sees our head or we see its flag. */
	SHM_FENCE_FULL();
	uint32_t w = SHM_LOAD_RELAXED(&ctl->cons_wait);
	/* a napping consumer comes back by itself: wake it only if the ring
	 * is filling up meanwhile */
	if (w & RING_WAIT_NAP)
		r->tail_cache = SHM_LOAD_ACQUIRE(&ctl->tail);
	if (w && (!(w & RING_WAIT_NAP) || end - r->tail_cache > r->cap / 4))
		ring_wait_wake_consumer(r);
	return (int)n;
}

void ring_cancel(struct ring *r)
{
	r->prod_pos = r->prod_head;
	r->open = NULL;
	r->last = NULL;
	r->npending = 0;
}

/* ring_peek and ring_peek_deferred: verify = 0 leaves the payload's
 * checksum to the caller (the header is still checked). */
static int peek(struct ring *r, const struct record **out, int64_t timeout_ns, int verify)
{
	int64_t deadline = 0;
	const struct record *rec;
	uint64_t room;
	int rc;

	*out = NULL;
	for (;;) {
		if (r->cursor == r->head_cache) {
			r->head_cache = SHM_LOAD_ACQUIRE(&r->ctl->head);
			if (r->cursor == r->head_cache) {
				if (timeout_ns == 0)
					return -EAGAIN;
				if (!deadline)
					deadline = ring_wait_deadline(timeout_ns);
				rc = ring_wait_data(r, deadline);
				if (rc)
					return rc;
			}
		}
		if (r->head_cache - r->cursor > r->cap || r->head_cache < r->cursor ||
		    (r->head_cache & (RECORD_ALIGN - 1)))
			return -ENOTRECOVERABLE;
		room = r->cap - (r->cursor & r->mask);
		if (room < RECORD_HDR_SIZE) {
			r->cursor += room;
			continue;
		}
		rec = (const struct record *)(r->data + (r->cursor & r->mask));
		switch (ring_at_header(r, rec, room, r->head_cache - r->cursor)) {
		case RING_AT_PAD:
			if (!record_intact(rec))
				return -EBADMSG;
			r->cursor += room;
			continue;
		case RING_AT_RECORD:
			/* the payload's CRC on its own is kept: a stage that
			 * forwards the payload unchanged seals with it */
			if (verify) {
				r->peek_crc = crc32c(0, record_cpayload(rec), rec->len);
				if (record_crc_from(rec, r->peek_crc) != rec->crc)
					return -EBADMSG;
			}
			r->cursor += record_size(rec->len);
			r->peek_seq = rec->seq;
			*out = rec;
			return 0;
		default:
			return -EBADMSG; /* the cursor stays on it: ring_skip_corrupt */
		}
	}
}

int ring_peek(struct ring *r, const struct record **out, int64_t timeout_ns)
{
	return peek(r, out, timeout_ns, 1);
}

int ring_peek_deferred(struct ring *r, const struct record **out, int64_t timeout_ns)
{
	return peek(r, out, timeout_ns, 0);
}

int ring_commit(struct ring *r, uint64_t pos)
{
	struct ring_ctrl *ctl = r->ctl;

	if (pos < r->cons_tail || pos > r->cursor)
		return -EINVAL;
	if (pos == r->cons_tail)
		return 0;
	SHM_STORE_RELEASE(&ctl->tail, pos);
	r->cons_tail = pos;
	/* Pairs with the producer's fence between "I sleep" and re-checking
	 * tail. */
	SHM_FENCE_FULL();
	if (SHM_LOAD_RELAXED(&ctl->prod_wait))
		ring_wait_wake_producer(r);
	return 0;
}

uint64_t ring_used(const struct ring *r)
{
	uint64_t t = SHM_LOAD_ACQUIRE(&r->ctl->tail);
	uint64_t h = SHM_LOAD_ACQUIRE(&r->ctl->head);

	return h >= t ? h - t : 0;
}

int ring_arm_data(struct ring *r)
{
	if (r->data_fd < 0)
		return -ENOTSUP;
	r->head_cache = SHM_LOAD_ACQUIRE(&r->ctl->head);
	if (r->head_cache != r->cursor)
		return 1;
	SHM_STORE_RELAXED(&r->ctl->cons_wait, RING_WAIT_EVENTFD);
	SHM_FENCE_FULL();
	r->head_cache = SHM_LOAD_ACQUIRE(&r->ctl->head);
	return r->head_cache != r->cursor;
}

int ring_arm_space(struct ring *r, uint32_t len)
{
	uint64_t need;
	int rc;

	if (r->space_fd < 0)
		return -ENOTSUP;
	if (len > r->max_payload)
		return -EMSGSIZE;
	rc = close_open(r);
	if (rc)
		return rc;
	need = r->prod_pos + need_bytes(r, record_size(len));
	r->tail_cache = SHM_LOAD_ACQUIRE(&r->ctl->tail);
	if (need - r->tail_cache <= r->cap)
		return 1;
	SHM_STORE_RELAXED(&r->ctl->prod_wait, RING_WAIT_EVENTFD);
	SHM_FENCE_FULL();
	r->tail_cache = SHM_LOAD_ACQUIRE(&r->ctl->tail);
	return need - r->tail_cache <= r->cap;
}

int ring_fd_drain(int fd)
{
	uint64_t v;
	ssize_t n = read(fd, &v, sizeof(v));

	if (n == (ssize_t)sizeof(v))
		return 0;
	return n < 0 ? -errno : -EIO;
}
