/* config/proc_span.c: the span processor (rename from attributes, extract
 * attributes from the name). Traces only. */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

#include <errno.h>
#include <stdio.h>

#include "config/arena.h"

static void span_init(void *settings)
{
	((struct sluice_span_proc *)settings)->separator = "";
}

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
		rc = match_regex(c, v->kind == YN_SEQ ? v->items[i] : v, p, src[i], true,
				 &s->to_attributes[i]);
		if (rc < 0)
			return rc;
	}
	s->n_rules = n;
	return 0;
}

static void rules_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const struct sluice_span_proc *s = value;

	pr_line(p, indent, "%s:\n", f->name);
	for (size_t i = 0; i < s->n_rules; i++) {
		pr_line(p, indent, "  - ");
		pr_quoted(p, s->to_attributes[i].source, true);
		fputc('\n', p->f);
	}
}

static const struct schema_field to_attributes_fields[] = {
	{ .name = "rules", .kind = SK_CUSTOM, .fn = rules_fn, .print = rules_print },
	{ .name = "break_after_match",
	  .kind = SK_BOOL,
	  .off = offsetof(struct sluice_span_proc, break_after_match) },
	{ .name = "keep_original_name", .kind = SK_REFUSE, .why = "the name is always replaced" },
	{ .name = NULL },
};

static const struct schema_field name_fields[] = {
	{ .name = "from_attributes",
	  .kind = SK_STRLIST,
	  .off = offsetof(struct sluice_span_proc, from_attributes),
	  .off2 = offsetof(struct sluice_span_proc, n_from_attributes) },
	{ .name = "separator", .kind = SK_STR, .off = offsetof(struct sluice_span_proc, separator) },
	{ .name = "to_attributes", .kind = SK_MAP, .sub = to_attributes_fields },
	{ .name = NULL },
};

static const struct schema_field span_fields[] = {
	{ .name = "name", .kind = SK_MAP, .sub = name_fields },
	{ .name = "include",
	  .kind = SK_CUSTOM,
	  .off = offsetof(struct sluice_span_proc, include),
	  .fn = match_parse,
	  .print = match_print },
	{ .name = "exclude",
	  .kind = SK_CUSTOM,
	  .off = offsetof(struct sluice_span_proc, exclude),
	  .fn = match_parse,
	  .print = match_print },
	{ .name = "status", .kind = SK_REFUSE, .why = "setting the span status is not implemented" },
	{ .name = NULL },
};

static int span_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		       const struct ynode *const *seen)
{
	const struct sluice_span_proc *s = obj;

	(void)seen;
	if (!s->n_from_attributes && !s->n_rules)
		return schema_error(c, v, "%s: expected name.from_attributes or name.to_attributes.rules",
				    path);
	return 0;
}

const struct component_desc proc_span_desc = {
	.names = (const char *const[]){ "span", NULL },
	.type = SLUICE_PROC_SPAN,
	.signals = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_TRACES),
	.fields = span_fields,
	.init = span_init,
	.finish = span_finish,
};
