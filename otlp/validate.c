/* otlp/validate.c: deep validation of a whole request (or one resource) of
 * any signal before ingest publishes any of it. Two implementations of the
 * same rules:
 *
 *   otlp_validate_fast_*() (validate_fast*.c) the schema as code, tuned
 *             for the usual shape of a request; says only "valid" (with
 *             the counts) or "not sure".
 *   check()   table driven (validate_schema.c): for every message type,
 *             the wire type each known field must have, the message type
 *             it nests, id lengths, UTF-8 of strings, packed numbers. It
 *             runs when the fast path is not sure (or there is none), and
 *             is the one that finds and describes the error (diag; the
 *             path comes from validate_path.c).
 *
 * So the fast path may be stricter than check() but never looser: whatever
 * it accepts, check() accepts with the same counts (tests/producer's
 * fuzz_validate_fast compares the two). One pass each, no allocation;
 * recursion is bounded by the schema except AnyValue, which is bounded by
 * OTLP_WIRE_MAX_DEPTH. */
#include "otlp/wire.h"
#include "otlp/utf8.h"
#include "otlp/validate_fast.h"
#include "otlp/validate_tolerant.h"
#include "otlp/validate_path.h"
#include "otlp/validate_schema.h"
#include "otlp/wire_field.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct vctx {
	const uint8_t *base;
	size_t len;
	enum vmsg top;
	struct otlp_wire_counts *c;
	struct otlp_wire_diag *d;
	int utf8; /* check UTF-8 (all but otlp_validate_tolerant) */
};

static int fail(struct vctx *v, int err, const uint8_t *at, const char *field, const char *why)
{
	if (v->d) {
		v->d->err = err;
		v->d->offset = (size_t)(at - v->base);
		v->d->field = field;
		v->d->why = why;
		otlp_vschema_path(v->base, v->len, v->top, v->d->offset, v->d->path, sizeof(v->d->path));
	}
	return err;
}

/* A packed run of varints: whole varints of at most 10 bytes each. */
static int packed_varints_ok(struct otlp_bytes b)
{
	const uint8_t *p = b.p, *end = b.p + b.len;
	uint64_t x;

	while (p < end)
		if (otlp_wire_varint(&p, end, &x) < 0)
			return 0;
	return 1;
}

/* A field whose wire type differs from the schema's: packed repeated
 * numbers may come as one LEN field. 0 if fine, else the failure. */
static int check_other_wt(struct vctx *v, const struct otlp_wire_field *f, const struct vfield *s)
{
	if (f->wt == OTLP_WT_LEN && (s->flags & VF_PACK8)) {
		if (f->b.len % 8)
			return fail(v, -EBADMSG, f->start, s->name, "packed length must be a multiple of 8");
		return 0;
	}
	if (f->wt == OTLP_WT_LEN && (s->flags & VF_PACKV)) {
		if (!packed_varints_ok(f->b))
			return fail(v, -EBADMSG, f->start, s->name, "malformed packed varint");
		return 0;
	}
	return fail(v, -EPROTO, f->start, s->name, "wrong wire type");
}

static int check(struct vctx *v, const uint8_t *p, size_t len, enum vmsg m, unsigned any_depth)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	uint64_t data_items = 0; /* items of the Metric's current data member */
	uint32_t hi = 0;	 /* a Span's highest field number so far */
	int mixed = 0, rc;

	if (m == M_ANY && ++any_depth > OTLP_WIRE_MAX_DEPTH)
		return fail(v, -ELOOP, p, otlp_vmsg_name[m], "values nested too deep");
	otlp_wire_reader_init(&r, p, len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		if (m == M_SPAN) { /* are fields 1-8 first, in order, once? */
			mixed |= f.num <= OTLP_F_SPAN_END && f.num <= hi;
			hi = f.num > hi ? f.num : hi;
		}
		if (f.num >= VSCHEMA_MAXF || !otlp_vschema[m][f.num].known)
			continue; /* unknown field: skipped, as protobuf does */
		const struct vfield *s = &otlp_vschema[m][f.num];
		if (f.wt != s->wt) {
			if ((rc = check_other_wt(v, &f, s)) < 0)
				return rc;
			continue;
		}
		if (s->idlen && f.b.len != 0 && f.b.len != s->idlen)
			return fail(v, -EPROTO, f.start, s->name,
				    s->idlen == 16 ? "length must be 16 or 0" : "length must be 8 or 0");
		if ((s->flags & VF_UTF8) && v->utf8 && !otlp_utf8_valid(f.b.p, f.b.len))
			return fail(v, -EILSEQ, f.start, s->name, "invalid UTF-8");
		if (s->child == M_NONE)
			continue;
		struct otlp_wire_counts *c = v->c;
		uint64_t items = c->items;
		uint8_t role = otlp_vmsg_role[s->child];
		if (role == ROLE_RESOURCE)
			c->resources++;
		else if (role == ROLE_SCOPE)
			c->scopes++;
		else if (role == ROLE_ITEM)
			c->items++;
		rc = check(v, f.b.p, f.b.len, (enum vmsg)s->child, any_depth);
		if (rc < 0)
			return rc;
		if (s->flags & VF_DATA) {
			/* A later member of Metric's data oneof replaces the
			 * earlier one, data points and all. */
			uint64_t now = c->items - items;
			c->items -= data_items;
			data_items = now;
		}
		if (c->items > items) {
			if (role == ROLE_RESOURCE)
				c->resources_with_items++;
			else if (role == ROLE_SCOPE)
				c->scopes_with_items++;
		}
	}
	if (rc < 0)
		return fail(v, rc, r.p, otlp_vmsg_name[m],
			    "malformed field (truncated, length past the end, or bad tag)");
	v->c->spans_heads_mixed += (uint32_t)mixed;
	return 0;
}

/* A bare resource counts itself (the walk counts what it holds). */
static void counts_finish(struct otlp_wire_counts *c, enum vmsg m)
{
	if (otlp_vmsg_role[m] == ROLE_RESOURCE) {
		c->resources = 1;
		c->resources_with_items = c->items > 0;
	}
}

/* The fast path for a message type, if it has one: 0 = valid (counts in
 * *c), -1 = not sure. */
static int fast(const uint8_t *buf, size_t len, enum vmsg m, struct otlp_wire_counts *c)
{
	switch (m) {
	case M_TREQ:
		return otlp_validate_fast_request(buf, len, c);
	case M_RS:
		return otlp_validate_fast_resource_spans(buf, len, c);
	case M_LREQ:
		return otlp_validate_fast_logs_request(buf, len, c);
	case M_RL:
		return otlp_validate_fast_resource_logs(buf, len, c);
	case M_MREQ:
		return otlp_validate_fast_metrics_request(buf, len, c);
	case M_RM:
		return otlp_validate_fast_resource_metrics(buf, len, c);
	default:
		return -1;
	}
}

static int validate(const void *buf, size_t len, enum vmsg m, int utf8, struct otlp_wire_counts *c,
		    struct otlp_wire_diag *d)
{
	struct otlp_wire_counts tmp;
	struct vctx v = { buf, len, m, c ? c : &tmp, d, utf8 };
	int rc = -1;

	memset(v.c, 0, sizeof(*v.c));
	if (d) {
		d->err = 0;
		d->offset = 0;
		d->field = d->why = NULL;
		d->path[0] = 0;
	}
	if (!buf && len)
		return -EINVAL;
	if (len > 0) {
		struct otlp_wire_counts fc;
		memset(&fc, 0, sizeof(fc));
		if (fast(buf, len, m, &fc) == 0) {
			*v.c = fc;
			rc = 0;
		}
	}
	/* Invalid, or valid in a way the fast path does not know: the table
	 * walk decides, and says where and why. */
	if (rc != 0 && (rc = check(&v, buf, len, m, 0)) < 0)
		return rc;
	counts_finish(v.c, m);
	return 0;
}

int otlp_wire_validate_request(const void *buf, size_t len, struct otlp_wire_counts *c,
			       struct otlp_wire_diag *d)
{
	return validate(buf, len, M_TREQ, 1, c, d);
}

int otlp_wire_validate_resource_spans(const void *buf, size_t len, struct otlp_wire_counts *c,
				      struct otlp_wire_diag *d)
{
	return validate(buf, len, M_RS, 1, c, d);
}

int otlp_wire_validate_logs_request(const void *buf, size_t len, struct otlp_wire_counts *c,
				    struct otlp_wire_diag *d)
{
	return validate(buf, len, M_LREQ, 1, c, d);
}

int otlp_wire_validate_resource_logs(const void *buf, size_t len, struct otlp_wire_counts *c,
				     struct otlp_wire_diag *d)
{
	return validate(buf, len, M_RL, 1, c, d);
}

int otlp_wire_validate_metrics_request(const void *buf, size_t len, struct otlp_wire_counts *c,
				       struct otlp_wire_diag *d)
{
	return validate(buf, len, M_MREQ, 1, c, d);
}

int otlp_wire_validate_resource_metrics(const void *buf, size_t len, struct otlp_wire_counts *c,
					struct otlp_wire_diag *d)
{
	return validate(buf, len, M_RM, 1, c, d);
}

int otlp_validate_tolerant(int signal, int bare_resource, const void *buf, size_t len,
			   struct otlp_wire_counts *c, struct otlp_wire_diag *d)
{
	static const enum vmsg req[3] = { M_TREQ, M_LREQ, M_MREQ }, res[3] = { M_RS, M_RL, M_RM };

	if (signal < 0 || signal > 2)
		return -EINVAL;
	return validate(buf, len, bare_resource ? res[signal] : req[signal], 0, c, d);
}

int64_t otlp_wire_count_spans(struct otlp_bytes rs)
{
	struct otlp_wire_iter it;
	struct otlp_bytes ss;
	int64_t n = 0;
	int rc;

	otlp_wire_iter_init(&it, rs, OTLP_F_RS_SCOPE_SPANS);
	while ((rc = otlp_wire_iter_next(&it, &ss)) > 0) {
		struct otlp_scope_spans s;
		int src = otlp_wire_scope_spans(ss, &s);
		if (src < 0)
			return src;
		n += s.n_spans;
	}
	return rc < 0 ? rc : n;
}

int otlp_wire_diag_format(const struct otlp_wire_diag *d, char *buf, size_t n)
{
	const char *field = d->field ? d->field : "message", *why = d->why ? d->why : "invalid";

	if (d->path[0])
		return snprintf(buf, n, "%s: %s (%s at byte %zu)", d->path, why, field, d->offset);
	return snprintf(buf, n, "%s: %s (at byte %zu)", field, why, d->offset);
}
