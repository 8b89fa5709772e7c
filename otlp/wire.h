/* otlp/wire.h: zero-allocation, bounds-checked reader of OTLP protobuf bytes.
 *
 * Nothing here allocates or copies. Every function takes a buffer and gives
 * back views (struct otlp_bytes) into it, valid as long as that buffer is.
 * Every read is checked against the end of its enclosing message.
 *
 * Layers:
 *   otlp_wire_next()        one field: tag, wire type, value or payload view
 *   otlp_wire_iter_*()      the occurrences of one repeated message field
 *   otlp_wire_<message>()   one message's scalar fields and repeated counts
 *                           (shallow: nested messages are views you decode
 *                           in turn); the shared messages and traces here,
 *                           logs in wire_logs.h, metrics in wire_metrics.h
 *   otlp_wire_find_attr()   look up one attribute by key
 *   otlp_wire_each_span()   every span of a request, decoded
 *   otlp_wire_validate_*()  deep check of a whole request / one resource of
 *                           any signal, counting resources, scopes and items
 *                           (validate.c; otlp/signal.h picks one by signal)
 *
 * Walk:  struct otlp_wire_iter it; struct otlp_bytes rs;
 *        otlp_wire_iter_init(&it, req, OTLP_F_REQ_RESOURCE_SPANS);
 *        while ((rc = otlp_wire_iter_next(&it, &rs)) > 0) ...; rc < 0: error
 *
 * Return values: decoders 0 or negative errno; iterators 1 (got one), 0 (end),
 * negative errno. Errors:
 *   -EBADMSG  truncated varint or fixed value, length past the end, varint
 *             longer than 10 bytes (length prefixes: 5), field number 0,
 *             group wire types (3, 4) or wire types 6 and 7; a packed
 *             repeated number field that is not whole numbers
 *   -EPROTO   a known field with the wrong wire type; an id of the wrong
 *             length (trace_id: 16 bytes or empty; span ids: 8 or empty)
 *   -ELOOP    AnyValue nesting deeper than OTLP_WIRE_MAX_DEPTH
 *   -EILSEQ   (validators) a `string` field that is not valid UTF-8, which
 *             proto3 requires; the decoders do not check it
 * Unknown fields are skipped (forward compatibility), as protobuf does.
 */
#ifndef SLUICE_OTLP_WIRE_H
#define SLUICE_OTLP_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define OTLP_WIRE_MAX_DEPTH 32 /* nested ArrayValue/KeyValueList levels */

/* A view into a caller's buffer. */
struct otlp_bytes {
	const uint8_t *p;
	size_t len;
};

enum otlp_wire_type {
	OTLP_WT_VARINT = 0,
	OTLP_WT_I64 = 1,
	OTLP_WT_LEN = 2,
	OTLP_WT_I32 = 5,
};

/* Field numbers (from the OTLP .proto files under otlp/proto). */
enum {
	OTLP_F_REQ_RESOURCE_SPANS = 1, /* ExportTraceServiceRequest */
	OTLP_F_RS_RESOURCE = 1,	       /* ResourceSpans */
	OTLP_F_RS_SCOPE_SPANS = 2,
	OTLP_F_RS_SCHEMA_URL = 3,
	OTLP_F_RESOURCE_ATTRIBUTES = 1, /* Resource */
	OTLP_F_RESOURCE_DROPPED = 2,
	OTLP_F_RESOURCE_ENTITY_REFS = 3,
	OTLP_F_SS_SCOPE = 1, /* ScopeSpans */
	OTLP_F_SS_SPANS = 2,
	OTLP_F_SS_SCHEMA_URL = 3,
	OTLP_F_SCOPE_NAME = 1, /* InstrumentationScope */
	OTLP_F_SCOPE_VERSION = 2,
	OTLP_F_SCOPE_ATTRIBUTES = 3,
	OTLP_F_SCOPE_DROPPED = 4,
	OTLP_F_SPAN_TRACE_ID = 1, /* Span */
	OTLP_F_SPAN_SPAN_ID = 2,
	OTLP_F_SPAN_TRACE_STATE = 3,
	OTLP_F_SPAN_PARENT_SPAN_ID = 4,
	OTLP_F_SPAN_NAME = 5,
	OTLP_F_SPAN_KIND = 6,
	OTLP_F_SPAN_START = 7,
	OTLP_F_SPAN_END = 8,
	OTLP_F_SPAN_ATTRIBUTES = 9,
	OTLP_F_SPAN_DROPPED_ATTRIBUTES = 10,
	OTLP_F_SPAN_EVENTS = 11,
	OTLP_F_SPAN_DROPPED_EVENTS = 12,
	OTLP_F_SPAN_LINKS = 13,
	OTLP_F_SPAN_DROPPED_LINKS = 14,
	OTLP_F_SPAN_STATUS = 15,
	OTLP_F_SPAN_FLAGS = 16,
	OTLP_F_EVENT_TIME = 1, /* Span.Event */
	OTLP_F_EVENT_NAME = 2,
	OTLP_F_EVENT_ATTRIBUTES = 3,
	OTLP_F_EVENT_DROPPED = 4,
	OTLP_F_LINK_TRACE_ID = 1, /* Span.Link */
	OTLP_F_LINK_SPAN_ID = 2,
	OTLP_F_LINK_TRACE_STATE = 3,
	OTLP_F_LINK_ATTRIBUTES = 4,
	OTLP_F_LINK_DROPPED = 5,
	OTLP_F_LINK_FLAGS = 6,
	OTLP_F_STATUS_MESSAGE = 2, /* Status */
	OTLP_F_STATUS_CODE = 3,
	OTLP_F_KV_KEY = 1, /* KeyValue */
	OTLP_F_KV_VALUE = 2,
	OTLP_F_LIST_VALUES = 1, /* ArrayValue and KeyValueList */
};

/* One field as read from the wire. [start, start + size) is the whole field
 * (tag included), handy for copying it unchanged. */
struct otlp_wire_field {
	uint32_t num;	     /* field number (>= 1) */
	uint32_t wt;	     /* enum otlp_wire_type */
	uint64_t u64;	     /* value of VARINT, I64 and I32 fields */
	struct otlp_bytes b; /* payload of LEN fields */
	const uint8_t *start;
	size_t size;
};

struct otlp_wire_reader {
	const uint8_t *p;
	const uint8_t *end;
};

/* Reads a varint at *p (not past end) into *v and advances *p.
 * Returns 0, or -EBADMSG if truncated or longer than 10 bytes. */
int otlp_wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v);

/* Bytes a varint of v takes (1..10). */
size_t otlp_wire_varint_size(uint64_t v);

/* Writes v as a varint at p (room for 10 bytes needed); returns the end. */
uint8_t *otlp_wire_put_varint(uint8_t *p, uint64_t v);

void otlp_wire_reader_init(struct otlp_wire_reader *r, const void *buf, size_t len);

/* Reads the next field. Returns 1 and fills *f, 0 at the end, or -EBADMSG. */
int otlp_wire_next(struct otlp_wire_reader *r, struct otlp_wire_field *f);

/* Iterates over the LEN fields numbered num of a message (e.g. the spans of a
 * ScopeSpans), skipping other fields. Returns 1 with *out set to the
 * sub-message's bytes, 0 at the end, -EBADMSG, or -EPROTO if field num has
 * another wire type. */
struct otlp_wire_iter {
	struct otlp_wire_reader r;
	uint32_t num;
};
void otlp_wire_iter_init(struct otlp_wire_iter *it, struct otlp_bytes msg, uint32_t num);
int otlp_wire_iter_next(struct otlp_wire_iter *it, struct otlp_bytes *out);

/* ----- message decoders (shallow: scalars, views, counts of repeated) ----- */

struct otlp_resource_spans {
	struct otlp_bytes resource; /* Resource bytes; len 0 if absent */
	struct otlp_bytes schema_url;
	uint32_t n_scope_spans;
	int has_resource;
};
int otlp_wire_resource_spans(struct otlp_bytes msg, struct otlp_resource_spans *out);

struct otlp_resource {
	uint32_t n_attributes; /* iterate OTLP_F_RESOURCE_ATTRIBUTES */
	uint32_t dropped_attributes_count;
	uint32_t n_entity_refs;
};
int otlp_wire_resource(struct otlp_bytes msg, struct otlp_resource *out);

struct otlp_scope_spans {
	struct otlp_bytes scope; /* InstrumentationScope bytes */
	struct otlp_bytes schema_url;
	uint32_t n_spans; /* iterate OTLP_F_SS_SPANS */
	int has_scope;
};
int otlp_wire_scope_spans(struct otlp_bytes msg, struct otlp_scope_spans *out);

struct otlp_scope {
	struct otlp_bytes name, version;
	uint32_t n_attributes; /* iterate OTLP_F_SCOPE_ATTRIBUTES */
	uint32_t dropped_attributes_count;
};
int otlp_wire_scope(struct otlp_bytes msg, struct otlp_scope *out);

struct otlp_span {
	struct otlp_bytes raw;	    /* the whole Span message */
	struct otlp_bytes trace_id; /* 16 bytes or empty */
	struct otlp_bytes span_id;  /* 8 bytes or empty */
	struct otlp_bytes parent_span_id;
	struct otlp_bytes trace_state;
	struct otlp_bytes name;
	struct otlp_bytes status; /* Status bytes; decode with otlp_wire_status */
	uint64_t start_time_unix_nano;
	uint64_t end_time_unix_nano;
	uint32_t flags;
	int32_t kind;
	uint32_t n_attributes; /* iterate OTLP_F_SPAN_ATTRIBUTES over raw */
	uint32_t dropped_attributes_count;
	uint32_t n_events; /* iterate OTLP_F_SPAN_EVENTS */
	uint32_t dropped_events_count;
	uint32_t n_links; /* iterate OTLP_F_SPAN_LINKS */
	uint32_t dropped_links_count;
	int has_status;
};
int otlp_wire_span(struct otlp_bytes msg, struct otlp_span *out);

/* Calls fn for every span of the ExportTraceServiceRequest req, in order,
 * with otlp_wire_span's result (rc 0: *sp decoded; else the error, sp
 * undefined: fn decides whether to go on). fn returns 0 to go on; its other
 * values stop the walk and are returned. A ResourceSpans or ScopeSpans that
 * does not frame ends the walk there (0). */
typedef int (*otlp_wire_span_fn)(void *arg, const struct otlp_span *sp, int rc);
int otlp_wire_each_span(struct otlp_bytes req, otlp_wire_span_fn fn, void *arg);

struct otlp_event {
	uint64_t time_unix_nano;
	struct otlp_bytes name;
	uint32_t n_attributes; /* iterate OTLP_F_EVENT_ATTRIBUTES */
	uint32_t dropped_attributes_count;
};
int otlp_wire_event(struct otlp_bytes msg, struct otlp_event *out);

struct otlp_link {
	struct otlp_bytes trace_id, span_id, trace_state;
	uint32_t n_attributes; /* iterate OTLP_F_LINK_ATTRIBUTES */
	uint32_t dropped_attributes_count;
	uint32_t flags;
};
int otlp_wire_link(struct otlp_bytes msg, struct otlp_link *out);

struct otlp_status {
	struct otlp_bytes message;
	int32_t code; /* 0 unset, 1 ok, 2 error */
};
int otlp_wire_status(struct otlp_bytes msg, struct otlp_status *out);

/* AnyValue. For ARRAY iterate OTLP_F_LIST_VALUES over v.b (AnyValues), for
 * KVLIST iterate OTLP_F_LIST_VALUES over v.b (KeyValues). */
enum otlp_value_type {
	OTLP_VALUE_EMPTY = 0, /* no member set (or no value at all) */
	OTLP_VALUE_STRING = 1,
	OTLP_VALUE_BOOL = 2,
	OTLP_VALUE_INT = 3,
	OTLP_VALUE_DOUBLE = 4,
	OTLP_VALUE_ARRAY = 5,
	OTLP_VALUE_KVLIST = 6,
	OTLP_VALUE_BYTES = 7,
};
struct otlp_value {
	enum otlp_value_type type;
	union {
		struct otlp_bytes b; /* STRING, BYTES, ARRAY, KVLIST */
		int64_t i;
		double d;
		int boolean;
	} u;
};
/* Decodes an AnyValue (the last member set wins, as in protobuf). */
int otlp_wire_anyvalue(struct otlp_bytes msg, struct otlp_value *out);

struct otlp_kv {
	struct otlp_bytes key;
	struct otlp_value value;
};
int otlp_wire_kv(struct otlp_bytes msg, struct otlp_kv *out);

/* Finds the first attribute named key among the KeyValue fields numbered
 * attr_field of msg (e.g. OTLP_F_SPAN_ATTRIBUTES of a Span).
 * Returns 1 with *out set, 0 if absent, or a negative errno. */
int otlp_wire_find_attr(struct otlp_bytes msg, uint32_t attr_field, const char *key, size_t key_len,
			struct otlp_value *out);

/* ----- deep validation (validate.c) ----- */

/* What a validator counted. Items are spans, log records, or metric data
 * points (over all five metric types, as the Collector counts them; a
 * Metric's data is its last data member, as protobuf-c decodes it). The
 * trace names of the first three stay as aliases. */
struct otlp_wire_counts {
	union {
		uint32_t resources;
		uint32_t resource_spans;
	}; /* Resource* */
	union {
		uint32_t scopes;
		uint32_t scope_spans;
	}; /* Scope* */
	union {
		uint64_t items;
		uint64_t spans;
	};
	uint32_t resources_with_items; /* Resource* holding at least one item */
	uint32_t scopes_with_items;    /* Scope* holding at least one item */
	/* traces: spans whose fields 1-8 (ids, trace_state, name, kind, times)
	 * are not all ahead of their other fields in number order, each at
	 * most once. Ingest marks the records of a traces request with none
	 * RECORD_F_HEADS_FIRST (shm/record.h). */
	uint32_t spans_heads_mixed;
};

#define OTLP_WIRE_PATH_MAX 192

/* Where and why validation failed (field and why are static strings, never
 * NULL after a failure): field "Span.span_id", why "length must be 8 or 0",
 * path "resourceSpans[0].scopeSpans[1].spans[3].spanId" (the OTLP/JSON
 * names, with the index of each repeated message; empty when the fault is
 * in the top message itself; cut with "..." if longer than the buffer). */
struct otlp_wire_diag {
	int err;	   /* the negative errno returned */
	size_t offset;	   /* byte offset in the input of the failing field */
	const char *field; /* "Message.field" or "Message" */
	const char *why;
	char path[OTLP_WIRE_PATH_MAX];
};

/* Formats d as one line: "resourceSpans[0].scopeSpans[0].spans[3].spanId:
 * length must be 8 or 0 (Span.span_id at byte 123)", or without a path
 * "ExportTraceServiceRequest: malformed field (...) (at byte 5)".
 * Returns what snprintf returns. */
int otlp_wire_diag_format(const struct otlp_wire_diag *d, char *buf, size_t n);

/* Checks every field of a whole ExportTraceServiceRequest (or TracesData):
 * framing, wire types of all known fields at every level, id lengths,
 * AnyValue nesting depth, UTF-8 of every string. Counts into *c (zeroed
 * first). c and diag may be NULL. Returns 0 or a negative errno (see top). */
int otlp_wire_validate_request(const void *buf, size_t len, struct otlp_wire_counts *c,
			       struct otlp_wire_diag *diag);

/* The same for one bare ResourceSpans message (what a ring record holds):
 * resources is 1. */
int otlp_wire_validate_resource_spans(const void *buf, size_t len, struct otlp_wire_counts *c,
				      struct otlp_wire_diag *diag);

/* The same rules for the other signals (requests, and one bare resource). */
int otlp_wire_validate_logs_request(const void *buf, size_t len, struct otlp_wire_counts *c,
				    struct otlp_wire_diag *diag);
int otlp_wire_validate_resource_logs(const void *buf, size_t len, struct otlp_wire_counts *c,
				     struct otlp_wire_diag *diag);
int otlp_wire_validate_metrics_request(const void *buf, size_t len, struct otlp_wire_counts *c,
				       struct otlp_wire_diag *diag);
int otlp_wire_validate_resource_metrics(const void *buf, size_t len, struct otlp_wire_counts *c,
					struct otlp_wire_diag *diag);

/* Spans in one ResourceSpans already validated (cheap: scans two levels).
 * Returns the count or a negative errno. Logs and metrics: wire_logs.h,
 * wire_metrics.h. */
int64_t otlp_wire_count_spans(struct otlp_bytes resource_spans);

#endif
