/* config/ottl_paths.c: which paths and enum names each OTTL context has,
 * as the Collector's ottl contexts define them (pkg/ottl/contexts). A
 * path may carry its context's own prefix (OTTL 0.120 and later write
 * `span.name`, older configs `name`); the spanevent and datapoint
 * contexts reach their parent's fields through `span.` and `metric.`. */
#include "config/ottl_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct path_def {
	const char *name;
	bool is_map;
	bool hex;    /* the .string form of an id */
	uint16_t id; /* enum ottl_map or enum ottl_field */
};

#define MAP(n, m)                 \
	{                         \
		n, true, false, m \
	}
#define FIELD(n, f)                \
	{                          \
		n, false, false, f \
	}
#define HEX(n, f)                 \
	{                         \
		n, false, true, f \
	}

static const struct path_def resource_paths[] = {
	MAP("attributes", OTTL_MAP_RESOURCE),
	{ 0 },
};

static const struct path_def span_paths[] = {
	MAP("attributes", OTTL_MAP_ITEM),
	FIELD("name", OTTL_F_SPAN_NAME),
	FIELD("kind", OTTL_F_SPAN_KIND),
	FIELD("status.code", OTTL_F_SPAN_STATUS_CODE),
	FIELD("status.message", OTTL_F_SPAN_STATUS_MESSAGE),
	FIELD("trace_id", OTTL_F_SPAN_TRACE_ID),
	HEX("trace_id.string", OTTL_F_SPAN_TRACE_ID),
	FIELD("span_id", OTTL_F_SPAN_SPAN_ID),
	HEX("span_id.string", OTTL_F_SPAN_SPAN_ID),
	FIELD("parent_span_id", OTTL_F_SPAN_PARENT_SPAN_ID),
	HEX("parent_span_id.string", OTTL_F_SPAN_PARENT_SPAN_ID),
	FIELD("start_time_unix_nano", OTTL_F_SPAN_START_TIME),
	FIELD("end_time_unix_nano", OTTL_F_SPAN_END_TIME),
	{ 0 },
};

static const struct path_def event_paths[] = {
	MAP("attributes", OTTL_MAP_ITEM),
	FIELD("name", OTTL_F_EVENT_NAME),
	FIELD("time_unix_nano", OTTL_F_EVENT_TIME),
	{ 0 },
};

static const struct path_def log_paths[] = {
	MAP("attributes", OTTL_MAP_ITEM),
	FIELD("body", OTTL_F_LOG_BODY),
	FIELD("severity_number", OTTL_F_LOG_SEVERITY_NUMBER),
	FIELD("severity_text", OTTL_F_LOG_SEVERITY_TEXT),
	FIELD("trace_id", OTTL_F_LOG_TRACE_ID),
	HEX("trace_id.string", OTTL_F_LOG_TRACE_ID),
	FIELD("span_id", OTTL_F_LOG_SPAN_ID),
	HEX("span_id.string", OTTL_F_LOG_SPAN_ID),
	FIELD("flags", OTTL_F_LOG_FLAGS),
	FIELD("time_unix_nano", OTTL_F_LOG_TIME),
	FIELD("observed_time_unix_nano", OTTL_F_LOG_OBSERVED_TIME),
	{ 0 },
};

static const struct path_def metric_paths[] = {
	FIELD("name", OTTL_F_METRIC_NAME),
	FIELD("description", OTTL_F_METRIC_DESCRIPTION),
	FIELD("unit", OTTL_F_METRIC_UNIT),
	FIELD("type", OTTL_F_METRIC_TYPE),
	FIELD("aggregation_temporality", OTTL_F_METRIC_TEMPORALITY),
	FIELD("is_monotonic", OTTL_F_METRIC_IS_MONOTONIC),
	{ 0 },
};

static const struct path_def datapoint_paths[] = {
	MAP("attributes", OTTL_MAP_ITEM),
	FIELD("value_int", OTTL_F_DP_VALUE_INT),
	FIELD("value_double", OTTL_F_DP_VALUE_DOUBLE),
	FIELD("start_time_unix_nano", OTTL_F_DP_START_TIME),
	FIELD("time_unix_nano", OTTL_F_DP_TIME),
	FIELD("flags", OTTL_F_DP_FLAGS),
	{ 0 },
};

/* every context but resource */
static const struct path_def common_paths[] = {
	MAP("resource.attributes", OTTL_MAP_RESOURCE),
	FIELD("instrumentation_scope.name", OTTL_F_SCOPE_NAME),
	FIELD("instrumentation_scope.version", OTTL_F_SCOPE_VERSION),
	MAP("instrumentation_scope.attributes", OTTL_MAP_SCOPE),
	{ 0 },
};

static const struct ctx_def {
	const char *name;
	const struct path_def *own;
	const char *parent; /* prefix of the parent item's paths */
	const struct path_def *parent_paths;
	bool common;
} contexts[OTTL_CTX_COUNT] = {
	[OTTL_CTX_RESOURCE] = { "resource", resource_paths, NULL, NULL, false },
	[OTTL_CTX_SPAN] = { "span", span_paths, NULL, NULL, true },
	[OTTL_CTX_SPANEVENT] = { "spanevent", event_paths, "span", span_paths, true },
	[OTTL_CTX_LOG] = { "log", log_paths, NULL, NULL, true },
	[OTTL_CTX_METRIC] = { "metric", metric_paths, NULL, NULL, true },
	[OTTL_CTX_DATAPOINT] = { "datapoint", datapoint_paths, "metric", metric_paths, true },
};

const char *ottl_context_name(enum ottl_context ctx)
{
	return (unsigned)ctx < OTTL_CTX_COUNT ? contexts[ctx].name : "?";
}

int ottl_context_parse(const char *name, enum ottl_context *out)
{
	for (int i = 0; i < OTTL_CTX_COUNT; i++)
		if (!strcmp(name, contexts[i].name)) {
			*out = (enum ottl_context)i;
			return 0;
		}
	if (!strcmp(name, "log_record")) {
		*out = OTTL_CTX_LOG;
		return 0;
	}
	return -EINVAL;
}

static const struct path_def *lookup(const struct path_def *t, const char *name)
{
	for (; t && t->name; t++)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

/* name with "prefix." removed, or NULL when it does not start so */
static const char *after_prefix(const char *name, const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;

	if (!n || strncmp(name, prefix, n) || name[n] != '.')
		return NULL;
	return name + n + 1;
}

int ottl_path_find(enum ottl_context ctx, const char *name, bool *is_map, uint16_t *id, bool *hex)
{
	const struct ctx_def *c = &contexts[ctx];
	const struct path_def *d = NULL;
	const char *rest;
	bool parent = false;

	if ((rest = after_prefix(name, c->name))) {
		d = lookup(c->own, rest); /* own prefix: own paths only */
	} else {
		d = lookup(c->own, name);
		if (!d && (rest = after_prefix(name, c->parent)))
			parent = (d = lookup(c->parent_paths, rest)) != NULL;
		if (!d && c->common)
			d = lookup(common_paths, name);
	}
	if (!d)
		return 0;
	*is_map = d->is_map;
	*hex = d->hex;
	*id = d->id;
	if (parent && d->is_map && d->id == OTTL_MAP_ITEM)
		*id = OTTL_MAP_SPAN; /* span.attributes of a span event */
	return 1;
}

static const struct path_def *rlookup(const struct path_def *t, bool is_map, uint16_t id, bool hex)
{
	for (; t && t->name; t++)
		if (t->is_map == is_map && t->id == id && t->hex == hex)
			return t;
	return NULL;
}

int ottl_path_name(enum ottl_context ctx, bool is_map, uint16_t id, bool hex, char *buf, size_t size)
{
	const struct ctx_def *c = &contexts[ctx];
	const struct path_def *d;

	if ((d = rlookup(c->own, is_map, id, hex)) ||
	    (c->common && (d = rlookup(common_paths, is_map, id, hex))))
		return snprintf(buf, size, "%s", d->name);
	if (is_map && id == OTTL_MAP_SPAN)
		id = OTTL_MAP_ITEM;
	if ((d = rlookup(c->parent_paths, is_map, id, hex)))
		return snprintf(buf, size, "%s.%s", c->parent, d->name);
	return snprintf(buf, size, "?");
}

#define CTX(x) (1u << OTTL_CTX_##x)
#define SPANS (CTX(SPAN) | CTX(SPANEVENT))
#define METRICS (CTX(METRIC) | CTX(DATAPOINT))

static const struct enum_def {
	const char *name;
	int64_t value;
	unsigned ctx_mask;
} enums[] = {
	{ "SPAN_KIND_UNSPECIFIED", 0, SPANS },
	{ "SPAN_KIND_INTERNAL", 1, SPANS },
	{ "SPAN_KIND_SERVER", 2, SPANS },
	{ "SPAN_KIND_CLIENT", 3, SPANS },
	{ "SPAN_KIND_PRODUCER", 4, SPANS },
	{ "SPAN_KIND_CONSUMER", 5, SPANS },
	{ "STATUS_CODE_UNSET", 0, SPANS },
	{ "STATUS_CODE_OK", 1, SPANS },
	{ "STATUS_CODE_ERROR", 2, SPANS },
	{ "SEVERITY_NUMBER_UNSPECIFIED", 0, CTX(LOG) },
	{ "SEVERITY_NUMBER_TRACE", 1, CTX(LOG) },
	{ "SEVERITY_NUMBER_TRACE2", 2, CTX(LOG) },
	{ "SEVERITY_NUMBER_TRACE3", 3, CTX(LOG) },
	{ "SEVERITY_NUMBER_TRACE4", 4, CTX(LOG) },
	{ "SEVERITY_NUMBER_DEBUG", 5, CTX(LOG) },
	{ "SEVERITY_NUMBER_DEBUG2", 6, CTX(LOG) },
	{ "SEVERITY_NUMBER_DEBUG3", 7, CTX(LOG) },
	{ "SEVERITY_NUMBER_DEBUG4", 8, CTX(LOG) },
	{ "SEVERITY_NUMBER_INFO", 9, CTX(LOG) },
	{ "SEVERITY_NUMBER_INFO2", 10, CTX(LOG) },
	{ "SEVERITY_NUMBER_INFO3", 11, CTX(LOG) },
	{ "SEVERITY_NUMBER_INFO4", 12, CTX(LOG) },
	{ "SEVERITY_NUMBER_WARN", 13, CTX(LOG) },
	{ "SEVERITY_NUMBER_WARN2", 14, CTX(LOG) },
	{ "SEVERITY_NUMBER_WARN3", 15, CTX(LOG) },
	{ "SEVERITY_NUMBER_WARN4", 16, CTX(LOG) },
	{ "SEVERITY_NUMBER_ERROR", 17, CTX(LOG) },
	{ "SEVERITY_NUMBER_ERROR2", 18, CTX(LOG) },
	{ "SEVERITY_NUMBER_ERROR3", 19, CTX(LOG) },
	{ "SEVERITY_NUMBER_ERROR4", 20, CTX(LOG) },
	{ "SEVERITY_NUMBER_FATAL", 21, CTX(LOG) },
	{ "SEVERITY_NUMBER_FATAL2", 22, CTX(LOG) },
	{ "SEVERITY_NUMBER_FATAL3", 23, CTX(LOG) },
	{ "SEVERITY_NUMBER_FATAL4", 24, CTX(LOG) },
	{ "AGGREGATION_TEMPORALITY_UNSPECIFIED", 0, METRICS },
	{ "AGGREGATION_TEMPORALITY_DELTA", 1, METRICS },
	{ "AGGREGATION_TEMPORALITY_CUMULATIVE", 2, METRICS },
	{ "METRIC_DATA_TYPE_NONE", 0, METRICS },
	{ "METRIC_DATA_TYPE_GAUGE", 1, METRICS },
	{ "METRIC_DATA_TYPE_SUM", 2, METRICS },
	{ "METRIC_DATA_TYPE_HISTOGRAM", 3, METRICS },
	{ "METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM", 4, METRICS },
	{ "METRIC_DATA_TYPE_SUMMARY", 5, METRICS },
	{ "FLAG_NONE", 0, CTX(DATAPOINT) },
	{ "FLAG_NO_RECORDED_VALUE", 1, CTX(DATAPOINT) },
};

int ottl_enum_find(const char *name, size_t len, enum ottl_context ctx, int64_t *value, bool *in_ctx)
{
	for (size_t i = 0; i < sizeof enums / sizeof enums[0]; i++)
		if (strlen(enums[i].name) == len && !memcmp(enums[i].name, name, len)) {
			*value = enums[i].value;
			*in_ctx = (enums[i].ctx_mask >> ctx) & 1;
			return (int)i;
		}
	return -1;
}

const char *ottl_enum_name(int index)
{
	if (index < 0 || (size_t)index >= sizeof enums / sizeof enums[0])
		return "?";
	return enums[index].name;
}
