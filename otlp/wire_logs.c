/* otlp/wire_logs.c: the LogRecord decoder and the log walkers. */
#include "otlp/wire_logs.h"
#include "otlp/wire_decode.h"

#include <string.h>

int otlp_wire_log_record(struct otlp_bytes msg, struct otlp_log_record *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = msg;
	FOR_EACH_FIELD(msg)
	{
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
				continue; /* pos keeps the first */
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
			continue; /* unknown: no position kept */
		}
		otlp_wire_set_pos(&out->pos[f.num], &f, msg.p);
	}
	return rc;
}

struct log_walk {
	otlp_wire_log_fn fn;
	void *arg;
};

static int log_item(void *w, struct otlp_bytes b)
{
	const struct log_walk *lw = w;
	struct otlp_log_record lr;
	int rc = otlp_wire_log_record(b, &lr);

	return lw->fn(lw->arg, &lr, rc);
}

int otlp_wire_resource_each_log_record(struct otlp_bytes rl, otlp_wire_log_fn fn, void *arg)
{
	struct log_walk w = { fn, arg };

	return otlp_wire_resource_items(rl, 0, log_item, &w);
}

int otlp_wire_each_log_record(struct otlp_bytes req, otlp_wire_log_fn fn, void *arg)
{
	struct log_walk w = { fn, arg };

	return otlp_wire_request_items(req, log_item, &w);
}

static int count_one(void *n, struct otlp_bytes b)
{
	(void)b;
	++*(int64_t *)n;
	return 0;
}

int64_t otlp_wire_count_log_records(struct otlp_bytes rl)
{
	int64_t n = 0;
	int rc = otlp_wire_resource_items(rl, 1, count_one, &n);

	return rc < 0 ? rc : n;
}
