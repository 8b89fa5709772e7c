/* chain_events.h: span events the filter's spanevent conditions drop.
 *
 * The span rewriter (otlp/rewrite.h) edits attributes and names, not
 * events. So while the chain runs, a dropped event is only noted (the
 * span's place among the spans kept, the event's place in the span), and
 * once the record is written those events are cut out of it in place: the
 * output only shrinks, so one forward pass rewrites it where it lies
 * (lengths fixed up as in otlp/rewrite.c). Configs without spanevent
 * conditions never get here.
 *
 *   chain_events_record(&ev);              a new record
 *   chain_events_span(&ev);                a new span
 *   chain_events_mark(&ev, i);             drop event i of this span
 *   chain_events_keep(&ev) / _drop(&ev);   the span's fate
 *   n = chain_events_apply(&ev, out, n);   cut them out
 */
#ifndef SLUICE_STAGES_CHAIN_EVENTS_H
#define SLUICE_STAGES_CHAIN_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAIN_EVENTS_MAX (1u << 16) /* dropped events noted a record; more are kept */

struct chain_events {
	uint32_t *mark;	    /* [2 * CHAIN_EVENTS_MAX]: (kept span, event) pairs, in order */
	size_t n;	    /* pairs */
	size_t span_start;  /* the current span's first pair */
	uint32_t kept;	    /* spans kept so far: the current span's place */
	uint64_t overflows; /* events kept for lack of room */
};

/* 0 or -ENOMEM. */
int chain_events_init(struct chain_events *ev);
void chain_events_free(struct chain_events *ev);

static inline void chain_events_record(struct chain_events *ev)
{
	ev->n = ev->span_start = ev->kept = 0;
}
static inline void chain_events_span(struct chain_events *ev)
{
	ev->span_start = ev->n;
}
static inline void chain_events_keep(struct chain_events *ev)
{
	ev->kept++;
}
static inline void chain_events_drop(struct chain_events *ev)
{
	ev->n = ev->span_start;
}

/* Is event i of the current span already dropped? */
bool chain_events_marked(const struct chain_events *ev, uint32_t i);
/* Drops event i of the current span (once). */
void chain_events_mark(struct chain_events *ev, uint32_t i);

/* Cuts the marked events out of the ResourceSpans buf[0..len) in place.
 * The new length, or -errno (malformed: never for the rewriter's output). */
int64_t chain_events_apply(const struct chain_events *ev, uint8_t *buf, size_t len);

#endif
