/* config/print.h (private to config/): writes YAML that config_load reads
 * back to the same values, from the schema tables (schema_print) plus the
 * print hooks of SK_CUSTOM fields. Block style, two spaces an indent
 * level; strings always double-quoted, with `$` doubled in values so that
 * ${...} is not substituted a second time on reload. */
#ifndef SLUICE_CONFIG_PRINT_H
#define SLUICE_CONFIG_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config/config.h"
#include "config/schema.h"

struct printer {
	FILE *f;
	bool failed;
	bool dash; /* the next line starts a sequence item: "- " replaces the last indent */
};

/* Starts a line at `indent` (with the pending "- ", if any). */
void pr_indent(struct printer *p, int indent);
void pr_line(struct printer *p, int indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A double-quoted scalar; value = true doubles '$'. */
void pr_quoted(struct printer *p, const char *s, bool value);
/* "key:" at indent, the key quoted when it is not a plain word. No newline. */
void pr_key(struct printer *p, int indent, const char *key);
void pr_str(struct printer *p, int indent, const char *key, const char *s);
void pr_bool(struct printer *p, int indent, const char *key, bool b);
void pr_u64(struct printer *p, int indent, const char *key, uint64_t v);
void pr_dur(struct printer *p, int indent, const char *key, uint64_t ns);
void pr_size(struct printer *p, int indent, const char *key, uint64_t n);
void pr_double(struct printer *p, int indent, const char *key, double d);
void pr_strlist(struct printer *p, int indent, const char *key, const char *const *items, size_t n);
/* A typed value (struct sluice_value) as a scalar, no newline. */
void pr_value(struct printer *p, const struct sluice_value *v);
/* The shortest exact text of d ("2.5", "100.0"). */
void pr_format_double(double d, char *buf, size_t size);

/* Every field of `fields` whose value is in `base`, at indent. */
void schema_print(struct printer *p, int indent, const struct schema_field *fields, const void *base);
/* "key:" and the fields below it, or "key: {}" when none prints. */
void schema_print_map(struct printer *p, int indent, const char *key, const struct schema_field *fields,
		      const void *base);
/* Starts a sequence item: the next pr_indent writes "- " at indent - 1. */
static inline void pr_item(struct printer *p)
{
	p->dash = true;
}

#endif
