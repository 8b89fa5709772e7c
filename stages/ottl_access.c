/* ottl_access.c: OTTL paths read straight from the wire-form item: fields
 * from the decoded views, attributes by a scan of the map's KeyValues. */
#include "stages/ottl_access.h"

#include <errno.h>

static const uint8_t empty_text[1];

void ottl_access_item_init(struct ottl_access_item *it, enum ottl_context ctx, struct otlp_bytes resource,
			   struct otlp_bytes scope)
{
	*it = (struct ottl_access_item){ .ctx = ctx, .resource = resource, .scope = scope };
}

void ottl_access_value(const struct otlp_value *v, struct ottl_value *out)
{
	switch (v->type) {
	case OTLP_VALUE_STRING:
		out->type = OTTL_STRING;
		out->u.s.p = v->u.b.p ? v->u.b.p : empty_text;
		out->u.s.len = v->u.b.len;
		break;
	case OTLP_VALUE_BYTES:
		out->type = OTTL_BYTES;
		out->u.s.p = v->u.b.p ? v->u.b.p : empty_text;
		out->u.s.len = v->u.b.len;
		break;
	case OTLP_VALUE_INT:
		out->type = OTTL_INT;
		out->u.i = v->u.i;
		break;
	case OTLP_VALUE_DOUBLE:
		out->type = OTTL_DOUBLE;
		out->u.d = v->u.d;
		break;
	case OTLP_VALUE_BOOL:
		out->type = OTTL_BOOL;
		out->u.b = v->u.boolean != 0;
		break;
	case OTLP_VALUE_ARRAY:
	case OTLP_VALUE_KVLIST:
		out->type = OTTL_OTHER;
		break;
	default:
		out->type = OTTL_NIL;
		break;
	}
}

int64_t ottl_access_metric_type(enum otlp_metric_type t)
{
	switch (t) {
	case OTLP_METRIC_GAUGE:
		return 1;
	case OTLP_METRIC_SUM:
		return 2;
	case OTLP_METRIC_HISTOGRAM:
		return 3;
	case OTLP_METRIC_EXP_HISTOGRAM:
		return 4;
	case OTLP_METRIC_SUMMARY:
		return 5;
	default:
		return 0;
	}
}

static void set_text(struct ottl_value *out, struct otlp_bytes b)
{
	out->type = OTTL_STRING;
	out->u.s.p = b.p ? b.p : empty_text;
	out->u.s.len = b.p ? b.len : 0;
}

static void set_bytes(struct ottl_value *out, struct otlp_bytes b)
{
	out->type = OTTL_BYTES;
	out->u.s.p = b.p ? b.p : empty_text;
	out->u.s.len = b.p ? b.len : 0;
}

static void set_int(struct ottl_value *out, int64_t i)
{
	out->type = OTTL_INT;
	out->u.i = i;
}

static int scope_fields(struct ottl_access_item *it)
{
	if (it->scope_state_ == 0) {
		int rc = otlp_wire_scope(it->scope, &it->scope_);
		it->scope_state_ = rc < 0 ? rc : 1;
	}
	return it->scope_state_ < 0 ? it->scope_state_ : 0;
}

static int span_field(const struct otlp_span *sp, enum ottl_field f, struct ottl_value *out)
{
	struct otlp_status st = { .code = 0 };
	int rc;

	if (!sp)
		return -EINVAL;
	switch (f) {
	case OTTL_F_SPAN_NAME:
		set_text(out, sp->name);
		return 0;
	case OTTL_F_SPAN_KIND:
		set_int(out, sp->kind);
		return 0;
	case OTTL_F_SPAN_STATUS_CODE:
	case OTTL_F_SPAN_STATUS_MESSAGE:
		if (sp->has_status && (rc = otlp_wire_status(sp->status, &st)) < 0)
			return rc;
		if (f == OTTL_F_SPAN_STATUS_CODE)
			set_int(out, st.code);
		else
			set_text(out, st.message);
		return 0;
	case OTTL_F_SPAN_TRACE_ID:
		set_bytes(out, sp->trace_id);
		return 0;
	case OTTL_F_SPAN_SPAN_ID:
		set_bytes(out, sp->span_id);
		return 0;
	case OTTL_F_SPAN_PARENT_SPAN_ID:
		set_bytes(out, sp->parent_span_id);
		return 0;
	case OTTL_F_SPAN_START_TIME:
		set_int(out, (int64_t)sp->start_time_unix_nano);
		return 0;
	case OTTL_F_SPAN_END_TIME:
		set_int(out, (int64_t)sp->end_time_unix_nano);
		return 0;
	default:
		return -EINVAL;
	}
}

static int log_field(const struct otlp_log_record *lr, enum ottl_field f, struct ottl_value *out)
{
	struct otlp_value v;
	int rc;

	if (!lr)
		return -EINVAL;
	switch (f) {
	case OTTL_F_LOG_BODY:
		out->type = OTTL_NIL;
		if (!lr->has_body)
			return 0;
		if ((rc = otlp_wire_anyvalue(lr->body, &v)) < 0)
			return rc;
		ottl_access_value(&v, out);
		return 0;
	case OTTL_F_LOG_SEVERITY_NUMBER:
		set_int(out, lr->severity_number);
		return 0;
	case OTTL_F_LOG_SEVERITY_TEXT:
		set_text(out, lr->severity_text);
		return 0;
	case OTTL_F_LOG_TRACE_ID:
		set_bytes(out, lr->trace_id);
		return 0;
	case OTTL_F_LOG_SPAN_ID:
		set_bytes(out, lr->span_id);
		return 0;
	case OTTL_F_LOG_FLAGS:
		set_int(out, lr->flags);
		return 0;
	case OTTL_F_LOG_TIME:
		set_int(out, (int64_t)lr->time_unix_nano);
		return 0;
	case OTTL_F_LOG_OBSERVED_TIME:
		set_int(out, (int64_t)lr->observed_time_unix_nano);
		return 0;
	default:
		return -EINVAL;
	}
}

static int metric_field(const struct otlp_metric *m, enum ottl_field f, struct ottl_value *out)
{
	if (!m)
		return -EINVAL;
	switch (f) {
	case OTTL_F_METRIC_NAME:
		set_text(out, m->name);
		return 0;
	case OTTL_F_METRIC_DESCRIPTION:
		set_text(out, m->description);
		return 0;
	case OTTL_F_METRIC_UNIT:
		set_text(out, m->unit);
		return 0;
	case OTTL_F_METRIC_TYPE:
		set_int(out, ottl_access_metric_type(m->type));
		return 0;
	case OTTL_F_METRIC_TEMPORALITY:
		set_int(out, m->type == OTLP_METRIC_SUM || m->type == OTLP_METRIC_HISTOGRAM ||
					     m->type == OTLP_METRIC_EXP_HISTOGRAM
				     ? m->aggregation_temporality
				     : 0);
		return 0;
	case OTTL_F_METRIC_IS_MONOTONIC:
		out->type = OTTL_BOOL;
		out->u.b = m->type == OTLP_METRIC_SUM && m->is_monotonic;
		return 0;
	default:
		return -EINVAL;
	}
}

static int point_field(const struct otlp_data_point *dp, enum ottl_field f, struct ottl_value *out)
{
	if (!dp)
		return -EINVAL;
	bool number = dp->type == OTLP_METRIC_GAUGE || dp->type == OTLP_METRIC_SUM;
	switch (f) {
	case OTTL_F_DP_VALUE_INT:
		if (!number)
			out->type = OTTL_NIL;
		else
			set_int(out, dp->number == OTLP_NUMBER_INT ? dp->as_int : 0);
		return 0;
	case OTTL_F_DP_VALUE_DOUBLE:
		if (!number) {
			out->type = OTTL_NIL;
		} else {
			out->type = OTTL_DOUBLE;
			out->u.d = dp->number == OTLP_NUMBER_DOUBLE ? dp->as_double : 0;
		}
		return 0;
	case OTTL_F_DP_START_TIME:
		set_int(out, (int64_t)dp->start_time_unix_nano);
		return 0;
	case OTTL_F_DP_TIME:
		set_int(out, (int64_t)dp->time_unix_nano);
		return 0;
	case OTTL_F_DP_FLAGS:
		set_int(out, dp->flags);
		return 0;
	default:
		return -EINVAL;
	}
}

int ottl_access_field(struct ottl_access_item *it, enum ottl_field f, struct ottl_value *out)
{
	int rc;

	switch (f) {
	case OTTL_F_SCOPE_NAME:
	case OTTL_F_SCOPE_VERSION:
		if ((rc = scope_fields(it)) < 0)
			return rc;
		set_text(out, f == OTTL_F_SCOPE_NAME ? it->scope_.name : it->scope_.version);
		return 0;
	case OTTL_F_EVENT_NAME:
	case OTTL_F_EVENT_TIME:
		if (!it->event)
			return -EINVAL;
		if (f == OTTL_F_EVENT_NAME)
			set_text(out, it->event->name);
		else
			set_int(out, (int64_t)it->event->time_unix_nano);
		return 0;
	default:
		break;
	}
	if (f <= OTTL_F_SPAN_END_TIME)
		return span_field(it->span, f, out);
	if (f <= OTTL_F_LOG_OBSERVED_TIME)
		return log_field(it->log, f, out);
	if (f <= OTTL_F_METRIC_IS_MONOTONIC)
		return metric_field(it->metric, f, out);
	if (f < OTTL_F_COUNT)
		return point_field(it->point, f, out);
	return -EINVAL;
}

/* The message holding map m of the item, and its KeyValue field number. */
static int map_of(const struct ottl_access_item *it, enum ottl_map m, struct otlp_bytes *msg, uint32_t *field)
{
	switch (m) {
	case OTTL_MAP_RESOURCE:
		*msg = it->resource;
		*field = OTLP_F_RESOURCE_ATTRIBUTES;
		return 0;
	case OTTL_MAP_SCOPE:
		*msg = it->scope;
		*field = OTLP_F_SCOPE_ATTRIBUTES;
		return 0;
	case OTTL_MAP_SPAN:
		if (!it->span)
			return -EINVAL;
		*msg = it->span->raw;
		*field = OTLP_F_SPAN_ATTRIBUTES;
		return 0;
	case OTTL_MAP_ITEM:
		break;
	}
	switch (it->ctx) {
	case OTTL_CTX_SPAN:
		if (!it->span)
			return -EINVAL;
		*msg = it->span->raw;
		*field = OTLP_F_SPAN_ATTRIBUTES;
		return 0;
	case OTTL_CTX_SPANEVENT:
		*msg = it->event_raw;
		*field = OTLP_F_EVENT_ATTRIBUTES;
		return 0;
	case OTTL_CTX_LOG:
		if (!it->log)
			return -EINVAL;
		*msg = it->log->raw;
		*field = OTLP_F_LOG_ATTRIBUTES;
		return 0;
	case OTTL_CTX_DATAPOINT:
		if (!it->point)
			return -EINVAL;
		*msg = it->point->raw;
		*field = it->point->attributes_field;
		return 0;
	default:
		return -EINVAL;
	}
}

int ottl_access_attr(struct ottl_access_item *it, enum ottl_map m, const uint8_t *key, size_t len,
		     struct ottl_value *out)
{
	struct otlp_bytes msg;
	struct otlp_value v;
	uint32_t field;
	int rc = map_of(it, m, &msg, &field);

	out->type = OTTL_NIL;
	if (rc < 0)
		return rc;
	if (!msg.len)
		return 0;
	rc = otlp_wire_find_attr(msg, field, (const char *)key, len, &v);
	if (rc <= 0)
		return rc;
	ottl_access_value(&v, out);
	return 0;
}

static int access_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	return ottl_access_attr(item, k->map, k->s, k->len, out);
}

static int access_field(void *item, enum ottl_field f, struct ottl_value *out)
{
	return ottl_access_field(item, f, out);
}

const struct ottl_eval_accessor ottl_access_wire = { access_attr, access_field };
