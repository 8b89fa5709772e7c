/* test_batch_tb_check.c: the batch stage's output, decoded with protobuf-c
 * and checked against how test_batch_tb.c built its input. */
#include "tests/stages/test_batch_tb.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/stages/test_batch_tb_pb.h"

static int fail(struct btb_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->err, sizeof o->err, fmt, ap);
	va_end(ap);
	return -1;
}

static int check_res(const Res *r, const char *schema, struct btb_out *o)
{
	if (!r || r->n_attributes != 1 || strcmp(r->attributes[0]->key, "service.name") ||
	    strcmp(r->attributes[0]->value->string_value, "svc") || strcmp(schema, "https://r"))
		return fail(o, "resource not preserved");
	o->resources++;
	return 0;
}

static int check_scope(const Scope *sc, const char *schema, struct btb_out *o)
{
	int j;
	char want[64];
	if (!sc || sscanf(sc->name, "scope%d", &j) != 1)
		return fail(o, "scope lost");
	snprintf(want, sizeof want, "v%d", j);
	if (strcmp(sc->version, want))
		return fail(o, "scope %d: version %s", j, sc->version);
	snprintf(want, sizeof want, "https://s/%d", j);
	if (strcmp(schema, want))
		return fail(o, "scope %d: schema_url %s", j, schema);
	return 0;
}

static void add_name(char *names, size_t cap, const char *name, struct btb_out *o)
{
	size_t n = strlen(names);
	snprintf(names + n, cap - n, "%s%s", n ? " " : "", name);
	o->items++;
}

/* Point "S.i" must sit in Metric "m.S.<i / per>" as it was built. */
static int check_point(const Metric *mt, Kv **attrs, size_t n_attrs, int per, char *names, size_t cap,
		       struct btb_out *o)
{
	unsigned long long s;
	int i;
	char want[64];
	if (n_attrs != 1 || strcmp(attrs[0]->key, "id") ||
	    sscanf(attrs[0]->value->string_value, "%llu.%d", &s, &i) != 2)
		return fail(o, "data point without its id");
	int k = i / per;
	snprintf(want, sizeof want, "m.%llu.%d", s, k);
	if (strcmp(mt->name, want) || strcmp(mt->description, "desc") || strcmp(mt->unit, "1") ||
	    (int)mt->data_case != btb_types[k % 5])
		return fail(o, "point %s in metric %s (type %d)", attrs[0]->value->string_value, mt->name,
			    (int)mt->data_case);
	if ((mt->data_case == 7 &&
	     (mt->sum->aggregation_temporality != CUMULATIVE || !mt->sum->is_monotonic)) ||
	    (mt->data_case == 9 && mt->histogram->aggregation_temporality != DELTA) ||
	    (mt->data_case == 10 && mt->exponential_histogram->aggregation_temporality != DELTA))
		return fail(o, "metric %s: temporality/monotonic lost", mt->name);
	add_name(names, cap, attrs[0]->value->string_value, o);
	return 0;
}

static int check_metric(const Metric *mt, int per, char *names, size_t cap, struct btb_out *o)
{
	o->metrics++;
	switch (mt->data_case) {
	case 5:
	case 7: {
		size_t n = mt->data_case == 5 ? mt->gauge->n_data_points : mt->sum->n_data_points;
		Ndp **v = mt->data_case == 5 ? mt->gauge->data_points : mt->sum->data_points;
		for (size_t i = 0; i < n; i++)
			if (check_point(mt, v[i]->attributes, v[i]->n_attributes, per, names, cap, o))
				return -1;
		return 0;
	}
	case 9:
		for (size_t i = 0; i < mt->histogram->n_data_points; i++) {
			Hdp *p = mt->histogram->data_points[i];
			if (p->n_bucket_counts != 2 || p->bucket_counts[1] != 2 ||
			    check_point(mt, p->attributes, p->n_attributes, per, names, cap, o))
				return o->err[0] ? -1 : fail(o, "histogram point changed");
		}
		return 0;
	case 10:
		for (size_t i = 0; i < mt->exponential_histogram->n_data_points; i++) {
			Edp *p = mt->exponential_histogram->data_points[i];
			if (!p->positive || p->positive->n_bucket_counts != 2 ||
			    check_point(mt, p->attributes, p->n_attributes, per, names, cap, o))
				return o->err[0] ? -1 : fail(o, "exponential histogram point changed");
		}
		return 0;
	case 11:
		for (size_t i = 0; i < mt->summary->n_data_points; i++) {
			Sdp *p = mt->summary->data_points[i];
			if (p->n_quantile_values != 1 ||
			    check_point(mt, p->attributes, p->n_attributes, per, names, cap, o))
				return o->err[0] ? -1 : fail(o, "summary point changed");
		}
		return 0;
	default:
		return fail(o, "metric %s has no data", mt->name);
	}
}

int btb_unpack(enum otlp_signal sig, const uint8_t *body, size_t len, int per, char *names, size_t cap,
	       struct btb_out *o)
{
	memset(o, 0, sizeof *o);
	int rc = 0;
	if (sig == OTLP_SIGNAL_TRACES) {
		Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req =
			opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL,
													 len,
													 body);
		if (!req)
			return fail(o, "not an ExportTraceServiceRequest");
		for (size_t r = 0; !rc && r < req->n_resource_spans; r++) {
			Rs *rs = req->resource_spans[r];
			rc = check_res(rs->resource, rs->schema_url, o);
			for (size_t j = 0; !rc && j < rs->n_scope_spans; j++) {
				rc = check_scope(rs->scope_spans[j]->scope, rs->scope_spans[j]->schema_url,
						 o);
				for (size_t i = 0; !rc && i < rs->scope_spans[j]->n_spans; i++)
					add_name(names, cap, rs->scope_spans[j]->spans[i]->name, o);
			}
		}
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req,
													NULL);
	} else if (sig == OTLP_SIGNAL_LOGS) {
		Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *req =
			opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(NULL,
												       len,
												       body);
		if (!req)
			return fail(o, "not an ExportLogsServiceRequest");
		for (size_t r = 0; !rc && r < req->n_resource_logs; r++) {
			Rl *rl = req->resource_logs[r];
			rc = check_res(rl->resource, rl->schema_url, o);
			for (size_t j = 0; !rc && j < rl->n_scope_logs; j++) {
				Sl *sl = rl->scope_logs[j];
				rc = check_scope(sl->scope, sl->schema_url, o);
				for (size_t i = 0; !rc && i < sl->n_log_records; i++) {
					Log *lr = sl->log_records[i];
					if (!lr->body || lr->severity_number != 9)
						rc = fail(o, "log record changed");
					else
						add_name(names, cap, lr->body->string_value, o);
				}
			}
		}
		opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(req,
												      NULL);
	} else {
		Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *req =
			opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
				NULL, len, body);
		if (!req)
			return fail(o, "not an ExportMetricsServiceRequest");
		for (size_t r = 0; !rc && r < req->n_resource_metrics; r++) {
			Rm *rm = req->resource_metrics[r];
			rc = check_res(rm->resource, rm->schema_url, o);
			for (size_t j = 0; !rc && j < rm->n_scope_metrics; j++) {
				Sm *sm = rm->scope_metrics[j];
				rc = check_scope(sm->scope, sm->schema_url, o);
				for (size_t i = 0; !rc && i < sm->n_metrics; i++)
					rc = check_metric(sm->metrics[i], per, names, cap, o);
			}
		}
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
			req, NULL);
	}
	return rc;
}
