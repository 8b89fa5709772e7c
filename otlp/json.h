/* otlp/json.h: OTLP/JSON <-> protobuf for every signal, driven by
 * protobuf-c's descriptors (otlp/signal.h gives each signal's).
 *
 * JSON -> protobuf (ingest, OTLP/HTTP application/json):
 *   otlp_json_to_pb_signal() parses an Export{Trace,Logs,Metrics}Service-
 *   Request in the OTLP/JSON mapping and writes its protobuf bytes: field
 *   names in lowerCamelCase (the proto names are accepted too); trace and
 *   span ids (Span, Span.Link, LogRecord, Exemplar) as hex (not base64, per
 *   OTLP); other bytes base64; enums as integers or names; 64-bit integers
 *   as strings or numbers; doubles as numbers or "NaN"/"Infinity"/
 *   "-Infinity"; strings must be valid UTF-8; unknown fields ignored (as
 *   the spec says). Errors name the field path and the problem, e.g.
 *   "resourceLogs[0].scopeLogs[0].logRecords[3].traceId: expected 32 hex
 *   digits, got 31 characters". otlp_json_to_pb() is the traces call.
 *
 * protobuf -> JSON (debug and file exporters, sluice-gen):
 *   otlp_json_from_pb_signal() writes OTLP/JSON text for a request body or
 *   one bare resource (a ring record): either one line for the whole
 *   message, or one line an item: a span, a log record, or a metric (with
 *   all its data points); each line a complete request holding that item
 *   with its resource and scope, so every line can be sent back to an OTLP
 *   receiver. Defaults are omitted (proto3 JSON), 64-bit integers are
 *   strings. otlp_json_from_pb() is the traces call.
 *
 * Bounded: input size, JSON nesting and output size have caps (below).
 * These calls allocate (json-c, protobuf-c); they are for the JSON paths
 * only, never the protobuf hot path. Return 0 or a negative errno:
 * -EINVAL bad input (message in err), -E2BIG over a cap, -ENOMEM.
 */
#ifndef SLUICE_OTLP_JSON_H
#define SLUICE_OTLP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "otlp/signal.h"

#define OTLP_JSON_MAX_INPUT (64u << 20)	  /* bytes of JSON accepted */
#define OTLP_JSON_MAX_DEPTH 64		  /* JSON nesting levels */
#define OTLP_JSON_MAX_OUTPUT (256u << 20) /* bytes of output produced */

/* A growable output buffer owned by the caller; reuse it across calls
 * (len is reset by each call, memory kept). Zero-initialise it first. */
struct otlp_json_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};
void otlp_json_buf_free(struct otlp_json_buf *b);
/* Appending to it (other text renderers use the buffer too): room for n
 * more bytes (growing geometrically, capped at OTLP_JSON_MAX_OUTPUT), n
 * bytes, or 2n lowercase hex digits of p. 0, -ENOMEM or -E2BIG. */
int otlp_json_buf_reserve(struct otlp_json_buf *b, size_t n);
int otlp_json_buf_put(struct otlp_json_buf *b, const void *p, size_t n);
int otlp_json_hex_put(struct otlp_json_buf *b, const uint8_t *p, size_t n);

/* OTLP/JSON request text of signal sig -> protobuf bytes in out (out->len
 * is reset). err (may be NULL) receives a one-line message on failure. */
int otlp_json_to_pb_signal(enum otlp_signal sig, const char *json, size_t len, struct otlp_json_buf *out,
			   char *err, size_t err_len);

/* The same for traces (an ExportTraceServiceRequest). */
int otlp_json_to_pb(const char *json, size_t len, struct otlp_json_buf *out, char *err, size_t err_len);

/* The same for any message type (e.g. ExportTraceServiceResponse). */
int otlp_json_to_pb_as(const ProtobufCMessageDescriptor *desc, const char *json, size_t len,
		       struct otlp_json_buf *out, char *err, size_t err_len);

enum otlp_json_input {
	OTLP_JSON_IN_REQUEST = 0,	 /* an Export*ServiceRequest body */
	OTLP_JSON_IN_RESOURCE = 1,	 /* one bare ResourceSpans/Logs/Metrics */
	OTLP_JSON_IN_RESOURCE_SPANS = 1, /* (its traces name) */
};
enum otlp_json_mode {
	OTLP_JSON_ONE_LINE = 0,	  /* one line for the whole input */
	OTLP_JSON_ITEM_LINES = 1, /* one line a span, log record or metric */
	OTLP_JSON_SPAN_LINES = 1, /* (its traces name) */
};

/* Protobuf bytes of signal sig -> OTLP/JSON text, each line ending in
 * '\n', appended to out (out->len is NOT reset, so a caller can collect
 * several records). The input is checked with the wire validator first
 * (otlp/wire.h; all but its UTF-8 rule: an invalid byte is written as
 * U+FFFD), so malformed or too deeply nested input is -EINVAL with its
 * reason in err. Returns the number of lines written or a negative errno. */
int otlp_json_from_pb_signal(enum otlp_signal sig, const void *pb, size_t len, enum otlp_json_input in,
			     enum otlp_json_mode mode, struct otlp_json_buf *out, char *err, size_t err_len);

/* The same for traces. */
int otlp_json_from_pb(const void *pb, size_t len, enum otlp_json_input in, enum otlp_json_mode mode,
		      struct otlp_json_buf *out, char *err, size_t err_len);

/* Any unpacked protobuf-c message -> one JSON object (no newline), appended
 * to out. Returns 0 or a negative errno. */
int otlp_json_from_message(const ProtobufCMessage *msg, struct otlp_json_buf *out);

#endif
