/* tools/sluice/stall.c: the stall rule and the region that publishes it.
 *
 * Signs of life are compared as values seen before, never as clock
 * readings against ours: heartbeat_ns is CLOCK_REALTIME (it may jump),
 * progress_ns CLOCK_MONOTONIC; "it moved" is true for both. */
#include "tools/sluice/stall.h"

#include <string.h>

struct stall_region *stall_region_get(struct segment *seg)
{
	uint64_t size = 0;
	struct stall_region *r = seg ? segment_aux(seg, STALL_REGION_NAME, &size) : NULL;

	return r && size >= sizeof(*r) && r->magic == STALL_MAGIC ? r : NULL;
}

void stall_region_format(void *mem, uint64_t timeout_ns)
{
	struct stall_region *r = mem;

	memset(r, 0, sizeof(*r));
	r->timeout_ns = timeout_ns;
	r->magic = STALL_MAGIC;
}

uint64_t stall_since(struct segment *seg, enum stage_index st)
{
	struct stall_region *r = stall_region_get(seg);

	if (!r || (unsigned)st >= STAGE_COUNT)
		return 0;
	return atomic_load_explicit(&r->stalled_since[st], memory_order_relaxed);
}

static uint64_t load(const _Atomic uint64_t *p)
{
	return atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed);
}

void stall_watch_reset(struct stall_watch *w, const struct stage_stats *s, uint64_t now_ns)
{
	w->progress = load(&s->progress);
	w->progress_ns = load(&s->progress_ns);
	w->heartbeat_ns = load(&s->heartbeat_ns);
	w->life_ns = now_ns;
	w->stalled = w->killed = false;
}

enum stall_verdict stall_watch_check(struct stall_watch *w, const struct stage_stats *s, bool pending,
				     uint64_t timeout_ns, uint64_t now_ns)
{
	uint64_t progress = load(&s->progress), progress_ns = load(&s->progress_ns);
	uint64_t heartbeat_ns = load(&s->heartbeat_ns);
	bool alive = progress != w->progress || progress_ns != w->progress_ns ||
		     heartbeat_ns != w->heartbeat_ns;

	w->progress = progress;
	w->progress_ns = progress_ns;
	w->heartbeat_ns = heartbeat_ns;
	/* an empty input needs no one: waiting for work is not a stall */
	if (alive || !pending || timeout_ns == 0) {
		bool was = w->stalled;
		w->life_ns = now_ns;
		w->stalled = w->killed = false;
		return was ? STALL_OVER : STALL_FINE;
	}
	if (now_ns - w->life_ns < timeout_ns)
		return STALL_FINE;
	if (!w->stalled) {
		w->stalled = true;
		return STALL_NEW;
	}
	if (!w->killed && now_ns - w->life_ns >= 2 * timeout_ns) {
		w->killed = true;
		return STALL_RESTART;
	}
	return STALL_STILL;
}
