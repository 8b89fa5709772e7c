/* test_batch_tb.c: protobuf-c builders of every signal for the batch tests. */
#include "tests/stages/test_batch_tb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/stages/test_batch_tb_pb.h"

struct mem {
	void **p;
	int n, cap;
};

static void *mem_new(struct mem *m, size_t size)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->p = realloc(m->p, (size_t)m->cap * sizeof *m->p);
		if (!m->p)
			abort();
	}
	void *p = calloc(1, size);
	if (!p)
		abort();
	return m->p[m->n++] = p;
}

static char *mem_fmt(struct mem *m, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return strcpy(mem_new(m, strlen(buf) + 1), buf);
}

static Kv *kv_str(struct mem *m, const char *k, char *v)
{
	Kv *kv = mem_new(m, sizeof *kv);
	opentelemetry__proto__common__v1__key_value__init(kv);
	Any *a = mem_new(m, sizeof *a);
	opentelemetry__proto__common__v1__any_value__init(a);
	a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	a->string_value = v;
	kv->key = (char *)k;
	kv->value = a;
	return kv;
}

static Kv **kvs1(struct mem *m, Kv *kv)
{
	Kv **v = mem_new(m, sizeof *v);
	v[0] = kv;
	return v;
}

static Scope *scope_new(struct mem *m, int j)
{
	Scope *sc = mem_new(m, sizeof *sc);
	opentelemetry__proto__common__v1__instrumentation_scope__init(sc);
	sc->name = mem_fmt(m, "scope%d", j);
	sc->version = mem_fmt(m, "v%d", j);
	return sc;
}

static Res *res_new(struct mem *m)
{
	Res *r = mem_new(m, sizeof *r);
	opentelemetry__proto__resource__v1__resource__init(r);
	r->n_attributes = 1;
	r->attributes = kvs1(m, kv_str(m, "service.name", "svc"));
	return r;
}

/* Data point i of Metric k (type k % 5) into the Metric's data. */
static void point_add(struct mem *m, Metric *mt, int type, uint64_t s, int i)
{
	Kv **attrs = kvs1(m, kv_str(m, "id", mem_fmt(m, "%llu.%d", (unsigned long long)s, i)));
	switch (type) {
	case 5:
	case 7: {
		Ndp *p = mem_new(m, sizeof *p);
		opentelemetry__proto__metrics__v1__number_data_point__init(p);
		p->n_attributes = 1, p->attributes = attrs, p->time_unix_nano = (uint64_t)i + 1;
		p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
		p->as_int = i;
		size_t *n = type == 5 ? &mt->gauge->n_data_points : &mt->sum->n_data_points;
		Ndp ***v = type == 5 ? &mt->gauge->data_points : &mt->sum->data_points;
		*v = realloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = p;
		break;
	}
	case 9: {
		Hdp *p = mem_new(m, sizeof *p);
		opentelemetry__proto__metrics__v1__histogram_data_point__init(p);
		p->n_attributes = 1, p->attributes = attrs, p->count = 3;
		static uint64_t counts[2] = { 1, 2 };
		static double bounds[1] = { 10.0 };
		p->n_bucket_counts = 2, p->bucket_counts = counts;
		p->n_explicit_bounds = 1, p->explicit_bounds = bounds;
		Hdp ***v = &mt->histogram->data_points;
		*v = realloc(*v, (mt->histogram->n_data_points + 1) * sizeof **v);
		(*v)[mt->histogram->n_data_points++] = p;
		break;
	}
	case 10: {
		Edp *p = mem_new(m, sizeof *p);
		opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init(p);
		Ebk *b = mem_new(m, sizeof *b);
		opentelemetry__proto__metrics__v1__exponential_histogram_data_point__buckets__init(b);
		static uint64_t counts[2] = { 4, 5 };
		b->n_bucket_counts = 2, b->bucket_counts = counts;
		p->n_attributes = 1, p->attributes = attrs, p->count = 9, p->scale = 1, p->positive = b;
		Edp ***v = &mt->exponential_histogram->data_points;
		*v = realloc(*v, (mt->exponential_histogram->n_data_points + 1) * sizeof **v);
		(*v)[mt->exponential_histogram->n_data_points++] = p;
		break;
	}
	default: {
		Sdp *p = mem_new(m, sizeof *p);
		opentelemetry__proto__metrics__v1__summary_data_point__init(p);
		Q *q = mem_new(m, sizeof *q);
		opentelemetry__proto__metrics__v1__summary_data_point__value_at_quantile__init(q);
		q->quantile = 0.5, q->value = i;
		Q **qs = mem_new(m, sizeof *qs);
		qs[0] = q;
		p->n_attributes = 1, p->attributes = attrs, p->count = 1, p->sum = i;
		p->n_quantile_values = 1, p->quantile_values = qs;
		Sdp ***v = &mt->summary->data_points;
		*v = realloc(*v, (mt->summary->n_data_points + 1) * sizeof **v);
		(*v)[mt->summary->n_data_points++] = p;
		break;
	}
	}
}

static Metric *metric_new(struct mem *m, uint64_t s, int k)
{
	Metric *mt = mem_new(m, sizeof *mt);
	opentelemetry__proto__metrics__v1__metric__init(mt);
	mt->name = mem_fmt(m, "m.%llu.%d", (unsigned long long)s, k);
	mt->description = "desc";
	mt->unit = "1";
	mt->data_case = btb_types[k % 5];
	switch (mt->data_case) {
	case 5:
		opentelemetry__proto__metrics__v1__gauge__init(mt->gauge = mem_new(m, sizeof *mt->gauge));
		break;
	case 7:
		opentelemetry__proto__metrics__v1__sum__init(mt->sum = mem_new(m, sizeof *mt->sum));
		mt->sum->aggregation_temporality = CUMULATIVE;
		mt->sum->is_monotonic = 1;
		break;
	case 9:
		opentelemetry__proto__metrics__v1__histogram__init(
			mt->histogram = mem_new(m, sizeof *mt->histogram));
		mt->histogram->aggregation_temporality = DELTA;
		break;
	case 10:
		opentelemetry__proto__metrics__v1__exponential_histogram__init(
			mt->exponential_histogram = mem_new(m, sizeof *mt->exponential_histogram));
		mt->exponential_histogram->aggregation_temporality = DELTA;
		break;
	default:
		opentelemetry__proto__metrics__v1__summary__init(
			mt->summary = mem_new(m, sizeof *mt->summary));
	}
	return mt;
}

/* Appends p to a growing pointer array. */
#define PUSH(arr, n, p)                                            \
	do {                                                       \
		(arr) = realloc((arr), ((n) + 1) * sizeof *(arr)); \
		(arr)[(n)++] = (p);                                \
	} while (0)

uint8_t *btb_pack(enum otlp_signal sig, uint64_t s, int items, int scopes, int per_metric, size_t *len)
{
	struct mem m = { 0 };
	Ss *ss[64] = { 0 };
	Sl *sl[64] = { 0 };
	Sm *sm[64] = { 0 };
	Metric *cur = NULL;
	if (scopes < 1 || scopes > 64)
		abort();
	for (int i = 0; i < items; i++) {
		int j = (int)((int64_t)i * scopes / items);
		if (sig == OTLP_SIGNAL_TRACES) {
			if (!ss[j]) {
				opentelemetry__proto__trace__v1__scope_spans__init(
					ss[j] = mem_new(&m, sizeof *ss[j]));
				ss[j]->scope = scope_new(&m, j);
				ss[j]->schema_url = mem_fmt(&m, "https://s/%d", j);
			}
			Span *sp = mem_new(&m, sizeof *sp);
			opentelemetry__proto__trace__v1__span__init(sp);
			sp->name = mem_fmt(&m, "%llu.%d", (unsigned long long)s, i);
			sp->trace_id.len = 16, sp->trace_id.data = (uint8_t *)"0123456789abcdef";
			sp->span_id.len = 8, sp->span_id.data = (uint8_t *)"spanid01";
			PUSH(ss[j]->spans, ss[j]->n_spans, sp);
		} else if (sig == OTLP_SIGNAL_LOGS) {
			if (!sl[j]) {
				opentelemetry__proto__logs__v1__scope_logs__init(
					sl[j] = mem_new(&m, sizeof *sl[j]));
				sl[j]->scope = scope_new(&m, j);
				sl[j]->schema_url = mem_fmt(&m, "https://s/%d", j);
			}
			Log *lr = mem_new(&m, sizeof *lr);
			opentelemetry__proto__logs__v1__log_record__init(lr);
			Any *body = mem_new(&m, sizeof *body);
			opentelemetry__proto__common__v1__any_value__init(body);
			body->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
			body->string_value = mem_fmt(&m, "%llu.%d", (unsigned long long)s, i);
			lr->body = body;
			lr->time_unix_nano = (uint64_t)i;
			lr->severity_number = 9;
			PUSH(sl[j]->log_records, sl[j]->n_log_records, lr);
		} else {
			int k = i / per_metric;
			if (i % per_metric == 0) { /* a Metric lives in its first point's scope */
				if (!sm[j]) {
					opentelemetry__proto__metrics__v1__scope_metrics__init(
						sm[j] = mem_new(&m, sizeof *sm[j]));
					sm[j]->scope = scope_new(&m, j);
					sm[j]->schema_url = mem_fmt(&m, "https://s/%d", j);
				}
				cur = metric_new(&m, s, k);
				PUSH(sm[j]->metrics, sm[j]->n_metrics, cur);
			}
			point_add(&m, cur, btb_types[k % 5], s, i);
		}
	}
	uint8_t *out = NULL;
	if (sig == OTLP_SIGNAL_TRACES) {
		Rs rs;
		opentelemetry__proto__trace__v1__resource_spans__init(&rs);
		rs.resource = res_new(&m);
		rs.schema_url = "https://r";
		for (int j = 0; j < 64; j++)
			if (ss[j])
				PUSH(rs.scope_spans, rs.n_scope_spans, ss[j]);
		*len = opentelemetry__proto__trace__v1__resource_spans__get_packed_size(&rs);
		opentelemetry__proto__trace__v1__resource_spans__pack(&rs, out = malloc(*len + 1));
		free(rs.scope_spans);
	} else if (sig == OTLP_SIGNAL_LOGS) {
		Rl rl;
		opentelemetry__proto__logs__v1__resource_logs__init(&rl);
		rl.resource = res_new(&m);
		rl.schema_url = "https://r";
		for (int j = 0; j < 64; j++)
			if (sl[j])
				PUSH(rl.scope_logs, rl.n_scope_logs, sl[j]);
		*len = opentelemetry__proto__logs__v1__resource_logs__get_packed_size(&rl);
		opentelemetry__proto__logs__v1__resource_logs__pack(&rl, out = malloc(*len + 1));
		free(rl.scope_logs);
	} else {
		Rm rm;
		opentelemetry__proto__metrics__v1__resource_metrics__init(&rm);
		rm.resource = res_new(&m);
		rm.schema_url = "https://r";
		for (int j = 0; j < 64; j++)
			if (sm[j])
				PUSH(rm.scope_metrics, rm.n_scope_metrics, sm[j]);
		*len = opentelemetry__proto__metrics__v1__resource_metrics__get_packed_size(&rm);
		opentelemetry__proto__metrics__v1__resource_metrics__pack(&rm, out = malloc(*len + 1));
		free(rm.scope_metrics);
	}
	for (int j = 0; j < 64; j++) {
		if (ss[j])
			free(ss[j]->spans);
		if (sl[j])
			free(sl[j]->log_records);
		for (size_t k = 0; sm[j] && k < sm[j]->n_metrics; k++) {
			Metric *mt = sm[j]->metrics[k];
			free(mt->data_case == 5	   ? (void *)mt->gauge->data_points
			     : mt->data_case == 7  ? (void *)mt->sum->data_points
			     : mt->data_case == 9  ? (void *)mt->histogram->data_points
			     : mt->data_case == 10 ? (void *)mt->exponential_histogram->data_points
						   : (void *)mt->summary->data_points);
		}
		if (sm[j])
			free(sm[j]->metrics);
	}
	for (int i = 0; i < m.n; i++)
		free(m.p[i]);
	free(m.p);
	return out;
}

void btb_names(char *buf, size_t cap, uint64_t s, int a, int b)
{
	size_t n = strlen(buf);
	for (int i = a; i < b && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%llu.%d", n ? " " : "", (unsigned long long)s, i);
}
