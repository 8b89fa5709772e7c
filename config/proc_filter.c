/* config/proc_filter.c: the filter processor, both Collector forms:
 * legacy include/exclude (spans, logs, metrics) and OTTL conditions
 * (traces.span/spanevent, logs.log_record, metrics.metric/datapoint). A
 * signal the processor has nothing for passes through unchanged. */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

static const char *const error_modes[] = { "propagate", "ignore", "silent", NULL };

#define F struct sluice_filter

#define CONDS(key, member, ctx)                                                                          \
	static int member##_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path) \
	{                                                                                                \
		return condition_list_parse(c, v, ctx, path, dst);                                       \
	}                                                                                                \
	static void member##_print(struct printer *p, int indent, const struct schema_field *f,          \
				   const void *value)                                                    \
	{                                                                                                \
		condition_list_print(p, indent, f->name, value);                                         \
	}
CONDS("span", span, SLUICE_OTTL_SPAN)
CONDS("spanevent", spanevent, SLUICE_OTTL_SPANEVENT)
CONDS("log_record", log_record, SLUICE_OTTL_LOG)
CONDS("metric", metric, SLUICE_OTTL_METRIC)
CONDS("datapoint", datapoint, SLUICE_OTTL_DATAPOINT)
#undef CONDS

#define COND_FIELD(key, member)                                                                \
	{                                                                                      \
		.name = key, .kind = SK_CUSTOM, .off = offsetof(F, member), .fn = member##_fn, \
		.print = member##_print                                                        \
	}

static const struct schema_field spans_fields[] = {
	{ .name = "include",
	  .kind = SK_CUSTOM,
	  .off = offsetof(F, include),
	  .fn = match_parse,
	  .print = match_print },
	{ .name = "exclude",
	  .kind = SK_CUSTOM,
	  .off = offsetof(F, exclude),
	  .fn = match_parse,
	  .print = match_print },
	{ .name = NULL },
};

static const struct schema_field traces_fields[] = {
	COND_FIELD("span", span),
	COND_FIELD("spanevent", spanevent),
	{ .name = NULL },
};

/* logs: and metrics: hold either form's keys (the Collector shares them). */
static const struct schema_field logs_fields[] = {
	{ .name = "include",
	  .kind = SK_CUSTOM,
	  .off = offsetof(F, logs_include),
	  .fn = match_log_parse,
	  .print = match_log_print },
	{ .name = "exclude",
	  .kind = SK_CUSTOM,
	  .off = offsetof(F, logs_exclude),
	  .fn = match_log_parse,
	  .print = match_log_print },
	COND_FIELD("log_record", log_record),
	{ .name = NULL },
};

static const struct schema_field metrics_fields[] = {
	{ .name = "include",
	  .kind = SK_CUSTOM,
	  .off = offsetof(F, metrics_include),
	  .fn = match_metric_parse,
	  .print = match_metric_print },
	{ .name = "exclude",
	  .kind = SK_CUSTOM,
	  .off = offsetof(F, metrics_exclude),
	  .fn = match_metric_parse,
	  .print = match_metric_print },
	COND_FIELD("metric", metric),
	COND_FIELD("datapoint", datapoint),
	{ .name = NULL },
};

static bool spans_given(const struct sluice_filter *f)
{
	return f->include.present || f->exclude.present;
}

static bool traces_given(const struct sluice_filter *f)
{
	return f->span.n || f->spanevent.n;
}

static bool logs_given(const struct sluice_filter *f)
{
	return f->logs_include.present || f->logs_exclude.present || f->log_record.n;
}

static bool metrics_given(const struct sluice_filter *f)
{
	return f->metrics_include.present || f->metrics_exclude.present || f->metric.n || f->datapoint.n;
}

/* A section printed only when it has something, under its own table. */
#define SECTION(sec, table, given)                                                                    \
	static int sec##_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path) \
	{                                                                                             \
		return schema_map(c, v, table, dst, path, NULL);                                      \
	}                                                                                             \
	static void sec##_print(struct printer *p, int indent, const struct schema_field *f,          \
				const void *value)                                                    \
	{                                                                                             \
		if (given((const struct sluice_filter *)value))                                       \
			schema_print_map(p, indent, f->name, table, value);                           \
	}
SECTION(spans, spans_fields, spans_given)
SECTION(traces, traces_fields, traces_given)
SECTION(logs, logs_fields, logs_given)
SECTION(metrics, metrics_fields, metrics_given)
#undef SECTION

enum {
	X_ERROR_MODE,
	X_SPANS,
	X_TRACES,
	X_LOGS,
	X_METRICS
};

static const struct schema_field filter_fields[] = {
	[X_ERROR_MODE] = { .name = "error_mode",
			   .kind = SK_ENUM,
			   .off = offsetof(F, error_mode),
			   .names = error_modes },
	[X_SPANS] = { .name = "spans", .kind = SK_CUSTOM, .fn = spans_fn, .print = spans_print },
	[X_TRACES] = { .name = "traces", .kind = SK_CUSTOM, .fn = traces_fn, .print = traces_print },
	[X_LOGS] = { .name = "logs", .kind = SK_CUSTOM, .fn = logs_fn, .print = logs_print },
	[X_METRICS] = { .name = "metrics", .kind = SK_CUSTOM, .fn = metrics_fn, .print = metrics_print },
	{ .name = NULL },
};

static int filter_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			 const struct ynode *const *seen)
{
	const struct sluice_filter *f = obj;
	bool legacy = spans_given(f) || f->logs_include.present || f->logs_exclude.present ||
		      f->metrics_include.present || f->metrics_exclude.present;
	bool ottl = traces_given(f) || f->log_record.n || f->metric.n || f->datapoint.n;

	if (legacy && ottl) {
		const struct ynode *at = seen[X_TRACES] ? seen[X_TRACES] : seen[X_LOGS] ? seen[X_LOGS] : v;
		return schema_error(
			c, at,
			"%s: use either OTTL conditions (traces.span, logs.log_record, metrics.metric, ...) or include/exclude, not both in one filter",
			path);
	}
	return 0;
}
#undef F

const struct component_desc proc_filter_desc = {
	.names = (const char *const[]){ "filter", NULL },
	.type = SLUICE_PROC_FILTER,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = filter_fields,
	.finish = filter_finish,
};
