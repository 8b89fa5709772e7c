/* otlp/wire_logs.h: the zero-allocation reader (otlp/wire.h) for logs.
 *
 * ResourceLogs and ScopeLogs have the shape of ResourceSpans and ScopeSpans
 * (the same field numbers): otlp_wire_resource_spans() and
 * otlp_wire_scope_spans() decode them (n_scope_spans counts ScopeLogs,
 * n_spans LogRecords). A LogRecord decodes into views of its fields and
 * where each field sits, for processors that edit records in place.
 *
 *   otlp_wire_each_log_record(req, fn, arg)   every record of a request
 *   otlp_wire_resource_each_log_record(rl, ...)  of one ResourceLogs
 *   otlp_wire_count_log_records(rl)           records of one ResourceLogs
 *
 * A singular field written more than once is read as its last occurrence
 * (for a message field, protobuf would merge the occurrences; no SDK
 * writes that). Deep validation: otlp_wire_validate_logs_request /
 * _resource_logs (wire.h). Return values and errors as in wire.h. */
#ifndef SLUICE_OTLP_WIRE_LOGS_H
#define SLUICE_OTLP_WIRE_LOGS_H

#include "otlp/wire.h"

/* Field numbers (from otlp/proto/opentelemetry/proto/logs/v1/logs.proto). */
enum {
	OTLP_F_REQ_RESOURCE_LOGS = 1, /* ExportLogsServiceRequest */
	OTLP_F_RL_RESOURCE = 1,	      /* ResourceLogs */
	OTLP_F_RL_SCOPE_LOGS = 2,
	OTLP_F_RL_SCHEMA_URL = 3,
	OTLP_F_SL_SCOPE = 1, /* ScopeLogs */
	OTLP_F_SL_LOG_RECORDS = 2,
	OTLP_F_SL_SCHEMA_URL = 3,
	OTLP_F_LOG_TIME = 1, /* LogRecord */
	OTLP_F_LOG_SEVERITY_NUMBER = 2,
	OTLP_F_LOG_SEVERITY_TEXT = 3,
	OTLP_F_LOG_BODY = 5,
	OTLP_F_LOG_ATTRIBUTES = 6,
	OTLP_F_LOG_DROPPED_ATTRIBUTES = 7,
	OTLP_F_LOG_FLAGS = 8,
	OTLP_F_LOG_TRACE_ID = 9,
	OTLP_F_LOG_SPAN_ID = 10,
	OTLP_F_LOG_OBSERVED_TIME = 11,
	OTLP_F_LOG_EVENT_NAME = 12,
};
#define OTLP_LOG_NFIELDS 13 /* pos[] below is indexed by field number */

/* Where a field sits in its message: bytes [off, off + size) of the
 * message, tag included (copy or skip it whole); size 0 = absent. */
struct otlp_field_pos {
	uint32_t off;
	uint32_t size;
};

struct otlp_log_record {
	struct otlp_bytes raw; /* the whole LogRecord */
	uint64_t time_unix_nano;
	uint64_t observed_time_unix_nano;
	int32_t severity_number; /* 0 unspecified, 1..24 TRACE..FATAL4 */
	uint32_t flags;		 /* low byte: W3C trace flags */
	struct otlp_bytes severity_text;
	struct otlp_bytes body;	    /* AnyValue bytes: otlp_wire_anyvalue() */
	struct otlp_bytes trace_id; /* 16 bytes or empty */
	struct otlp_bytes span_id;  /* 8 bytes or empty */
	struct otlp_bytes event_name;
	uint32_t n_attributes; /* iterate OTLP_F_LOG_ATTRIBUTES over raw */
	uint32_t dropped_attributes_count;
	int has_body;
	/* By field number: the occurrence that counts (the last one; for the
	 * repeated attributes, the first). */
	struct otlp_field_pos pos[OTLP_LOG_NFIELDS];
};

/* Decodes one LogRecord (wire types and id lengths checked, UTF-8 not).
 * 0 or a negative errno. */
int otlp_wire_log_record(struct otlp_bytes msg, struct otlp_log_record *out);

/* Calls fn for every LogRecord of the ExportLogsServiceRequest req (or of
 * one ResourceLogs), in order, with otlp_wire_log_record's result (rc 0:
 * *lr decoded; else the error, lr undefined: fn decides whether to go on).
 * fn returns 0 to go on; other values stop the walk and are returned. A
 * ResourceLogs or ScopeLogs that does not frame ends the walk there (0). */
typedef int (*otlp_wire_log_fn)(void *arg, const struct otlp_log_record *lr, int rc);
int otlp_wire_each_log_record(struct otlp_bytes req, otlp_wire_log_fn fn, void *arg);
int otlp_wire_resource_each_log_record(struct otlp_bytes resource_logs, otlp_wire_log_fn fn, void *arg);

/* LogRecords in one ResourceLogs already validated (two levels scanned).
 * The count or a negative errno. */
int64_t otlp_wire_count_log_records(struct otlp_bytes resource_logs);

#endif
