/* Fixed ring of batch views; release pops the all-clear prefix. */
#include "exporter/window.h"

#include <errno.h>
#include <stdlib.h>

int window_init(struct window *w, uint32_t cap)
{
	uint32_t c = 2;
	while (c < cap && c < (1u << 30))
		c <<= 1;
	w->b = calloc(c, sizeof(*w->b));
	if (!w->b)
		return -ENOMEM;
	w->cap = c;
	w->mask = c - 1;
	w->tail = w->head = 0;
	return 0;
}

void window_free(struct window *w)
{
	for (uint64_t i = w->tail; i < w->head; i++)
		free(window_at(w, i)->owned);
	free(w->b);
	w->b = NULL;
	w->cap = w->mask = 0;
}

int64_t window_push(struct window *w, const struct window_batch *b)
{
	if (window_full(w))
		return -ENOSPC;
	uint64_t i = w->head++;
	*window_at(w, i) = *b;
	return (int64_t)i;
}

int window_done(struct window *w, uint64_t i, unsigned bit)
{
	if (i < w->tail || i >= w->head || bit >= WINDOW_MAX_EXPORTERS)
		return -ERANGE;
	struct window_batch *b = window_at(w, i);
	uint32_t m = 1u << bit;
	if (!(b->pending & m))
		return -EALREADY;
	b->pending &= ~m;
	return 0;
}

void window_cut(struct window *w, uint64_t i)
{
	while (w->head > i && w->head > w->tail) {
		struct window_batch *b = window_at(w, --w->head);
		free(b->owned);
		b->owned = NULL;
		b->body = NULL;
	}
}

uint32_t window_release(struct window *w, uint64_t *commit_pos, uint64_t *last_seq)
{
	uint32_t n = 0;
	while (w->tail < w->head) {
		struct window_batch *b = window_at(w, w->tail);
		if (b->pending)
			break;
		*commit_pos = b->ring_end;
		*last_seq = b->seq;
		free(b->owned);
		b->owned = NULL;
		b->body = NULL;
		w->tail++;
		n++;
	}
	return n;
}
