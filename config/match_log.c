/* config/match_log.c: the filter processor's legacy include/exclude
 * properties for log records and metrics (the Collector's filterconfig
 * LogMatchProperties and MetricMatchProperties). */
#include "config/loader.h"
#include "config/print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const strict_regexp[] = { "strict", "regexp", NULL };

/* SeverityNumber 1..24 by the names OTLP gives them. */
static const char *const severity_names[] = { "",	"TRACE",  "TRACE2", "TRACE3", "TRACE4", "DEBUG",
					      "DEBUG2", "DEBUG3", "DEBUG4", "INFO",   "INFO2",	"INFO3",
					      "INFO4",	"WARN",	  "WARN2",  "WARN3",  "WARN4",	"ERROR",
					      "ERROR2", "ERROR3", "ERROR4", "FATAL",  "FATAL2", "FATAL3",
					      "FATAL4", NULL };

static int severity_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	uint32_t *min = dst;

	if (v->kind == YN_NULL)
		return 0;
	if (v->kind == YN_SCALAR) {
		for (uint32_t i = 1; severity_names[i]; i++) {
			if (!strcasecmp(v->text, severity_names[i])) {
				*min = i;
				return 0;
			}
		}
		if (strspn(v->text, "0123456789") == v->len && v->len && v->len < 3 && atoi(v->text) >= 1 &&
		    atoi(v->text) <= 24) {
			*min = (uint32_t)atoi(v->text);
			return 0;
		}
	}
	return schema_error(
		c, v,
		"%s: expected a severity TRACE, TRACE2..4, DEBUG, INFO, WARN, ERROR, FATAL (..4) or 1..24, got \"%.40s\"",
		path, v->kind == YN_SCALAR ? v->text : yamltree_kind_name(v->kind));
}

static void severity_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	uint32_t n = *(const uint32_t *)value;

	if (n >= 1 && n <= 24)
		pr_line(p, indent, "%s: %s\n", f->name, severity_names[n]);
}

#define L struct sluice_log_match
static const struct schema_field severity_fields[] = {
	{ .name = "min",
	  .kind = SK_CUSTOM,
	  .off = offsetof(L, severity_number_min),
	  .fn = severity_fn,
	  .print = severity_print },
	{ .name = "match_undefined", .kind = SK_BOOL, .off = offsetof(L, severity_match_undefined) },
	{ .name = NULL },
};

static int severity_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			  const struct ynode *const *seen)
{
	(void)seen;
	if (!((struct sluice_log_match *)obj)->severity_number_min)
		return schema_error(c, v, "%s: \"min\" is required", path);
	return 0;
}

enum {
	L_TYPE,
	L_RECORD,
	L_RESOURCE,
	L_TEXTS,
	L_SEVERITY,
	L_BODIES
};

static const struct schema_field log_fields[] = {
	[L_TYPE] = { .name = "match_type",
		     .kind = SK_ENUM,
		     .off = offsetof(L, match_type),
		     .names = strict_regexp },
	[L_RECORD] = MATCH_KV_LIST("record_attributes", L, record_attributes, n_record_attributes),
	[L_RESOURCE] = MATCH_KV_LIST("resource_attributes", L, resource_attributes, n_resource_attributes),
	[L_TEXTS] = { .name = "severity_texts",
		      .kind = SK_STRLIST,
		      .off = offsetof(L, severity_texts),
		      .off2 = offsetof(L, n_severity_texts),
		      .flags = SF_OMIT_EMPTY },
	[L_SEVERITY] = { .name = "severity_number",
			 .kind = SK_MAP,
			 .sub = severity_fields,
			 .check = severity_check,
			 .flags = SF_PRESENCE,
			 .off2 = offsetof(L, has_severity_number) },
	[L_BODIES] = { .name = "bodies",
		       .kind = SK_STRLIST,
		       .off = offsetof(L, bodies),
		       .off2 = offsetof(L, n_bodies),
		       .flags = SF_OMIT_EMPTY },
	{ .name = "libraries",
	  .kind = SK_REFUSE,
	  .why = "matching by instrumentation scope is not implemented" },
	{ .name = NULL },
};
#undef L

int match_log_parse(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_log_match *m = dst;
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	char p[280];
	int rc;

	memset(m, 0, sizeof(*m));
	rc = schema_map(c, v, log_fields, m, path, seen);
	if (rc < 0)
		return rc;
	m->present = true;
	if (!m->n_record_attributes && !m->n_resource_attributes && !m->n_severity_texts &&
	    !m->has_severity_number && !m->n_bodies)
		return schema_error(
			c, v,
			"%s: no match properties (expected at least one of: record_attributes, resource_attributes, severity_texts, severity_number, bodies)",
			path);
	if (m->match_type != SLUICE_MATCH_REGEXP)
		return 0;
	if (m->n_severity_texts &&
	    (rc = match_regex_list(c, seen[L_TEXTS], schema_path(p, sizeof(p), path, "severity_texts"),
				   m->severity_texts, m->n_severity_texts, &m->severity_texts_re)) < 0)
		return rc;
	if (m->n_bodies &&
	    (rc = match_regex_list(c, seen[L_BODIES], schema_path(p, sizeof(p), path, "bodies"), m->bodies,
				   m->n_bodies, &m->bodies_re)) < 0)
		return rc;
	if (m->n_record_attributes &&
	    (rc = match_kv_regexes(c, seen[L_RECORD], schema_path(p, sizeof(p), path, "record_attributes"),
				   m->record_attributes, m->n_record_attributes)) < 0)
		return rc;
	if (m->n_resource_attributes &&
	    (rc = match_kv_regexes(c, seen[L_RESOURCE],
				   schema_path(p, sizeof(p), path, "resource_attributes"),
				   m->resource_attributes, m->n_resource_attributes)) < 0)
		return rc;
	return 0;
}

void match_log_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const struct sluice_log_match *m = value;

	if (m->present)
		schema_print_map(p, indent, f->name, log_fields, m);
}

/* ---- metrics ---- */

static int metric_type_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	if (v->kind == YN_SCALAR && !strcmp(v->text, "expr"))
		return schema_error(
			c, v,
			"%s: not supported by sluice: expr (write an OTTL condition in metrics.metric instead)",
			path);
	if (v->kind == YN_NULL)
		return 0;
	int e, rc = schema_enum(c, v, path, strict_regexp, &e);
	if (rc == 0)
		*(enum sluice_match_type *)dst = (enum sluice_match_type)e;
	return rc;
}

static void metric_type_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	pr_line(p, indent, "%s: %s\n", f->name, strict_regexp[*(const enum sluice_match_type *)value]);
}

#define MM struct sluice_metric_match
enum {
	M_TYPE,
	M_NAMES,
	M_RESOURCE
};

static const struct schema_field metric_fields[] = {
	[M_TYPE] = { .name = "match_type",
		     .kind = SK_CUSTOM,
		     .off = offsetof(MM, match_type),
		     .fn = metric_type_fn,
		     .print = metric_type_print },
	[M_NAMES] = { .name = "metric_names",
		      .kind = SK_STRLIST,
		      .off = offsetof(MM, metric_names),
		      .off2 = offsetof(MM, n_metric_names),
		      .flags = SF_OMIT_EMPTY },
	[M_RESOURCE] = MATCH_KV_LIST("resource_attributes", MM, resource_attributes, n_resource_attributes),
	{ .name = "expressions",
	  .kind = SK_REFUSE,
	  .why = "expr expressions are not implemented (write an OTTL condition in metrics.metric instead)" },
	{ .name = NULL },
};
#undef MM

int match_metric_parse(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_metric_match *m = dst;
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	char p[280];
	int rc;

	memset(m, 0, sizeof(*m));
	rc = schema_map(c, v, metric_fields, m, path, seen);
	if (rc < 0)
		return rc;
	m->present = true;
	if (!m->n_metric_names && !m->n_resource_attributes)
		return schema_error(
			c, v,
			"%s: no match properties (expected at least one of: metric_names, resource_attributes)",
			path);
	if (m->match_type != SLUICE_MATCH_REGEXP)
		return 0;
	if (m->n_metric_names &&
	    (rc = match_regex_list(c, seen[M_NAMES], schema_path(p, sizeof(p), path, "metric_names"),
				   m->metric_names, m->n_metric_names, &m->metric_names_re)) < 0)
		return rc;
	if (m->n_resource_attributes &&
	    (rc = match_kv_regexes(c, seen[M_RESOURCE],
				   schema_path(p, sizeof(p), path, "resource_attributes"),
				   m->resource_attributes, m->n_resource_attributes)) < 0)
		return rc;
	return 0;
}

void match_metric_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const struct sluice_metric_match *m = value;

	if (m->present)
		schema_print_map(p, indent, f->name, metric_fields, m);
}
