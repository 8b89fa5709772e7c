/* split.c: greedy parts over the items (metrics: data points) of one
 * resource, in order. The size of the open part is tracked exactly as each
 * piece joins (struct split_acc), so every part is written once, straight
 * into the place emit gives, with the length prefixes known up front.
 *
 * Writing a part: split_write.c. */
#include "stages/split.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire_metrics.h"
#include "stages/split_priv.h"

int split_init(struct split *s, size_t cap_pieces, size_t cap_scopes)
{
	s->cap = cap_pieces ? cap_pieces : 1;
	s->scap = cap_scopes ? cap_scopes : 1;
	s->pieces = calloc(s->cap, sizeof *s->pieces);
	s->scopes = calloc(s->scap, sizeof *s->scopes);
	if (!s->pieces || !s->scopes) {
		split_free(s);
		return -ENOMEM;
	}
	return 0;
}

void split_free(struct split *s)
{
	free(s->pieces);
	free(s->scopes);
	s->pieces = NULL;
	s->scopes = NULL;
}

/* ---- the open part's size ---- */

struct split_acc {
	size_t closed;	/* Resource* body: other fields + closed scope runs */
	int64_t scope;	/* scope of the open run, -1 = none */
	size_t ss;	/* open scope run's body, without an open Metric run */
	int64_t metric; /* serial of the open Metric run, -1 = none */
	size_t m_other; /* its Metric's other fields */
	size_t md;	/* its Data body so far (other fields + points) */
	size_t n;	/* pieces */
	uint64_t items;
};

static void acc_reset(struct split_acc *a, size_t rs_other)
{
	*a = (struct split_acc){ .closed = rs_other, .scope = -1, .metric = -1 };
}

static void acc_close_metric(struct split_acc *a)
{
	if (a->metric >= 0)
		a->ss += split_fsz(a->m_other + split_fsz(a->md));
	a->metric = -1;
}

static void acc_scope(struct split_acc *a, uint32_t sc, size_t sc_other)
{
	if (a->scope == (int64_t)sc)
		return;
	acc_close_metric(a);
	if (a->scope >= 0)
		a->closed += split_fsz(a->ss);
	a->scope = sc;
	a->ss = sc_other;
}

static void acc_item(struct split_acc *a, uint32_t sc, size_t sc_other, size_t f, uint64_t items)
{
	acc_scope(a, sc, sc_other);
	acc_close_metric(a);
	a->ss += f;
	a->n++;
	a->items += items;
}

static void acc_point(struct split_acc *a, uint32_t sc, size_t sc_other, uint32_t serial, size_t m_other,
		      size_t d_other, size_t f)
{
	acc_scope(a, sc, sc_other);
	if (a->metric != (int64_t)serial) {
		acc_close_metric(a);
		a->metric = serial;
		a->m_other = m_other;
		a->md = d_other;
	}
	a->md += f;
	a->n++;
	a->items++;
}

static size_t acc_frame(const struct split_acc *a)
{
	struct split_acc t = *a;
	acc_close_metric(&t);
	return split_fsz(t.closed + (t.scope >= 0 ? split_fsz(t.ss) : 0));
}

/* ---- one run ---- */

struct split_run {
	struct split *s;
	struct otlp_bytes rs;
	size_t rs_other;
	uint32_t max_items;
	uint64_t max_bytes;
	split_emit_fn emit;
	void *arg;
	struct split_acc acc;
	uint32_t serial; /* next Metric serial */
	int parts;
};

static bool split_over(const struct split_run *r, const struct split_acc *t)
{
	return (r->max_items && t->items > r->max_items) || t->n > r->s->cap || acc_frame(t) > r->max_bytes;
}

/* Hands the open part to emit (and writes it), then opens an empty one. */
static int split_emit(struct split_run *r)
{
	size_t frame = acc_frame(&r->acc);
	uint8_t *dst = NULL;
	int rc = r->emit(r->arg, frame, (uint32_t)r->acc.items, &dst);
	if (rc < 0)
		return rc;
	if (rc == 0 && (rc = split_write(r->s, r->rs, r->rs_other, r->acc.n, dst, frame)) < 0)
		return rc;
	r->parts++;
	acc_reset(&r->acc, r->rs_other);
	return 0;
}

/* One uncut item field of scope sc holding `items` items. */
static int split_item(struct split_run *r, uint32_t sc, const struct otlp_wire_field *f, uint64_t items)
{
	size_t other = r->s->scopes[sc].other;
	struct split_acc t = r->acc;
	acc_item(&t, sc, other, f->size, items);
	if (split_over(r, &t) && r->acc.n) {
		int rc = split_emit(r);
		if (rc < 0)
			return rc;
		t = r->acc;
		acc_item(&t, sc, other, f->size, items);
	}
	r->s->pieces[t.n - 1] = (struct split_piece){ .scope = sc,
						      .metric = SPLIT_NO_METRIC,
						      .field = { f->start, f->size } };
	r->acc = t;
	return 0;
}

/* One Metric: whole if it fits the open part, else cut by data points. */
static int split_metric(struct split_run *r, uint32_t sc, const struct otlp_wire_field *f)
{
	struct otlp_metric m;
	int rc = otlp_wire_metric(f->b, &m);
	if (rc < 0)
		return rc;
	uint32_t points = m.type ? m.n_data_points : 0;
	struct split_acc t = r->acc;
	acc_item(&t, sc, r->s->scopes[sc].other, f->size, points);
	if (!split_over(r, &t) || points < 2)
		return split_item(r, sc, f, points);
	size_t m_other, d_other, other = r->s->scopes[sc].other;
	if ((rc = split_others_size(f->b, SPLIT_SKIP_DATA, &m_other)) < 0 ||
	    (rc = split_others_size(m.data, SPLIT_SKIP_POINTS, &d_other)) < 0)
		return rc;
	uint32_t serial = r->serial++;
	struct otlp_wire_reader dr;
	struct otlp_wire_field pf;
	otlp_wire_reader_init(&dr, m.data.p, m.data.len);
	while ((rc = otlp_wire_next(&dr, &pf)) > 0) {
		if (pf.num != OTLP_F_DATA_POINTS)
			continue;
		if (pf.wt != OTLP_WT_LEN)
			return -EPROTO;
		t = r->acc;
		acc_point(&t, sc, other, serial, m_other, d_other, pf.size);
		if (split_over(r, &t) && r->acc.n) {
			if ((rc = split_emit(r)) < 0)
				return rc;
			t = r->acc;
			acc_point(&t, sc, other, serial, m_other, d_other, pf.size);
		}
		r->s->pieces[t.n - 1] = (struct split_piece){ .scope = sc,
							      .metric = serial,
							      .field = { pf.start, pf.size },
							      .metric_msg = f->b.p,
							      .metric_len = (uint32_t)f->b.len };
		r->acc = t;
	}
	return rc;
}

static int split_scope(struct split_run *r, uint32_t sc, int metrics)
{
	struct otlp_wire_reader sr;
	struct otlp_wire_field f;
	struct otlp_bytes msg = r->s->scopes[sc].msg;
	int rc;
	otlp_wire_reader_init(&sr, msg.p, msg.len);
	while ((rc = otlp_wire_next(&sr, &f)) > 0) {
		if (f.num != 2)
			continue;
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		if ((rc = metrics ? split_metric(r, sc, &f) : split_item(r, sc, &f, 1)) < 0)
			return rc;
	}
	return rc;
}

int split_run(struct split *s, enum otlp_signal signal, const uint8_t *buf, size_t len, uint32_t max_items,
	      uint64_t max_bytes, split_emit_fn emit, void *arg)
{
	if (signal != OTLP_SIGNAL_TRACES && signal != OTLP_SIGNAL_LOGS && signal != OTLP_SIGNAL_METRICS)
		return -EINVAL;
	struct split_run r = { .s = s,
			       .rs = { buf, len },
			       .max_items = max_items,
			       .max_bytes = max_bytes,
			       .emit = emit,
			       .arg = arg };
	int rc = split_others_size(r.rs, SPLIT_SKIP_ITEMS, &r.rs_other);
	if (rc < 0)
		return rc;
	acc_reset(&r.acc, r.rs_other);
	uint32_t nscopes = 0;
	struct otlp_wire_reader rd;
	struct otlp_wire_field f;
	otlp_wire_reader_init(&rd, buf, len);
	while ((rc = otlp_wire_next(&rd, &f)) > 0) {
		if (f.num != 2)
			continue;
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		if (nscopes >= s->scap)
			return -E2BIG;
		struct split_scope *sc = &s->scopes[nscopes];
		sc->msg = f.b;
		if ((rc = split_others_size(f.b, SPLIT_SKIP_ITEMS, &sc->other)) < 0 ||
		    (rc = split_scope(&r, nscopes, signal == OTLP_SIGNAL_METRICS)) < 0)
			return rc;
		nscopes++;
	}
	if (rc < 0)
		return rc;
	if (r.acc.n && (rc = split_emit(&r)) < 0)
		return rc;
	return r.parts;
}
