/* tests/otlp/gen.h: random OTLP requests built as protobuf-c messages, for
 * the tests, fuzz seeds and the benchmark. Every field type is exercised;
 * everything is malloc'd, so protobuf_c_message_free_unpacked(m, NULL)
 * frees a generated tree. */
#ifndef SLUICE_TESTS_OTLP_GEN_H
#define SLUICE_TESTS_OTLP_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest GenReq;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans GenRS;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans GenSS;
typedef Opentelemetry__Proto__Trace__V1__Span GenSpan;
typedef Opentelemetry__Proto__Trace__V1__Span__Event GenEvent;
typedef Opentelemetry__Proto__Trace__V1__Span__Link GenLink;
typedef Opentelemetry__Proto__Trace__V1__Status GenStatus;
typedef Opentelemetry__Proto__Common__V1__KeyValue GenKV;
typedef Opentelemetry__Proto__Common__V1__AnyValue GenAny;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope GenScope;
typedef Opentelemetry__Proto__Resource__V1__Resource GenResource;

struct gen_opts {
	unsigned max_rs, max_ss, max_spans; /* upper bounds per level */
	unsigned max_attrs, max_events, max_links;
	int unknown_fields; /* add unknown fields here and there */
	int huge;	    /* sometimes a 100 KiB string or 1000 attributes */
	int bad_ids;	    /* sometimes ids of the wrong length */
	int no_nan;	    /* never generate NaN doubles (JSON round trips) */
};

uint64_t gen_rand(uint64_t *s);
GenReq *gen_request(uint64_t *rng, const struct gen_opts *o);

/* The pieces, for the other signals' generators (gen_signals.h): a random
 * number 0..n; a string (mostly ASCII, some UTF-8, JSON specials); n random
 * bytes; an id of n bytes (sometimes empty, with bad_ids sometimes n + 1);
 * unknown fields (with unknown_fields); an AnyValue; a KeyValue; attributes;
 * a Resource and an InstrumentationScope (sometimes NULL); a copy of s; a
 * string attribute. */
unsigned gen_upto(uint64_t *rng, unsigned n);
char *gen_str(uint64_t *rng, const struct gen_opts *o);
ProtobufCBinaryData gen_bytes(uint64_t *rng, size_t n);
ProtobufCBinaryData gen_id(uint64_t *rng, const struct gen_opts *o, size_t n);
void gen_add_unknown(uint64_t *rng, const struct gen_opts *o, ProtobufCMessage *m);
GenAny *gen_any(uint64_t *rng, const struct gen_opts *o, unsigned depth);
GenKV *gen_kv(uint64_t *rng, const struct gen_opts *o, unsigned depth);
GenKV **gen_attrs(uint64_t *rng, const struct gen_opts *o, size_t *n);
GenResource *gen_resource(uint64_t *rng, const struct gen_opts *o);
GenScope *gen_scope(uint64_t *rng, const struct gen_opts *o);
char *gen_dupstr(const char *s);
GenKV *gen_bench_kv(const char *key, const char *value);
/* The benchmark's request: n spans of ~222 bytes each in one ResourceSpans. */
GenReq *gen_bench_request(unsigned n_spans);
/* Packs m into a malloc'd buffer; *len gets its size. */
uint8_t *gen_pack(const ProtobufCMessage *m, size_t *len);

#endif
