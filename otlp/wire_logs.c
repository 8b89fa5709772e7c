/* otlp/wire_logs.c: the LogRecord decoder and the log walkers. */
#include "otlp/wire_logs.h"
#include "otlp/wire_field.h"

#include <errno.h>
#include <string.h>

#define WANT(wtype) do { if (f.wt != (wtype)) return -EPROTO; } while (0)
#define WANT_ID(n) do { WANT(OTLP_WT_LEN); \
	if (f.b.len != 0 && f.b.len != (n)) return -EPROTO; } while (0)

int otlp_wire_log_record(struct otlp_bytes msg, struct otlp_log_record *out)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;

	memset(out, 0, sizeof(*out));
	out->raw = msg;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while ((rc = otlp_wire_field_next(&r, &f)) > 0) {
		switch (f.num) {
		case OTLP_F_LOG_TIME:
			WANT(OTLP_WT_I64);
			out->time_unix_nano = f.u64;
			break;
		case OTLP_F_LOG_OBSERVED_TIME:
			WANT(OTLP_WT_I64);
			out->observed_time_unix_nano = f.u64;
			break;
		case OTLP_F_LOG_SEVERITY_NUMBER:
			WANT(OTLP_WT_VARINT);
			out->severity_number = (int32_t)f.u64;
			break;
		case OTLP_F_LOG_SEVERITY_TEXT:
			WANT(OTLP_WT_LEN);
			out->severity_text = f.b;
			break;
		case OTLP_F_LOG_BODY:
			WANT(OTLP_WT_LEN);
			out->body = f.b;
			out->has_body = 1;
			break;
		case OTLP_F_LOG_ATTRIBUTES:
			WANT(OTLP_WT_LEN);
			if (out->n_attributes++)
				continue;  /* pos keeps the first */
			break;
		case OTLP_F_LOG_DROPPED_ATTRIBUTES:
			WANT(OTLP_WT_VARINT);
			out->dropped_attributes_count = (uint32_t)f.u64;
			break;
		case OTLP_F_LOG_FLAGS:
			WANT(OTLP_WT_I32);
			out->flags = (uint32_t)f.u64;
			break;
		case OTLP_F_LOG_TRACE_ID:
			WANT_ID(16);
			out->trace_id = f.b;
			break;
		case OTLP_F_LOG_SPAN_ID:
			WANT_ID(8);
			out->span_id = f.b;
			break;
		case OTLP_F_LOG_EVENT_NAME:
			WANT(OTLP_WT_LEN);
			out->event_name = f.b;
			break;
		default:
			continue;  /* unknown: no position kept */
		}
		out->pos[f.num].off = (uint32_t)(f.start - msg.p);
		out->pos[f.num].size = (uint32_t)f.size;
	}
	return rc;
}

/* fn for every record of one ResourceLogs; a ScopeLogs that does not frame
 * ends this resource's walk. */
static int each_in_resource(struct otlp_bytes rl, otlp_wire_log_fn fn, void *arg)
{
	struct otlp_wire_iter is, il;
	struct otlp_bytes sl, lb;

	otlp_wire_iter_init(&is, rl, OTLP_F_RL_SCOPE_LOGS);
	while (otlp_wire_iter_next(&is, &sl) > 0) {
		otlp_wire_iter_init(&il, sl, OTLP_F_SL_LOG_RECORDS);
		while (otlp_wire_iter_next(&il, &lb) > 0) {
			struct otlp_log_record lr;
			int rc = otlp_wire_log_record(lb, &lr);
			if ((rc = fn(arg, &lr, rc)) != 0)
				return rc;
		}
	}
	return 0;
}

int otlp_wire_resource_each_log_record(struct otlp_bytes rl, otlp_wire_log_fn fn, void *arg)
{
	return each_in_resource(rl, fn, arg);
}

int otlp_wire_each_log_record(struct otlp_bytes req, otlp_wire_log_fn fn, void *arg)
{
	struct otlp_wire_iter ir;
	struct otlp_bytes rl;

	otlp_wire_iter_init(&ir, req, OTLP_F_REQ_RESOURCE_LOGS);
	while (otlp_wire_iter_next(&ir, &rl) > 0) {
		int rc = each_in_resource(rl, fn, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int64_t otlp_wire_count_log_records(struct otlp_bytes rl)
{
	struct otlp_wire_iter is, il;
	struct otlp_bytes sl, lb;
	int64_t n = 0;
	int rc, lrc;

	otlp_wire_iter_init(&is, rl, OTLP_F_RL_SCOPE_LOGS);
	while ((rc = otlp_wire_iter_next(&is, &sl)) > 0) {
		otlp_wire_iter_init(&il, sl, OTLP_F_SL_LOG_RECORDS);
		while ((lrc = otlp_wire_iter_next(&il, &lb)) > 0)
			n++;
		if (lrc < 0)
			return lrc;
	}
	return rc < 0 ? rc : n;
}
