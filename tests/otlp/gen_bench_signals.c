/* tests/otlp/gen_bench_signals.c: the benchmark's logs and metrics
 * requests (see gen_signals.h): fixed shapes, deterministic. */
#include "gen_signals.h"

#include <stdio.h>
#include <stdlib.h>

#define NEW(T, init)                       \
	({                                 \
		T *x_ = malloc(sizeof(T)); \
		init(x_);                  \
		x_;                        \
	})
#define ARRAY(n, T) calloc((n) + 1, sizeof(T))

static GenKV *bench_kv_int(const char *k, int64_t v)
{
	GenKV *kv = gen_bench_kv(k, "");
	free(kv->value->string_value);
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	kv->value->int_value = v;
	return kv;
}

static GenResource *bench_resource(void)
{
	GenResource *res = NEW(GenResource, opentelemetry__proto__resource__v1__resource__init);
	res->n_attributes = 1;
	res->attributes = ARRAY(1, GenKV *);
	res->attributes[0] = gen_bench_kv("service.name", "checkout");
	return res;
}

GenLogsReq *gen_bench_logs(unsigned n)
{
	uint64_t r = 42;
	GenLogsReq *q = NEW(GenLogsReq,
			    opentelemetry__proto__collector__logs__v1__export_logs_service_request__init);
	GenRL *rl = NEW(GenRL, opentelemetry__proto__logs__v1__resource_logs__init);
	GenSL *sl = NEW(GenSL, opentelemetry__proto__logs__v1__scope_logs__init);
	q->n_resource_logs = 1;
	q->resource_logs = ARRAY(1, GenRL *);
	q->resource_logs[0] = rl;
	rl->resource = bench_resource();
	rl->schema_url = gen_dupstr("");
	rl->n_scope_logs = 1;
	rl->scope_logs = ARRAY(1, GenSL *);
	rl->scope_logs[0] = sl;
	sl->schema_url = gen_dupstr("");
	sl->n_log_records = n;
	sl->log_records = ARRAY(n, GenLog *);
	for (unsigned i = 0; i < n; i++) {
		GenLog *l = NEW(GenLog, opentelemetry__proto__logs__v1__log_record__init);
		char buf[96];
		l->time_unix_nano = 1764045000000000000ull + i * 1000ull;
		l->observed_time_unix_nano = l->time_unix_nano + 2000;
		l->severity_number = 9;
		l->severity_text = gen_dupstr("INFO");
		snprintf(buf, sizeof(buf), "GET /api/v1/items/%u 200 OK in %u.%u ms from 10.1.2.3",
			 10000 + i % 1000, i % 50, i % 10);
		l->body = NEW(GenAny, opentelemetry__proto__common__v1__any_value__init);
		l->body->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		l->body->string_value = gen_dupstr(buf);
		l->event_name = gen_dupstr("");
		l->n_attributes = 4;
		l->attributes = ARRAY(4, GenKV *);
		l->attributes[0] = gen_bench_kv("http.request.method", "GET");
		l->attributes[1] = gen_bench_kv("url.path", "/api/v1/items/12345");
		l->attributes[2] = bench_kv_int("http.response.status_code", 200);
		l->attributes[3] = gen_bench_kv("service.instance.id", "checkout-7f9c");
		l->trace_id = gen_bytes(&r, 16);
		l->span_id = gen_bytes(&r, 8);
		l->flags = 1;
		sl->log_records[i] = l;
	}
	return q;
}

GenMetricsReq *gen_bench_metrics(unsigned n_points)
{
	static const char *const routes[4] = { "/api/v1/items", "/api/v1/users", "/cart", "/" };
	unsigned n_metrics = (n_points + 7) / 8;
	GenMetricsReq *q =
		NEW(GenMetricsReq,
		    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init);
	GenRM *rm = NEW(GenRM, opentelemetry__proto__metrics__v1__resource_metrics__init);
	GenSM *sm = NEW(GenSM, opentelemetry__proto__metrics__v1__scope_metrics__init);
	q->n_resource_metrics = 1;
	q->resource_metrics = ARRAY(1, GenRM *);
	q->resource_metrics[0] = rm;
	rm->resource = bench_resource();
	rm->schema_url = gen_dupstr("");
	rm->n_scope_metrics = 1;
	rm->scope_metrics = ARRAY(1, GenSM *);
	rm->scope_metrics[0] = sm;
	sm->schema_url = gen_dupstr("");
	sm->n_metrics = n_metrics;
	sm->metrics = ARRAY(n_metrics, GenMetric *);
	for (unsigned m = 0, left = n_points; m < n_metrics; m++) {
		GenMetric *mt = NEW(GenMetric, opentelemetry__proto__metrics__v1__metric__init);
		char name[48];
		snprintf(name, sizeof(name), "http.server.request.count.%u", m);
		mt->name = gen_dupstr(name);
		mt->description = gen_dupstr("Requests served");
		mt->unit = gen_dupstr("{request}");
		mt->data_case = 7;
		mt->sum = NEW(Opentelemetry__Proto__Metrics__V1__Sum,
			      opentelemetry__proto__metrics__v1__sum__init);
		mt->sum->aggregation_temporality = 2;
		mt->sum->is_monotonic = 1;
		unsigned k = left < 8 ? left : 8;
		left -= k;
		mt->sum->n_data_points = k;
		mt->sum->data_points = ARRAY(k, GenNDP *);
		for (unsigned i = 0; i < k; i++) {
			GenNDP *p = NEW(GenNDP, opentelemetry__proto__metrics__v1__number_data_point__init);
			p->start_time_unix_nano = 1764045000000000000ull;
			p->time_unix_nano = 1764045060000000000ull;
			p->value_case = 6;
			p->as_int = 1000 + i * 37;
			p->n_attributes = 4;
			p->attributes = ARRAY(4, GenKV *);
			p->attributes[0] = gen_bench_kv("http.request.method", i & 1 ? "POST" : "GET");
			p->attributes[1] = gen_bench_kv("http.route", routes[i % 4]);
			p->attributes[2] = bench_kv_int("http.response.status_code", i & 2 ? 500 : 200);
			p->attributes[3] = gen_bench_kv("network.protocol.version", "1.1");
			mt->sum->data_points[i] = p;
		}
		sm->metrics[m] = mt;
	}
	return q;
}
