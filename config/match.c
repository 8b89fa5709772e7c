/* config/match.c: the legacy include/exclude match properties for spans
 * (filter, attributes and span processors) and the {key, value} lists
 * every legacy match form shares (config/match_log.c has logs and metrics). */
#include "config/loader.h"
#include "config/print.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

static const char *const span_kind_names[] = { "SPAN_KIND_UNSPECIFIED",
					       "SPAN_KIND_INTERNAL",
					       "SPAN_KIND_SERVER",
					       "SPAN_KIND_CLIENT",
					       "SPAN_KIND_PRODUCER",
					       "SPAN_KIND_CONSUMER",
					       NULL };
static const char *const span_kind_short[] = { "unspecified", "internal", "server", "client",
					       "producer",    "consumer", NULL };
static const char *const status_names[] = { "STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR",
					    NULL };
static const char *const status_short[] = { "unset", "ok", "error", NULL };

static int name_index(const char *s, const char *const *full, const char *const *shrt)
{
	for (int i = 0; full[i]; i++)
		if (!strcmp(s, full[i]) || !strcmp(s, shrt[i]))
			return i;
	return -1;
}

static int bitmask(struct schema_ctx *c, const struct ynode *v, const char *path, uint32_t *mask,
		   const char *const *full, const char *const *shrt)
{
	const char **list;
	size_t n;
	int rc = schema_strlist(c, v, path, &list, &n);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		int k = name_index(list[i], full, shrt);
		if (k < 0) {
			const struct ynode *at = v->kind == YN_SEQ ? v->items[i] : v;
			char all[300];
			size_t used = 0;

			all[0] = '\0';
			for (int j = 0; full[j] && used < sizeof(all); j++) {
				int w = snprintf(all + used, sizeof(all) - used, "%s%s", j ? ", " : "",
						 full[j]);
				if (w < 0)
					break;
				used += (size_t)w;
			}
			return schema_error(c, at,
					    "%s: expected one of %s (or lower-case %s, ...); got \"%.60s\"",
					    path, all, shrt[0], list[i]);
		}
		*mask |= 1u << k;
	}
	return 0;
}

static int span_kinds_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return bitmask(c, v, path, dst, span_kind_names, span_kind_short);
}

static int status_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return bitmask(c, v, path, dst, status_names, status_short);
}

static void bits_print(struct printer *p, int indent, const char *key, uint32_t mask,
		       const char *const *names)
{
	const char *sel[8];
	size_t k = 0;

	for (int i = 0; names[i]; i++)
		if (mask & (1u << i))
			sel[k++] = names[i];
	pr_strlist(p, indent, key, sel, k);
}

static void span_kinds_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	if (*(const uint32_t *)value)
		bits_print(p, indent, f->name, *(const uint32_t *)value, span_kind_names);
}

static void status_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	if (*(const uint32_t *)value)
		bits_print(p, indent, f->name, *(const uint32_t *)value, status_names);
}

static int value_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_value(c, v, path, dst);
}

static void value_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const struct sluice_value *v = value;

	if (v->type == SLUICE_VALUE_NONE)
		return;
	pr_key(p, indent, f->name);
	fputc(' ', p->f);
	pr_value(p, v);
	fputc('\n', p->f);
}

int match_kv_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		   const struct ynode *const *seen)
{
	const struct sluice_kv *kv = obj;

	(void)seen;
	if (!kv->key || !*kv->key)
		return schema_error(c, v, "%s: \"key\" is required", path);
	return 0;
}

/* [{key: k, value: v}, ...] (value absent = "exists"). */
const struct schema_field match_kv_fields[] = {
	{ .name = "key", .kind = SK_STR, .off = offsetof(struct sluice_kv, key) },
	{ .name = "value",
	  .kind = SK_CUSTOM,
	  .off = offsetof(struct sluice_kv, value),
	  .fn = value_fn,
	  .print = value_print },
	{ .name = NULL },
};

const char *const match_type_names[] = { "strict", "regexp", "prefix", NULL };

enum {
	F_MATCH_TYPE,
	F_SERVICES,
	F_SPAN_NAMES,
	F_SPAN_KINDS,
	F_STATUS,
	F_ATTRS,
	F_RES,
	F_MIN,
	F_MAX
};

#define MAX_DURATION_NS (1000ull * 3600 * 1000000000ull)
#define M struct sluice_match

static const struct schema_field match_fields[] = {
	[F_MATCH_TYPE] = { .name = "match_type",
			   .kind = SK_ENUM,
			   .off = offsetof(M, match_type),
			   .names = match_type_names },
	[F_SERVICES] = { .name = "services",
			 .kind = SK_STRLIST,
			 .off = offsetof(M, services),
			 .off2 = offsetof(M, n_services),
			 .flags = SF_OMIT_EMPTY },
	[F_SPAN_NAMES] = { .name = "span_names",
			   .kind = SK_STRLIST,
			   .off = offsetof(M, span_names),
			   .off2 = offsetof(M, n_span_names),
			   .flags = SF_OMIT_EMPTY },
	[F_SPAN_KINDS] = { .name = "span_kinds",
			   .kind = SK_CUSTOM,
			   .off = offsetof(M, span_kinds),
			   .fn = span_kinds_fn,
			   .print = span_kinds_print },
	[F_STATUS] = { .name = "status_codes",
		       .kind = SK_CUSTOM,
		       .off = offsetof(M, status_codes),
		       .fn = status_fn,
		       .print = status_print },
	[F_ATTRS] = MATCH_KV_LIST("attributes", M, attributes, n_attributes),
	[F_RES] = MATCH_KV_LIST("resources", M, resources, n_resources),
	[F_MIN] = { .name = "min_duration",
		    .kind = SK_DUR,
		    .off = offsetof(M, min_duration_ns),
		    .max = MAX_DURATION_NS,
		    .flags = SF_OMIT_EMPTY },
	[F_MAX] = { .name = "max_duration",
		    .kind = SK_DUR,
		    .off = offsetof(M, max_duration_ns),
		    .max = MAX_DURATION_NS,
		    .flags = SF_OMIT_EMPTY },
	{ .name = NULL },
};
#undef M

int match_regex_list(struct schema_ctx *c, const struct ynode *v, const char *path, const char **strs,
		     size_t n, struct sluice_regex **out)
{
	char p[280];

	*out = arena_calloc(c->a, n ? n : 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct ynode *at = v->kind == YN_SEQ ? v->items[i] : v;
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		int rc = match_regex(c, at, p, strs[i], false, &(*out)[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int match_kv_regexes(struct schema_ctx *c, const struct ynode *v, const char *path, struct sluice_kv *kv,
		     size_t n)
{
	char p[280];

	for (size_t i = 0; i < n; i++) {
		if (kv[i].value.type == SLUICE_VALUE_NONE)
			continue;
		const struct ynode *item = v->items[i], *at = item;
		for (size_t j = 0; j + 1 < item->n; j += 2)
			if (!strcmp(item->items[j]->text, "value"))
				at = item->items[j + 1];
		snprintf(p, sizeof(p), "%s[%zu].value", path, i);
		/* regexp compares with the attribute's text form, so any
		 * scalar is a pattern */
		int rc = match_regex(c, at, p, at->text, false, &kv[i].regex);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int match_parse(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_match *m = dst;
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	char p[280];
	int rc;

	memset(m, 0, sizeof(*m));
	rc = schema_map(c, v, match_fields, m, path, seen);
	if (rc < 0)
		return rc;
	m->present = true;
	if (!m->n_services && !m->n_span_names && !m->span_kinds && !m->status_codes && !m->n_attributes &&
	    !m->n_resources && !m->min_duration_ns && !m->max_duration_ns)
		return schema_error(
			c, v,
			"%s: no match properties (expected at least one of: services, span_names, span_kinds, status_codes, attributes, resources, min_duration, max_duration)",
			path);
	if (m->min_duration_ns && m->max_duration_ns && m->min_duration_ns > m->max_duration_ns)
		return schema_error(c, seen[F_MIN], "%s: min_duration is greater than max_duration", path);
	if (m->match_type != SLUICE_MATCH_REGEXP)
		return 0;
	if (m->n_services &&
	    (rc = match_regex_list(c, seen[F_SERVICES], schema_path(p, sizeof(p), path, "services"),
				   m->services, m->n_services, &m->services_re)) < 0)
		return rc;
	if (m->n_span_names &&
	    (rc = match_regex_list(c, seen[F_SPAN_NAMES], schema_path(p, sizeof(p), path, "span_names"),
				   m->span_names, m->n_span_names, &m->span_names_re)) < 0)
		return rc;
	if (m->n_attributes &&
	    (rc = match_kv_regexes(c, seen[F_ATTRS], schema_path(p, sizeof(p), path, "attributes"),
				   m->attributes, m->n_attributes)) < 0)
		return rc;
	if (m->n_resources &&
	    (rc = match_kv_regexes(c, seen[F_RES], schema_path(p, sizeof(p), path, "resources"), m->resources,
				   m->n_resources)) < 0)
		return rc;
	return 0;
}

void match_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const struct sluice_match *m = value;

	if (m->present)
		schema_print_map(p, indent, f->name, match_fields, m);
}
