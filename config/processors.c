/* config/processors.c: `processors:` (filter, probabilistic_sampler,
 * attributes, resource, span, batch). */
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"

#define MSEC 1000000ull
#define SEC 1000000000ull
#define MAX_SPANS 10000000ull

void processors_default_batch(struct sluice_batch *b)
{
	b->send_batch_size = 8192;
	b->send_batch_max_size = 0;
	b->send_batch_max_bytes = 4ull << 20;
	b->timeout_ns = 200 * MSEC;
}

/* ---- filter ---- */

static const struct schema_field spans_fields[] = {
	{.name = "include", .kind = SK_CUSTOM, .off = offsetof(struct sluice_filter, include), .fn = match_parse},
	{.name = "exclude", .kind = SK_CUSTOM, .off = offsetof(struct sluice_filter, exclude), .fn = match_parse},
	{.name = NULL},
};

static int spans_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_map(c, v, spans_fields, dst, path, NULL);
}

static const struct schema_field filter_fields[] = {
	{.name = "spans", .kind = SK_CUSTOM, .fn = spans_fn},
	{.name = NULL},
};

/* ---- probabilistic_sampler ---- */

static const struct schema_field sampler_fields[] = {
	{.name = "sampling_percentage", .kind = SK_DOUBLE,
	 .off = offsetof(struct sluice_sampler, sampling_percentage), .dmin = 0, .dmax = 100},
	{.name = "hash_seed", .kind = SK_U32, .off = offsetof(struct sluice_sampler, hash_seed), .max = UINT32_MAX},
	{.name = NULL},
};

/* ---- attributes / resource ---- */

static const char *const action_names[] = {"insert", "update", "upsert", "delete", "hash", "extract", NULL};

static int value_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_value(c, v, path, dst);
}

enum { A_KEY, A_VALUE, A_FROM, A_PATTERN, A_ACTION };

static const struct schema_field action_fields[] = {
	[A_KEY] = {.name = "key", .kind = SK_STR, .off = offsetof(struct sluice_action, key)},
	[A_VALUE] = {.name = "value", .kind = SK_CUSTOM, .off = offsetof(struct sluice_action, value), .fn = value_fn},
	[A_FROM] = {.name = "from_attribute", .kind = SK_STR, .off = offsetof(struct sluice_action, from_attribute)},
	[A_PATTERN] = {.name = "pattern", .kind = SK_STR, .off = offsetof(struct sluice_action, pattern.source)},
	[A_ACTION] = {.name = "action", .kind = SK_ENUM, .off = offsetof(struct sluice_action, action),
		      .names = action_names},
	{.name = NULL},
};

static int one_action(struct schema_ctx *c, const struct ynode *v, struct sluice_action *a, const char *path)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	const char *name;
	char pp[300];
	int rc;

	a->action = (enum sluice_action_kind)-1;
	rc = schema_map(c, v, action_fields, a, path, seen);
	if (rc < 0)
		return rc;
	if (!seen[A_ACTION] || seen[A_ACTION]->kind == YN_NULL)
		return schema_error(c, v, "%s: \"action\" is required (insert, update, upsert, delete, hash, extract)",
				    path);
	name = action_names[a->action];
	if (a->key && !*a->key)
		return schema_error(c, seen[A_KEY], "%s: \"key\" must not be empty", path);
	bool has_value = seen[A_VALUE] && seen[A_VALUE]->kind != YN_NULL;
	switch (a->action) {
	case SLUICE_ACTION_INSERT:
	case SLUICE_ACTION_UPDATE:
	case SLUICE_ACTION_UPSERT:
		if (!a->key)
			return schema_error(c, v, "%s: action %s needs \"key\"", path, name);
		if (has_value == (a->from_attribute != NULL))
			return schema_error(c, v, "%s: action %s needs exactly one of \"value\", \"from_attribute\"",
					    path, name);
		if (seen[A_PATTERN])
			return schema_error(c, seen[A_PATTERN], "%s: \"pattern\" is not used by action %s", path, name);
		return 0;
	case SLUICE_ACTION_DELETE:
	case SLUICE_ACTION_HASH:
		if (!a->key && !a->pattern.source)
			return schema_error(c, v, "%s: action %s needs \"key\" or \"pattern\"", path, name);
		break;
	case SLUICE_ACTION_EXTRACT:
		if (!a->key || !a->pattern.source)
			return schema_error(c, v, "%s: action extract needs \"key\" and \"pattern\"", path);
		break;
	}
	if (has_value || a->from_attribute)
		return schema_error(c, has_value ? seen[A_VALUE] : seen[A_FROM],
				    "%s: \"%s\" is not used by action %s", path, has_value ? "value" : "from_attribute",
				    name);
	if (a->pattern.source) {
		a->has_pattern = true;
		rc = match_regex(c, seen[A_PATTERN], schema_path(pp, sizeof(pp), path, "pattern"), a->pattern.source,
				 a->action == SLUICE_ACTION_EXTRACT, &a->pattern);
	}
	return rc;
}

static int actions_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_attributes *at = dst;
	char p[280];
	int rc = schema_expect_seq(c, v, path);

	if (rc < 0 || v->kind == YN_NULL)
		return rc;
	at->actions = arena_calloc(c->a, v->n ? v->n : 1, sizeof(*at->actions));
	if (!at->actions)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		rc = one_action(c, v->items[i], &at->actions[i], p);
		if (rc < 0)
			return rc;
	}
	at->n_actions = v->n;
	return 0;
}

static const struct schema_field attributes_fields[] = {
	{.name = "actions", .kind = SK_CUSTOM, .fn = actions_fn},
	{.name = "include", .kind = SK_CUSTOM, .off = offsetof(struct sluice_attributes, include), .fn = match_parse},
	{.name = "exclude", .kind = SK_CUSTOM, .off = offsetof(struct sluice_attributes, exclude), .fn = match_parse},
	{.name = NULL},
};

/* The Collector's resource processor calls its action list `attributes`. */
static const struct schema_field resource_fields[] = {
	{.name = "attributes", .kind = SK_CUSTOM, .fn = actions_fn},
	{.name = NULL},
};

/* ---- span ---- */

static int rules_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_span_proc *s = dst;
	const char **src;
	size_t n;
	char p[280];
	int rc = schema_strlist(c, v, path, &src, &n);

	if (rc < 0)
		return rc;
	s->to_attributes = arena_calloc(c->a, n ? n : 1, sizeof(*s->to_attributes));
	if (!s->to_attributes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		rc = match_regex(c, v->kind == YN_SEQ ? v->items[i] : v, p, src[i], true, &s->to_attributes[i]);
		if (rc < 0)
			return rc;
	}
	s->n_rules = n;
	return 0;
}

static const struct schema_field to_attributes_fields[] = {
	{.name = "rules", .kind = SK_CUSTOM, .fn = rules_fn},
	{.name = "break_after_match", .kind = SK_BOOL, .off = offsetof(struct sluice_span_proc, break_after_match)},
	{.name = NULL},
};

static int to_attributes_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_map(c, v, to_attributes_fields, dst, path, NULL);
}

static const struct schema_field name_fields[] = {
	{.name = "from_attributes", .kind = SK_STRLIST, .off = offsetof(struct sluice_span_proc, from_attributes),
	 .off2 = offsetof(struct sluice_span_proc, n_from_attributes)},
	{.name = "separator", .kind = SK_STR, .off = offsetof(struct sluice_span_proc, separator)},
	{.name = "to_attributes", .kind = SK_CUSTOM, .fn = to_attributes_fn},
	{.name = NULL},
};

static int name_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_map(c, v, name_fields, dst, path, NULL);
}

static const struct schema_field span_fields[] = {
	{.name = "name", .kind = SK_CUSTOM, .fn = name_fn},
	{.name = "include", .kind = SK_CUSTOM, .off = offsetof(struct sluice_span_proc, include), .fn = match_parse},
	{.name = "exclude", .kind = SK_CUSTOM, .off = offsetof(struct sluice_span_proc, exclude), .fn = match_parse},
	{.name = NULL},
};

/* ---- batch ---- */

enum { B_SIZE, B_MAX_SIZE, B_MAX_BYTES, B_TIMEOUT };

static const struct schema_field batch_fields[] = {
	[B_SIZE] = {.name = "send_batch_size", .kind = SK_U32, .off = offsetof(struct sluice_batch, send_batch_size),
		    .max = MAX_SPANS},
	[B_MAX_SIZE] = {.name = "send_batch_max_size", .kind = SK_U32,
			.off = offsetof(struct sluice_batch, send_batch_max_size), .max = MAX_SPANS},
	[B_MAX_BYTES] = {.name = "send_batch_max_bytes", .kind = SK_SIZE,
			 .off = offsetof(struct sluice_batch, send_batch_max_bytes), .min = 1024, .max = 1ull << 30},
	[B_TIMEOUT] = {.name = "timeout", .kind = SK_DUR, .off = offsetof(struct sluice_batch, timeout_ns),
		       .max = 3600 * SEC},
	{.name = NULL},
};

/* ---- the section ---- */

static const char *const processor_types[] = {"filter", "probabilistic_sampler", "attributes",
					      "resource", "span", "batch", NULL};

const char *config_processor_type_name(enum sluice_processor_type t)
{
	return (unsigned)t <= SLUICE_PROC_BATCH ? processor_types[t] : "?";
}

static int one_processor(struct schema_ctx *c, const struct ynode *v, struct sluice_processor *p,
			 const char *path)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	int rc;

	switch (p->type) {
	case SLUICE_PROC_FILTER:
		return schema_map(c, v, filter_fields, &p->filter, path, NULL);
	case SLUICE_PROC_PROBABILISTIC_SAMPLER:
		p->sampler.sampling_percentage = 100;
		return schema_map(c, v, sampler_fields, &p->sampler, path, NULL);
	case SLUICE_PROC_ATTRIBUTES:
		return schema_map(c, v, attributes_fields, &p->attributes, path, NULL);
	case SLUICE_PROC_RESOURCE:
		return schema_map(c, v, resource_fields, &p->attributes, path, NULL);
	case SLUICE_PROC_SPAN:
		p->span.separator = "";
		rc = schema_map(c, v, span_fields, &p->span, path, NULL);
		if (rc == 0 && !p->span.n_from_attributes && !p->span.n_rules)
			return schema_error(c, v, "%s: expected name.from_attributes or name.to_attributes.rules",
					    path);
		return rc;
	case SLUICE_PROC_BATCH:
		processors_default_batch(&p->batch);
		rc = schema_map(c, v, batch_fields, &p->batch, path, seen);
		if (rc == 0 && p->batch.send_batch_max_size &&
		    p->batch.send_batch_max_size < p->batch.send_batch_size)
			return schema_error(c, seen[B_MAX_SIZE] ? seen[B_MAX_SIZE] : seen[B_SIZE],
					    "%s: send_batch_max_size (%u) must be 0 or at least send_batch_size (%u)",
					    path, p->batch.send_batch_max_size, p->batch.send_batch_size);
		return rc;
	}
	return -EINVAL;
}

int processors_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg)
{
	char path[256];
	int rc, type;

	rc = schema_expect_map(c, map, "processors");
	if (rc < 0 || map->kind == YN_NULL)
		return rc;
	if (map->n / 2 > 256)
		return schema_error(c, map, "processors: more than 256 defined");
	cfg->processors = arena_calloc(c->a, map->n / 2 + 1, sizeof(*cfg->processors));
	if (!cfg->processors)
		return -ENOMEM;
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->items[i], *v = map->items[i + 1];
		struct sluice_processor *p = &cfg->processors[cfg->n_processors];

		rc = component_type(c, k, "processor", processor_types, &type);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < cfg->n_processors; j++)
			if (!strcmp(cfg->processors[j].id, k->text))
				return schema_error(c, k, "duplicate key \"%s\" in processors", k->text);
		p->id = k->text;
		p->type = (enum sluice_processor_type)type;
		p->line = k->line;
		p->col = k->col;
		rc = one_processor(c, v, p, schema_path(path, sizeof(path), "processors", k->text));
		if (rc < 0)
			return rc;
		cfg->n_processors++;
	}
	return 0;
}
