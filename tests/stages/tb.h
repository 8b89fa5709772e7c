/* tb.h: test helpers to build OTLP ResourceSpans with protobuf-c (the
 * reference encoder) and decode stage output with it. */
#ifndef SLUICE_TESTS_STAGES_TB_H
#define SLUICE_TESTS_STAGES_TB_H

#include <stddef.h>
#include <stdint.h>

#include "opentelemetry/proto/trace/v1/trace.pb-c.h"

typedef Opentelemetry__Proto__Trace__V1__ResourceSpans TbRs;
typedef Opentelemetry__Proto__Trace__V1__Span TbSpan;
typedef Opentelemetry__Proto__Common__V1__KeyValue TbKv;
typedef Opentelemetry__Proto__Common__V1__AnyValue TbAny;

#define TB_STR OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
#define TB_BOOL OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE
#define TB_INT OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE
#define TB_DOUBLE OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE
#define TB_ARRAY OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE
#define TB_BYTES OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE

/* type: 's' string, 'i' int, 'd' double, 'b' bool, 'a' array [s, s],
 * 'y' bytes (s). key NULL ends a list. */
struct tb_attr {
	const char *key;
	char type;
	const char *s;
	int64_t i;
	double d;
	int b;
};

#define TB_MAX_ATTRS 8

struct tb_span {
	const char *name;
	int kind; /* 0..5 */
	uint64_t start, end;
	int status;	/* 0 unset, 1 ok, 2 error */
	uint64_t trace; /* trace id derived from it (never all zero) */
	int scope;	/* ScopeSpans index (0..3) */
	struct tb_attr attrs[TB_MAX_ATTRS];
};

/* Packs a ResourceSpans (res attributes NULL-key terminated, may be NULL);
 * returns a malloc'd buffer, *len its size. */
uint8_t *tb_pack(const struct tb_attr *res, const struct tb_span *spans, int n, size_t *len);
/* Trace id bytes tb_pack uses for `trace`. */
void tb_trace_id(uint64_t trace, uint8_t id[16]);
/* Decodes with protobuf-c; NULL if it does not parse. */
TbRs *tb_unpack(const uint8_t *p, size_t len);
void tb_free(TbRs *rs);
/* All spans of a decoded ResourceSpans in order (static array, <= 4096). */
size_t tb_spans(TbRs *rs, TbSpan ***out);
/* Attribute value by key, NULL if absent; *count gets how many have it. */
const TbAny *tb_attr(TbKv **kv, size_t n, const char *key);
size_t tb_count(TbKv **kv, size_t n, const char *key);

#endif
