/* otlp/wire_decode.h: private to the shallow decoders (wire.c, wire_logs.c,
 * wire_metrics.c, wire_nums.c): the shorthands they share and the one walk
 * over the items of a request or of one resource, which every signal has
 * the same shape for (signal.h): resources at field 1 of a request, scopes
 * at field 2 of a resource, items (spans, log records, metrics) at field 2
 * of a scope. */
#ifndef SLUICE_OTLP_WIRE_DECODE_H
#define SLUICE_OTLP_WIRE_DECODE_H

#include <errno.h>
#include <stdint.h>

#include "otlp/wire.h"
#include "otlp/wire_field.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"

_Static_assert((int)OTLP_F_REQ_RESOURCE_LOGS == OTLP_F_REQ_RESOURCE_SPANS &&
		       (int)OTLP_F_REQ_RESOURCE_METRICS == OTLP_F_REQ_RESOURCE_SPANS &&
		       (int)OTLP_F_RL_SCOPE_LOGS == OTLP_F_RS_SCOPE_SPANS &&
		       (int)OTLP_F_RM_SCOPE_METRICS == OTLP_F_RS_SCOPE_SPANS &&
		       (int)OTLP_F_SL_LOG_RECORDS == OTLP_F_SS_SPANS &&
		       (int)OTLP_F_SM_METRICS == OTLP_F_SS_SPANS,
	       "every signal's request, resource and scope have one shape");

/* A field (f, in the function's scope) must have the wire type its schema
 * says; an id its one valid length, or none. Else -EPROTO. */
#define WANT(wtype)                     \
	do {                            \
		if (f.wt != (wtype))    \
			return -EPROTO; \
	} while (0)
#define WANT_ID(n)                                  \
	do {                                        \
		WANT(OTLP_WT_LEN);                  \
		if (f.b.len != 0 && f.b.len != (n)) \
			return -EPROTO;             \
	} while (0)
/* Loop over the fields of msg: r, f and rc (the reader's last result: 0 at
 * the end, or -EBADMSG) are declared in the enclosing scope. */
#define FOR_EACH_FIELD(msg)                            \
	struct otlp_wire_reader r;                     \
	struct otlp_wire_field f;                      \
	int rc;                                        \
	otlp_wire_reader_init(&r, (msg).p, (msg).len); \
	while ((rc = otlp_wire_field_next(&r, &f)) > 0)

/* Where field f sits in the message that starts at base. */
static inline void otlp_wire_set_pos(struct otlp_field_pos *pos, const struct otlp_wire_field *f,
				     const uint8_t *base)
{
	pos->off = (uint32_t)(f->start - base);
	pos->size = (uint32_t)f->size;
}

/* A sint32 (zigzag varint): the scale and offsets of exponential histograms. */
static inline int32_t otlp_wire_zigzag32(uint64_t v)
{
	return (int32_t)((uint32_t)v >> 1 ^ -(uint32_t)(v & 1));
}

/* fn(arg, item) for one item of a walk; non-zero stops the walk. */
typedef int (*otlp_wire_item_fn)(void *arg, struct otlp_bytes item);

/* fn for every item of one resource, in order; fn's non-zero value stops
 * the walk and is returned. A scope list or item list that does not frame:
 * strict returns the error; otherwise that list ends there and the walk
 * goes on (0). Inlined with each signal's fn, so the call is direct. */
static inline int otlp_wire_resource_items(struct otlp_bytes resource, int strict, otlp_wire_item_fn fn,
					   void *arg)
{
	struct otlp_wire_iter is, ii;
	struct otlp_bytes scope, item;
	int rc, irc;

	otlp_wire_iter_init(&is, resource, OTLP_F_RS_SCOPE_SPANS);
	while ((rc = otlp_wire_iter_next(&is, &scope)) > 0) {
		otlp_wire_iter_init(&ii, scope, OTLP_F_SS_SPANS);
		while ((irc = otlp_wire_iter_next(&ii, &item)) > 0)
			if ((irc = fn(arg, item)) != 0)
				return irc;
		if (strict && irc < 0)
			return irc;
	}
	return strict && rc < 0 ? rc : 0;
}

/* The same over every resource of a request, never strict: a resource that
 * does not frame ends the walk (0). */
static inline int otlp_wire_request_items(struct otlp_bytes req, otlp_wire_item_fn fn, void *arg)
{
	struct otlp_wire_iter ir;
	struct otlp_bytes resource;

	otlp_wire_iter_init(&ir, req, OTLP_F_REQ_RESOURCE_SPANS);
	while (otlp_wire_iter_next(&ir, &resource) > 0) {
		int rc = otlp_wire_resource_items(resource, 0, fn, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

#endif
