/* chain_events.c: noting dropped span events, and the in-place pass that
 * cuts them out. Writing never overtakes reading: every field is written
 * no longer than it was read, so a write lands at or before the bytes the
 * reader is at (memmove for the overlap). */
#include "stages/chain_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire.h"

int chain_events_init(struct chain_events *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->mark = malloc(2 * sizeof *ev->mark * CHAIN_EVENTS_MAX);
	return ev->mark ? 0 : -ENOMEM;
}

void chain_events_free(struct chain_events *ev)
{
	free(ev->mark);
	memset(ev, 0, sizeof *ev);
}

bool chain_events_marked(const struct chain_events *ev, uint32_t i)
{
	for (size_t k = ev->span_start; k < ev->n; k++)
		if (ev->mark[2 * k + 1] == i)
			return true;
	return false;
}

void chain_events_mark(struct chain_events *ev, uint32_t i)
{
	if (chain_events_marked(ev, i))
		return;
	if (ev->n >= CHAIN_EVENTS_MAX) {
		ev->overflows++;
		return;
	}
	/* in event order within the span: the pass reads them so */
	size_t k = ev->n++;
	while (k > ev->span_start && ev->mark[2 * (k - 1) + 1] > i) {
		ev->mark[2 * k] = ev->mark[2 * (k - 1)];
		ev->mark[2 * k + 1] = ev->mark[2 * (k - 1) + 1];
		k--;
	}
	ev->mark[2 * k] = ev->kept;
	ev->mark[2 * k + 1] = i;
}

static size_t vsize(uint64_t v)
{
	return otlp_wire_varint_size(v);
}

struct pass {
	const struct chain_events *ev;
	uint8_t *w;    /* write position */
	size_t k;      /* next mark */
	uint32_t span; /* output spans seen */
};

/* Opens field f again at w: its tag as it was, a slot as long as its
 * length prefix was. Returns where the length goes; *slot its size. */
static uint8_t *reopen(struct pass *x, const struct otlp_wire_field *f, size_t *slot)
{
	size_t tag = vsize(((uint64_t)f->num << 3) | OTLP_WT_LEN);
	memmove(x->w, f->start, tag);
	*slot = (size_t)(f->b.p - f->start) - tag;
	uint8_t *mark = x->w + tag;
	x->w = mark + *slot;
	return mark;
}

static void reclose(struct pass *x, uint8_t *mark, size_t slot)
{
	size_t body = (size_t)(x->w - (mark + slot)), k = vsize(body);
	if (k < slot) { /* shorter: pull the body back */
		memmove(mark + k, mark + slot, body);
		x->w = mark + k + body;
	}
	otlp_wire_put_varint(mark, body);
}

static void copy(struct pass *x, const struct otlp_wire_field *f)
{
	memmove(x->w, f->start, f->size);
	x->w += f->size;
}

/* A span with marks: its events but the marked ones. */
static int pass_span(struct pass *x, const struct otlp_wire_field *sf)
{
	const struct chain_events *ev = x->ev;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	size_t slot;
	uint32_t e = 0;
	int rc;
	uint8_t *mark = reopen(x, sf, &slot);
	otlp_wire_reader_init(&r, sf->b.p, sf->b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == OTLP_F_SPAN_EVENTS) {
			if (x->k < ev->n && ev->mark[2 * x->k] == x->span && ev->mark[2 * x->k + 1] == e) {
				x->k++;
				e++;
				continue;
			}
			e++;
		}
		copy(x, &f);
	}
	reclose(x, mark, slot);
	return rc;
}

static int pass_scope(struct pass *x, const struct otlp_wire_field *sf)
{
	const struct chain_events *ev = x->ev;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	size_t slot;
	int rc;
	uint8_t *mark = reopen(x, sf, &slot);
	otlp_wire_reader_init(&r, sf->b.p, sf->b.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_SS_SPANS || f.wt != OTLP_WT_LEN) {
			copy(x, &f);
			continue;
		}
		if (x->k < ev->n && ev->mark[2 * x->k] == x->span)
			rc = pass_span(x, &f);
		else
			copy(x, &f);
		x->span++;
		if (rc < 0)
			return rc;
	}
	reclose(x, mark, slot);
	return rc;
}

int64_t chain_events_apply(const struct chain_events *ev, uint8_t *buf, size_t len)
{
	struct pass x = { .ev = ev, .w = buf };
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	if (!ev->n)
		return (int64_t)len;
	otlp_wire_reader_init(&r, buf, len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num == OTLP_F_RS_SCOPE_SPANS && f.wt == OTLP_WT_LEN) {
			if ((rc = pass_scope(&x, &f)) < 0)
				return rc;
		} else {
			copy(&x, &f);
		}
	}
	return rc < 0 ? rc : (int64_t)(x.w - buf);
}
