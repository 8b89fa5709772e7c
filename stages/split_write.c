/* split_write.c: writing one part of a cut resource (split.c decides
 * what goes in it). The sizes of every nested message are computed again
 * from the pieces, by the same rules split.c's running count uses, so the
 * length prefixes are written before the bytes; a disagreement with the
 * size split.c gave emit writes nothing (-EFAULT).
 *
 * A part's body, from the outside in:
 *   frame      0x0a len Resource*
 *   Resource*  its other fields, then one scope field per scope run
 *   scope run  0x12 len Scope*: the scope's other fields, then its pieces
 *   piece      a whole item field (copied as it came), or a run of data
 *              points of one Metric: 0x12 len Metric{other fields,
 *              <type> len Data{other fields, the points}}
 * Every tag is one byte (field numbers <= 15). */
#include <errno.h>
#include <string.h>

#include "otlp/wire_metrics.h"
#include "stages/split_priv.h"

/* A LEN field with a one-byte tag around a body of `body` bytes. */
size_t split_fsz(size_t body)
{
	return 1 + otlp_wire_varint_size(body) + body;
}

static bool split_skipped(uint32_t num, uint32_t skip)
{
	return num < 32 && (skip & SPLIT_BIT(num));
}

int split_others_size(struct otlp_bytes msg, uint32_t skip, size_t *out)
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
uint8_t *split_copy_others(uint8_t *o, struct otlp_bytes msg, uint32_t skip)
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

/* Sizes of the Metric run pieces[0..n) is cut from: its other fields and
 * its Data's, and the Data's type. */
static int split_metric_frame(const struct split_piece *p, size_t *m_other, size_t *d_other, uint32_t *type)
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
static int split_metric_body(const struct split_piece *p, size_t i, size_t j, size_t *body, size_t *data,
			     uint32_t *type)
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

int split_write(const struct split *s, struct otlp_bytes rs, size_t rs_other, size_t n, uint8_t *o,
		size_t frame_len)
{
	const struct split_piece *p = s->pieces;
	size_t body = rs_other, ss;
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
	o = split_copy_others(o, rs, SPLIT_SKIP_ITEMS);
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
