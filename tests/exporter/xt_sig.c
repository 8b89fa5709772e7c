/* Helpers for the export stage tests: request bodies of logs and metrics,
 * and counting the items that arrived, per signal (see xt.h). */
#include "xt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

typedef Opentelemetry__Proto__Common__V1__KeyValue KV;
typedef Opentelemetry__Proto__Common__V1__AnyValue AV;
typedef Opentelemetry__Proto__Logs__V1__LogRecord LR;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NDP;

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The resource and scope every test body carries. */
struct frame {
	Opentelemetry__Proto__Resource__V1__Resource res;
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope;
	KV svc;
	AV svcv;
	KV *rattrs[1];
};

static void frame_init(struct frame *f)
{
	opentelemetry__proto__resource__v1__resource__init(&f->res);
	opentelemetry__proto__common__v1__instrumentation_scope__init(&f->scope);
	opentelemetry__proto__common__v1__key_value__init(&f->svc);
	opentelemetry__proto__common__v1__any_value__init(&f->svcv);
	f->svc.key = "service.name";
	f->svcv.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	f->svcv.string_value = "xt-service";
	f->svc.value = &f->svcv;
	f->rattrs[0] = &f->svc;
	f->res.n_attributes = 1;
	f->res.attributes = f->rattrs;
	f->scope.name = "xt";
}

static void id_attr(KV *kv, AV *av, uint32_t batch, uint32_t i)
{
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(av);
	kv->key = "xt.id";
	av->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	av->int_value = (int64_t)((uint64_t)batch << 20 | i);
	kv->value = av;
}

struct xt_body xt_make_logs(uint32_t batch, uint32_t n)
{
	struct frame f;
	frame_init(&f);
	Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__LOGS__V1__EXPORT_LOGS_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Logs__V1__ResourceLogs rl = OPENTELEMETRY__PROTO__LOGS__V1__RESOURCE_LOGS__INIT;
	Opentelemetry__Proto__Logs__V1__ScopeLogs sl = OPENTELEMETRY__PROTO__LOGS__V1__SCOPE_LOGS__INIT;
	Opentelemetry__Proto__Logs__V1__ResourceLogs *rlp[1] = { &rl };
	Opentelemetry__Proto__Logs__V1__ScopeLogs *slp[1] = { &sl };
	rl.resource = &f.res;
	sl.scope = &f.scope;
	rl.n_scope_logs = 1;
	rl.scope_logs = slp;
	req.n_resource_logs = 1;
	req.resource_logs = rlp;
	LR *recs = calloc(n, sizeof(*recs));
	LR **rp = calloc(n, sizeof(*rp));
	KV *kv = calloc(n, sizeof(*kv));
	AV *av = calloc(n, sizeof(*av)), *bodies = calloc(n, sizeof(*bodies));
	KV **kp = calloc(n, sizeof(*kp));
	char(*text)[40] = calloc(n, 40);
	ck_assert(recs && rp && kv && av && bodies && kp && text);
	uint64_t now = real_ns();
	for (uint32_t i = 0; i < n; i++) {
		LR *r = &recs[i];
		opentelemetry__proto__logs__v1__log_record__init(r);
		r->time_unix_nano = now;
		r->observed_time_unix_nano = now;
		r->severity_number = OPENTELEMETRY__PROTO__LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_INFO;
		r->severity_text = "INFO";
		opentelemetry__proto__common__v1__any_value__init(&bodies[i]);
		snprintf(text[i], 40, "log-%u-%u", batch, i);
		bodies[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		bodies[i].string_value = text[i];
		r->body = &bodies[i];
		id_attr(&kv[i], &av[i], batch, i);
		kp[i] = &kv[i];
		r->n_attributes = 1;
		r->attributes = &kp[i];
		rp[i] = r;
	}
	sl.n_log_records = n;
	sl.log_records = rp;
	struct xt_body b = { .spans = n };
	b.len = opentelemetry__proto__collector__logs__v1__export_logs_service_request__get_packed_size(&req);
	b.data = malloc(b.len ? b.len : 1);
	ck_assert_ptr_nonnull(b.data);
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__pack(&req, b.data);
	free(recs), free(rp), free(kv), free(av), free(bodies), free(kp), free(text);
	return b;
}

struct xt_body xt_make_metrics_named(uint32_t batch, uint32_t n, const char *name, int64_t base)
{
	struct frame f;
	frame_init(&f);
	Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest req =
		OPENTELEMETRY__PROTO__COLLECTOR__METRICS__V1__EXPORT_METRICS_SERVICE_REQUEST__INIT;
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics rm =
		OPENTELEMETRY__PROTO__METRICS__V1__RESOURCE_METRICS__INIT;
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics sm =
		OPENTELEMETRY__PROTO__METRICS__V1__SCOPE_METRICS__INIT;
	Opentelemetry__Proto__Metrics__V1__Metric m = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__INIT;
	Opentelemetry__Proto__Metrics__V1__Sum sum = OPENTELEMETRY__PROTO__METRICS__V1__SUM__INIT;
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rmp[1] = { &rm };
	Opentelemetry__Proto__Metrics__V1__ScopeMetrics *smp[1] = { &sm };
	Opentelemetry__Proto__Metrics__V1__Metric *mp[1] = { &m };
	rm.resource = &f.res;
	sm.scope = &f.scope;
	rm.n_scope_metrics = 1;
	rm.scope_metrics = smp;
	sm.n_metrics = 1;
	sm.metrics = mp;
	req.n_resource_metrics = 1;
	req.resource_metrics = rmp;
	m.name = (char *)name;
	m.unit = "1";
	m.data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM;
	m.sum = &sum;
	sum.is_monotonic = 1;
	sum.aggregation_temporality =
		OPENTELEMETRY__PROTO__METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE;
	NDP *pts = calloc(n, sizeof(*pts));
	NDP **pp = calloc(n, sizeof(*pp));
	KV *kv = calloc(n, sizeof(*kv));
	AV *av = calloc(n, sizeof(*av));
	KV **kp = calloc(n, sizeof(*kp));
	ck_assert(pts && pp && kv && av && kp);
	uint64_t now = real_ns();
	for (uint32_t i = 0; i < n; i++) {
		NDP *p = &pts[i];
		opentelemetry__proto__metrics__v1__number_data_point__init(p);
		p->start_time_unix_nano = now - 1000000000ull;
		p->time_unix_nano = now;
		p->value_case = OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
		p->as_int = base + i;
		id_attr(&kv[i], &av[i], batch, i);
		kp[i] = &kv[i];
		p->n_attributes = 1;
		p->attributes = &kp[i];
		pp[i] = p;
	}
	sum.n_data_points = n;
	sum.data_points = pp;
	struct xt_body b = { .spans = n };
	b.len = opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__get_packed_size(
		&req);
	b.data = malloc(b.len ? b.len : 1);
	ck_assert_ptr_nonnull(b.data);
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__pack(&req, b.data);
	free(pts), free(pp), free(kv), free(av), free(kp);
	return b;
}

struct xt_body xt_make_metrics(uint32_t batch, uint32_t n)
{
	return xt_make_metrics_named(batch, n, "xt.sum", 1);
}

struct xt_body xt_make_signal(int signal, uint32_t batch, uint32_t n)
{
	switch (signal) {
	case 1:
		return xt_make_logs(batch, n);
	case 2:
		return xt_make_metrics(batch, n);
	default:
		return xt_make_body(batch, n);
	}
}

/* the xt.id attribute among kvs, or -1 */
static int64_t id_of(KV **kvs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kvs[i]->key, "xt.id") && kvs[i]->value &&
		    kvs[i]->value->value_case == OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE)
			return kvs[i]->value->int_value;
	return -1;
}

static bool tally(int64_t id, uint32_t batches, uint32_t per, uint32_t *counts)
{
	if (id < 0)
		return false;
	uint32_t bt = (uint32_t)((uint64_t)id >> 20), ix = (uint32_t)id & 0xfffff;
	if (bt >= batches || ix >= per)
		return false;
	counts[(size_t)bt * per + ix]++;
	return true;
}

bool xt_count_items(int signal, const struct xt_body *got, size_t n, uint32_t batches, uint32_t per,
		    uint32_t *counts)
{
	if (signal == 0)
		return xt_count_spans(got, n, batches, per, counts);
	for (size_t k = 0; k < n; k++) {
		bool ok = true;
		if (signal == 1) {
			Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *r =
				opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
					NULL, got[k].len, got[k].data);
			if (!r)
				return false;
			for (size_t a = 0; a < r->n_resource_logs; a++)
				for (size_t b = 0; b < r->resource_logs[a]->n_scope_logs; b++) {
					Opentelemetry__Proto__Logs__V1__ScopeLogs *sl =
						r->resource_logs[a]->scope_logs[b];
					for (size_t c = 0; c < sl->n_log_records; c++) {
						LR *lr = sl->log_records[c];
						int64_t id = id_of(lr->attributes, lr->n_attributes);
						char want[40];
						snprintf(want, sizeof(want), "log-%u-%u",
							 (uint32_t)((uint64_t)id >> 20),
							 (uint32_t)id & 0xfffff);
						ok &= lr->body && lr->body->string_value &&
						      !strcmp(lr->body->string_value, want) &&
						      tally(id, batches, per, counts);
					}
				}
			opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(
				r, NULL);
		} else {
			Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *r =
				opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
					NULL, got[k].len, got[k].data);
			if (!r)
				return false;
			for (size_t a = 0; a < r->n_resource_metrics; a++)
				for (size_t b = 0; b < r->resource_metrics[a]->n_scope_metrics; b++) {
					Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm =
						r->resource_metrics[a]->scope_metrics[b];
					for (size_t c = 0; c < sm->n_metrics; c++) {
						Opentelemetry__Proto__Metrics__V1__Metric *m = sm->metrics[c];
						if (m->data_case !=
						    OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM) {
							ok = false;
							continue;
						}
						for (size_t d = 0; d < m->sum->n_data_points; d++) {
							NDP *p = m->sum->data_points[d];
							int64_t id = id_of(p->attributes, p->n_attributes);
							ok &= p->as_int == 1 + (id & 0xfffff) &&
							      tally(id, batches, per, counts);
						}
					}
				}
			opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
				r, NULL);
		}
		if (!ok)
			return false;
	}
	return true;
}
