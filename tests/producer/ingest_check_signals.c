/* tests/producer/ingest_check_signals.c: see ingest_check_signals.h. The
 * renderer here and val()/attrs() in tests/node/ingest_interop_signals.js
 * are the two halves of one format; keep them in step. */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/logs/v1/logs.pb-c.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb-c.h"
#include "tests/producer/ingest_check_signals.h"

typedef Opentelemetry__Proto__Common__V1__AnyValue AnyValue;
typedef Opentelemetry__Proto__Common__V1__KeyValue KeyValue;
typedef Opentelemetry__Proto__Common__V1__InstrumentationScope Scope;
typedef Opentelemetry__Proto__Resource__V1__Resource Resource;

/* A growable string. */
struct sb {
	char *p;
	size_t n, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->n + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_put(b, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* JSON.stringify of a string (UTF-8 kept, the same escapes). */
static void sb_jstr(struct sb *b, const char *s)
{
	sb_put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"':
			sb_put(b, "\\\"", 2);
			break;
		case '\\':
			sb_put(b, "\\\\", 2);
			break;
		case '\b':
			sb_put(b, "\\b", 2);
			break;
		case '\f':
			sb_put(b, "\\f", 2);
			break;
		case '\n':
			sb_put(b, "\\n", 2);
			break;
		case '\r':
			sb_put(b, "\\r", 2);
			break;
		case '\t':
			sb_put(b, "\\t", 2);
			break;
		default:
			if (*p < 0x20)
				sb_printf(b, "\\u%04x", *p);
			else
				sb_put(b, (const char *)p, 1);
		}
	}
	sb_put(b, "\"", 1);
}

static void sb_double(struct sb *b, double d)
{
	uint64_t u;
	memcpy(&u, &d, 8);
	sb_printf(b, "%016" PRIx64, u);
}

static void sb_hex(struct sb *b, const ProtobufCBinaryData *x)
{
	for (size_t i = 0; i < x->len; i++)
		sb_printf(b, "%02x", x->data[i]);
}

static void sb_attrs(struct sb *b, KeyValue **kv, size_t n);

static void sb_val(struct sb *b, const AnyValue *v)
{
	if (!v) {
		sb_put(b, "-", 1);
		return;
	}
	switch (v->value_case) {
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE:
		sb_put(b, "s:", 2);
		sb_jstr(b, v->string_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE:
		sb_printf(b, "b:%s", v->bool_value ? "true" : "false");
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE:
		sb_printf(b, "i:%" PRId64, v->int_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE:
		sb_put(b, "d:", 2);
		sb_double(b, v->double_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE:
		sb_put(b, "x:", 2);
		sb_hex(b, &v->bytes_value);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE:
		sb_put(b, "a[", 2);
		for (size_t i = 0; v->array_value && i < v->array_value->n_values; i++) {
			if (i)
				sb_put(b, ",", 1);
			sb_val(b, v->array_value->values[i]);
		}
		sb_put(b, "]", 1);
		break;
	case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE:
		sb_put(b, "m", 1);
		sb_attrs(b, v->kvlist_value ? v->kvlist_value->values : NULL,
			 v->kvlist_value ? v->kvlist_value->n_values : 0);
		break;
	default:
		sb_put(b, "-", 1);
	}
}

static void sb_attrs(struct sb *b, KeyValue **kv, size_t n)
{
	sb_put(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_put(b, ",", 1);
		sb_jstr(b, kv[i]->key);
		sb_put(b, "=", 1);
		sb_val(b, kv[i]->value);
	}
	sb_put(b, "}", 1);
}

static void sb_res_scope(struct sb *b, const Resource *r, const char *res_schema, const Scope *s,
			 const char *scope_schema)
{
	sb_put(b, "res=", 4);
	sb_attrs(b, r ? r->attributes : NULL, r ? r->n_attributes : 0);
	sb_put(b, "@", 1);
	sb_jstr(b, res_schema);
	sb_put(b, " scope=", 7);
	sb_jstr(b, s ? s->name : "");
	sb_put(b, "/", 1);
	sb_jstr(b, s ? s->version : "");
	sb_put(b, "/", 1);
	sb_jstr(b, scope_schema);
}

/* The lines of the items of one record, appended to lines[*n]. */
struct lines {
	char **v;
	size_t n, cap;
};

static void lines_add(struct lines *l, struct sb *b)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = b->p ? b->p : strdup("");
	*b = (struct sb){ 0 };
}

static int render_logs(const uint8_t *p, size_t len, struct lines *out)
{
	Opentelemetry__Proto__Logs__V1__ResourceLogs *rl =
		opentelemetry__proto__logs__v1__resource_logs__unpack(NULL, len, p);
	if (!rl)
		return -1;
	for (size_t s = 0; s < rl->n_scope_logs; s++) {
		const Opentelemetry__Proto__Logs__V1__ScopeLogs *sl = rl->scope_logs[s];
		for (size_t i = 0; i < sl->n_log_records; i++) {
			const Opentelemetry__Proto__Logs__V1__LogRecord *r = sl->log_records[i];
			struct sb b = { 0 };
			sb_res_scope(&b, rl->resource, rl->schema_url, sl->scope, sl->schema_url);
			sb_printf(&b, " time=%" PRIu64 " obs=%" PRIu64 " sev=%d/", r->time_unix_nano,
				  r->observed_time_unix_nano, (int)r->severity_number);
			sb_jstr(&b, r->severity_text);
			sb_put(&b, " body=", 6);
			sb_val(&b, r->body);
			sb_put(&b, " attrs=", 7);
			sb_attrs(&b, r->attributes, r->n_attributes);
			sb_printf(&b, " dropped=%u trace=", r->dropped_attributes_count);
			sb_hex(&b, &r->trace_id);
			sb_put(&b, " span=", 6);
			sb_hex(&b, &r->span_id);
			sb_printf(&b, " flags=%u event=", r->flags);
			sb_jstr(&b, r->event_name);
			lines_add(out, &b);
		}
	}
	opentelemetry__proto__logs__v1__resource_logs__free_unpacked(rl, NULL);
	return 0;
}

typedef Opentelemetry__Proto__Metrics__V1__Metric Metric;
typedef Opentelemetry__Proto__Metrics__V1__NumberDataPoint NumberPoint;
typedef Opentelemetry__Proto__Metrics__V1__HistogramDataPoint HistPoint;
typedef Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint ExpPoint;

static void sb_opt(struct sb *b, const char *name, bool has, double d)
{
	sb_printf(b, " %s=", name);
	if (has)
		sb_double(b, d);
	else
		sb_put(b, "-", 1);
}

static void sb_buckets(struct sb *b, const char *name,
		       const Opentelemetry__Proto__Metrics__V1__ExponentialHistogramDataPoint__Buckets *k)
{
	sb_printf(b, " %s=%d:[", name, k ? k->offset : 0);
	for (size_t i = 0; k && i < k->n_bucket_counts; i++)
		sb_printf(b, "%s%" PRIu64, i ? "," : "", k->bucket_counts[i]);
	sb_put(b, "]", 1);
}

/* The head of a data point's line: resource, scope, metric, point
 * attributes and times. */
static void sb_point_head(struct sb *b, const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm,
			  const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm, const Metric *m,
			  const char *type, int temp, int mono, KeyValue **kv, size_t nkv, uint64_t start,
			  uint64_t time)
{
	sb_res_scope(b, rm->resource, rm->schema_url, sm->scope, sm->schema_url);
	sb_put(b, " metric=", 8);
	sb_jstr(b, m->name);
	sb_put(b, " desc=", 6);
	sb_jstr(b, m->description);
	sb_put(b, " unit=", 6);
	sb_jstr(b, m->unit);
	sb_printf(b, " type=%s temp=%d mono=%d attrs=", type, temp, mono);
	sb_attrs(b, kv, nkv);
	sb_printf(b, " start=%" PRIu64 " time=%" PRIu64 " ", start, time);
}

static void render_numbers(const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm,
			   const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm, const Metric *m,
			   const char *type, int temp, int mono, NumberPoint **pts, size_t n,
			   struct lines *out)
{
	for (size_t i = 0; i < n; i++) {
		struct sb b = { 0 };
		sb_point_head(&b, rm, sm, m, type, temp, mono, pts[i]->attributes, pts[i]->n_attributes,
			      pts[i]->start_time_unix_nano, pts[i]->time_unix_nano);
		if (pts[i]->value_case ==
		    OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT) {
			sb_printf(&b, "i:%" PRId64, pts[i]->as_int);
		} else {
			sb_put(&b, "d:", 2);
			sb_double(&b, pts[i]->as_double);
		}
		lines_add(out, &b);
	}
}

static void render_metric(const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm,
			  const Opentelemetry__Proto__Metrics__V1__ScopeMetrics *sm, const Metric *m,
			  struct lines *out)
{
	switch (m->data_case) {
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_SUM:
		render_numbers(rm, sm, m, "sum", m->sum->aggregation_temporality,
			       m->sum->is_monotonic ? 1 : 0, m->sum->data_points, m->sum->n_data_points, out);
		break;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE:
		render_numbers(rm, sm, m, "gauge", 0, 0, m->gauge->data_points, m->gauge->n_data_points, out);
		break;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_HISTOGRAM:
		for (size_t i = 0; i < m->histogram->n_data_points; i++) {
			const HistPoint *p = m->histogram->data_points[i];
			struct sb b = { 0 };
			sb_point_head(&b, rm, sm, m, "histogram", m->histogram->aggregation_temporality, 0,
				      p->attributes, p->n_attributes, p->start_time_unix_nano,
				      p->time_unix_nano);
			sb_printf(&b, "count=%" PRIu64, p->count);
			sb_opt(&b, "sum", p->optional_sum_case != 0, p->sum);
			sb_opt(&b, "min", p->optional_min_case != 0, p->min);
			sb_opt(&b, "max", p->optional_max_case != 0, p->max);
			sb_put(&b, " bounds=[", 9);
			for (size_t k = 0; k < p->n_explicit_bounds; k++) {
				if (k)
					sb_put(&b, ",", 1);
				sb_double(&b, p->explicit_bounds[k]);
			}
			sb_put(&b, "] counts=[", 10);
			for (size_t k = 0; k < p->n_bucket_counts; k++)
				sb_printf(&b, "%s%" PRIu64, k ? "," : "", p->bucket_counts[k]);
			sb_put(&b, "]", 1);
			lines_add(out, &b);
		}
		break;
	case OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM:
		for (size_t i = 0; i < m->exponential_histogram->n_data_points; i++) {
			const ExpPoint *p = m->exponential_histogram->data_points[i];
			struct sb b = { 0 };
			sb_point_head(&b, rm, sm, m, "exphist",
				      m->exponential_histogram->aggregation_temporality, 0, p->attributes,
				      p->n_attributes, p->start_time_unix_nano, p->time_unix_nano);
			sb_printf(&b, "count=%" PRIu64, p->count);
			sb_opt(&b, "sum", p->optional_sum_case != 0, p->sum);
			sb_opt(&b, "min", p->optional_min_case != 0, p->min);
			sb_opt(&b, "max", p->optional_max_case != 0, p->max);
			sb_printf(&b, " scale=%d zero=%" PRIu64, p->scale, p->zero_count);
			sb_buckets(&b, "pos", p->positive);
			sb_buckets(&b, "neg", p->negative);
			lines_add(out, &b);
		}
		break;
	default: { /* summaries: the SDK sends none; show it as a difference */
		struct sb b = { 0 };
		sb_printf(&b, "unexpected metric data case %d", (int)m->data_case);
		lines_add(out, &b);
	}
	}
}

static int render_metrics(const uint8_t *p, size_t len, struct lines *out)
{
	Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm =
		opentelemetry__proto__metrics__v1__resource_metrics__unpack(NULL, len, p);
	if (!rm)
		return -1;
	for (size_t s = 0; s < rm->n_scope_metrics; s++)
		for (size_t i = 0; i < rm->scope_metrics[s]->n_metrics; i++)
			render_metric(rm, rm->scope_metrics[s], rm->scope_metrics[s]->metrics[i], out);
	opentelemetry__proto__metrics__v1__resource_metrics__free_unpacked(rm, NULL);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

long ics_check_ring(struct ring *ring, enum otlp_signal sig, const char *expected_path, char *why,
		    size_t whylen)
{
	struct lines got = { 0 }, want = { 0 };
	long rc = -1;
	json_object *root = json_object_from_file(expected_path);
	if (!root || !json_object_is_type(root, json_type_array)) {
		snprintf(why, whylen, "cannot read %s", expected_path);
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(root); i++) {
		struct sb b = { 0 };
		const char *s = json_object_get_string(json_object_array_get_idx(root, i));
		sb_put(&b, s ? s : "", s ? strlen(s) : 0);
		lines_add(&want, &b);
	}
	const struct record *rec;
	uint64_t items = 0;
	while (ring_try_peek(ring, &rec) == 0) {
		size_t before = got.n;
		if (rec->signal != (unsigned)sig + 1) {
			snprintf(why, whylen, "record seq %" PRIu64 " has signal %u, not %u", rec->seq,
				 rec->signal, (unsigned)sig + 1);
			goto out;
		}
		int r = sig == OTLP_SIGNAL_LOGS ? render_logs(record_cpayload(rec), rec->len, &got)
						: render_metrics(record_cpayload(rec), rec->len, &got);
		if (r < 0) {
			snprintf(why, whylen, "record seq %" PRIu64 " does not decode", rec->seq);
			goto out;
		}
		if (got.n - before != rec->items) {
			snprintf(why, whylen, "record seq %" PRIu64 " says %u items, holds %zu", rec->seq,
				 rec->items, got.n - before);
			goto out;
		}
		items += rec->items;
	}
	ring_commit(ring, ring_cursor(ring));
	qsort(got.v, got.n, sizeof(*got.v), cmp_str);
	qsort(want.v, want.n, sizeof(*want.v), cmp_str);
	for (size_t i = 0; i < got.n || i < want.n; i++) {
		const char *g = i < got.n ? got.v[i] : "(nothing more arrived)";
		const char *w = i < want.n ? want.v[i] : "(nothing more was sent)";
		if (strcmp(g, w) == 0)
			continue;
		size_t at = 0;
		while (g[at] && g[at] == w[at])
			at++;
		size_t from = at > 60 ? at - 60 : 0;
		snprintf(why, whylen,
			 "item %zu of %zu sent / %zu arrived differs at column %zu:\n  sent:    ...%.200s\n  arrived: ...%.200s",
			 i, want.n, got.n, at, w + (from < strlen(w) ? from : strlen(w)),
			 g + (from < strlen(g) ? from : strlen(g)));
		goto out;
	}
	rc = (long)items;
out:
	if (root)
		json_object_put(root);
	lines_free(&got);
	lines_free(&want);
	return rc;
}
