/* tests/otlp/gen.c: random OTLP request generator (see gen.h). */
#include "gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t gen_rand(uint64_t *s)
{
	uint64_t x = *s; /* xorshift64* */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static unsigned upto(uint64_t *r, unsigned n)
{
	return n ? (unsigned)(gen_rand(r) % (n + 1)) : 0;
}

unsigned gen_upto(uint64_t *r, unsigned n)
{
	return upto(r, n);
}

char *gen_str(uint64_t *r, const struct gen_opts *o)
{
	size_t n = upto(r, 4) == 0 ? 0 : upto(r, 24);
	if (o->huge && upto(r, 200) == 0)
		n = 100 * 1024;
	char *s = malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		unsigned c = upto(r, 20);
		/* mostly ASCII, some UTF-8 bytes and JSON-special characters */
		if (c == 3 && i + 1 < n) { /* a two-byte UTF-8 character */
			s[i++] = (char)0xc3;
			s[i] = (char)0xa9;
			continue;
		}
		s[i] = c == 0 ? '"' : c == 1 ? '\\' : c == 2 ? '\n' : (char)('a' + upto(r, 25));
	}
	s[n] = 0;
	return s;
}

ProtobufCBinaryData gen_bytes(uint64_t *r, size_t n)
{
	ProtobufCBinaryData b = { n, malloc(n + 1) };
	for (size_t i = 0; i < n; i++)
		b.data[i] = (uint8_t)gen_rand(r);
	return b;
}

ProtobufCBinaryData gen_id(uint64_t *r, const struct gen_opts *o, size_t n)
{
	unsigned k = upto(r, 30);
	if (k == 0)
		return gen_bytes(r, 0);
	if (o->bad_ids && k == 1)
		return gen_bytes(r, n + 1);
	return gen_bytes(r, n);
}

void gen_add_unknown(uint64_t *r, const struct gen_opts *o, ProtobufCMessage *m)
{
	if (!o->unknown_fields || upto(r, 4) != 0)
		return;
	unsigned n = 1 + upto(r, 2);
	m->unknown_fields = calloc(n, sizeof(*m->unknown_fields));
	m->n_unknown_fields = n;
	for (unsigned i = 0; i < n; i++) {
		ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
		static const ProtobufCWireType wts[] = { PROTOBUF_C_WIRE_TYPE_VARINT,
							 PROTOBUF_C_WIRE_TYPE_64BIT,
							 PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED,
							 PROTOBUF_C_WIRE_TYPE_32BIT };
		u->tag = 50 + upto(r, 1000);
		u->wire_type = wts[upto(r, 3)];
		switch (u->wire_type) {
		case PROTOBUF_C_WIRE_TYPE_VARINT:
			u->len = 1;
			u->data = malloc(1);
			u->data[0] = (uint8_t)upto(r, 127);
			break;
		case PROTOBUF_C_WIRE_TYPE_64BIT:
			u->len = 8;
			u->data = gen_bytes(r, 8).data;
			break;
		case PROTOBUF_C_WIRE_TYPE_32BIT:
			u->len = 4;
			u->data = gen_bytes(r, 4).data;
			break;
		default: {
			size_t n2 = upto(r, 20);
			u->data = malloc(n2 + 2);
			u->data[0] = (uint8_t)n2; /* protobuf-c stores the length prefix too */
			for (size_t k = 0; k < n2; k++)
				u->data[1 + k] = (uint8_t)gen_rand(r);
			u->len = n2 + 1;
			break;
		}
		}
	}
}

GenAny *gen_any(uint64_t *r, const struct gen_opts *o, unsigned depth)
{
	GenAny *a = malloc(sizeof(*a));
	opentelemetry__proto__common__v1__any_value__init(a);
	unsigned t = upto(r, depth < 3 ? 7 : 4);
	switch (t) {
	case 0:
		break; /* no member set */
	case 1:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		a->string_value = gen_str(r, o);
		break;
	case 2:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		a->bool_value = upto(r, 1);
		break;
	case 3:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		a->int_value = (int64_t)gen_rand(r) >> upto(r, 63);
		break;
	case 4: {
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		unsigned k = upto(r, 10);
		a->double_value = k == 0		   ? 0.0
				  : k == 1		   ? -1.5e300
				  : k == 2		   ? INFINITY
				  : (k == 3 && !o->no_nan) ? NAN
							   : (double)(int64_t)gen_rand(r) / 1024.0;
		break;
	}
	case 5: {
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
		a->array_value = malloc(sizeof(*a->array_value));
		opentelemetry__proto__common__v1__array_value__init(a->array_value);
		unsigned n = upto(r, 3);
		a->array_value->n_values = n;
		a->array_value->values = calloc(n + 1, sizeof(GenAny *));
		for (unsigned i = 0; i < n; i++)
			a->array_value->values[i] = gen_any(r, o, depth + 1);
		break;
	}
	case 6: {
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
		a->kvlist_value = malloc(sizeof(*a->kvlist_value));
		opentelemetry__proto__common__v1__key_value_list__init(a->kvlist_value);
		unsigned n = upto(r, 3);
		a->kvlist_value->n_values = n;
		a->kvlist_value->values = calloc(n + 1, sizeof(GenKV *));
		for (unsigned i = 0; i < n; i++)
			a->kvlist_value->values[i] = gen_kv(r, o, depth + 1);
		break;
	}
	case 7:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE;
		a->bytes_value = gen_bytes(r, upto(r, 20));
		break;
	}
	return a;
}

GenKV *gen_kv(uint64_t *r, const struct gen_opts *o, unsigned depth)
{
	GenKV *kv = malloc(sizeof(*kv));
	opentelemetry__proto__common__v1__key_value__init(kv);
	kv->key = gen_str(r, o);
	if (upto(r, 10) != 0)
		kv->value = gen_any(r, o, depth);
	gen_add_unknown(r, o, &kv->base);
	return kv;
}

GenKV **gen_attrs(uint64_t *r, const struct gen_opts *o, size_t *n)
{
	*n = upto(r, o->max_attrs);
	if (o->huge && upto(r, 100) == 0)
		*n = 1000;
	GenKV **a = calloc(*n + 1, sizeof(*a));
	for (size_t i = 0; i < *n; i++)
		a[i] = gen_kv(r, o, 0);
	return a;
}

static GenSpan *gen_span(uint64_t *r, const struct gen_opts *o)
{
	GenSpan *s = malloc(sizeof(*s));
	opentelemetry__proto__trace__v1__span__init(s);
	s->trace_id = gen_id(r, o, 16);
	s->span_id = gen_id(r, o, 8);
	s->parent_span_id = upto(r, 2) ? gen_id(r, o, 8) : gen_bytes(r, 0);
	s->trace_state = gen_str(r, o);
	s->flags = upto(r, 1) ? (uint32_t)gen_rand(r) : 0;
	s->name = gen_str(r, o);
	s->kind = (Opentelemetry__Proto__Trace__V1__Span__SpanKind)upto(r, 5);
	s->start_time_unix_nano = upto(r, 5) ? gen_rand(r) : 0;
	s->end_time_unix_nano = upto(r, 5) ? gen_rand(r) : 0;
	s->attributes = gen_attrs(r, o, &s->n_attributes);
	s->dropped_attributes_count = upto(r, 2) ? (uint32_t)gen_rand(r) : 0;
	s->n_events = upto(r, o->max_events);
	s->events = calloc(s->n_events + 1, sizeof(GenEvent *));
	for (size_t i = 0; i < s->n_events; i++) {
		GenEvent *e = malloc(sizeof(*e));
		opentelemetry__proto__trace__v1__span__event__init(e);
		e->time_unix_nano = gen_rand(r);
		e->name = gen_str(r, o);
		e->attributes = gen_attrs(r, o, &e->n_attributes);
		e->dropped_attributes_count = (uint32_t)upto(r, 3);
		s->events[i] = e;
	}
	s->dropped_events_count = (uint32_t)upto(r, 2);
	s->n_links = upto(r, o->max_links);
	s->links = calloc(s->n_links + 1, sizeof(GenLink *));
	for (size_t i = 0; i < s->n_links; i++) {
		GenLink *l = malloc(sizeof(*l));
		opentelemetry__proto__trace__v1__span__link__init(l);
		l->trace_id = gen_id(r, o, 16);
		l->span_id = gen_id(r, o, 8);
		l->trace_state = gen_str(r, o);
		l->attributes = gen_attrs(r, o, &l->n_attributes);
		l->dropped_attributes_count = (uint32_t)upto(r, 3);
		l->flags = (uint32_t)gen_rand(r);
		s->links[i] = l;
	}
	s->dropped_links_count = (uint32_t)upto(r, 2);
	if (upto(r, 2)) {
		GenStatus *st = malloc(sizeof(*st));
		opentelemetry__proto__trace__v1__status__init(st);
		st->message = gen_str(r, o);
		st->code = (Opentelemetry__Proto__Trace__V1__Status__StatusCode)upto(r, 2);
		s->status = st;
	}
	gen_add_unknown(r, o, &s->base);
	return s;
}

GenResource *gen_resource(uint64_t *r, const struct gen_opts *o)
{
	if (!upto(r, 5))
		return NULL;
	GenResource *res = malloc(sizeof(*res));
	opentelemetry__proto__resource__v1__resource__init(res);
	res->attributes = gen_attrs(r, o, &res->n_attributes);
	res->dropped_attributes_count = (uint32_t)upto(r, 2);
	return res;
}

GenScope *gen_scope(uint64_t *r, const struct gen_opts *o)
{
	if (!upto(r, 5))
		return NULL;
	GenScope *sc = malloc(sizeof(*sc));
	opentelemetry__proto__common__v1__instrumentation_scope__init(sc);
	sc->name = gen_str(r, o);
	sc->version = gen_str(r, o);
	sc->attributes = gen_attrs(r, o, &sc->n_attributes);
	sc->dropped_attributes_count = (uint32_t)upto(r, 2);
	return sc;
}

GenReq *gen_request(uint64_t *r, const struct gen_opts *o)
{
	GenReq *q = malloc(sizeof(*q));
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(q);
	q->n_resource_spans = upto(r, o->max_rs);
	q->resource_spans = calloc(q->n_resource_spans + 1, sizeof(GenRS *));
	for (size_t i = 0; i < q->n_resource_spans; i++) {
		GenRS *rs = malloc(sizeof(*rs));
		opentelemetry__proto__trace__v1__resource_spans__init(rs);
		rs->resource = gen_resource(r, o);
		rs->schema_url = gen_str(r, o);
		rs->n_scope_spans = upto(r, o->max_ss);
		rs->scope_spans = calloc(rs->n_scope_spans + 1, sizeof(GenSS *));
		for (size_t k = 0; k < rs->n_scope_spans; k++) {
			GenSS *ss = malloc(sizeof(*ss));
			opentelemetry__proto__trace__v1__scope_spans__init(ss);
			ss->scope = gen_scope(r, o);
			ss->schema_url = gen_str(r, o);
			ss->n_spans = upto(r, o->max_spans);
			ss->spans = calloc(ss->n_spans + 1, sizeof(GenSpan *));
			for (size_t s = 0; s < ss->n_spans; s++)
				ss->spans[s] = gen_span(r, o);
			gen_add_unknown(r, o, &ss->base);
			rs->scope_spans[k] = ss;
		}
		gen_add_unknown(r, o, &rs->base);
		q->resource_spans[i] = rs;
	}
	return q;
}

char *gen_dupstr(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 1);
	memcpy(d, s, n + 1);
	return d;
}

GenKV *gen_bench_kv(const char *k, const char *v)
{
	GenKV *kv = malloc(sizeof(*kv));
	opentelemetry__proto__common__v1__key_value__init(kv);
	kv->key = gen_dupstr(k);
	kv->value = malloc(sizeof(GenAny));
	opentelemetry__proto__common__v1__any_value__init(kv->value);
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	kv->value->string_value = gen_dupstr(v);
	return kv;
}

GenReq *gen_bench_request(unsigned n_spans)
{
	uint64_t r = 42;
	GenReq *q = malloc(sizeof(*q));
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(q);
	q->n_resource_spans = 1;
	q->resource_spans = calloc(1, sizeof(GenRS *));
	GenRS *rs = malloc(sizeof(*rs));
	opentelemetry__proto__trace__v1__resource_spans__init(rs);
	q->resource_spans[0] = rs;
	rs->resource = malloc(sizeof(GenResource));
	opentelemetry__proto__resource__v1__resource__init(rs->resource);
	rs->resource->n_attributes = 1;
	rs->resource->attributes = calloc(1, sizeof(GenKV *));
	rs->resource->attributes[0] = gen_bench_kv("service.name", "checkout");
	rs->schema_url = gen_dupstr("");
	rs->n_scope_spans = 1;
	rs->scope_spans = calloc(1, sizeof(GenSS *));
	GenSS *ss = malloc(sizeof(*ss));
	opentelemetry__proto__trace__v1__scope_spans__init(ss);
	rs->scope_spans[0] = ss;
	ss->schema_url = gen_dupstr("");
	ss->n_spans = n_spans;
	ss->spans = calloc(n_spans, sizeof(GenSpan *));
	for (unsigned i = 0; i < n_spans; i++) {
		GenSpan *s = malloc(sizeof(*s));
		char buf[32];
		opentelemetry__proto__trace__v1__span__init(s);
		s->trace_id = gen_bytes(&r, 16);
		s->span_id = gen_bytes(&r, 8);
		s->parent_span_id = gen_bytes(&r, 8);
		s->trace_state = gen_dupstr("");
		snprintf(buf, sizeof(buf), "GET /items/%u", i % 100);
		s->name = gen_dupstr(buf);
		s->kind = 2;
		s->start_time_unix_nano = 1764045000000000000ULL + i * 1000ULL;
		s->end_time_unix_nano = s->start_time_unix_nano + 1500000;
		s->flags = 0x101;
		s->n_attributes = 4;
		s->attributes = calloc(4, sizeof(GenKV *));
		s->attributes[0] = gen_bench_kv("http.request.method", "GET");
		s->attributes[1] = gen_bench_kv("url.path", "/api/v1/items/12345");
		s->attributes[2] = gen_bench_kv("http.route", "/api/v1/items/{id}");
		s->attributes[3] = gen_bench_kv("server.address", "checkout");
		s->status = malloc(sizeof(GenStatus));
		opentelemetry__proto__trace__v1__status__init(s->status);
		s->status->message = gen_dupstr("ok");
		s->status->code = 1;
		ss->spans[i] = s;
	}
	return q;
}

uint8_t *gen_pack(const ProtobufCMessage *m, size_t *len)
{
	*len = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(*len + 1);
	protobuf_c_message_pack(m, b);
	return b;
}
