/* tests/agg/aggtest.h: helpers the agg tests share: a region in memory,
 * Resource bytes from key/value strings, spans from plain numbers. */
#ifndef SLUICE_TESTS_AGG_AGGTEST_H
#define SLUICE_TESTS_AGG_AGGTEST_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "agg/spanmetrics.h"
#include "otlp/wire.h"

#define MS 1000000ull /* ns */
#define SEC 1000000000ull

/* A zeroed shared anonymous mapping (survives fork, like the segment). */
static inline void *at_region(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Resource message bytes: string attributes from NULL-terminated key,
 * value pairs. Returns the length. */
static inline size_t at_resource(uint8_t *buf, ...)
{
	va_list ap;
	uint8_t *p = buf;
	const char *k, *v;
	va_start(ap, buf);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		size_t kl = strlen(k), vl = strlen(v);
		size_t av = 2 + vl, kv = 2 + kl + 2 + av;
		*p++ = 1 << 3 | 2; /* Resource.attributes */
		p = otlp_wire_put_varint(p, kv);
		*p++ = 1 << 3 | 2; /* KeyValue.key */
		*p++ = (uint8_t)kl;
		memcpy(p, k, kl), p += kl;
		*p++ = 2 << 3 | 2; /* KeyValue.value */
		*p++ = (uint8_t)av;
		*p++ = 1 << 3 | 2; /* AnyValue.string_value */
		*p++ = (uint8_t)vl;
		memcpy(p, v, vl), p += vl;
	}
	va_end(ap);
	return (size_t)(p - buf);
}

static inline struct agg_span at_span(const char *name, int kind, int status, uint64_t start, uint64_t dur_ns)
{
	struct agg_span s;
	memset(&s, 0, sizeof s);
	s.name.p = (const uint8_t *)name;
	s.name.len = strlen(name);
	s.kind = kind;
	s.status = status;
	s.start_ns = start;
	s.end_ns = start + dur_ns;
	return s;
}

static inline void at_dim_str(struct agg_span *s, uint32_t i, const char *v)
{
	s->dims_present |= 1u << i;
	s->dim[i].type = OTLP_VALUE_STRING;
	s->dim[i].u.b.p = (const uint8_t *)v;
	s->dim[i].u.b.len = strlen(v);
}

#endif
