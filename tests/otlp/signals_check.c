/* tests/otlp/signals_check.c: see signals_check.h. The readers are walked
 * in order while a cursor steps through protobuf-c's tree in the same
 * order (resources, scopes, items). */
#include "signals_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_signals.h"
#include "otlp/signal.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"

struct cursor {
	const ProtobufCMessage *req;
	size_t r, s, i; /* resource, scope, item */
	const char *diff;
};

#define DIFF(c, what)               \
	do {                        \
		(c)->diff = (what); \
		return 1;           \
	} while (0)
static int same_bytes(struct otlp_bytes v, const void *q, size_t n)
{
	return v.len == n && (n == 0 || memcmp(v.p, q, n) == 0);
}
#define SAME_BYTES(v, q, n) same_bytes((v), (q), (n))
/* protobuf-c's strings end at their first NUL (U+0000 is valid UTF-8, so
 * a view may go on past it). */
static int same_str(struct otlp_bytes v, const char *s)
{
	size_t n = strlen(s);
	return v.len >= n && (n == 0 || memcmp(v.p, s, n) == 0) && (v.len == n || v.p[n] == 0);
}
#define SAME_STR(v, str) same_str((v), (str))

/* The next item of the tree (skipping empty scopes and resources). */
static const void *next_item(struct cursor *c, int sig)
{
	for (;;) {
		size_t n_res, n_scopes = 0, n_items = 0;
		const void *scope = NULL;
		if (sig == OTLP_SIGNAL_LOGS) {
			const GenLogsReq *q = (const GenLogsReq *)c->req;
			n_res = q->n_resource_logs;
			if (c->r >= n_res)
				return NULL;
			n_scopes = q->resource_logs[c->r]->n_scope_logs;
			if (c->s < n_scopes) {
				scope = q->resource_logs[c->r]->scope_logs[c->s];
				n_items = ((const GenSL *)scope)->n_log_records;
			}
		} else {
			const GenMetricsReq *q = (const GenMetricsReq *)c->req;
			n_res = q->n_resource_metrics;
			if (c->r >= n_res)
				return NULL;
			n_scopes = q->resource_metrics[c->r]->n_scope_metrics;
			if (c->s < n_scopes) {
				scope = q->resource_metrics[c->r]->scope_metrics[c->s];
				n_items = ((const GenSM *)scope)->n_metrics;
			}
		}
		if (c->s >= n_scopes) {
			c->r++;
			c->s = c->i = 0;
		} else if (c->i >= n_items) {
			c->s++;
			c->i = 0;
		} else {
			return sig == OTLP_SIGNAL_LOGS
				       ? (const void *)((const GenSL *)scope)->log_records[c->i++]
				       : (const void *)((const GenSM *)scope)->metrics[c->i++];
		}
	}
}

/* The field number of the tag at the start of [p, p + n). */
static unsigned tag_at(struct otlp_bytes raw, struct otlp_field_pos pos)
{
	const uint8_t *p = raw.p + pos.off;
	uint64_t tag;
	if (pos.off + pos.size > raw.len || otlp_wire_varint(&p, raw.p + raw.len, &tag) < 0)
		return 0;
	return (unsigned)(tag >> 3);
}

/* Occurrences of field num in msg: protobuf merges a singular message field
 * written more than once, our readers give its last occurrence, so such
 * fields (only mutations write them) are not compared. */
static unsigned occurrences(struct otlp_bytes msg, uint32_t num)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	unsigned n = 0;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while (otlp_wire_next(&r, &f) > 0)
		n += f.num == num;
	return n;
}

/* Whether view holds the message m: both packed by protobuf-c (which
 * moves unknown fields to the end), so field order does not matter. */
static int same_packed(const ProtobufCMessage *m, struct otlp_bytes view)
{
	ProtobufCMessage *v = protobuf_c_message_unpack(m->descriptor, NULL, view.len, view.p);
	if (!v)
		return 0;
	size_t n = protobuf_c_message_get_packed_size(m), vn = protobuf_c_message_get_packed_size(v);
	uint8_t *a = malloc(n + 1), *b = malloc(vn + 1);
	protobuf_c_message_pack(m, a);
	protobuf_c_message_pack(v, b);
	int same = n == vn && memcmp(a, b, n) == 0;
	free(a);
	free(b);
	protobuf_c_message_free_unpacked(v, NULL);
	return same;
}

static int log_fn(void *arg, const struct otlp_log_record *lr, int rc)
{
	struct cursor *c = arg;
	const GenLog *l = next_item(c, OTLP_SIGNAL_LOGS);

	if (!l)
		DIFF(c, "more log records than protobuf-c");
	if (rc)
		DIFF(c, "otlp_wire_log_record failed");
	if (lr->time_unix_nano != l->time_unix_nano ||
	    lr->observed_time_unix_nano != l->observed_time_unix_nano)
		DIFF(c, "log times");
	if (lr->severity_number != (int32_t)l->severity_number || lr->flags != l->flags ||
	    lr->dropped_attributes_count != l->dropped_attributes_count)
		DIFF(c, "log severity, flags or dropped count");
	if (!SAME_STR(lr->severity_text, l->severity_text) || !SAME_STR(lr->event_name, l->event_name))
		DIFF(c, "log severity text or event name");
	if (!SAME_BYTES(lr->trace_id, l->trace_id.data, l->trace_id.len) ||
	    !SAME_BYTES(lr->span_id, l->span_id.data, l->span_id.len))
		DIFF(c, "log ids");
	if (lr->n_attributes != l->n_attributes)
		DIFF(c, "log attribute count");
	if (lr->has_body != (l->body != NULL) ||
	    (l->body && occurrences(lr->raw, OTLP_F_LOG_BODY) == 1 && !same_packed(&l->body->base, lr->body)))
		DIFF(c, "log body");
	for (unsigned f = 1; f < OTLP_LOG_NFIELDS; f++)
		if (lr->pos[f].size && tag_at(lr->raw, lr->pos[f]) != f)
			DIFF(c, "log field position");
	return 0;
}

static int same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static int nums_equal(struct otlp_bytes raw, uint32_t num, int fixed64, const uint64_t *want, size_t n)
{
	struct otlp_wire_nums it;
	uint64_t v;
	size_t k = 0;
	int rc;
	otlp_wire_nums_init(&it, raw, num, fixed64);
	while ((rc = otlp_wire_nums_next(&it, &v)) > 0)
		if (k >= n || want[k++] != v)
			return 0;
	return rc == 0 && k == n;
}

static int same_exemplar(struct otlp_bytes b, const GenExemplar *e)
{
	struct otlp_exemplar x;
	if (otlp_wire_exemplar(b, &x) < 0 || x.time_unix_nano != e->time_unix_nano ||
	    x.n_filtered_attributes != e->n_filtered_attributes ||
	    !SAME_BYTES(x.trace_id, e->trace_id.data, e->trace_id.len) ||
	    !SAME_BYTES(x.span_id, e->span_id.data, e->span_id.len))
		return 0;
	if (e->value_case == 3)
		return x.number == OTLP_NUMBER_DOUBLE && same_double(x.as_double, e->as_double);
	if (e->value_case == 6)
		return x.number == OTLP_NUMBER_INT && x.as_int == e->as_int;
	return x.number == OTLP_NUMBER_NONE;
}

static int same_buckets(struct otlp_bytes b, const GenBuckets *want)
{
	struct otlp_buckets x;
	if (!want)
		return b.len == 0 && b.p == NULL;
	return otlp_wire_buckets(b, &x) == 0 && x.offset == want->offset &&
	       x.n_bucket_counts == want->n_bucket_counts &&
	       nums_equal(b, OTLP_F_BUCKETS_COUNTS, 0, want->bucket_counts, want->n_bucket_counts);
}

struct point_cursor {
	const GenMetric *m;
	size_t i;
	const char *diff;
};

#define PDIFF(what)                \
	do {                       \
		pc->diff = (what); \
		return 1;          \
	} while (0)

static int point_fn(void *arg, const struct otlp_data_point *dp, int rc)
{
	struct point_cursor *pc = arg;
	const GenMetric *m = pc->m;
	size_t i = pc->i++;
	ProtobufCMessage *const *exs;
	size_t n_ex;

	if (rc || i >= gen_metric_points(m))
		PDIFF("data point decode or count");
	if (m->data_case == 5 || m->data_case == 7) {
		const GenNDP *p = (m->data_case == 5 ? m->gauge->data_points : m->sum->data_points)[i];
		if (dp->time_unix_nano != p->time_unix_nano ||
		    dp->start_time_unix_nano != p->start_time_unix_nano || dp->flags != p->flags ||
		    dp->n_attributes != p->n_attributes)
			PDIFF("number point times, flags or attributes");
		if ((p->value_case == 4 &&
		     (dp->number != OTLP_NUMBER_DOUBLE || !same_double(dp->as_double, p->as_double))) ||
		    (p->value_case == 6 && (dp->number != OTLP_NUMBER_INT || dp->as_int != p->as_int)) ||
		    (p->value_case == 0 && dp->number != OTLP_NUMBER_NONE))
			PDIFF("number point value");
		exs = (ProtobufCMessage *const *)p->exemplars;
		n_ex = p->n_exemplars;
	} else if (m->data_case == 9) {
		const GenHDP *p = m->histogram->data_points[i];
		if (dp->time_unix_nano != p->time_unix_nano || dp->count != p->count ||
		    dp->flags != p->flags || dp->n_attributes != p->n_attributes ||
		    dp->has_sum != (p->optional_sum_case == 5) ||
		    (dp->has_sum && !same_double(dp->sum, p->sum)) ||
		    dp->has_min != (p->optional_min_case == 11) ||
		    (dp->has_min && !same_double(dp->min, p->min)) ||
		    dp->has_max != (p->optional_max_case == 12) ||
		    (dp->has_max && !same_double(dp->max, p->max)))
			PDIFF("histogram point scalars");
		if (dp->n_bucket_counts != p->n_bucket_counts ||
		    dp->n_explicit_bounds != p->n_explicit_bounds ||
		    !nums_equal(dp->raw, OTLP_F_HDP_BUCKET_COUNTS, 1, p->bucket_counts, p->n_bucket_counts) ||
		    !nums_equal(dp->raw, OTLP_F_HDP_EXPLICIT_BOUNDS, 1, (const uint64_t *)p->explicit_bounds,
				p->n_explicit_bounds))
			PDIFF("histogram buckets");
		exs = (ProtobufCMessage *const *)p->exemplars;
		n_ex = p->n_exemplars;
	} else if (m->data_case == 10) {
		const GenEHDP *p = m->exponential_histogram->data_points[i];
		if (dp->time_unix_nano != p->time_unix_nano || dp->count != p->count ||
		    dp->scale != p->scale || dp->zero_count != p->zero_count ||
		    !same_double(dp->zero_threshold, p->zero_threshold) || dp->flags != p->flags ||
		    dp->has_sum != (p->optional_sum_case == 5) ||
		    (dp->has_sum && !same_double(dp->sum, p->sum)) ||
		    dp->has_min != (p->optional_min_case == 12) ||
		    dp->has_max != (p->optional_max_case == 13))
			PDIFF("exponential histogram point scalars");
		if ((occurrences(dp->raw, OTLP_F_EHDP_POSITIVE) < 2 &&
		     !same_buckets(dp->positive, p->positive)) ||
		    (occurrences(dp->raw, OTLP_F_EHDP_NEGATIVE) < 2 &&
		     !same_buckets(dp->negative, p->negative)))
			PDIFF("exponential histogram buckets");
		exs = (ProtobufCMessage *const *)p->exemplars;
		n_ex = p->n_exemplars;
	} else {
		const GenSDP *p = m->summary->data_points[i];
		if (dp->time_unix_nano != p->time_unix_nano || dp->count != p->count ||
		    !same_double(dp->sum, p->sum) || dp->n_quantiles != p->n_quantile_values ||
		    dp->n_attributes != p->n_attributes || dp->flags != p->flags)
			PDIFF("summary point");
		struct otlp_wire_iter it;
		struct otlp_bytes qb;
		size_t k = 0;
		otlp_wire_iter_init(&it, dp->raw, OTLP_F_SDP_QUANTILES);
		while (otlp_wire_iter_next(&it, &qb) > 0) {
			struct otlp_quantile q;
			if (k >= p->n_quantile_values || otlp_wire_quantile(qb, &q) < 0 ||
			    !same_double(q.quantile, p->quantile_values[k]->quantile) ||
			    !same_double(q.value, p->quantile_values[k]->value))
				PDIFF("summary quantile");
			k++;
		}
		exs = NULL;
		n_ex = 0;
	}
	if (dp->n_exemplars != n_ex)
		PDIFF("exemplar count");
	if (n_ex) {
		struct otlp_wire_iter it;
		struct otlp_bytes eb;
		size_t k = 0;
		otlp_wire_iter_init(&it, dp->raw, dp->exemplars_field);
		while (otlp_wire_iter_next(&it, &eb) > 0)
			if (k >= n_ex || !same_exemplar(eb, (const GenExemplar *)exs[k++]))
				PDIFF("exemplar");
	}
	for (unsigned f = 1; f < OTLP_DP_NFIELDS; f++)
		if (dp->pos[f].size && tag_at(dp->raw, dp->pos[f]) != f)
			PDIFF("data point field position");
	return 0;
}

static int metric_fn(void *arg, const struct otlp_metric *mt, int rc)
{
	struct cursor *c = arg;
	const GenMetric *m = next_item(c, OTLP_SIGNAL_METRICS);

	if (!m)
		DIFF(c, "more metrics than protobuf-c");
	if (rc)
		DIFF(c, "otlp_wire_metric failed");
	if (!SAME_STR(mt->name, m->name) || !SAME_STR(mt->description, m->description) ||
	    !SAME_STR(mt->unit, m->unit) || mt->n_metadata != m->n_metadata)
		DIFF(c, "metric identity");
	if ((unsigned)mt->type != (unsigned)m->data_case || mt->n_data_points != gen_metric_points(m))
		DIFF(c, "metric type or point count");
	if ((m->data_case == 7 && (mt->aggregation_temporality != (int32_t)m->sum->aggregation_temporality ||
				   mt->is_monotonic != (m->sum->is_monotonic != 0))) ||
	    (m->data_case == 9 &&
	     mt->aggregation_temporality != (int32_t)m->histogram->aggregation_temporality))
		DIFF(c, "metric temporality");
	for (unsigned f = 1; f < OTLP_METRIC_NFIELDS; f++)
		if (mt->pos[f].size && tag_at(mt->raw, mt->pos[f]) != f)
			DIFF(c, "metric field position");
	struct point_cursor pc = { m, 0, NULL };
	if (otlp_wire_each_data_point(mt, point_fn, &pc) != 0)
		DIFF(c, pc.diff ? pc.diff : "data point walk");
	if (pc.i != gen_metric_points(m))
		DIFF(c, "fewer data points than protobuf-c");
	return 0;
}

const char *sc_compare_request(int sig, struct otlp_bytes req, const ProtobufCMessage *m)
{
	struct cursor c = { m, 0, 0, 0, NULL };
	int rc = sig == OTLP_SIGNAL_LOGS ? otlp_wire_each_log_record(req, log_fn, &c)
					 : otlp_wire_each_metric(req, metric_fn, &c);
	if (rc)
		return c.diff ? c.diff : "walk stopped";
	if (next_item(&c, sig))
		return "fewer items than protobuf-c";
	return NULL;
}

void sc_count(int sig, const ProtobufCMessage *m, struct otlp_wire_counts *c)
{
	if (sig == OTLP_SIGNAL_LOGS)
		gen_count_logs((const GenLogsReq *)m, c);
	else
		gen_count_metrics((const GenMetricsReq *)m, c);
}
