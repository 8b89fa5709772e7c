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
	unsigned max_rs, max_ss, max_spans;  /* upper bounds per level */
	unsigned max_attrs, max_events, max_links;
	int unknown_fields;   /* add unknown fields here and there */
	int huge;             /* sometimes a 100 KiB string or 1000 attributes */
	int bad_ids;          /* sometimes ids of the wrong length */
	int no_nan;           /* never generate NaN doubles (JSON round trips) */
};

uint64_t gen_rand(uint64_t *s);
GenReq *gen_request(uint64_t *rng, const struct gen_opts *o);
/* The benchmark's request: n spans of ~222 bytes each in one ResourceSpans. */
GenReq *gen_bench_request(unsigned n_spans);
/* Packs m into a malloc'd buffer; *len gets its size. */
uint8_t *gen_pack(const ProtobufCMessage *m, size_t *len);

#endif
