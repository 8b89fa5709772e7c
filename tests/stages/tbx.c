/* tbx.c: protobuf-c builders for log, metric and span-event chain tests. */
#include "tests/stages/tbx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "stages/sha256.h"

typedef Opentelemetry__Proto__Logs__V1__ScopeLogs TbSl;
typedef Opentelemetry__Proto__Metrics__V1__ScopeMetrics TbSm;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope TbScope;
typedef Opentelemetry__Proto__Resource__V1__Resource TbRes;
typedef Opentelemetry__Proto__Common__V1__ArrayValue TbArr;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint TbNdp;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint TbHdp;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint TbEdp;
typedef Opentelemetry__Proto__Metrics__V1__SummaryDataPoint TbSdp;

/* Everything one pack call allocates, freed at its end. */
struct mem {
	void *p[1 << 16];
	int n;
};

static void *mem_alloc(struct mem *m, size_t size)
{
	void *p = calloc(1, size ? size : 1);
	if (!p || m->n >= (1 << 16))
		abort();
	m->p[m->n++] = p;
	return p;
}

static void mem_free(struct mem *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->p[i]);
	free(m);
}

static TbAny *any_of(struct mem *m, const struct tb_attr *a)
{
	TbAny *av = mem_alloc(m, sizeof *av);
	opentelemetry__proto__common__v1__any_value__init(av);
	switch (a->type) {
	case 's':
		av->value_case = TB_STR;
		av->string_value = (char *)a->s;
		break;
	case 'i':
		av->value_case = TB_INT;
		av->int_value = a->i;
		break;
	case 'd':
		av->value_case = TB_DOUBLE;
		av->double_value = a->d;
		break;
	case 'b':
		av->value_case = TB_BOOL;
		av->bool_value = a->b;
		break;
	case 'y':
		av->value_case = TB_BYTES;
		av->bytes_value.data = (uint8_t *)a->s;
		av->bytes_value.len = strlen(a->s);
		break;
	case 'a': {
		TbArr *arr = mem_alloc(m, sizeof *arr);
		opentelemetry__proto__common__v1__array_value__init(arr);
		arr->n_values = 2;
		arr->values = mem_alloc(m, 2 * sizeof *arr->values);
		for (int j = 0; j < 2; j++) {
			struct tb_attr s = { .key = "", .type = 's', .s = a->s };
			arr->values[j] = any_of(m, &s);
		}
		av->value_case = TB_ARRAY;
		av->array_value = arr;
		break;
	}
	default:
		abort();
	}
	return av;
}

static TbKv **kvs(struct mem *m, const struct tb_attr *a, size_t *n)
{
	size_t k = 0;
	while (a && a[k].key)
		k++;
	*n = k;
	TbKv **v = mem_alloc(m, (k + 1) * sizeof *v);
	for (size_t i = 0; i < k; i++) {
		v[i] = mem_alloc(m, sizeof *v[i]);
		opentelemetry__proto__common__v1__key_value__init(v[i]);
		v[i]->key = (char *)a[i].key;
		v[i]->value = any_of(m, &a[i]);
	}
	return v;
}

static TbRes *resource(struct mem *m, const struct tb_attr *res)
{
	TbRes *r = mem_alloc(m, sizeof *r);
	opentelemetry__proto__resource__v1__resource__init(r);
	r->attributes = kvs(m, res, &r->n_attributes);
	return r;
}

static TbScope *scope(struct mem *m, int i)
{
	static const char *names[] = { "scope0", "scope1", "scope2", "scope3" };
	TbScope *s = mem_alloc(m, sizeof *s);
	opentelemetry__proto__common__v1__instrumentation_scope__init(s);
	s->name = (char *)names[i & 3];
	s->version = "1.0";
	return s;
}

uint8_t *tbx_pack_logs(const struct tb_attr *res, const struct tbx_log *logs, int n, size_t *len)
{
	struct mem *m = calloc(1, sizeof *m);
	TbRl rl = OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT;
	rl.resource = resource(m, res);
	rl.schema_url = "https://opentelemetry.io/schemas/1.21.0";
	TbSl *sl[4];
	int nscopes = 0;
	for (int i = 0; i < n; i++)
		if (logs[i].scope + 1 > nscopes)
			nscopes = logs[i].scope + 1;
	for (int s = 0; s < nscopes; s++) {
		sl[s] = mem_alloc(m, sizeof *sl[s]);
		opentelemetry__proto__logs__v1__scope_logs__init(sl[s]);
		sl[s]->scope = scope(m, s);
		sl[s]->log_records = mem_alloc(m, (size_t)(n + 1) * sizeof(TbLog *));
	}
	for (int i = 0; i < n; i++) {
		const struct tbx_log *t = &logs[i];
		TbLog *lr = mem_alloc(m, sizeof *lr);
		opentelemetry__proto__logs__v1__log_record__init(lr);
		lr->time_unix_nano = t->time;
		lr->observed_time_unix_nano = t->time + 1;
		lr->severity_number = t->sev;
		lr->severity_text = (char *)(t->sev_text ? t->sev_text : "");
		if (t->body) {
			struct tb_attr b = { .key = "", .type = 's', .s = t->body };
			lr->body = any_of(m, &b);
		} else if (t->has_body_i) {
			struct tb_attr b = { .key = "", .type = 'i', .i = t->body_i };
			lr->body = any_of(m, &b);
		}
		lr->attributes = kvs(m, t->attrs, &lr->n_attributes);
		if (t->trace) {
			uint8_t *tid = mem_alloc(m, 16), *sid = mem_alloc(m, 8);
			tb_trace_id(t->trace, tid);
			memset(sid, (int)(t->trace & 0x7f) + 1, 8);
			lr->trace_id = (ProtobufCBinaryData){ 16, tid };
			lr->span_id = (ProtobufCBinaryData){ 8, sid };
			lr->flags = 1;
		}
		TbSl *s = sl[t->scope];
		s->log_records[s->n_log_records++] = lr;
	}
	int k = 0;
	for (int i = 0; i < nscopes; i++) /* a scope without records is left out */
		if (sl[i]->n_log_records)
			sl[k++] = sl[i];
	rl.scope_logs = sl;
	rl.n_scope_logs = (size_t)k;
	*len = opentelemetry__proto__logs__v1__resource_logs__get_packed_size(&rl);
	uint8_t *buf = malloc(*len ? *len : 1);
	opentelemetry__proto__logs__v1__resource_logs__pack(&rl, buf);
	mem_free(m);
	return buf;
}

TbRl *tbx_unpack_logs(const uint8_t *p, size_t len)
{
	return opentelemetry__proto__logs__v1__resource_logs__unpack(NULL, len, p);
}

void tbx_free_logs(TbRl *rl)
{
	if (rl)
		opentelemetry__proto__logs__v1__resource_logs__free_unpacked(rl, NULL);
}

size_t tbx_logs(TbRl *rl, TbLog ***out)
{
	static TbLog *all[4096];
	size_t n = 0;
	for (size_t s = 0; s < rl->n_scope_logs; s++)
		for (size_t i = 0; i < rl->scope_logs[s]->n_log_records && n < 4096; i++)
			all[n++] = rl->scope_logs[s]->log_records[i];
	*out = all;
	return n;
}

/* The data points of one metric, of its type. */
static void metric_points(struct mem *m, TbMetric *mt, const struct tbx_metric *t)
{
	size_t n = (size_t)t->n;
	void **pts = mem_alloc(m, (n + 1) * sizeof(void *));
	for (size_t j = 0; j < n; j++) {
		const struct tbx_point *tp = &t->p[j];
		size_t na;
		TbKv **a = kvs(m, tp->attrs, &na);
		if (t->type == 'g' || t->type == 's') {
			TbNdp *p = mem_alloc(m, sizeof *p);
			opentelemetry__proto__metrics__v1__number_data_point__init(p);
			p->attributes = a, p->n_attributes = na;
			p->start_time_unix_nano = 100, p->time_unix_nano = tp->t;
			if (tp->num == 'i') {
				p->value_case =
					OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
				p->as_int = tp->i;
			} else if (tp->num == 'd') {
				p->value_case =
					OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE;
				p->as_double = tp->d;
			}
			pts[j] = p;
		} else if (t->type == 'h') {
			TbHdp *p = mem_alloc(m, sizeof *p);
			opentelemetry__proto__metrics__v1__histogram_data_point__init(p);
			p->attributes = a, p->n_attributes = na;
			p->time_unix_nano = tp->t, p->count = 3;
			p->bucket_counts = mem_alloc(m, 2 * sizeof(uint64_t));
			p->bucket_counts[0] = 1, p->bucket_counts[1] = 2, p->n_bucket_counts = 2;
			p->explicit_bounds = mem_alloc(m, sizeof(double));
			p->explicit_bounds[0] = 1.5, p->n_explicit_bounds = 1;
			p->optional_sum_case =
				OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT__OPTIONAL_SUM_SUM;
			p->sum = 4.5;
			pts[j] = p;
		} else if (t->type == 'e') {
			TbEdp *p = mem_alloc(m, sizeof *p);
			opentelemetry__proto__metrics__v1__exponential_histogram_data_point__init(p);
			p->attributes = a, p->n_attributes = na;
			p->time_unix_nano = tp->t, p->count = 2, p->scale = 3, p->zero_count = 1;
			pts[j] = p;
		} else {
			TbSdp *p = mem_alloc(m, sizeof *p);
			opentelemetry__proto__metrics__v1__summary_data_point__init(p);
			p->attributes = a, p->n_attributes = na;
			p->time_unix_nano = tp->t, p->count = 7, p->sum = 12.25;
			pts[j] = p;
		}
	}
	switch (t->type) {
	case 'g': {
		Opentelemetry__Proto__Metrics__V1__Gauge *g = mem_alloc(m, sizeof *g);
		opentelemetry__proto__metrics__v1__gauge__init(g);
		g->data_points = (TbNdp **)pts, g->n_data_points = n;
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
		mt->gauge = g;
		break;
	}
	case 's': {
		Opentelemetry__Proto__Metrics__V1__Sum *s = mem_alloc(m, sizeof *s);
		opentelemetry__proto__metrics__v1__sum__init(s);
		s->data_points = (TbNdp **)pts, s->n_data_points = n;
		s->aggregation_temporality = 2, s->is_monotonic = 1;
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
		mt->sum = s;
		break;
	}
	case 'h': {
		Opentelemetry__Proto__Metrics__V1__Histogram *h = mem_alloc(m, sizeof *h);
		opentelemetry__proto__metrics__v1__histogram__init(h);
		h->data_points = (TbHdp **)pts, h->n_data_points = n;
		h->aggregation_temporality = 1;
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM;
		mt->histogram = h;
		break;
	}
	case 'e': {
		Opentelemetry__Proto__Metrics__V1__ExponentialHistogram *e = mem_alloc(m, sizeof *e);
		opentelemetry__proto__metrics__v1__exponential_histogram__init(e);
		e->data_points = (TbEdp **)pts, e->n_data_points = n;
		e->aggregation_temporality = 2;
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM;
		mt->exponential_histogram = e;
		break;
	}
	default: {
		Opentelemetry__Proto__Metrics__V1__Summary *s = mem_alloc(m, sizeof *s);
		opentelemetry__proto__metrics__v1__summary__init(s);
		s->data_points = (TbSdp **)pts, s->n_data_points = n;
		mt->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY;
		mt->summary = s;
		break;
	}
	}
}

uint8_t *tbx_pack_metrics(const struct tb_attr *res, const struct tbx_metric *ms, int n, size_t *len)
{
	struct mem *m = calloc(1, sizeof *m);
	TbRm rm = OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
	rm.resource = resource(m, res);
	rm.schema_url = "https://opentelemetry.io/schemas/1.21.0";
	TbSm *sm[4];
	int nscopes = 0;
	for (int i = 0; i < n; i++)
		if (ms[i].scope + 1 > nscopes)
			nscopes = ms[i].scope + 1;
	for (int s = 0; s < nscopes; s++) {
		sm[s] = mem_alloc(m, sizeof *sm[s]);
		opentelemetry__proto__metrics__v1__scope_metrics__init(sm[s]);
		sm[s]->scope = scope(m, s);
		sm[s]->metrics = mem_alloc(m, (size_t)(n + 1) * sizeof(TbMetric *));
	}
	for (int i = 0; i < n; i++) {
		TbMetric *mt = mem_alloc(m, sizeof *mt);
		opentelemetry__proto__metrics__v1__metric__init(mt);
		mt->name = (char *)(ms[i].name ? ms[i].name : "");
		mt->unit = (char *)(ms[i].unit ? ms[i].unit : "");
		mt->description = "a metric";
		metric_points(m, mt, &ms[i]);
		TbSm *s = sm[ms[i].scope];
		s->metrics[s->n_metrics++] = mt;
	}
	int k = 0;
	for (int i = 0; i < nscopes; i++) /* a scope without metrics is left out */
		if (sm[i]->n_metrics)
			sm[k++] = sm[i];
	rm.scope_metrics = sm;
	rm.n_scope_metrics = (size_t)k;
	*len = opentelemetry__proto__metrics__v1__resource_metrics__get_packed_size(&rm);
	uint8_t *buf = malloc(*len ? *len : 1);
	opentelemetry__proto__metrics__v1__resource_metrics__pack(&rm, buf);
	mem_free(m);
	return buf;
}

TbRm *tbx_unpack_metrics(const uint8_t *p, size_t len)
{
	return opentelemetry__proto__metrics__v1__resource_metrics__unpack(NULL, len, p);
}

void tbx_free_metrics(TbRm *rm)
{
	if (rm)
		opentelemetry__proto__metrics__v1__resource_metrics__free_unpacked(rm, NULL);
}

size_t tbx_metrics(TbRm *rm, TbMetric ***out)
{
	static TbMetric *all[4096];
	size_t n = 0;
	for (size_t s = 0; s < rm->n_scope_metrics; s++)
		for (size_t i = 0; i < rm->scope_metrics[s]->n_metrics && n < 4096; i++)
			all[n++] = rm->scope_metrics[s]->metrics[i];
	*out = all;
	return n;
}

size_t tbx_points(const TbMetric *m)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		return m->gauge->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		return m->sum->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		return m->histogram->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		return m->exponential_histogram->n_data_points;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUMMARY:
		return m->summary->n_data_points;
	default:
		return 0;
	}
}

TbKv **tbx_point_attrs(const TbMetric *m, size_t j, size_t *n)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		*n = m->gauge->data_points[j]->n_attributes;
		return m->gauge->data_points[j]->attributes;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		*n = m->sum->data_points[j]->n_attributes;
		return m->sum->data_points[j]->attributes;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		*n = m->histogram->data_points[j]->n_attributes;
		return m->histogram->data_points[j]->attributes;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		*n = m->exponential_histogram->data_points[j]->n_attributes;
		return m->exponential_histogram->data_points[j]->attributes;
	default:
		*n = m->summary->data_points[j]->n_attributes;
		return m->summary->data_points[j]->attributes;
	}
}

uint64_t tbx_point_time(const TbMetric *m, size_t j)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		return m->gauge->data_points[j]->time_unix_nano;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		return m->sum->data_points[j]->time_unix_nano;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		return m->histogram->data_points[j]->time_unix_nano;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		return m->exponential_histogram->data_points[j]->time_unix_nano;
	default:
		return m->summary->data_points[j]->time_unix_nano;
	}
}

uint8_t *tbx_pack_spans(const struct tb_attr *res, const struct tbx_span *s, int n, size_t *len)
{
	struct mem *m = calloc(1, sizeof *m);
	TbRs rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	Opentelemetry__Proto__Trace__V1__ScopeSpans ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
	Opentelemetry__Proto__Trace__V1__ScopeSpans *ssp = &ss;
	rs.resource = resource(m, res);
	ss.scope = scope(m, 0);
	ss.scope->name = "lib";
	ss.spans = mem_alloc(m, (size_t)(n + 1) * sizeof(TbSpan *));
	for (int i = 0; i < n; i++) {
		TbSpan *sp = mem_alloc(m, sizeof *sp);
		opentelemetry__proto__trace__v1__span__init(sp);
		uint8_t *tid = mem_alloc(m, 16), *sid = mem_alloc(m, 8);
		uint64_t trace = s[i].trace ? s[i].trace : (uint64_t)i + 1;
		tb_trace_id(trace, tid);
		memset(sid, (int)(trace & 0x7f) + 1, 8);
		sp->trace_id = (ProtobufCBinaryData){ 16, tid };
		sp->span_id = (ProtobufCBinaryData){ 8, sid };
		sp->name = (char *)(s[i].name ? s[i].name : "");
		sp->kind = 2;
		sp->start_time_unix_nano = 1000;
		sp->end_time_unix_nano = 2000;
		sp->attributes = kvs(m, s[i].attrs, &sp->n_attributes);
		sp->events = mem_alloc(m, (size_t)(s[i].n_events + 1) * sizeof(void *));
		for (int e = 0; e < s[i].n_events; e++) {
			Opentelemetry__Proto__Trace__V1__Span__Event *ev = mem_alloc(m, sizeof *ev);
			opentelemetry__proto__trace__v1__span__event__init(ev);
			ev->name = (char *)s[i].ev[e].name;
			ev->time_unix_nano = s[i].ev[e].time ? s[i].ev[e].time : 1500 + (uint64_t)e;
			ev->attributes = kvs(m, s[i].ev[e].attrs, &ev->n_attributes);
			sp->events[e] = ev;
		}
		sp->n_events = (size_t)s[i].n_events;
		ss.spans[ss.n_spans++] = sp;
	}
	rs.scope_spans = &ssp;
	rs.n_scope_spans = 1;
	*len = opentelemetry__proto__trace__v1__resource_spans__get_packed_size(&rs);
	uint8_t *buf = malloc(*len ? *len : 1);
	opentelemetry__proto__trace__v1__resource_spans__pack(&rs, buf);
	mem_free(m);
	return buf;
}

static char pool[1 << 16];
static size_t pool_used;

static const char *pool_str(const char *p, size_t n)
{
	if (pool_used + n + 1 > sizeof pool)
		pool_used = 0;
	char *s = pool + pool_used;
	memcpy(s, p, n);
	s[n] = 0;
	pool_used += n + 1;
	return s;
}

static int find_key(const struct tb_attr *a, const char *k)
{
	for (int i = 0; a[i].key; i++)
		if (!strcmp(a[i].key, k))
			return i;
	return -1;
}

void tbx_apply_ops(struct tb_attr *a, const char *ops, const char *tag)
{
	const char *p = ops;
	while (p && *p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char op[256];
		snprintf(op, sizeof op, "%.*s", (int)n, p);
		p += n;
		char *o = op;
		if (*o == '@') { /* for one item only */
			char *q = o + 1;
			while (*q && !strchr("+?^-%", *q))
				q++;
			if ((size_t)(q - o - 1) != strlen(tag) || strncmp(o + 1, tag, (size_t)(q - o - 1)))
				continue;
			o = q;
		}
		char kind = *o++;
		char *eq = strchr(o, '=');
		const char *key = pool_str(o, eq ? (size_t)(eq - o) : strlen(o));
		struct tb_attr v = { .key = key, .type = 's' };
		if (eq && eq[1] == '#') {
			v.type = 'i';
			v.i = strtoll(eq + 2, NULL, 10);
		} else if (eq) {
			v.s = pool_str(eq + 1, strlen(eq + 1));
		}
		int i = find_key(a, key), len = 0;
		while (a[len].key)
			len++;
		switch (kind) {
		case '+':
		case '?':
		case '^':
			if (i >= 0 && kind != '?')
				a[i] = v;
			else if (i < 0 && kind != '^' && len < TBX_MAX - 1)
				a[len] = v, a[len + 1].key = NULL;
			break;
		case '-':
			while ((i = find_key(a, key)) >= 0) {
				memmove(&a[i], &a[i + 1], (size_t)(len - i) * sizeof *a);
				len--;
			}
			break;
		case '%':
			if (i >= 0 && a[i].type == 's') {
				char hex[SHA256_HEX_LEN + 1];
				sha256_hex(a[i].s, strlen(a[i].s), hex);
				a[i].s = pool_str(hex, SHA256_HEX_LEN);
			}
			break;
		default:
			abort();
		}
	}
}

struct sluice_config *tbx_config(const char *signal, const char *procs_yaml, const char *list)
{
	static char y[1 << 16];
	struct sluice_config *cfg;
	struct config_error err;
	snprintf(y, sizeof y,
		 "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		 "processors:\n%s\n"
		 "exporters:\n  debug:\n"
		 "service:\n  pipelines:\n    %s:\n      receivers: [otlp]\n"
		 "      processors: [%s]\n      exporters: [debug]\n",
		 procs_yaml, signal, list);
	if (config_load_buffer("<test>", y, strlen(y), &cfg, &err) < 0) {
		fprintf(stderr, "config: %s\n%s\n", err.msg, y);
		abort();
	}
	return cfg;
}
