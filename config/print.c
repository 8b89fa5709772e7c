/* config/print.c: the generic half of the printer: scalars written so that
 * they read back the same, and a walk over the schema tables. */
#include "config/print.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void pr_indent(struct printer *p, int indent)
{
	if (p->dash) {
		p->dash = false;
		fprintf(p->f, "%*s- ", indent > 0 ? (indent - 1) * 2 : 0, "");
		return;
	}
	fprintf(p->f, "%*s", indent * 2, "");
}

void pr_line(struct printer *p, int indent, const char *fmt, ...)
{
	va_list ap;

	pr_indent(p, indent);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

void pr_quoted(struct printer *p, const char *s, bool value)
{
	fputc('"', p->f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		/* YAML folds these unicode line breaks inside quotes: escape them,
		 * and the BOM, which a reader may drop */
		if (c[0] == 0xc2 && c[1] == 0x85) {
			fputs("\\N", p->f);
			c++;
		} else if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) {
			fputs(c[2] == 0xa8 ? "\\L" : "\\P", p->f);
			c += 2;
		} else if (c[0] == 0xef && c[1] == 0xbb && c[2] == 0xbf) {
			fputs("\\uFEFF", p->f);
			c += 2;
		} else if (*c == '"' || *c == '\\') {
			fprintf(p->f, "\\%c", *c);
		} else if (*c < 0x20 || *c == 0x7f) {
			fprintf(p->f, "\\x%02x", *c);
		} else if (*c == '$' && value) {
			fputs("$$", p->f);
		} else {
			fputc(*c, p->f);
		}
	}
	fputc('"', p->f);
}

static bool plain_key(const char *k)
{
	return *k &&
	       strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(k);
}

void pr_key(struct printer *p, int indent, const char *key)
{
	pr_indent(p, indent);
	if (plain_key(key))
		fputs(key, p->f);
	else
		pr_quoted(p, key, false);
	fputc(':', p->f);
}

void pr_str(struct printer *p, int indent, const char *key, const char *s)
{
	pr_key(p, indent, key);
	fputc(' ', p->f);
	pr_quoted(p, s, true);
	fputc('\n', p->f);
}

void pr_bool(struct printer *p, int indent, const char *key, bool b)
{
	pr_key(p, indent, key);
	fputs(b ? " true\n" : " false\n", p->f);
}

void pr_u64(struct printer *p, int indent, const char *key, uint64_t v)
{
	pr_key(p, indent, key);
	fprintf(p->f, " %" PRIu64 "\n", v);
}

void pr_dur(struct printer *p, int indent, const char *key, uint64_t ns)
{
	char b[40];

	config_format_duration(ns, b, sizeof(b));
	pr_key(p, indent, key);
	fprintf(p->f, " %s\n", b);
}

void pr_size(struct printer *p, int indent, const char *key, uint64_t n)
{
	char b[40];

	config_format_size(n, b, sizeof(b));
	pr_key(p, indent, key);
	fprintf(p->f, " %s\n", b);
}

void pr_format_double(double d, char *b, size_t n)
{
	snprintf(b, n, "%.15g", d);
	if (strtod(b, NULL) != d)
		snprintf(b, n, "%.17g", d);
	if (!strpbrk(b, ".e"))
		strncat(b, ".0", n - strlen(b) - 1);
}

void pr_double(struct printer *p, int indent, const char *key, double d)
{
	char b[48];

	pr_format_double(d, b, sizeof(b));
	pr_key(p, indent, key);
	fprintf(p->f, " %s\n", b);
}

void pr_strlist(struct printer *p, int indent, const char *key, const char *const *items, size_t n)
{
	pr_key(p, indent, key);
	fputs(" [", p->f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", p->f);
		pr_quoted(p, items[i], true);
	}
	fputs("]\n", p->f);
}

void pr_value(struct printer *p, const struct sluice_value *v)
{
	char b[48];

	switch (v->type) {
	case SLUICE_VALUE_NONE:
		fputs("~", p->f);
		break;
	case SLUICE_VALUE_STRING:
		pr_quoted(p, v->s, true);
		break;
	case SLUICE_VALUE_INT:
		fprintf(p->f, "%" PRId64, v->i);
		break;
	case SLUICE_VALUE_DOUBLE:
		pr_format_double(v->d, b, sizeof(b));
		fputs(b, p->f);
		break;
	case SLUICE_VALUE_BOOL:
		fputs(v->b ? "true" : "false", p->f);
		break;
	}
}

static bool is_empty(const struct schema_field *f, const void *base)
{
	const char *v = (const char *)base + f->off;

	switch (f->kind) {
	case SK_STR:
	case SK_PATH:
		return *(const char *const *)v == NULL;
	case SK_BOOL:
		return !*(const bool *)v;
	case SK_U32:
	case SK_ENUM:
		return *(const uint32_t *)v == 0;
	case SK_U64:
	case SK_DUR:
	case SK_SIZE:
		return *(const uint64_t *)v == 0;
	case SK_DOUBLE:
		return *(const double *)v == 0;
	case SK_STRLIST:
	case SK_SEQ:
		return *(const size_t *)((const char *)base + f->off2) == 0;
	case SK_MAP:
	case SK_CUSTOM:
	case SK_REFUSE:
		break;
	}
	return false;
}

static void print_seq(struct printer *p, int indent, const struct schema_field *f, const void *base)
{
	const char *items = *(const char *const *)((const char *)base + f->off);
	size_t n = *(const size_t *)((const char *)base + f->off2);

	pr_key(p, indent, f->name);
	if (!n) {
		fputs(" []\n", p->f);
		return;
	}
	fputc('\n', p->f);
	for (size_t i = 0; i < n; i++) {
		pr_item(p);
		schema_print(p, indent + 2, f->sub, items + i * f->elem_size);
		if (p->dash) { /* an item with nothing to print */
			p->dash = false;
			pr_line(p, indent + 1, "- {}\n");
		}
	}
}

static void print_field(struct printer *p, int indent, const struct schema_field *f, const void *base)
{
	const void *v = (const char *)base + f->off;
	uint64_t scale = f->scale ? f->scale : 1;

	if ((f->flags & SF_NOPRINT) || f->kind == SK_REFUSE)
		return;
	if ((f->flags & SF_OMIT_EMPTY) && is_empty(f, base))
		return;
	switch (f->kind) {
	case SK_STR:
	case SK_PATH:
		if (*(const char *const *)v)
			pr_str(p, indent, f->name, *(const char *const *)v);
		break;
	case SK_BOOL:
		pr_bool(p, indent, f->name, *(const bool *)v);
		break;
	case SK_U32:
		pr_u64(p, indent, f->name, *(const uint32_t *)v / scale);
		break;
	case SK_U64:
		pr_u64(p, indent, f->name, *(const uint64_t *)v / scale);
		break;
	case SK_DOUBLE:
		pr_double(p, indent, f->name, *(const double *)v);
		break;
	case SK_DUR:
		pr_dur(p, indent, f->name, *(const uint64_t *)v);
		break;
	case SK_SIZE:
		pr_size(p, indent, f->name, *(const uint64_t *)v);
		break;
	case SK_ENUM: {
		int e = *(const int *)v;

		pr_key(p, indent, f->name);
		fprintf(p->f, " %s\n", e >= 0 ? f->names[e] : "?");
		break;
	}
	case SK_STRLIST:
		pr_strlist(p, indent, f->name, *(const char *const *const *)v,
			   *(const size_t *)((const char *)base + f->off2));
		break;
	case SK_MAP:
		if ((f->flags & SF_PRESENCE) && !*(const bool *)((const char *)base + f->off2))
			break;
		schema_print_map(p, indent, f->name, f->sub, v);
		break;
	case SK_SEQ:
		print_seq(p, indent, f, base);
		break;
	case SK_CUSTOM:
		if (f->print)
			f->print(p, indent, f, v);
		break;
	case SK_REFUSE:
		break;
	}
}

void schema_print(struct printer *p, int indent, const struct schema_field *fields, const void *base)
{
	for (const struct schema_field *f = fields; f->name; f++)
		print_field(p, indent, f, base);
	if (ferror(p->f))
		p->failed = true;
}

void schema_print_map(struct printer *p, int indent, const char *key, const struct schema_field *fields,
		      const void *base)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct printer sub = { .f = mem };

	if (!mem) {
		p->failed = true;
		return;
	}
	schema_print(&sub, indent + 1, fields, base);
	if (fclose(mem) != 0 || sub.failed)
		p->failed = true;
	pr_key(p, indent, key);
	if (len) {
		fputc('\n', p->f);
		fwrite(buf, 1, len, p->f);
	} else {
		fputs(" {}\n", p->f);
	}
	free(buf);
}
