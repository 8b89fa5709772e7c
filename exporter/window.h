/* exporter/window.h: delivery bookkeeping, "longest acknowledged prefix".
 *
 * Every batch read from the OUT ring enters the window in ring order with one
 * pending bit per exporter. An exporter clears its bit when the backend
 * acknowledged the batch, when it dead-lettered it, or when it put a copy
 * in its disk queue. The ring tail may advance over a batch only when no
 * bit is left on it AND on every older batch: window_release() pops that
 * prefix and says how far the ring may be committed.
 *
 *   index:  tail ............................ head
 *   bits:   [000][000][010][000][011][001]   (exporters 0 and 1)
 *            \ released /  ^ blocks the tail until exporter 1 acks
 *
 * Batch bodies stay in ring memory (zero copy) until released, so the
 * window holds views; the one exception is a record holding a bare
 * ResourceSpans/Logs/Metrics, which must be framed into a request first
 * (`owned`). Indices are 64-bit and monotonic; slot = index & (cap - 1).
 * Fixed capacity, allocated once.
 */
#ifndef SLUICE_EXPORTER_WINDOW_H
#define SLUICE_EXPORTER_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

struct record;

#define WINDOW_MAX_EXPORTERS 32

struct window_batch {
	uint64_t seq;		  /* record seq */
	uint64_t ring_start;	  /* ring position of the record's header */
	uint64_t ring_end;	  /* ring consumer position just past this record */
	const struct record *rec; /* its header in the ring (for the payload check) */
	const uint8_t *body;	  /* request body (view into the ring) */
	uint32_t len;		  /* body bytes */
	uint32_t items;		  /* spans, log records or data points */
	uint64_t ingest_ns;	  /* oldest ingest time in the batch */
	uint32_t pending;	  /* exporters still owing an outcome */
	bool resumed;		  /* every exporter had finished it before a restart */
	uint8_t *owned;		  /* body copy owned by the window (freed on release), or NULL */
};

struct window {
	struct window_batch *b;
	uint32_t cap, mask;
	uint64_t tail, head; /* [tail, head) are live */
};

/* cap is rounded up to a power of two (>= 2). 0 or -ENOMEM. */
int window_init(struct window *w, uint32_t cap);
void window_free(struct window *w);

static inline uint32_t window_count(const struct window *w)
{
	return (uint32_t)(w->head - w->tail);
}
static inline bool window_full(const struct window *w)
{
	return window_count(w) == w->cap;
}
/* Batch at absolute index i; caller guarantees tail <= i < head. */
static inline struct window_batch *window_at(const struct window *w, uint64_t i)
{
	return &w->b[i & w->mask];
}

/* Appends a batch (its pending mask already set). Returns its index or
 * -ENOSPC when full. */
int64_t window_push(struct window *w, const struct window_batch *b);

/* Exporter `bit` (0..31) is done with batch i. Returns 0, -ERANGE when i
 * is not live, -EALREADY when that bit was already clear. */
int window_done(struct window *w, uint64_t i, unsigned bit);

/* Drops batches [i, head) (freeing owned copies): they are read again
 * from the ring. tail <= i <= head. */
void window_cut(struct window *w, uint64_t i);

/* Pops the longest fully-done prefix (freeing owned copies). Returns the number popped; when > 0,
 * *commit_pos = ring_end of the last popped batch and *last_seq its seq. */
uint32_t window_release(struct window *w, uint64_t *commit_pos, uint64_t *last_seq);

#endif
