/* tests/producer/ingest_check.c: see ingest_check.h. */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/trace/v1/trace.pb-c.h"
#include "tests/producer/ingest_check.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Trace__V1__Span Span;

struct ic {
	char *why;
	size_t whylen;
	const char *span; /* hex span id being checked */
};

static bool ic_fail(struct ic *c, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(c->why, c->whylen, "span %s: ", c->span ? c->span : "?");
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < c->whylen)
		vsnprintf(c->why + n, c->whylen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static void ic_hex(const ProtobufCBinaryData *b, char *out)
{
	for (size_t i = 0; i < b->len && i < 32; i++)
		sprintf(out + 2 * i, "%02x", b->data[i]);
	out[2 * (b->len < 32 ? b->len : 32)] = '\0';
}

static const char *ic_str(json_object *o, const char *key)
{
	json_object *v = json_object_object_get(o, key);
	return v ? json_object_get_string(v) : "";
}

static bool ic_eq_hex(struct ic *c, const char *what, const ProtobufCBinaryData *b, const char *want)
{
	char hex[80];
	ic_hex(b, hex);
	if (strcmp(hex, want) != 0)
		return ic_fail(c, "%s is \"%s\", sent \"%s\"", what, hex, want);
	return true;
}

static bool ic_attrs(struct ic *c, const char *what, KeyValue **kv, size_t n, json_object *want);

static bool ic_value(struct ic *c, const char *what, const AnyValue *v, json_object *want)
{
	json_object *x;
	if (!v)
		return ic_fail(c, "%s: no value", what);
	if (json_object_object_get_ex(want, "s", &x)) {
		if (v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE ||
		    strcmp(v->string_value, json_object_get_string(x)) != 0)
			return ic_fail(c, "%s: string differs", what);
	} else if (json_object_object_get_ex(want, "b", &x)) {
		if (v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE ||
		    !v->bool_value != !json_object_get_boolean(x))
			return ic_fail(c, "%s: bool differs", what);
	} else if (json_object_object_get_ex(want, "i", &x)) {
		long long w = strtoll(json_object_get_string(x), NULL, 10);
		if (v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE ||
		    v->int_value != w)
			return ic_fail(c, "%s: int differs (case %d, %" PRId64 " vs %lld)", what,
				       v->value_case, v->int_value, w);
	} else if (json_object_object_get_ex(want, "d", &x)) {
		if (v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE ||
		    v->double_value != json_object_get_double(x))
			return ic_fail(c, "%s: double differs (%.17g vs %.17g)", what, v->double_value,
				       json_object_get_double(x));
	} else if (json_object_object_get_ex(want, "bytes", &x)) {
		if (v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE)
			return ic_fail(c, "%s: not bytes", what);
		return ic_eq_hex(c, what, &v->bytes_value, json_object_get_string(x));
	} else if (json_object_object_get_ex(want, "arr", &x)) {
		if (v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE ||
		    !v->array_value || v->array_value->n_values != json_object_array_length(x))
			return ic_fail(c, "%s: array differs", what);
		for (size_t i = 0; i < v->array_value->n_values; i++)
			if (!ic_value(c, what, v->array_value->values[i], json_object_array_get_idx(x, i)))
				return false;
	} else if (json_object_object_get_ex(want, "kv", &x)) {
		if (v->value_case != OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE ||
		    !v->kvlist_value)
			return ic_fail(c, "%s: not a kvlist", what);
		return ic_attrs(c, what, v->kvlist_value->values, v->kvlist_value->n_values, x);
	} else {
		return ic_fail(c, "%s: unknown expected type", what);
	}
	return true;
}

/* want: [[key, typed], ...] in order. */
static bool ic_attrs(struct ic *c, const char *what, KeyValue **kv, size_t n, json_object *want)
{
	size_t wn = want ? json_object_array_length(want) : 0;
	if (n != wn)
		return ic_fail(c, "%s: %zu attributes, sent %zu", what, n, wn);
	for (size_t i = 0; i < n; i++) {
		json_object *pair = json_object_array_get_idx(want, i);
		const char *key = json_object_get_string(json_object_array_get_idx(pair, 0));
		char w[160];
		if (strcmp(kv[i]->key, key) != 0)
			return ic_fail(c, "%s[%zu]: key \"%s\", sent \"%s\"", what, i, kv[i]->key, key);
		snprintf(w, sizeof(w), "%s.%s", what, key);
		if (!ic_value(c, w, kv[i]->value, json_object_array_get_idx(pair, 1)))
			return false;
	}
	return true;
}

static bool ic_u64(struct ic *c, const char *what, uint64_t have, const char *want)
{
	if (have != strtoull(want, NULL, 10))
		return ic_fail(c, "%s is %" PRIu64 ", sent %s", what, have, want);
	return true;
}

static bool ic_span(struct ic *c, const Opentelemetry__Proto__Trace__V1__ResourceSpans *rs,
		    const Opentelemetry__Proto__Trace__V1__ScopeSpans *ss, const Span *s, json_object *w)
{
	json_object *st = json_object_object_get(w, "status");
	json_object *scope = json_object_object_get(w, "scope");
	json_object *evs = json_object_object_get(w, "events");
	json_object *links = json_object_object_get(w, "links");
	if (!ic_eq_hex(c, "traceId", &s->trace_id, ic_str(w, "traceId")) ||
	    !ic_eq_hex(c, "parentSpanId", &s->parent_span_id, ic_str(w, "parentSpanId")))
		return false;
	if (strcmp(s->trace_state, ic_str(w, "traceState")) != 0)
		return ic_fail(c, "traceState \"%s\"", s->trace_state);
	if (s->flags != (uint32_t)json_object_get_int(json_object_object_get(w, "flags")))
		return ic_fail(c, "flags %u", s->flags);
	if (strcmp(s->name, ic_str(w, "name")) != 0)
		return ic_fail(c, "name \"%s\", sent \"%s\"", s->name, ic_str(w, "name"));
	if ((int)s->kind != json_object_get_int(json_object_object_get(w, "kind")))
		return ic_fail(c, "kind %d", s->kind);
	if (!ic_u64(c, "start", s->start_time_unix_nano, ic_str(w, "start")) ||
	    !ic_u64(c, "end", s->end_time_unix_nano, ic_str(w, "end")) ||
	    !ic_attrs(c, "attributes", s->attributes, s->n_attributes,
		      json_object_object_get(w, "attributes")))
		return false;
	if (s->n_events != json_object_array_length(evs))
		return ic_fail(c, "%zu events", s->n_events);
	for (size_t i = 0; i < s->n_events; i++) {
		json_object *e = json_object_array_get_idx(evs, i);
		if (strcmp(s->events[i]->name, ic_str(e, "name")) != 0)
			return ic_fail(c, "event %zu name", i);
		if (!ic_u64(c, "event time", s->events[i]->time_unix_nano, ic_str(e, "time")) ||
		    !ic_attrs(c, "event attributes", s->events[i]->attributes, s->events[i]->n_attributes,
			      json_object_object_get(e, "attributes")))
			return false;
	}
	if (s->n_links != json_object_array_length(links))
		return ic_fail(c, "%zu links", s->n_links);
	for (size_t i = 0; i < s->n_links; i++) {
		json_object *l = json_object_array_get_idx(links, i);
		if (!ic_eq_hex(c, "link traceId", &s->links[i]->trace_id, ic_str(l, "traceId")) ||
		    !ic_eq_hex(c, "link spanId", &s->links[i]->span_id, ic_str(l, "spanId")) ||
		    !ic_attrs(c, "link attributes", s->links[i]->attributes, s->links[i]->n_attributes,
			      json_object_object_get(l, "attributes")))
			return false;
		if (s->links[i]->flags != (uint32_t)json_object_get_int(json_object_object_get(l, "flags")))
			return ic_fail(c, "link %zu flags %u", i, s->links[i]->flags);
	}
	int code = s->status ? (int)s->status->code : 0;
	const char *msg = s->status ? s->status->message : "";
	if (code != json_object_get_int(json_object_object_get(st, "code")) ||
	    strcmp(msg, ic_str(st, "message")) != 0)
		return ic_fail(c, "status %d \"%s\"", code, msg);
	if (!ss->scope || strcmp(ss->scope->name, ic_str(scope, "name")) != 0 ||
	    strcmp(ss->scope->version, ic_str(scope, "version")) != 0)
		return ic_fail(c, "scope differs");
	if (!rs->resource)
		return ic_fail(c, "no resource");
	return ic_attrs(c, "resource", rs->resource->attributes, rs->resource->n_attributes,
			json_object_object_get(w, "resource"));
}

long ic_check_ring(struct ring *ring, const char *expected_path, char *why, size_t whylen)
{
	struct ic c = { why, whylen, NULL };
	json_object *all = json_object_from_file(expected_path);
	if (!all || !json_object_is_type(all, json_type_array)) {
		snprintf(why, whylen, "cannot read %s", expected_path);
		json_object_put(all);
		return -1;
	}
	size_t n = json_object_array_length(all);
	json_object *byid = json_object_new_object();
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(all, i);
		json_object_object_add(byid, ic_str(s, "spanId"), json_object_get(s));
	}
	long matched = 0;
	const struct record *rec;
	bool ok = true;
	while (ok && ring_try_peek(ring, &rec) == 0) {
		Opentelemetry__Proto__Trace__V1__ResourceSpans *rs =
			opentelemetry__proto__trace__v1__resource_spans__unpack(NULL, rec->len,
										record_cpayload(rec));
		if (!rs) {
			snprintf(why, whylen, "record seq %" PRIu64 " does not decode", rec->seq);
			ok = false;
			break;
		}
		uint64_t spans = 0;
		for (size_t i = 0; ok && i < rs->n_scope_spans; i++) {
			for (size_t j = 0; ok && j < rs->scope_spans[i]->n_spans; j++) {
				const Span *s = rs->scope_spans[i]->spans[j];
				char id[40];
				ic_hex(&s->span_id, id);
				c.span = id;
				json_object *w;
				if (!json_object_object_get_ex(byid, id, &w)) {
					ok = ic_fail(&c, "not sent, or received twice");
					break;
				}
				ok = ic_span(&c, rs, rs->scope_spans[i], s, w);
				json_object_object_del(byid, id);
				matched++;
				spans++;
			}
		}
		if (ok && spans != rec->items) {
			snprintf(why, whylen, "record seq %" PRIu64 " says %u spans, holds %" PRIu64,
				 rec->seq, rec->items, spans);
			ok = false;
		}
		opentelemetry__proto__trace__v1__resource_spans__free_unpacked(rs, NULL);
	}
	ring_commit(ring, ring_cursor(ring));
	if (ok && matched != (long)n) {
		snprintf(why, whylen, "received %ld of %zu spans sent", matched, n);
		ok = false;
	}
	json_object_put(byid);
	json_object_put(all);
	return ok ? matched : -1;
}
