/* otlp/validate.c: deep validation of a whole request before ingest publishes
 * any of it. Two implementations of the same rules:
 *
 *   otlp_validate_fast_*() (validate_fast.c) the schema as code, tuned
 *             for the usual shape of a request; says only "valid" (with
 *             the counts) or "not sure".
 *   check()   table driven: for every message type, the wire type each
 *             known field must have, the message type it nests, and id
 *             length rules. It runs when the fast path is not sure, and is
 *             the one that finds and describes the error (diag).
 *
 * So the fast path may be stricter than check() but never looser: whatever
 * it accepts, check() accepts with the same counts (tests/producer's
 * fuzz_validate_fast compares the two). One pass each, no allocation;
 * recursion is bounded by the schema except AnyValue, which is bounded by
 * OTLP_WIRE_MAX_DEPTH. */
#include "otlp/wire.h"
#include "otlp/validate_fast.h"
#include "otlp/wire_field.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum vmsg { M_NONE, M_REQ, M_RS, M_RES, M_ENT, M_SS, M_SCOPE, M_SPAN, M_EVENT,
	    M_LINK, M_STATUS, M_KV, M_ANY, M_ARRAY, M_KVLIST, M_COUNT };

struct vfield {
	uint8_t known;
	uint8_t wt;
	uint8_t child;  /* enum vmsg of a nested message, M_NONE for scalars */
	uint8_t idlen;  /* required length if non-empty (ids), 0 = any */
	const char *name;
};

#define F(wt_, child_, idlen_, name_) { 1, wt_, child_, idlen_, name_ }
#define LEN(child, name) F(OTLP_WT_LEN, child, 0, name)
#define STR(name) F(OTLP_WT_LEN, M_NONE, 0, name)
#define VAR(name) F(OTLP_WT_VARINT, M_NONE, 0, name)
#define I64(name) F(OTLP_WT_I64, M_NONE, 0, name)
#define I32(name) F(OTLP_WT_I32, M_NONE, 0, name)
#define ID(n, name) F(OTLP_WT_LEN, M_NONE, n, name)

#define MAXF 17
static const struct vfield schema[M_COUNT][MAXF] = {
	[M_REQ] = { [1] = LEN(M_RS, "ExportTraceServiceRequest.resource_spans") },
	[M_RS] = { [1] = LEN(M_RES, "ResourceSpans.resource"),
		   [2] = LEN(M_SS, "ResourceSpans.scope_spans"),
		   [3] = STR("ResourceSpans.schema_url") },
	[M_RES] = { [1] = LEN(M_KV, "Resource.attributes"),
		    [2] = VAR("Resource.dropped_attributes_count"),
		    [3] = LEN(M_ENT, "Resource.entity_refs") },
	[M_ENT] = { [1] = STR("EntityRef.schema_url"), [2] = STR("EntityRef.type"),
		    [3] = STR("EntityRef.id_keys"),
		    [4] = STR("EntityRef.description_keys") },
	[M_SS] = { [1] = LEN(M_SCOPE, "ScopeSpans.scope"),
		   [2] = LEN(M_SPAN, "ScopeSpans.spans"),
		   [3] = STR("ScopeSpans.schema_url") },
	[M_SCOPE] = { [1] = STR("InstrumentationScope.name"),
		      [2] = STR("InstrumentationScope.version"),
		      [3] = LEN(M_KV, "InstrumentationScope.attributes"),
		      [4] = VAR("InstrumentationScope.dropped_attributes_count") },
	[M_SPAN] = { [1] = ID(16, "Span.trace_id"), [2] = ID(8, "Span.span_id"),
		     [3] = STR("Span.trace_state"), [4] = ID(8, "Span.parent_span_id"),
		     [5] = STR("Span.name"), [6] = VAR("Span.kind"),
		     [7] = I64("Span.start_time_unix_nano"),
		     [8] = I64("Span.end_time_unix_nano"),
		     [9] = LEN(M_KV, "Span.attributes"),
		     [10] = VAR("Span.dropped_attributes_count"),
		     [11] = LEN(M_EVENT, "Span.events"),
		     [12] = VAR("Span.dropped_events_count"),
		     [13] = LEN(M_LINK, "Span.links"),
		     [14] = VAR("Span.dropped_links_count"),
		     [15] = LEN(M_STATUS, "Span.status"), [16] = I32("Span.flags") },
	[M_EVENT] = { [1] = I64("Event.time_unix_nano"), [2] = STR("Event.name"),
		      [3] = LEN(M_KV, "Event.attributes"),
		      [4] = VAR("Event.dropped_attributes_count") },
	[M_LINK] = { [1] = ID(16, "Link.trace_id"), [2] = ID(8, "Link.span_id"),
		     [3] = STR("Link.trace_state"), [4] = LEN(M_KV, "Link.attributes"),
		     [5] = VAR("Link.dropped_attributes_count"), [6] = I32("Link.flags") },
	[M_STATUS] = { [2] = STR("Status.message"), [3] = VAR("Status.code") },
	[M_KV] = { [1] = STR("KeyValue.key"), [2] = LEN(M_ANY, "KeyValue.value") },
	[M_ANY] = { [1] = STR("AnyValue.string_value"), [2] = VAR("AnyValue.bool_value"),
		    [3] = VAR("AnyValue.int_value"), [4] = I64("AnyValue.double_value"),
		    [5] = LEN(M_ARRAY, "AnyValue.array_value"),
		    [6] = LEN(M_KVLIST, "AnyValue.kvlist_value"),
		    [7] = STR("AnyValue.bytes_value") },
	[M_ARRAY] = { [1] = LEN(M_ANY, "ArrayValue.values") },
	[M_KVLIST] = { [1] = LEN(M_KV, "KeyValueList.values") },
};

#undef F
#undef LEN
#undef STR
#undef VAR
#undef I64
#undef I32
#undef ID

static const char *const msg_names[M_COUNT] = {
	[M_REQ] = "ExportTraceServiceRequest", [M_RS] = "ResourceSpans",
	[M_RES] = "Resource", [M_ENT] = "EntityRef", [M_SS] = "ScopeSpans",
	[M_SCOPE] = "InstrumentationScope", [M_SPAN] = "Span", [M_EVENT] = "Event",
	[M_LINK] = "Link", [M_STATUS] = "Status", [M_KV] = "KeyValue",
	[M_ANY] = "AnyValue", [M_ARRAY] = "ArrayValue", [M_KVLIST] = "KeyValueList",
};

struct vctx {
	const uint8_t *base;
	struct otlp_wire_counts *c;
	struct otlp_wire_diag *d;
};

static int fail(struct vctx *v, int err, const uint8_t *at, const char *field,
		const char *why)
{
	if (v->d) {
		v->d->err = err;
		v->d->offset = (size_t)(at - v->base);
		v->d->field = field;
		v->d->why = why;
	}
	return err;
}

static int check(struct vctx *v, const uint8_t *p, size_t len, enum vmsg m,
		 unsigned any_depth)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;

	if (m == M_ANY && ++any_depth > OTLP_WIRE_MAX_DEPTH)
		return fail(v, -ELOOP, p, msg_names[m], "values nested too deep");
	otlp_wire_reader_init(&r, p, len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		if (f.num >= MAXF || !schema[m][f.num].known)
			continue;  /* unknown field: skipped, as protobuf does */
		const struct vfield *s = &schema[m][f.num];
		if (f.wt != s->wt)
			return fail(v, -EPROTO, f.start, s->name, "wrong wire type");
		if (s->idlen && f.b.len != 0 && f.b.len != s->idlen)
			return fail(v, -EPROTO, f.start, s->name, s->idlen == 16 ?
				    "length must be 16 or 0" : "length must be 8 or 0");
		if (s->child == M_NONE)
			continue;
		if (s->child == M_RS)
			v->c->resource_spans++;
		else if (s->child == M_SS)
			v->c->scope_spans++;
		else if (s->child == M_SPAN)
			v->c->spans++;
		rc = check(v, f.b.p, f.b.len, (enum vmsg)s->child, any_depth);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return fail(v, rc, r.p, msg_names[m],
			    "malformed field (truncated, length past the end, or bad tag)");
	return 0;
}

static int validate(const void *buf, size_t len, enum vmsg m,
		    struct otlp_wire_counts *c, struct otlp_wire_diag *d)
{
	struct otlp_wire_counts tmp;
	struct vctx v = { buf, c ? c : &tmp, d };

	memset(v.c, 0, sizeof(*v.c));
	if (d)
		memset(d, 0, sizeof(*d));
	if (!buf && len)
		return -EINVAL;
	if (len > 0) {
		struct otlp_wire_counts fc = { 0, 0, 0 };
		int frc = m == M_REQ ? otlp_validate_fast_request(buf, len, &fc) :
				       otlp_validate_fast_resource_spans(buf, len, &fc);
		if (frc == 0) {
			*v.c = fc;
			return 0;
		}
	}
	/* Invalid, or valid in a way the fast path does not know: the table
	 * walk decides, and says where and why. */
	return check(&v, buf, len, m, 0);
}

int otlp_wire_validate_request(const void *buf, size_t len,
			       struct otlp_wire_counts *c, struct otlp_wire_diag *d)
{
	return validate(buf, len, M_REQ, c, d);
}

int otlp_wire_validate_resource_spans(const void *buf, size_t len,
				      struct otlp_wire_counts *c,
				      struct otlp_wire_diag *d)
{
	struct otlp_wire_counts tmp;
	int rc = validate(buf, len, M_RS, c ? c : &tmp, d);

	if (rc == 0)
		(c ? c : &tmp)->resource_spans = 1;
	return rc;
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
	return snprintf(buf, n, "%s: %s (at byte %zu)",
			d->field ? d->field : "message", d->why ? d->why : "invalid",
			d->offset);
}
