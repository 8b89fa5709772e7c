/* tests/otlp/walk.c: wire reader vs protobuf-c comparison (see walk.h). */
#include "walk.h"

#include <string.h>

#define EXPECT(cond, what)           \
	do {                         \
		if (!(cond))         \
			return what; \
	} while (0)
#define TRY(expr)                        \
	do {                             \
		const char *e_ = (expr); \
		if (e_)                  \
			return e_;       \
	} while (0)

static int bytes_eq_str(struct otlp_bytes b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return b.len == n && (n == 0 || memcmp(b.p, s, n) == 0);
}

static int bytes_eq_bin(struct otlp_bytes b, ProtobufCBinaryData d)
{
	return b.len == d.len && (d.len == 0 || memcmp(b.p, d.data, d.len) == 0);
}

static const char *cmp_kv(struct otlp_bytes kvb, const GenKV *m, unsigned depth);

static const char *cmp_any(const struct otlp_value *v, const GenAny *a, unsigned depth)
{
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	size_t n = 0;

	if (!a || a->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET)
		return v->type == OTLP_VALUE_EMPTY ? NULL : "AnyValue: expected empty";
	EXPECT((int)v->type == (int)a->value_case, "AnyValue: type differs");
	switch (v->type) {
	case OTLP_VALUE_STRING:
		EXPECT(bytes_eq_str(v->u.b, a->string_value), "AnyValue.string differs");
		break;
	case OTLP_VALUE_BOOL:
		EXPECT(v->u.boolean == !!a->bool_value, "AnyValue.bool differs");
		break;
	case OTLP_VALUE_INT:
		EXPECT(v->u.i == a->int_value, "AnyValue.int differs");
		break;
	case OTLP_VALUE_DOUBLE:
		EXPECT(memcmp(&v->u.d, &a->double_value, 8) == 0, "AnyValue.double differs");
		break;
	case OTLP_VALUE_BYTES:
		EXPECT(bytes_eq_bin(v->u.b, a->bytes_value), "AnyValue.bytes differs");
		break;
	case OTLP_VALUE_ARRAY:
		otlp_wire_iter_init(&it, v->u.b, OTLP_F_LIST_VALUES);
		while (otlp_wire_iter_next(&it, &b) > 0) {
			struct otlp_value sub;
			EXPECT(n < a->array_value->n_values, "ArrayValue: too many values");
			EXPECT(otlp_wire_anyvalue(b, &sub) == 0, "ArrayValue: decode failed");
			TRY(cmp_any(&sub, a->array_value->values[n], depth + 1));
			n++;
		}
		EXPECT(n == a->array_value->n_values, "ArrayValue: count differs");
		break;
	case OTLP_VALUE_KVLIST:
		otlp_wire_iter_init(&it, v->u.b, OTLP_F_LIST_VALUES);
		while (otlp_wire_iter_next(&it, &b) > 0) {
			EXPECT(n < a->kvlist_value->n_values, "KeyValueList: too many");
			TRY(cmp_kv(b, a->kvlist_value->values[n], depth + 1));
			n++;
		}
		EXPECT(n == a->kvlist_value->n_values, "KeyValueList: count differs");
		break;
	default:
		return "AnyValue: unexpected type";
	}
	return NULL;
}

static const char *cmp_kv(struct otlp_bytes kvb, const GenKV *m, unsigned depth)
{
	struct otlp_kv kv;

	EXPECT(otlp_wire_kv(kvb, &kv) == 0, "KeyValue: decode failed");
	EXPECT(bytes_eq_str(kv.key, m->key), "KeyValue.key differs");
	return cmp_any(&kv.value, m->value, depth);
}

static const char *cmp_attrs(struct otlp_bytes msg, uint32_t field, GenKV *const *kvs, size_t n_kvs,
			     uint32_t counted)
{
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	size_t n = 0;

	EXPECT(counted == n_kvs, "attribute count differs");
	otlp_wire_iter_init(&it, msg, field);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		EXPECT(n < n_kvs, "too many attributes");
		TRY(cmp_kv(b, kvs[n], 0));
		n++;
	}
	EXPECT(n == n_kvs, "attribute iteration count differs");
	return NULL;
}

static const char *cmp_span(struct otlp_bytes sb, const GenSpan *m)
{
	struct otlp_span s;
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	size_t n = 0;

	EXPECT(otlp_wire_span(sb, &s) == 0, "Span: decode failed");
	EXPECT(bytes_eq_bin(s.trace_id, m->trace_id), "Span.trace_id differs");
	EXPECT(bytes_eq_bin(s.span_id, m->span_id), "Span.span_id differs");
	EXPECT(bytes_eq_bin(s.parent_span_id, m->parent_span_id), "Span.parent differs");
	EXPECT(bytes_eq_str(s.trace_state, m->trace_state), "Span.trace_state differs");
	EXPECT(bytes_eq_str(s.name, m->name), "Span.name differs");
	EXPECT(s.flags == m->flags, "Span.flags differs");
	EXPECT(s.kind == (int32_t)m->kind, "Span.kind differs");
	EXPECT(s.start_time_unix_nano == m->start_time_unix_nano, "Span.start differs");
	EXPECT(s.end_time_unix_nano == m->end_time_unix_nano, "Span.end differs");
	EXPECT(s.dropped_attributes_count == m->dropped_attributes_count, "Span.dropped_attrs");
	EXPECT(s.dropped_events_count == m->dropped_events_count, "Span.dropped_events");
	EXPECT(s.dropped_links_count == m->dropped_links_count, "Span.dropped_links");
	TRY(cmp_attrs(sb, OTLP_F_SPAN_ATTRIBUTES, m->attributes, m->n_attributes, s.n_attributes));
	EXPECT(s.n_events == m->n_events, "Span: event count differs");
	otlp_wire_iter_init(&it, sb, OTLP_F_SPAN_EVENTS);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		struct otlp_event e;
		const GenEvent *me = m->events[n++];
		EXPECT(otlp_wire_event(b, &e) == 0, "Event: decode failed");
		EXPECT(e.time_unix_nano == me->time_unix_nano, "Event.time differs");
		EXPECT(bytes_eq_str(e.name, me->name), "Event.name differs");
		EXPECT(e.dropped_attributes_count == me->dropped_attributes_count, "Event.dropped");
		TRY(cmp_attrs(b, OTLP_F_EVENT_ATTRIBUTES, me->attributes, me->n_attributes, e.n_attributes));
	}
	EXPECT(s.n_links == m->n_links, "Span: link count differs");
	n = 0;
	otlp_wire_iter_init(&it, sb, OTLP_F_SPAN_LINKS);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		struct otlp_link l;
		const GenLink *ml = m->links[n++];
		EXPECT(otlp_wire_link(b, &l) == 0, "Link: decode failed");
		EXPECT(bytes_eq_bin(l.trace_id, ml->trace_id), "Link.trace_id differs");
		EXPECT(bytes_eq_bin(l.span_id, ml->span_id), "Link.span_id differs");
		EXPECT(bytes_eq_str(l.trace_state, ml->trace_state), "Link.trace_state differs");
		EXPECT(l.flags == ml->flags, "Link.flags differs");
		EXPECT(l.dropped_attributes_count == ml->dropped_attributes_count, "Link.dropped");
		TRY(cmp_attrs(b, OTLP_F_LINK_ATTRIBUTES, ml->attributes, ml->n_attributes, l.n_attributes));
	}
	EXPECT(s.has_status == (m->status != NULL), "Span.status presence differs");
	if (m->status) {
		struct otlp_status st;
		EXPECT(otlp_wire_status(s.status, &st) == 0, "Status: decode failed");
		EXPECT(bytes_eq_str(st.message, m->status->message), "Status.message differs");
		EXPECT(st.code == (int32_t)m->status->code, "Status.code differs");
	}
	return NULL;
}

static const char *cmp_ss(struct otlp_bytes ssb, const GenSS *m)
{
	struct otlp_scope_spans ss;
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	size_t n = 0;

	EXPECT(otlp_wire_scope_spans(ssb, &ss) == 0, "ScopeSpans: decode failed");
	EXPECT(bytes_eq_str(ss.schema_url, m->schema_url), "ScopeSpans.schema_url differs");
	EXPECT(ss.n_spans == m->n_spans, "ScopeSpans: span count differs");
	EXPECT(ss.has_scope == (m->scope != NULL), "ScopeSpans.scope presence differs");
	if (m->scope) {
		struct otlp_scope sc;
		EXPECT(otlp_wire_scope(ss.scope, &sc) == 0, "Scope: decode failed");
		EXPECT(bytes_eq_str(sc.name, m->scope->name), "Scope.name differs");
		EXPECT(bytes_eq_str(sc.version, m->scope->version), "Scope.version differs");
		EXPECT(sc.dropped_attributes_count == m->scope->dropped_attributes_count,
		       "Scope.dropped differs");
		TRY(cmp_attrs(ss.scope, OTLP_F_SCOPE_ATTRIBUTES, m->scope->attributes, m->scope->n_attributes,
			      sc.n_attributes));
	}
	otlp_wire_iter_init(&it, ssb, OTLP_F_SS_SPANS);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		EXPECT(n < m->n_spans, "too many spans");
		TRY(cmp_span(b, m->spans[n++]));
	}
	return NULL;
}

const char *walk_compare_rs(struct otlp_bytes rsb, const GenRS *m)
{
	struct otlp_resource_spans rs;
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	size_t n = 0;

	EXPECT(otlp_wire_resource_spans(rsb, &rs) == 0, "ResourceSpans: decode failed");
	EXPECT(bytes_eq_str(rs.schema_url, m->schema_url), "ResourceSpans.schema_url");
	EXPECT(rs.n_scope_spans == m->n_scope_spans, "ResourceSpans: scope count differs");
	EXPECT(rs.has_resource == (m->resource != NULL), "Resource presence differs");
	if (m->resource) {
		struct otlp_resource res;
		EXPECT(otlp_wire_resource(rs.resource, &res) == 0, "Resource: decode failed");
		EXPECT(res.dropped_attributes_count == m->resource->dropped_attributes_count,
		       "Resource.dropped differs");
		TRY(cmp_attrs(rs.resource, OTLP_F_RESOURCE_ATTRIBUTES, m->resource->attributes,
			      m->resource->n_attributes, res.n_attributes));
	}
	otlp_wire_iter_init(&it, rsb, OTLP_F_RS_SCOPE_SPANS);
	while (otlp_wire_iter_next(&it, &b) > 0) {
		EXPECT(n < m->n_scope_spans, "too many ScopeSpans");
		TRY(cmp_ss(b, m->scope_spans[n++]));
	}
	return NULL;
}

const char *walk_compare_request(struct otlp_bytes req, const GenReq *m)
{
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	size_t n = 0;
	int rc;

	otlp_wire_iter_init(&it, req, OTLP_F_REQ_RESOURCE_SPANS);
	while ((rc = otlp_wire_iter_next(&it, &b)) > 0) {
		EXPECT(n < m->n_resource_spans, "too many ResourceSpans");
		TRY(walk_compare_rs(b, m->resource_spans[n++]));
	}
	EXPECT(rc == 0, "request iteration failed");
	EXPECT(n == m->n_resource_spans, "ResourceSpans count differs");
	return NULL;
}

/* ----- walk everything, for mutations and fuzzing ----- */

#define CHK(expr)                   \
	do {                        \
		int rc_ = (expr);   \
		if (rc_ < 0)        \
			return rc_; \
	} while (0)

static int walk_any(struct otlp_bytes b, unsigned depth);

static int walk_kvs(struct otlp_bytes msg, uint32_t field, unsigned depth)
{
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	int rc;

	if (depth > 40)
		return -1;
	otlp_wire_iter_init(&it, msg, field);
	while ((rc = otlp_wire_iter_next(&it, &b)) > 0) {
		struct otlp_kv kv;
		CHK(otlp_wire_kv(b, &kv));
		struct otlp_wire_iter it2;
		struct otlp_bytes vb;
		otlp_wire_iter_init(&it2, b, OTLP_F_KV_VALUE);
		while ((rc = otlp_wire_iter_next(&it2, &vb)) > 0)
			CHK(walk_any(vb, depth + 1));
		CHK(rc);
	}
	return rc;
}

static int walk_any(struct otlp_bytes b, unsigned depth)
{
	struct otlp_value v;
	struct otlp_wire_iter it;
	struct otlp_bytes sub;
	int rc = 0;

	if (depth > 40)
		return -1;
	CHK(otlp_wire_anyvalue(b, &v));
	if (v.type == OTLP_VALUE_ARRAY) {
		otlp_wire_iter_init(&it, v.u.b, OTLP_F_LIST_VALUES);
		while ((rc = otlp_wire_iter_next(&it, &sub)) > 0)
			CHK(walk_any(sub, depth + 1));
	} else if (v.type == OTLP_VALUE_KVLIST) {
		rc = walk_kvs(v.u.b, OTLP_F_LIST_VALUES, depth + 1);
	}
	return rc;
}

static int walk_span(struct otlp_bytes sb)
{
	struct otlp_span s;
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	int rc;

	CHK(otlp_wire_span(sb, &s));
	CHK(walk_kvs(sb, OTLP_F_SPAN_ATTRIBUTES, 0));
	otlp_wire_iter_init(&it, sb, OTLP_F_SPAN_EVENTS);
	while ((rc = otlp_wire_iter_next(&it, &b)) > 0) {
		struct otlp_event e;
		CHK(otlp_wire_event(b, &e));
		CHK(walk_kvs(b, OTLP_F_EVENT_ATTRIBUTES, 0));
	}
	CHK(rc);
	otlp_wire_iter_init(&it, sb, OTLP_F_SPAN_LINKS);
	while ((rc = otlp_wire_iter_next(&it, &b)) > 0) {
		struct otlp_link l;
		CHK(otlp_wire_link(b, &l));
		CHK(walk_kvs(b, OTLP_F_LINK_ATTRIBUTES, 0));
	}
	CHK(rc);
	if (s.has_status) {
		struct otlp_status st;
		CHK(otlp_wire_status(s.status, &st));
	}
	return 0;
}

int walk_all(struct otlp_bytes req)
{
	struct otlp_wire_iter it, it2, it3;
	struct otlp_bytes rsb, ssb, sb;
	int rc, rc2, rc3;

	otlp_wire_iter_init(&it, req, OTLP_F_REQ_RESOURCE_SPANS);
	while ((rc = otlp_wire_iter_next(&it, &rsb)) > 0) {
		struct otlp_resource_spans rs;
		CHK(otlp_wire_resource_spans(rsb, &rs));
		CHK(otlp_wire_count_spans(rsb));
		if (rs.has_resource) {
			struct otlp_resource res;
			struct otlp_value v;
			CHK(otlp_wire_resource(rs.resource, &res));
			CHK(walk_kvs(rs.resource, OTLP_F_RESOURCE_ATTRIBUTES, 0));
			CHK(otlp_wire_find_attr(rs.resource, OTLP_F_RESOURCE_ATTRIBUTES, "service.name", 12,
						&v));
		}
		otlp_wire_iter_init(&it2, rsb, OTLP_F_RS_SCOPE_SPANS);
		while ((rc2 = otlp_wire_iter_next(&it2, &ssb)) > 0) {
			struct otlp_scope_spans ss;
			CHK(otlp_wire_scope_spans(ssb, &ss));
			if (ss.has_scope) {
				struct otlp_scope sc;
				CHK(otlp_wire_scope(ss.scope, &sc));
				CHK(walk_kvs(ss.scope, OTLP_F_SCOPE_ATTRIBUTES, 0));
			}
			otlp_wire_iter_init(&it3, ssb, OTLP_F_SS_SPANS);
			while ((rc3 = otlp_wire_iter_next(&it3, &sb)) > 0)
				CHK(walk_span(sb));
			CHK(rc3);
		}
		CHK(rc2);
	}
	return rc;
}

static int bad(ProtobufCBinaryData d, size_t n)
{
	return d.len != 0 && d.len != n;
}

int walk_has_bad_id(const GenReq *m)
{
	for (size_t i = 0; i < m->n_resource_spans; i++)
		for (size_t k = 0; k < m->resource_spans[i]->n_scope_spans; k++) {
			const GenSS *ss = m->resource_spans[i]->scope_spans[k];
			for (size_t s = 0; s < ss->n_spans; s++) {
				const GenSpan *sp = ss->spans[s];
				if (bad(sp->trace_id, 16) || bad(sp->span_id, 8) ||
				    bad(sp->parent_span_id, 8))
					return 1;
				for (size_t l = 0; l < sp->n_links; l++)
					if (bad(sp->links[l]->trace_id, 16) || bad(sp->links[l]->span_id, 8))
						return 1;
			}
		}
	return 0;
}
