/* tests/otlp/gen_signals.c: random logs and metrics requests (see
 * gen_signals.h). protobuf-c's oneof cases equal the members' field
 * numbers, so they are set from the numbers. */
#include "gen_signals.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEW(T, init)                       \
	({                                 \
		T *x_ = malloc(sizeof(T)); \
		init(x_);                  \
		x_;                        \
	})
#define ARRAY(n, T) calloc((n) + 1, sizeof(T))

static double gen_double(uint64_t *r, const struct gen_opts *o)
{
	unsigned k = gen_upto(r, 8);
	return k == 0			? 0.0
	       : k == 1			? -2.5
	       : k == 2			? INFINITY
	       : (k == 3 && !o->no_nan) ? NAN
					: (double)(int64_t)gen_rand(r) / 4096.0;
}

static GenLog *gen_log(uint64_t *r, const struct gen_opts *o)
{
	GenLog *l = NEW(GenLog, opentelemetry__proto__logs__v1__log_record__init);
	l->time_unix_nano = gen_upto(r, 4) ? gen_rand(r) : 0;
	l->observed_time_unix_nano = gen_upto(r, 4) ? gen_rand(r) : 0;
	l->severity_number = (Opentelemetry__Proto__Logs__V1__SeverityNumber)gen_upto(r, 24);
	l->severity_text = gen_str(r, o);
	if (gen_upto(r, 5))
		l->body = gen_any(r, o, 0);
	l->attributes = gen_attrs(r, o, &l->n_attributes);
	l->dropped_attributes_count = (uint32_t)gen_upto(r, 2);
	l->flags = gen_upto(r, 1) ? (uint32_t)gen_rand(r) : 0;
	l->trace_id = gen_id(r, o, 16);
	l->span_id = gen_id(r, o, 8);
	l->event_name = gen_str(r, o);
	gen_add_unknown(r, o, &l->base);
	return l;
}

GenLogsReq *gen_logs_request(uint64_t *r, const struct gen_opts *o)
{
	GenLogsReq *q = NEW(GenLogsReq,
			    opentelemetry__proto__collector__logs__v1__export_logs_service_request__init);
	q->n_resource_logs = gen_upto(r, o->max_rs);
	q->resource_logs = ARRAY(q->n_resource_logs, GenRL *);
	for (size_t i = 0; i < q->n_resource_logs; i++) {
		GenRL *rl = NEW(GenRL, opentelemetry__proto__logs__v1__resource_logs__init);
		rl->resource = gen_resource(r, o);
		rl->schema_url = gen_str(r, o);
		rl->n_scope_logs = gen_upto(r, o->max_ss);
		rl->scope_logs = ARRAY(rl->n_scope_logs, GenSL *);
		for (size_t k = 0; k < rl->n_scope_logs; k++) {
			GenSL *sl = NEW(GenSL, opentelemetry__proto__logs__v1__scope_logs__init);
			sl->scope = gen_scope(r, o);
			sl->schema_url = gen_str(r, o);
			sl->n_log_records = gen_upto(r, o->max_spans);
			sl->log_records = ARRAY(sl->n_log_records, GenLog *);
			for (size_t s = 0; s < sl->n_log_records; s++)
				sl->log_records[s] = gen_log(r, o);
			gen_add_unknown(r, o, &sl->base);
			rl->scope_logs[k] = sl;
		}
		gen_add_unknown(r, o, &rl->base);
		q->resource_logs[i] = rl;
	}
	return q;
}

static GenExemplar **gen_exemplars(uint64_t *r, const struct gen_opts *o, size_t *n)
{
	*n = gen_upto(r, o->max_links);
	GenExemplar **a = ARRAY(*n, GenExemplar *);
	for (size_t i = 0; i < *n; i++) {
		GenExemplar *e = NEW(GenExemplar, opentelemetry__proto__metrics__v1__exemplar__init);
		e->filtered_attributes = gen_attrs(r, o, &e->n_filtered_attributes);
		e->time_unix_nano = gen_rand(r);
		e->value_case = (Opentelemetry__Proto__Metrics__V1__Exemplar__ValueCase)(unsigned[]){
			0, 3, 6
		}[gen_upto(r, 2)];
		if (e->value_case == 3)
			e->as_double = gen_double(r, o);
		else if (e->value_case == 6)
			e->as_int = (int64_t)gen_rand(r);
		e->span_id = gen_id(r, o, 8);
		e->trace_id = gen_id(r, o, 16);
		a[i] = e;
	}
	return a;
}

static uint64_t *gen_u64s(uint64_t *r, size_t n, int small)
{
	uint64_t *a = ARRAY(n, uint64_t);
	for (size_t i = 0; i < n; i++)
		a[i] = small ? gen_upto(r, 1000) : gen_rand(r);
	return a;
}

static GenNDP *gen_ndp(uint64_t *r, const struct gen_opts *o)
{
	GenNDP *p = NEW(GenNDP, opentelemetry__proto__metrics__v1__number_data_point__init);
	p->attributes = gen_attrs(r, o, &p->n_attributes);
	p->start_time_unix_nano = gen_rand(r);
	p->time_unix_nano = gen_rand(r);
	p->value_case = (Opentelemetry__Proto__Metrics__V1__NumberDataPoint__ValueCase)(unsigned[]){
		0, 4, 6
	}[gen_upto(r, 2)];
	if (p->value_case == 4)
		p->as_double = gen_double(r, o);
	else if (p->value_case == 6)
		p->as_int = (int64_t)gen_rand(r) >> gen_upto(r, 63);
	p->exemplars = gen_exemplars(r, o, &p->n_exemplars);
	p->flags = (uint32_t)gen_upto(r, 1);
	gen_add_unknown(r, o, &p->base);
	return p;
}

static GenHDP *gen_hdp(uint64_t *r, const struct gen_opts *o)
{
	GenHDP *p = NEW(GenHDP, opentelemetry__proto__metrics__v1__histogram_data_point__init);
	p->attributes = gen_attrs(r, o, &p->n_attributes);
	p->start_time_unix_nano = gen_rand(r);
	p->time_unix_nano = gen_rand(r);
	p->count = gen_upto(r, 100000);
	if (gen_upto(r, 3)) {
		p->optional_sum_case = 5;
		p->sum = gen_double(r, o);
	}
	p->n_explicit_bounds = gen_upto(r, 6);
	p->explicit_bounds = ARRAY(p->n_explicit_bounds, double);
	for (size_t i = 0; i < p->n_explicit_bounds; i++)
		p->explicit_bounds[i] = (double)i * 2.5 - 1;
	p->n_bucket_counts = p->n_explicit_bounds + (gen_upto(r, 5) ? 1 : 0);
	p->bucket_counts = gen_u64s(r, p->n_bucket_counts, 0);
	p->exemplars = gen_exemplars(r, o, &p->n_exemplars);
	p->flags = (uint32_t)gen_upto(r, 1);
	if (gen_upto(r, 2)) {
		p->optional_min_case = 11;
		p->min = gen_double(r, o);
	}
	if (gen_upto(r, 2)) {
		p->optional_max_case = 12;
		p->max = gen_double(r, o);
	}
	gen_add_unknown(r, o, &p->base);
	return p;
}

static GenBuckets *gen_buckets(uint64_t *r)
{
	if (!gen_upto(r, 3))
		return NULL;
	GenBuckets *b =
		NEW(GenBuckets,
		    opentelemetry__proto__metrics__v1__exponential_histogram_data_point__buckets__init);
	b->offset = (int32_t)gen_upto(r, 40) - 20;
	b->n_bucket_counts = gen_upto(r, 8);
	b->bucket_counts = gen_u64s(r, b->n_bucket_counts, gen_upto(r, 1));
	return b;
}

static GenEHDP *gen_ehdp(uint64_t *r, const struct gen_opts *o)
{
	GenEHDP *p = NEW(GenEHDP, opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init);
	p->attributes = gen_attrs(r, o, &p->n_attributes);
	p->start_time_unix_nano = gen_rand(r);
	p->time_unix_nano = gen_rand(r);
	p->count = gen_upto(r, 100000);
	if (gen_upto(r, 3)) {
		p->optional_sum_case = 5;
		p->sum = gen_double(r, o);
	}
	p->scale = (int32_t)gen_upto(r, 30) - 10;
	p->zero_count = gen_upto(r, 10);
	p->positive = gen_buckets(r);
	p->negative = gen_buckets(r);
	p->flags = (uint32_t)gen_upto(r, 1);
	p->exemplars = gen_exemplars(r, o, &p->n_exemplars);
	if (gen_upto(r, 2)) {
		p->optional_min_case = 12;
		p->min = gen_double(r, o);
	}
	if (gen_upto(r, 2)) {
		p->optional_max_case = 13;
		p->max = gen_double(r, o);
	}
	p->zero_threshold = gen_upto(r, 1) ? 1e-9 : 0;
	gen_add_unknown(r, o, &p->base);
	return p;
}

static GenSDP *gen_sdp(uint64_t *r, const struct gen_opts *o)
{
	GenSDP *p = NEW(GenSDP, opentelemetry__proto__metrics__v1__summary_data_point__init);
	p->attributes = gen_attrs(r, o, &p->n_attributes);
	p->start_time_unix_nano = gen_rand(r);
	p->time_unix_nano = gen_rand(r);
	p->count = gen_upto(r, 100000);
	p->sum = gen_double(r, o);
	p->n_quantile_values = gen_upto(r, 4);
	p->quantile_values = ARRAY(p->n_quantile_values, GenQuantile *);
	for (size_t i = 0; i < p->n_quantile_values; i++) {
		GenQuantile *q =
			NEW(GenQuantile,
			    opentelemetry__proto__metrics__v1__summary_data_point__value_at_quantile__init);
		q->quantile = (double)i / 4;
		q->value = gen_double(r, o);
		p->quantile_values[i] = q;
	}
	p->flags = (uint32_t)gen_upto(r, 1);
	gen_add_unknown(r, o, &p->base);
	return p;
}

/* n data points of a kind into *pts (an array of n + 1 pointers). */
#define POINTS(holder, gen)                                                     \
	do {                                                                    \
		(holder)->n_data_points = gen_upto(r, o->max_events);           \
		(holder)->data_points = ARRAY((holder)->n_data_points, void *); \
		for (size_t i_ = 0; i_ < (holder)->n_data_points; i_++)         \
			(holder)->data_points[i_] = gen(r, o);                  \
	} while (0)

static GenMetric *gen_metric(uint64_t *r, const struct gen_opts *o)
{
	GenMetric *m = NEW(GenMetric, opentelemetry__proto__metrics__v1__metric__init);
	m->name = gen_str(r, o);
	m->description = gen_str(r, o);
	m->unit = gen_str(r, o);
	m->metadata = gen_attrs(r, o, &m->n_metadata);
	m->data_case = (Opentelemetry__Proto__Metrics__V1__Metric__DataCase)(unsigned[]){
		0, 5, 7, 9, 10, 11
	}[gen_upto(r, 5)];
	switch (m->data_case) {
	case 5:
		m->gauge = NEW(Opentelemetry__Proto__Metrics__V1__Gauge,
			       opentelemetry__proto__metrics__v1__gauge__init);
		POINTS(m->gauge, gen_ndp);
		break;
	case 7:
		m->sum = NEW(Opentelemetry__Proto__Metrics__V1__Sum,
			     opentelemetry__proto__metrics__v1__sum__init);
		POINTS(m->sum, gen_ndp);
		m->sum->aggregation_temporality =
			(Opentelemetry__Proto__Metrics__V1__AggregationTemporality)gen_upto(r, 2);
		m->sum->is_monotonic = gen_upto(r, 1);
		break;
	case 9:
		m->histogram = NEW(Opentelemetry__Proto__Metrics__V1__Histogram,
				   opentelemetry__proto__metrics__v1__histogram__init);
		POINTS(m->histogram, gen_hdp);
		m->histogram->aggregation_temporality =
			(Opentelemetry__Proto__Metrics__V1__AggregationTemporality)gen_upto(r, 2);
		break;
	case 10:
		m->exponential_histogram =
			NEW(Opentelemetry__Proto__Metrics__V1__ExponentialHistogram,
			    opentelemetry__proto__metrics__v1__exponential_histogram__init);
		POINTS(m->exponential_histogram, gen_ehdp);
		m->exponential_histogram->aggregation_temporality =
			(Opentelemetry__Proto__Metrics__V1__AggregationTemporality)gen_upto(r, 2);
		break;
	case 11:
		m->summary = NEW(Opentelemetry__Proto__Metrics__V1__Summary,
				 opentelemetry__proto__metrics__v1__summary__init);
		POINTS(m->summary, gen_sdp);
		break;
	default:
		break;
	}
	gen_add_unknown(r, o, &m->base);
	return m;
}

GenMetricsReq *gen_metrics_request(uint64_t *r, const struct gen_opts *o)
{
	GenMetricsReq *q =
		NEW(GenMetricsReq,
		    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init);
	q->n_resource_metrics = gen_upto(r, o->max_rs);
	q->resource_metrics = ARRAY(q->n_resource_metrics, GenRM *);
	for (size_t i = 0; i < q->n_resource_metrics; i++) {
		GenRM *rm = NEW(GenRM, opentelemetry__proto__metrics__v1__resource_metrics__init);
		rm->resource = gen_resource(r, o);
		rm->schema_url = gen_str(r, o);
		rm->n_scope_metrics = gen_upto(r, o->max_ss);
		rm->scope_metrics = ARRAY(rm->n_scope_metrics, GenSM *);
		for (size_t k = 0; k < rm->n_scope_metrics; k++) {
			GenSM *sm = NEW(GenSM, opentelemetry__proto__metrics__v1__scope_metrics__init);
			sm->scope = gen_scope(r, o);
			sm->schema_url = gen_str(r, o);
			sm->n_metrics = gen_upto(r, o->max_spans);
			sm->metrics = ARRAY(sm->n_metrics, GenMetric *);
			for (size_t s = 0; s < sm->n_metrics; s++)
				sm->metrics[s] = gen_metric(r, o);
			gen_add_unknown(r, o, &sm->base);
			rm->scope_metrics[k] = sm;
		}
		gen_add_unknown(r, o, &rm->base);
		q->resource_metrics[i] = rm;
	}
	return q;
}

size_t gen_metric_points(const GenMetric *m)
{
	switch (m->data_case) {
	case 5:
		return m->gauge->n_data_points;
	case 7:
		return m->sum->n_data_points;
	case 9:
		return m->histogram->n_data_points;
	case 10:
		return m->exponential_histogram->n_data_points;
	case 11:
		return m->summary->n_data_points;
	default:
		return 0;
	}
}

void gen_count_logs(const GenLogsReq *m, struct otlp_wire_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->resources = (uint32_t)m->n_resource_logs;
	for (size_t i = 0; i < m->n_resource_logs; i++) {
		const GenRL *rl = m->resource_logs[i];
		uint64_t before = c->items;
		c->scopes += (uint32_t)rl->n_scope_logs;
		for (size_t k = 0; k < rl->n_scope_logs; k++) {
			c->items += rl->scope_logs[k]->n_log_records;
			c->scopes_with_items += rl->scope_logs[k]->n_log_records > 0;
		}
		c->resources_with_items += c->items > before;
	}
}

void gen_count_metrics(const GenMetricsReq *m, struct otlp_wire_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->resources = (uint32_t)m->n_resource_metrics;
	for (size_t i = 0; i < m->n_resource_metrics; i++) {
		const GenRM *rm = m->resource_metrics[i];
		uint64_t before = c->items;
		c->scopes += (uint32_t)rm->n_scope_metrics;
		for (size_t k = 0; k < rm->n_scope_metrics; k++) {
			uint64_t in_scope = 0;
			for (size_t s = 0; s < rm->scope_metrics[k]->n_metrics; s++)
				in_scope += gen_metric_points(rm->scope_metrics[k]->metrics[s]);
			c->items += in_scope;
			c->scopes_with_items += in_scope > 0;
		}
		c->resources_with_items += c->items > before;
	}
}
