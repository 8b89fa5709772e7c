/* config/conn_routing.c: the routing connector: a table of OTTL conditions,
 * first match wins, default_pipelines otherwise. Its pipeline names are
 * resolved once service.pipelines is read (config/pipelines.c). */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

#include <string.h>

static const char *const error_modes[] = { "propagate", "ignore", "silent", NULL };

/* The routing connector's contexts, by enum sluice_ottl_context. */
static const char *const context_names[] = { "resource", "span",      "spanevent", "log",
					     "metric",	 "datapoint", NULL };

static int later(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)c, (void)v, (void)dst, (void)path;
	return 0; /* read by route_check, which needs the whole entry */
}

/* The ids as written (also for a router no pipeline uses, whose names
 * were never resolved). */
static void ids_print(struct printer *p, int indent, const char *key, const void *at)
{
	const struct ynode *list = at;
	const char *ids[CONFIG_MAX_PIPELINES];
	size_t n = 0;

	for (size_t i = 0; list && list->kind == YN_SEQ && i < list->n && n < CONFIG_MAX_PIPELINES; i++)
		ids[n++] = list->items[i]->text;
	if (list && list->kind == YN_SCALAR)
		ids[n++] = list->text;
	pr_strlist(p, indent, key, ids, n);
}

#define RT struct sluice_route

static void condition_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const RT *r = value;

	if (!r->is_statement)
		pr_str(p, indent, f->name, r->condition.text);
}

static void statement_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const RT *r = value;

	if (r->is_statement)
		pr_str(p, indent, f->name, r->statement);
}

static void context_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	pr_line(p, indent, "%s: %s\n", f->name, context_names[((const RT *)value)->condition.context]);
}

static void pipelines_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const RT *r = value;

	ids_print(p, indent, f->name, r->at_pipelines_);
}

enum {
	R_CONDITION,
	R_STATEMENT,
	R_CONTEXT,
	R_PIPELINES
};

static const struct schema_field route_fields[] = {
	[R_CONDITION] = { .name = "condition", .kind = SK_CUSTOM, .fn = later, .print = condition_print },
	[R_STATEMENT] = { .name = "statement", .kind = SK_CUSTOM, .fn = later, .print = statement_print },
	[R_CONTEXT] = { .name = "context", .kind = SK_CUSTOM, .fn = later, .print = context_print },
	[R_PIPELINES] = { .name = "pipelines", .kind = SK_CUSTOM, .fn = later, .print = pipelines_print },
	{ .name = NULL },
};

/* "route() where <condition>": the offset of <condition>, or -1. */
static long statement_condition(const char *s)
{
	const char *p = s + strspn(s, " \t");

	if (strncmp(p, "route()", 7))
		return -1;
	p += 7;
	size_t ws = strspn(p, " \t\r\n");
	if (!ws || strncmp(p + ws, "where", 5))
		return -1;
	p += ws + 5;
	ws = strspn(p, " \t\r\n");
	if (!ws || !p[ws])
		return -1;
	return (long)(p + ws - s);
}

static int context_of(struct schema_ctx *c, const struct ynode *v, const char *path,
		      enum sluice_ottl_context *out)
{
	int e;

	if (!v || v->kind == YN_NULL) {
		*out = SLUICE_OTTL_RESOURCE;
		return 0;
	}
	if (v->kind == YN_SCALAR && !strcmp(v->text, "request"))
		return schema_error(
			c, v,
			"%s: not supported by sluice: request (ingest keeps no request metadata to route by)",
			path);
	if (v->kind == YN_SCALAR && (!strcmp(v->text, "datapoint") || !strcmp(v->text, "spanevent")))
		return schema_error(c, v,
				    "%s: not supported by sluice: %s (route by resource, span, log or metric)",
				    path, v->text);
	int rc = schema_enum(c, v, path, context_names, &e);
	if (rc == 0)
		*out = (enum sluice_ottl_context)e;
	return rc;
}

static int route_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		       const struct ynode *const *seen)
{
	RT *r = obj;
	const struct ynode *cond = seen[R_CONDITION], *stmt = seen[R_STATEMENT], *pl = seen[R_PIPELINES];
	enum sluice_ottl_context ctx = SLUICE_OTTL_RESOURCE;
	char p[300];
	int rc;

	r->line = v->line;
	r->col = v->col;
	if ((cond && cond->kind != YN_NULL) == (stmt && stmt->kind != YN_NULL))
		return schema_error(c, v, "%s: expected exactly one of \"condition\", \"statement\"", path);
	if (!pl || pl->kind == YN_NULL || (pl->kind == YN_SEQ && pl->n == 0))
		return schema_error(c, pl ? pl : v, "%s: \"pipelines\" is required (at least one pipeline)",
				    path);
	if ((rc = schema_expect_seq(c, pl, schema_path(p, sizeof(p), path, "pipelines"))) < 0)
		return rc;
	r->at_pipelines_ = pl;
	if ((rc = context_of(c, seen[R_CONTEXT], schema_path(p, sizeof(p), path, "context"), &ctx)) < 0)
		return rc;
	if (cond && cond->kind != YN_NULL)
		return condition_parse(c, cond, ctx, 0, schema_path(p, sizeof(p), path, "condition"),
				       &r->condition);
	schema_path(p, sizeof(p), path, "statement");
	if ((rc = schema_str(c, stmt, p, &r->statement)) < 0)
		return rc;
	long off = statement_condition(r->statement);
	if (off < 0)
		return schema_error(c, stmt, "%s: expected \"route() where <condition>\", got \"%.80s\"", p,
				    r->statement);
	r->is_statement = true;
	return condition_parse(c, stmt, ctx, (size_t)off, p, &r->condition);
}
#undef RT

#define RG struct sluice_routing

static int default_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	int rc = schema_expect_seq(c, v, path);

	if (rc == 0)
		((RG *)dst)->at_default_ = v;
	return rc;
}

static void default_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const RG *g = value;

	ids_print(p, indent, f->name, g->at_default_);
}

enum {
	G_TABLE,
	G_DEFAULT,
	G_ERROR_MODE
};

static const struct schema_field routing_fields[] = {
	[G_TABLE] = { .name = "table",
		      .kind = SK_SEQ,
		      .off = offsetof(RG, table),
		      .off2 = offsetof(RG, n_table),
		      .sub = route_fields,
		      .elem_size = sizeof(struct sluice_route),
		      .check = route_check },
	[G_DEFAULT] = { .name = "default_pipelines",
			.kind = SK_CUSTOM,
			.fn = default_fn,
			.print = default_print },
	[G_ERROR_MODE] = { .name = "error_mode",
			   .kind = SK_ENUM,
			   .off = offsetof(RG, error_mode),
			   .names = error_modes },
	{ .name = "match_once",
	  .kind = SK_REFUSE,
	  .why = "the first matching route always wins (the Collector removed match_once: false)" },
	{ .name = NULL },
};

static int routing_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			  const struct ynode *const *seen)
{
	if (!((RG *)obj)->n_table)
		return schema_error(c, seen[G_TABLE] ? seen[G_TABLE] : v,
				    "%s: \"table\" needs at least one route", path);
	return 0;
}
#undef RG

const struct component_desc conn_routing_desc = {
	.names = (const char *const[]){"routing", NULL},
	.type = SLUICE_CONN_ROUTING,
	.signals = SLUICE_SIGNALS_ALL,
	.pairs = {
		[SLUICE_SIGNAL_TRACES] = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_TRACES),
		[SLUICE_SIGNAL_LOGS] = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_LOGS),
		[SLUICE_SIGNAL_METRICS] = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_METRICS),
	},
	.fields = routing_fields,
	.finish = routing_finish,
};
