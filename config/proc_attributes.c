/* config/proc_attributes.c: the attributes processor (span, log record or
 * data point attributes) and the resource processor (resource
 * attributes): one action list, two descriptors. */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

static const char *const action_names[] = { "insert", "update", "upsert", "delete", "hash", "extract", NULL };

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

static void action_init(void *item)
{
	((struct sluice_action *)item)->action = (enum sluice_action_kind) - 1;
}

enum {
	A_KEY,
	A_VALUE,
	A_FROM,
	A_PATTERN,
	A_ACTION
};

#define A struct sluice_action
static const struct schema_field action_fields[] = {
	[A_KEY] = { .name = "key", .kind = SK_STR, .off = offsetof(A, key) },
	[A_VALUE] = { .name = "value",
		      .kind = SK_CUSTOM,
		      .off = offsetof(A, value),
		      .fn = value_fn,
		      .print = value_print },
	[A_FROM] = { .name = "from_attribute", .kind = SK_STR, .off = offsetof(A, from_attribute) },
	[A_PATTERN] = { .name = "pattern", .kind = SK_STR, .off = offsetof(A, pattern.source) },
	[A_ACTION] = { .name = "action", .kind = SK_ENUM, .off = offsetof(A, action), .names = action_names },
	{ .name = "converted_type", .kind = SK_REFUSE, .why = "the convert action is not implemented" },
	{ .name = NULL },
};
#undef A

static int action_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			const struct ynode *const *seen)
{
	struct sluice_action *a = obj;
	const char *name;
	char pp[300];

	if (!seen[A_ACTION] || seen[A_ACTION]->kind == YN_NULL)
		return schema_error(
			c, v, "%s: \"action\" is required (insert, update, upsert, delete, hash, extract)",
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
			return schema_error(c, v,
					    "%s: action %s needs exactly one of \"value\", \"from_attribute\"",
					    path, name);
		if (seen[A_PATTERN])
			return schema_error(c, seen[A_PATTERN], "%s: \"pattern\" is not used by action %s",
					    path, name);
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
				    "%s: \"%s\" is not used by action %s", path,
				    has_value ? "value" : "from_attribute", name);
	if (!a->pattern.source)
		return 0;
	a->has_pattern = true;
	return match_regex(c, seen[A_PATTERN], schema_path(pp, sizeof(pp), path, "pattern"),
			   a->pattern.source, a->action == SLUICE_ACTION_EXTRACT, &a->pattern);
}

#define ACTIONS(key)                                                                                  \
	{                                                                                             \
		.name = key, .kind = SK_SEQ, .off = offsetof(struct sluice_attributes, actions),      \
		.off2 = offsetof(struct sluice_attributes, n_actions), .sub = action_fields,          \
		.elem_size = sizeof(struct sluice_action), .init = action_init, .check = action_check \
	}

static const struct schema_field attributes_fields[] = {
	ACTIONS("actions"),
	{ .name = "include",
	  .kind = SK_CUSTOM,
	  .off = offsetof(struct sluice_attributes, include),
	  .fn = match_parse,
	  .print = match_print },
	{ .name = "exclude",
	  .kind = SK_CUSTOM,
	  .off = offsetof(struct sluice_attributes, exclude),
	  .fn = match_parse,
	  .print = match_print },
	{ .name = NULL },
};

/* The Collector's resource processor calls its action list `attributes`. */
static const struct schema_field resource_fields[] = {
	ACTIONS("attributes"),
	{ .name = NULL },
};

const struct component_desc proc_attributes_desc = {
	.names = (const char *const[]){ "attributes", NULL },
	.type = SLUICE_PROC_ATTRIBUTES,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = attributes_fields,
};

const struct component_desc proc_resource_desc = {
	.names = (const char *const[]){ "resource", NULL },
	.type = SLUICE_PROC_RESOURCE,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = resource_fields,
};
