/* otlp/wire_metrics.c: the Metric and data point decoders, the repeated
 * number reader and the metric walkers. The four data point types share
 * most fields under different numbers, so one decoder reads them all
 * through a table from (type, field number) to what the field is. */
#include "otlp/wire_metrics.h"
#include "otlp/wire_decode.h"

#include <string.h>

/* The scalars of a Metric's data message (Gauge, Sum, ...). */
static int metric_data(struct otlp_metric *out)
{
	FOR_EACH_FIELD(out->data)
	{
		if (f.num == OTLP_F_DATA_POINTS) {
			WANT(OTLP_WT_LEN);
			out->n_data_points++;
		} else if (f.num == OTLP_F_DATA_TEMPORALITY && out->type != OTLP_METRIC_GAUGE &&
			   out->type != OTLP_METRIC_SUMMARY) {
			WANT(OTLP_WT_VARINT);
			out->aggregation_temporality = (int32_t)f.u64;
		} else if (f.num == OTLP_F_SUM_MONOTONIC && out->type == OTLP_METRIC_SUM) {
			WANT(OTLP_WT_VARINT);
			out->is_monotonic = f.u64 != 0;
		}
	}
	return rc;
}

int otlp_wire_metric(struct otlp_bytes msg, struct otlp_metric *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = msg;
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_METRIC_NAME:
			WANT(OTLP_WT_LEN);
			out->name = f.b;
			break;
		case OTLP_F_METRIC_DESCRIPTION:
			WANT(OTLP_WT_LEN);
			out->description = f.b;
			break;
		case OTLP_F_METRIC_UNIT:
			WANT(OTLP_WT_LEN);
			out->unit = f.b;
			break;
		case OTLP_METRIC_GAUGE:
		case OTLP_METRIC_SUM:
		case OTLP_METRIC_HISTOGRAM:
		case OTLP_METRIC_EXP_HISTOGRAM:
		case OTLP_METRIC_SUMMARY:
			WANT(OTLP_WT_LEN);
			if (out->type) /* the oneof's last member wins */
				out->pos[out->type].size = 0;
			out->type = (enum otlp_metric_type)f.num;
			out->data = f.b;
			break;
		case OTLP_F_METRIC_METADATA:
			WANT(OTLP_WT_LEN);
			if (out->n_metadata++)
				continue;
			break;
		default:
			continue;
		}
		otlp_wire_set_pos(&out->pos[f.num], &f, msg.p);
	}
	if (rc < 0 || out->type == OTLP_METRIC_NONE)
		return rc;
	return metric_data(out);
}

/* What a data point field is, by type and field number. */
enum dpf {
	X_NONE,
	X_START,
	X_TIME,
	X_AS_DOUBLE,
	X_AS_INT,
	X_EXEMPLARS,
	X_ATTRS,
	X_FLAGS,
	X_COUNT,
	X_SUM,
	X_BUCKETS,
	X_BOUNDS,
	X_MIN,
	X_MAX,
	X_SCALE,
	X_ZERO_COUNT,
	X_POSITIVE,
	X_NEGATIVE,
	X_ZERO_THRESHOLD,
	X_QUANTILES,
};
enum {
	DP_NUMBER,
	DP_HISTOGRAM,
	DP_EXP_HISTOGRAM,
	DP_SUMMARY,
	DP_KINDS
};

static const uint8_t dp_field[DP_KINDS][OTLP_DP_NFIELDS] = {
	[DP_NUMBER] = { [2] = X_START,
			[3] = X_TIME,
			[4] = X_AS_DOUBLE,
			[5] = X_EXEMPLARS,
			[6] = X_AS_INT,
			[7] = X_ATTRS,
			[8] = X_FLAGS },
	[DP_HISTOGRAM] = { [2] = X_START,
			   [3] = X_TIME,
			   [4] = X_COUNT,
			   [5] = X_SUM,
			   [6] = X_BUCKETS,
			   [7] = X_BOUNDS,
			   [8] = X_EXEMPLARS,
			   [9] = X_ATTRS,
			   [10] = X_FLAGS,
			   [11] = X_MIN,
			   [12] = X_MAX },
	[DP_EXP_HISTOGRAM] = { [1] = X_ATTRS,
			       [2] = X_START,
			       [3] = X_TIME,
			       [4] = X_COUNT,
			       [5] = X_SUM,
			       [6] = X_SCALE,
			       [7] = X_ZERO_COUNT,
			       [8] = X_POSITIVE,
			       [9] = X_NEGATIVE,
			       [10] = X_FLAGS,
			       [11] = X_EXEMPLARS,
			       [12] = X_MIN,
			       [13] = X_MAX,
			       [14] = X_ZERO_THRESHOLD },
	[DP_SUMMARY] = { [2] = X_START,
			 [3] = X_TIME,
			 [4] = X_COUNT,
			 [5] = X_SUM,
			 [6] = X_QUANTILES,
			 [7] = X_ATTRS,
			 [8] = X_FLAGS },
};

/* Elements in one occurrence of a repeated fixed64/double field. */
static int fixed64_elems(const struct otlp_wire_field *f, uint32_t *n)
{
	if (f->wt == OTLP_WT_I64) {
		(*n)++;
		return 0;
	}
	if (f->wt != OTLP_WT_LEN)
		return -EPROTO;
	if (f->b.len % 8)
		return -EBADMSG;
	*n += (uint32_t)(f->b.len / 8);
	return 0;
}

/* NumberDataPoint's and Exemplar's value oneof (as_double, as_int): the
 * last member set wins. A field of another wire type: -EPROTO. */
static int set_number(const struct otlp_wire_field *f, enum otlp_number_type which,
		      enum otlp_number_type *number, double *as_double, int64_t *as_int)
{
	if (f->wt != OTLP_WT_I64)
		return -EPROTO;
	*number = which;
	*as_double = which == OTLP_NUMBER_DOUBLE ? otlp_wire_double(f->u64) : 0;
	*as_int = which == OTLP_NUMBER_INT ? (int64_t)f->u64 : 0;
	return 0;
}

static int dp_kind(enum otlp_metric_type type)
{
	switch (type) {
	case OTLP_METRIC_GAUGE:
	case OTLP_METRIC_SUM:
		return DP_NUMBER;
	case OTLP_METRIC_HISTOGRAM:
		return DP_HISTOGRAM;
	case OTLP_METRIC_EXP_HISTOGRAM:
		return DP_EXP_HISTOGRAM;
	case OTLP_METRIC_SUMMARY:
		return DP_SUMMARY;
	default:
		return -1;
	}
}

int otlp_wire_data_point(struct otlp_bytes msg, enum otlp_metric_type type, struct otlp_data_point *out)
{
	static const uint8_t attrs_at[DP_KINDS] = { 7, 9, 1, 7 }, exemplars_at[DP_KINDS] = { 5, 8, 11, 0 };
	int kind = dp_kind(type);

	memset(out, 0, sizeof(*out));
	out->raw = msg;
	out->type = type;
	if (kind < 0)
		return -EINVAL;
	out->attributes_field = attrs_at[kind];
	out->exemplars_field = exemplars_at[kind];
	FOR_EACH_FIELD(msg)
	{
		enum dpf what = f.num < OTLP_DP_NFIELDS ? (enum dpf)dp_field[kind][f.num] : X_NONE;
		switch (what) {
		case X_NONE:
			continue;
		case X_START:
			WANT(OTLP_WT_I64);
			out->start_time_unix_nano = f.u64;
			break;
		case X_TIME:
			WANT(OTLP_WT_I64);
			out->time_unix_nano = f.u64;
			break;
		case X_AS_DOUBLE:
		case X_AS_INT:
			if ((rc = set_number(&f, what == X_AS_INT ? OTLP_NUMBER_INT : OTLP_NUMBER_DOUBLE,
					     &out->number, &out->as_double, &out->as_int)) < 0)
				return rc;
			break;
		case X_EXEMPLARS:
			WANT(OTLP_WT_LEN);
			if (out->n_exemplars++)
				continue;
			break;
		case X_ATTRS:
			WANT(OTLP_WT_LEN);
			if (out->n_attributes++)
				continue;
			break;
		case X_FLAGS:
			WANT(OTLP_WT_VARINT);
			out->flags = (uint32_t)f.u64;
			break;
		case X_COUNT:
			WANT(OTLP_WT_I64);
			out->count = f.u64;
			break;
		case X_SUM:
			WANT(OTLP_WT_I64);
			out->sum = otlp_wire_double(f.u64);
			out->has_sum = 1;
			break;
		case X_BUCKETS:
			if ((rc = fixed64_elems(&f, &out->n_bucket_counts)) < 0)
				return rc;
			break;
		case X_BOUNDS:
			if ((rc = fixed64_elems(&f, &out->n_explicit_bounds)) < 0)
				return rc;
			break;
		case X_MIN:
			WANT(OTLP_WT_I64);
			out->min = otlp_wire_double(f.u64);
			out->has_min = 1;
			break;
		case X_MAX:
			WANT(OTLP_WT_I64);
			out->max = otlp_wire_double(f.u64);
			out->has_max = 1;
			break;
		case X_SCALE: /* sint32: zigzag */
			WANT(OTLP_WT_VARINT);
			out->scale = otlp_wire_zigzag32(f.u64);
			break;
		case X_ZERO_COUNT:
			WANT(OTLP_WT_I64);
			out->zero_count = f.u64;
			break;
		case X_POSITIVE:
			WANT(OTLP_WT_LEN);
			out->positive = f.b;
			break;
		case X_NEGATIVE:
			WANT(OTLP_WT_LEN);
			out->negative = f.b;
			break;
		case X_ZERO_THRESHOLD:
			WANT(OTLP_WT_I64);
			out->zero_threshold = otlp_wire_double(f.u64);
			break;
		case X_QUANTILES:
			WANT(OTLP_WT_LEN);
			out->n_quantiles++;
			break;
		}
		otlp_wire_set_pos(&out->pos[f.num], &f, msg.p);
	}
	return rc;
}

int otlp_wire_quantile(struct otlp_bytes msg, struct otlp_quantile *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		if (f.num == OTLP_F_QUANTILE_QUANTILE) {
			WANT(OTLP_WT_I64);
			out->quantile = otlp_wire_double(f.u64);
		} else if (f.num == OTLP_F_QUANTILE_VALUE) {
			WANT(OTLP_WT_I64);
			out->value = otlp_wire_double(f.u64);
		}
	}
	return rc;
}

int otlp_wire_exemplar(struct otlp_bytes msg, struct otlp_exemplar *out)
{
	memset(out, 0, sizeof(*out));
	FOR_EACH_FIELD(msg)
	{
		switch (f.num) {
		case OTLP_F_EXEMPLAR_TIME:
			WANT(OTLP_WT_I64);
			out->time_unix_nano = f.u64;
			break;
		case OTLP_F_EXEMPLAR_AS_DOUBLE:
		case OTLP_F_EXEMPLAR_AS_INT:
			if ((rc = set_number(&f,
					     f.num == OTLP_F_EXEMPLAR_AS_INT ? OTLP_NUMBER_INT
									     : OTLP_NUMBER_DOUBLE,
					     &out->number, &out->as_double, &out->as_int)) < 0)
				return rc;
			break;
		case OTLP_F_EXEMPLAR_SPAN_ID:
			WANT_ID(8);
			out->span_id = f.b;
			break;
		case OTLP_F_EXEMPLAR_TRACE_ID:
			WANT_ID(16);
			out->trace_id = f.b;
			break;
		case OTLP_F_EXEMPLAR_ATTRIBUTES:
			WANT(OTLP_WT_LEN);
			out->n_filtered_attributes++;
			break;
		}
	}
	return rc;
}

struct metric_walk {
	otlp_wire_metric_fn fn;
	void *arg;
};

static int metric_item(void *w, struct otlp_bytes b)
{
	const struct metric_walk *mw = w;
	struct otlp_metric m;
	int rc = otlp_wire_metric(b, &m);

	return mw->fn(mw->arg, &m, rc);
}

int otlp_wire_resource_each_metric(struct otlp_bytes rm, otlp_wire_metric_fn fn, void *arg)
{
	struct metric_walk w = { fn, arg };

	return otlp_wire_resource_items(rm, 0, metric_item, &w);
}

int otlp_wire_each_metric(struct otlp_bytes req, otlp_wire_metric_fn fn, void *arg)
{
	struct metric_walk w = { fn, arg };

	return otlp_wire_request_items(req, metric_item, &w);
}

int otlp_wire_each_data_point(const struct otlp_metric *m, otlp_wire_point_fn fn, void *arg)
{
	struct otlp_wire_iter it;
	struct otlp_bytes b;
	int rc;

	if (m->type == OTLP_METRIC_NONE)
		return 0;
	otlp_wire_iter_init(&it, m->data, OTLP_F_DATA_POINTS);
	while ((rc = otlp_wire_iter_next(&it, &b)) > 0) {
		struct otlp_data_point dp;
		int drc = otlp_wire_data_point(b, m->type, &dp);
		if ((drc = fn(arg, &dp, drc)) != 0)
			return drc;
	}
	return rc;
}

static int add_points(void *n, struct otlp_bytes b)
{
	struct otlp_metric m;
	int rc = otlp_wire_metric(b, &m);

	if (rc < 0)
		return rc;
	*(int64_t *)n += m.n_data_points;
	return 0;
}

int64_t otlp_wire_count_data_points(struct otlp_bytes rm)
{
	int64_t n = 0;
	int rc = otlp_wire_resource_items(rm, 1, add_points, &n);

	return rc < 0 ? rc : n;
}
