/* split.c: greedy parts over the items (metrics: data points) of one
 * resource, in order. The size of the open part is tracked exactly as each
 * piece joins (struct split_acc), so every part is written once, straight
 * into the place emit gives, with the length prefixes known up front.
 *
 * A part's body, from the outside in:
 *   frame      0x0a len Resource*
 *   Resource*  its other fields, then one scope field per scope run
 *   scope run  0x12 len Scope*: the scope's other fields, then its pieces
 *   piece      a whole item field (copied as it came), or a run of data
 *              points of one Metric: 0x12 len Metric{other fields,
 *              <type> len Data{other fields, the points}}
 * Every tag is one byte (field numbers <= 15). */
#include "stages/split.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/wire_metrics.h"

#define SPLIT_NO_METRIC UINT32_MAX
#define SPLIT_TAG_SCOPES 0x12u /* field 2, LEN: the scopes of a resource, items of a scope */

/* Fields left out when copying "the other fields" of a message. */
#define SPLIT_BIT(n) (1u << (n))
#define SPLIT_SKIP_ITEMS SPLIT_BIT(2) /* Resource*: its scopes; Scope*: its items */
#define SPLIT_SKIP_DATA (SPLIT_BIT(OTLP_METRIC_GAUGE) | SPLIT_BIT(OTLP_METRIC_SUM) | \
			 SPLIT_BIT(OTLP_METRIC_HISTOGRAM) | SPLIT_BIT(OTLP_METRIC_EXP_HISTOGRAM) | \
			 SPLIT_BIT(OTLP_METRIC_SUMMARY))  /* Metric: every data member */
#define SPLIT_SKIP_POINTS SPLIT_BIT(OTLP_F_DATA_POINTS) /* Gauge, Sum, ...: the points */

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

/* A LEN field with a one-byte tag around a body of `body` bytes. */
static size_t split_fsz(size_t body)
{
	return 1 + otlp_wire_varint_size(body) + body;
}

static bool split_skipped(uint32_t num, uint32_t skip)
{
	return num < 32 && (skip & SPLIT_BIT(num));
}

static int split_others_size(struct otlp_bytes msg, uint32_t skip, size_t *out)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	size_t n = 0;
	int rc;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (!split_skipped(f.num, skip))
			n += f.size;
	*out = n;
	return rc;
}

/* Copies every field of msg (known to frame) but the skipped ones. */
static uint8_t *split_copy_others(uint8_t *o, struct otlp_bytes msg, uint32_t skip)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while (otlp_wire_next(&r, &f) > 0)
		if (!split_skipped(f.num, skip)) {
			memcpy(o, f.start, f.size);
			o += f.size;
		}
	return o;
}

static uint8_t *split_put_len(uint8_t *o, uint8_t tag, size_t len)
{
	*o++ = tag;
	return otlp_wire_put_varint(o, len);
}

/* ---- the open part's size ---- */

struct split_acc {
	size_t closed;     /* Resource* body: other fields + closed scope runs */
	int64_t scope;     /* scope of the open run, -1 = none */
	size_t ss;         /* open scope run's body, without an open Metric run */
	int64_t metric;    /* serial of the open Metric run, -1 = none */
	size_t m_other;    /* its Metric's other fields */
	size_t md;         /* its Data body so far (other fields + points) */
	size_t n;          /* pieces */
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

static void acc_point(struct split_acc *a, uint32_t sc, size_t sc_other, uint32_t serial,
		      size_t m_other, size_t d_other, size_t f)
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
	uint32_t serial;   /* next Metric serial */
	int parts;
};

static bool split_over(const struct split_run *r, const struct split_acc *t)
{
	return (r->max_items && t->items > r->max_items) || t->n > r->s->cap ||
	       acc_frame(t) > r->max_bytes;
}

/* Sizes of the Metric run pieces[0..n) is cut from: its other fields and
 * its Data's, and the Data's type. */
static int split_metric_frame(const struct split_piece *p, size_t *m_other, size_t *d_other,
			      uint32_t *type)
{
	struct otlp_metric m;
	struct otlp_bytes msg = { p->metric_msg, p->metric_len };
	int rc = otlp_wire_metric(msg, &m);
	if (rc < 0 || (rc = split_others_size(msg, SPLIT_SKIP_DATA, m_other)) < 0 ||
	    (rc = split_others_size(m.data, SPLIT_SKIP_POINTS, d_other)) < 0)
		return rc;
	*type = m.type;
	return 0;
}

/* End of the run of pieces from i on that share pieces[i]'s scope (metric
 * = 0) or its Metric (metric = 1). */
static size_t split_run_end(const struct split_piece *p, size_t i, size_t n, int metric)
{
	size_t j = i + 1;
	while (j < n && (metric ? p[j].metric == p[i].metric : p[j].scope == p[i].scope))
		j++;
	return j;
}

/* Body of the Metric cut from pieces [i, j), and of its Data. */
static int split_metric_body(const struct split_piece *p, size_t i, size_t j, size_t *body,
			     size_t *data, uint32_t *type)
{
	size_t m_other, d = 0;
	int rc = split_metric_frame(&p[i], &m_other, &d, type);
	if (rc < 0)
		return rc;
	for (size_t k = i; k < j; k++)
		d += p[k].field.len;
	*data = d;
	*body = m_other + split_fsz(d);
	return 0;
}

/* Body of the scope run pieces [i, j). */
static int split_scope_body(const struct split *s, size_t i, size_t j, size_t *body)
{
	const struct split_piece *p = s->pieces;
	size_t b = s->scopes[p[i].scope].other;
	for (size_t k = i; k < j;) {
		if (p[k].metric == SPLIT_NO_METRIC) {
			b += p[k].field.len;
			k++;
			continue;
		}
		size_t l = split_run_end(p, k, j, 1), mb, db;
		uint32_t type;
		int rc = split_metric_body(p, k, l, &mb, &db, &type);
		if (rc < 0)
			return rc;
		b += split_fsz(mb);
		k = l;
	}
	*body = b;
	return 0;
}

static uint8_t *split_write_metric(const struct split_piece *p, size_t i, size_t j, uint8_t *o)
{
	size_t mb, db;
	uint32_t type;
	split_metric_body(p, i, j, &mb, &db, &type); /* decoded before: cannot fail */
	struct otlp_bytes msg = { p[i].metric_msg, p[i].metric_len };
	struct otlp_metric m;
	otlp_wire_metric(msg, &m);
	o = split_put_len(o, SPLIT_TAG_SCOPES, mb);
	o = split_copy_others(o, msg, SPLIT_SKIP_DATA);
	o = split_put_len(o, (uint8_t)((type << 3) | OTLP_WT_LEN), db);
	o = split_copy_others(o, m.data, SPLIT_SKIP_POINTS);
	for (size_t k = i; k < j; k++) {
		memcpy(o, p[k].field.p, p[k].field.len);
		o += p[k].field.len;
	}
	return o;
}

/* Writes the open part (frame_len bytes) at o. */
static int split_write(const struct split_run *r, uint8_t *o, size_t frame_len)
{
	const struct split *s = r->s;
	const struct split_piece *p = s->pieces;
	size_t n = r->acc.n, body = r->rs_other, ss;
	uint8_t *start = o;
	int rc;
	for (size_t i = 0, j; i < n; i = j) {
		j = split_run_end(p, i, n, 0);
		if ((rc = split_scope_body(s, i, j, &ss)) < 0)
			return rc;
		body += split_fsz(ss);
	}
	if (split_fsz(body) != frame_len)
		return -EFAULT; /* the two size computations disagree: a bug, write nothing */
	o = split_put_len(o, 0x0a, body);
	o = split_copy_others(o, r->rs, SPLIT_SKIP_ITEMS);
	for (size_t i = 0, j; i < n; i = j) {
		j = split_run_end(p, i, n, 0);
		split_scope_body(s, i, j, &ss);
		o = split_put_len(o, SPLIT_TAG_SCOPES, ss);
		o = split_copy_others(o, s->scopes[p[i].scope].msg, SPLIT_SKIP_ITEMS);
		for (size_t k = i; k < j;) {
			if (p[k].metric == SPLIT_NO_METRIC) {
				memcpy(o, p[k].field.p, p[k].field.len);
				o += p[k].field.len;
				k++;
				continue;
			}
			size_t l = split_run_end(p, k, j, 1);
			o = split_write_metric(p, k, l, o);
			k = l;
		}
	}
	return o == start + frame_len ? 0 : -EFAULT;
}

/* Hands the open part to emit (and writes it), then opens an empty one. */
static int split_emit(struct split_run *r)
{
	size_t frame = acc_frame(&r->acc);
	uint8_t *dst = NULL;
	int rc = r->emit(r->arg, frame, (uint32_t)r->acc.items, &dst);
	if (rc < 0)
		return rc;
	if (rc == 0 && (rc = split_write(r, dst, frame)) < 0)
		return rc;
	r->parts++;
	acc_reset(&r->acc, r->rs_other);
	return 0;
}

/* One uncut item field of scope sc holding `items` items. */
static int split_item(struct split_run *r, uint32_t sc, const struct otlp_wire_field *f,
		      uint64_t items)
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
	r->s->pieces[t.n - 1] = (struct split_piece){ .scope = sc, .metric = SPLIT_NO_METRIC,
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
		r->s->pieces[t.n - 1] = (struct split_piece){
			.scope = sc, .metric = serial, .field = { pf.start, pf.size },
			.metric_msg = f->b.p, .metric_len = (uint32_t)f->b.len };
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

int split_run(struct split *s, enum otlp_signal signal, const uint8_t *buf, size_t len,
	      uint32_t max_items, uint64_t max_bytes, split_emit_fn emit, void *arg)
{
	if (signal != OTLP_SIGNAL_TRACES && signal != OTLP_SIGNAL_LOGS &&
	    signal != OTLP_SIGNAL_METRICS)
		return -EINVAL;
	struct split_run r = { .s = s, .rs = { buf, len }, .max_items = max_items,
			       .max_bytes = max_bytes, .emit = emit, .arg = arg };
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
