/* config/conn_spanmetrics.c: the spanmetrics connector (traces in, metrics
 * out): every key the Collector documents, with its defaults, or an error
 * naming the key sluice does not implement. */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"

#define MSEC 1000000ull
#define SEC 1000000000ull
#define MAX_BUCKETS 1000

static const uint64_t default_buckets_ms[] = { 2,   4,	 6,    8,    10,   50,	 100,	200,
					       400, 800, 1000, 1400, 2000, 5000, 10000, 15000 };

#define SM struct sluice_spanmetrics

static void sm_init(void *settings)
{
	SM *m = settings;

	memset(m, 0, sizeof(*m));
	m->namespace_ = "traces.span.metrics";
	m->histogram_unit = SLUICE_UNIT_MS;
	m->exponential_max_size = 160;
	m->buckets_ns = (uint64_t *)default_buckets_ms; /* replaced (copied) in sm_finish */
	m->n_buckets = sizeof(default_buckets_ms) / sizeof(default_buckets_ms[0]);
	m->temporality = SLUICE_TEMPORALITY_CUMULATIVE;
	m->metrics_flush_interval_ns = 15 * SEC;
	m->exemplars_max_per_data_point = 5;
	m->dimensions_cache_size = 1000;
	m->resource_metrics_cache_size = 1000;
	m->metric_timestamp_cache_size = 10000;
}

static int buckets_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	SM *m = dst;
	char p[300];
	int rc = schema_expect_seq(c, v, path);

	if (rc < 0 || v->kind == YN_NULL)
		return rc;
	if (v->n > MAX_BUCKETS)
		return schema_error(c, v, "%s: more than %d buckets", path, MAX_BUCKETS);
	m->buckets_ns = arena_calloc(c->a, v->n ? v->n : 1, sizeof(*m->buckets_ns));
	if (!m->buckets_ns)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		rc = schema_duration(c, v->items[i], p, 1, 7 * 24 * 3600 * SEC, &m->buckets_ns[i]);
		if (rc < 0)
			return rc;
		if (i && m->buckets_ns[i] <= m->buckets_ns[i - 1])
			return schema_error(c, v->items[i], "%s: buckets must be strictly increasing", p);
	}
	m->n_buckets = v->n;
	return 0;
}

static void buckets_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const SM *m = value;
	char b[40];

	pr_line(p, indent, "%s: [", f->name);
	for (size_t i = 0; i < m->n_buckets; i++) {
		config_format_duration(m->buckets_ns[i], b, sizeof(b));
		fprintf(p->f, "%s%s", i ? ", " : "", b);
	}
	fputs("]\n", p->f);
}

static const struct schema_field explicit_fields[] = {
	{ .name = "buckets", .kind = SK_CUSTOM, .fn = buckets_fn, .print = buckets_print },
	{ .name = NULL },
};

static const struct schema_field exponential_fields[] = {
	{ .name = "max_size",
	  .kind = SK_U32,
	  .off = offsetof(SM, exponential_max_size),
	  .min = 1,
	  .max = 16384 },
	{ .name = NULL },
};

static void dim_init(void *item)
{
	(void)item;
}

static const struct schema_field dimension_fields[] = {
	{ .name = "name", .kind = SK_STR, .off = offsetof(struct sluice_dimension, name) },
	{ .name = "default",
	  .kind = SK_STR,
	  .off = offsetof(struct sluice_dimension, default_value),
	  .flags = SF_OMIT_EMPTY },
	{ .name = NULL },
};

static int dim_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		     const struct ynode *const *seen)
{
	(void)seen;
	if (!((struct sluice_dimension *)obj)->name || !*((struct sluice_dimension *)obj)->name)
		return schema_error(c, v, "%s: \"name\" is required", path);
	return 0;
}

#define DIMS(key, arr, cnt)                                                                              \
	{                                                                                                \
		.name = key, .kind = SK_SEQ, .off = offsetof(SM, arr), .off2 = offsetof(SM, cnt),        \
		.sub = dimension_fields, .elem_size = sizeof(struct sluice_dimension), .init = dim_init, \
		.check = dim_check                                                                       \
	}

/* explicit is printed only when it is the histogram in use. */
static int explicit_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_map(c, v, explicit_fields, dst, path, NULL);
}

static void explicit_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	if (!((const SM *)value)->exponential)
		schema_print_map(p, indent, f->name, explicit_fields, value);
}

static const char *const unit_names[] = { "ms", "s", NULL };

enum {
	H_DISABLE,
	H_UNIT,
	H_EXPLICIT,
	H_EXPONENTIAL,
	H_DIMENSIONS
};

static const struct schema_field histogram_fields[] = {
	[H_DISABLE] = { .name = "disable", .kind = SK_BOOL, .off = offsetof(SM, histogram_disable) },
	[H_UNIT] = { .name = "unit",
		     .kind = SK_ENUM,
		     .off = offsetof(SM, histogram_unit),
		     .names = unit_names },
	[H_EXPLICIT] = { .name = "explicit", .kind = SK_CUSTOM, .fn = explicit_fn, .print = explicit_print },
	[H_EXPONENTIAL] = { .name = "exponential",
			    .kind = SK_MAP,
			    .sub = exponential_fields,
			    .flags = SF_PRESENCE,
			    .off2 = offsetof(SM, exponential) },
	[H_DIMENSIONS] = DIMS("dimensions", histogram_dimensions, n_histogram_dimensions),
	{ .name = NULL },
};

static int histogram_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			   const struct ynode *const *seen)
{
	(void)v, (void)obj;
	if (seen[H_EXPLICIT] && seen[H_EXPONENTIAL])
		return schema_error(c, seen[H_EXPONENTIAL],
				    "%s: use either explicit or exponential buckets, not both", path);
	return 0;
}

static const struct schema_field exemplars_fields[] = {
	{ .name = "enabled", .kind = SK_BOOL, .off = offsetof(SM, exemplars_enabled) },
	{ .name = "max_per_data_point",
	  .kind = SK_U32,
	  .off = offsetof(SM, exemplars_max_per_data_point),
	  .min = 1,
	  .max = 10000 },
	{ .name = NULL },
};

static const struct schema_field delta_fields[] = {
	{ .name = "metric_timestamp_cache_size",
	  .kind = SK_U32,
	  .off = offsetof(SM, metric_timestamp_cache_size),
	  .min = 1,
	  .max = 10000000 },
	{ .name = NULL },
};

static const char *const temporality_names[] = { "AGGREGATION_TEMPORALITY_CUMULATIVE",
						 "AGGREGATION_TEMPORALITY_DELTA", NULL };

enum {
	S_NAMESPACE,
	S_HISTOGRAM,
	S_DIMENSIONS,
	S_CALLS,
	S_EXCLUDE
};

static const struct schema_field sm_fields[] = {
	[S_NAMESPACE] = { .name = "namespace", .kind = SK_STR, .off = offsetof(SM, namespace_) },
	[S_HISTOGRAM] = { .name = "histogram",
			  .kind = SK_MAP,
			  .sub = histogram_fields,
			  .check = histogram_check },
	[S_DIMENSIONS] = DIMS("dimensions", dimensions, n_dimensions),
	[S_CALLS] = DIMS("calls_dimensions", calls_dimensions, n_calls_dimensions),
	[S_EXCLUDE] = { .name = "exclude_dimensions",
			.kind = SK_STRLIST,
			.off = offsetof(SM, exclude_dimensions),
			.off2 = offsetof(SM, n_exclude_dimensions) },
	{ .name = "resource_metrics_key_attributes",
	  .kind = SK_STRLIST,
	  .off = offsetof(SM, resource_metrics_key_attributes),
	  .off2 = offsetof(SM, n_resource_metrics_key_attributes) },
	{ .name = "aggregation_temporality",
	  .kind = SK_ENUM,
	  .off = offsetof(SM, temporality),
	  .names = temporality_names },
	{ .name = "metrics_flush_interval",
	  .kind = SK_DUR,
	  .off = offsetof(SM, metrics_flush_interval_ns),
	  .min = 100 * MSEC,
	  .max = 24 * 3600 * SEC },
	{ .name = "metrics_expiration",
	  .kind = SK_DUR,
	  .off = offsetof(SM, metrics_expiration_ns),
	  .max = 30 * 24 * 3600 * SEC },
	{ .name = "aggregation_cardinality_limit",
	  .kind = SK_U32,
	  .off = offsetof(SM, aggregation_cardinality_limit),
	  .max = 10000000 },
	{ .name = "exemplars", .kind = SK_MAP, .sub = exemplars_fields },
	{ .name = "dimensions_cache_size",
	  .kind = SK_U32,
	  .off = offsetof(SM, dimensions_cache_size),
	  .min = 1,
	  .max = 10000000 },
	{ .name = "resource_metrics_cache_size",
	  .kind = SK_U32,
	  .off = offsetof(SM, resource_metrics_cache_size),
	  .min = 1,
	  .max = 10000000 },
	{ .name = "delta_temporality", .kind = SK_MAP, .sub = delta_fields },
	{ .name = "add_resource_attributes", .kind = SK_BOOL, .off = offsetof(SM, add_resource_attributes) },
	{ .name = "events",
	  .kind = SK_REFUSE,
	  .why = "span event metrics (events.enabled) are not implemented" },
	{ .name = "include_instrumentation_scope",
	  .kind = SK_REFUSE,
	  .why = "metrics are not split by instrumentation scope" },
	{ .name = "resources", .kind = SK_REFUSE, .why = "use resource_metrics_key_attributes" },
	{ .name = NULL },
};

static const char *const default_dims[] = { "service.name", "span.name", "span.kind", "status.code" };

static bool is_default_dim(const char *name)
{
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(name, default_dims[i]))
			return true;
	return false;
}

static int dims_unique(struct schema_ctx *c, const struct ynode *at, const char *path,
		       const struct sluice_dimension *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct ynode *item = at && at->kind == YN_SEQ && i < at->n ? at->items[i] : at;

		if (is_default_dim(d[i].name))
			return schema_error(c, item,
					    "%s[%zu]: duplicate dimension name %s (it is a default dimension)",
					    path, i, d[i].name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(d[i].name, d[j].name))
				return schema_error(c, item, "%s[%zu]: duplicate dimension name %s", path, i,
						    d[i].name);
	}
	return 0;
}

static int sm_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		     const struct ynode *const *seen)
{
	SM *m = obj;
	char p[300];
	int rc;

	(void)v;
	if (m->buckets_ns == (uint64_t *)default_buckets_ms) {
		m->buckets_ns = arena_calloc(c->a, m->n_buckets, sizeof(*m->buckets_ns));
		if (!m->buckets_ns)
			return -ENOMEM;
		for (size_t i = 0; i < m->n_buckets; i++)
			m->buckets_ns[i] = default_buckets_ms[i] * MSEC;
	}
	if ((rc = dims_unique(c, seen[S_DIMENSIONS], schema_path(p, sizeof(p), path, "dimensions"),
			      m->dimensions, m->n_dimensions)) < 0)
		return rc;
	if ((rc = dims_unique(c, seen[S_CALLS], schema_path(p, sizeof(p), path, "calls_dimensions"),
			      m->calls_dimensions, m->n_calls_dimensions)) < 0)
		return rc;
	for (size_t i = 0; i < m->n_exclude_dimensions; i++) {
		if (is_default_dim(m->exclude_dimensions[i]))
			continue;
		const struct ynode *at = seen[S_EXCLUDE]->kind == YN_SEQ ? seen[S_EXCLUDE]->items[i]
									 : seen[S_EXCLUDE];
		return schema_error(
			c, at,
			"%s.exclude_dimensions[%zu]: \"%.60s\" is not a default dimension (service.name, span.name, span.kind, status.code)",
			path, i, m->exclude_dimensions[i]);
	}
	return 0;
}
#undef SM

const struct component_desc conn_spanmetrics_desc = {
	.names = (const char *const[]){ "spanmetrics", NULL },
	.type = SLUICE_CONN_SPANMETRICS,
	.signals = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_TRACES),
	.pairs = { [SLUICE_SIGNAL_TRACES] = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_METRICS) },
	.fields = sm_fields,
	.init = sm_init,
	.finish = sm_finish,
};
