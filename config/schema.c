/* config/schema.c: the generic half of the loader: scalar conversions and
 * the error messages users read (the table walk: config/schema_map.c). */
#include "config/schema.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

int schema_error(struct schema_ctx *c, const struct ynode *n, const char *fmt, ...)
{
	va_list ap;
	int len;
	struct config_error *e = c->err;

	if (!e)
		return -EINVAL;
	e->line = n ? n->line : 0;
	e->col = n ? n->col : 0;
	if (n)
		len = snprintf(e->msg, sizeof(e->msg), "%s:%u:%u: ", c->file, n->line, n->col);
	else
		len = snprintf(e->msg, sizeof(e->msg), "%s: ", c->file);
	if (len < 0 || (size_t)len >= sizeof(e->msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->msg + len, sizeof(e->msg) - (size_t)len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int schema_error_at(struct schema_ctx *c, unsigned line, unsigned col, const char *fmt, ...)
{
	struct config_error *e = c->err;
	va_list ap;
	int len;

	if (!e)
		return -EINVAL;
	e->line = line;
	e->col = col;
	len = snprintf(e->msg, sizeof(e->msg), "%s:%u:%u: ", c->file, line, col);
	if (len < 0 || (size_t)len >= sizeof(e->msg))
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->msg + len, sizeof(e->msg) - (size_t)len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

const char *schema_path(char *buf, size_t size, const char *parent, const char *key)
{
	if (!parent || !*parent)
		snprintf(buf, size, "%s", key);
	else
		snprintf(buf, size, "%s.%s", parent, key);
	return buf;
}

/* What a node is, for "got ..." in messages: the scalar quoted (cut), or
 * its kind. */
static const char *got(const struct ynode *v, char *buf, size_t size)
{
	if (v->kind == YN_SCALAR) {
		snprintf(buf, size, "\"%.*s%s\"", v->len > 60 ? 60 : (int)v->len, v->text,
			 v->len > 60 ? "..." : "");
		return buf;
	}
	return yamltree_kind_name(v->kind);
}

static int expected(struct schema_ctx *c, const struct ynode *v, const char *path, const char *what)
{
	char g[80];

	return schema_error(c, v, "%s: expected %s, got %s", path, what, got(v, g, sizeof(g)));
}

int schema_expect_map(struct schema_ctx *c, const struct ynode *v, const char *path)
{
	if (v->kind == YN_MAP || v->kind == YN_NULL)
		return 0;
	return expected(c, v, path, "a mapping");
}

int schema_expect_seq(struct schema_ctx *c, const struct ynode *v, const char *path)
{
	if (v->kind == YN_SEQ || v->kind == YN_NULL)
		return 0;
	return expected(c, v, path, "a sequence");
}

int schema_str(struct schema_ctx *c, const struct ynode *v, const char *path, const char **out)
{
	if (v->kind != YN_SCALAR)
		return expected(c, v, path, "a string");
	if (memchr(v->text, '\0', v->len))
		return schema_error(c, v, "%s: NUL byte in string", path);
	*out = v->text;
	return 0;
}

int schema_bool(struct schema_ctx *c, const struct ynode *v, const char *path, bool *out)
{
	static const char *const t[] = { "true", "True", "TRUE" }, *const f[] = { "false", "False", "FALSE" };

	if (v->kind == YN_SCALAR) {
		for (int i = 0; i < 3; i++) {
			if (!strcmp(v->text, t[i])) {
				*out = true;
				return 0;
			}
			if (!strcmp(v->text, f[i])) {
				*out = false;
				return 0;
			}
		}
	}
	return expected(c, v, path, "true or false");
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int schema_uint(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min, uint64_t max,
		uint64_t *out)
{
	uint64_t n = 0;

	if (v->kind != YN_SCALAR || !all_digits(v->text))
		return expected(c, v, path, "an unsigned integer");
	for (const char *p = v->text; *p; p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (n > UINT64_MAX / 10 || (n == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return schema_error(c, v,
					    "%s: %s is out of range (expected %" PRIu64 "..%" PRIu64 ")",
					    path, v->text, min, max);
		n = n * 10 + d;
	}
	if (n < min || n > max)
		return schema_error(c, v, "%s: %s is out of range (expected %" PRIu64 "..%" PRIu64 ")", path,
				    v->text, min, max);
	*out = n;
	return 0;
}

static bool parse_double(const char *s, double *out)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtod(s, &end);
	return *end == '\0' && errno == 0 && isfinite(*out) &&
	       strspn(s, "+-0123456789.eE") == strlen(s); /* no hex, inf, nan */
}

int schema_double(struct schema_ctx *c, const struct ynode *v, const char *path, double min, double max,
		  double *out)
{
	double d;

	if (v->kind != YN_SCALAR || !parse_double(v->text, &d))
		return expected(c, v, path, "a number");
	if (!(d >= min && d <= max))
		return schema_error(c, v, "%s: %s is out of range (expected %g..%g)", path, v->text, min,
				    max);
	*out = d;
	return 0;
}

int schema_duration(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min, uint64_t max,
		    uint64_t *out)
{
	uint64_t ns;
	char a[32], b[32];
	int rc;

	if (v->kind != YN_SCALAR)
		return expected(c, v, path, "a duration like 200ms, 5s, 1m, 1h");
	rc = config_parse_duration(v->text, &ns);
	config_format_duration(min, a, sizeof(a));
	config_format_duration(max, b, sizeof(b));
	if (rc == -EINVAL)
		return expected(c, v, path, "a duration like 200ms, 5s, 1m, 1h");
	if (rc < 0 || ns < min || ns > max)
		return schema_error(c, v, "%s: %s is out of range (expected %s..%s)", path, v->text, a, b);
	*out = ns;
	return 0;
}

int schema_size(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min, uint64_t max,
		uint64_t *out)
{
	uint64_t n;
	char a[32], b[32];
	int rc;

	if (v->kind != YN_SCALAR)
		return expected(c, v, path, "a size like 4096, 512KiB, 64MiB");
	rc = config_parse_size(v->text, &n);
	config_format_size(min, a, sizeof(a));
	config_format_size(max, b, sizeof(b));
	if (rc == -EINVAL)
		return expected(c, v, path, "a size like 4096, 512KiB, 64MiB");
	if (rc < 0 || n < min || n > max)
		return schema_error(c, v, "%s: %s is out of range (expected %s..%s)", path, v->text, a, b);
	*out = n;
	return 0;
}

int schema_enum(struct schema_ctx *c, const struct ynode *v, const char *path, const char *const *names,
		int *out)
{
	char list[256] = "", g[80];
	size_t used = 0;

	if (v->kind == YN_SCALAR) {
		for (int i = 0; names[i]; i++) {
			if (!strcmp(v->text, names[i])) {
				*out = i;
				return 0;
			}
		}
	}
	for (int i = 0; names[i] && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
				 *names[i] ? names[i] : "\"\"");
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return schema_error(c, v, "%s: expected one of %s; got %s", path, list, got(v, g, sizeof(g)));
}

int schema_strlist(struct schema_ctx *c, const struct ynode *v, const char *path, const char ***out,
		   size_t *n)
{
	const char **list;
	char p[256];

	if (v->kind == YN_SCALAR) {
		list = arena_calloc(c->a, 1, sizeof(*list));
		if (!list)
			return -ENOMEM;
		*out = list;
		*n = 1;
		return schema_str(c, v, path, &list[0]);
	}
	if (v->kind == YN_NULL) {
		*out = NULL;
		*n = 0;
		return 0;
	}
	if (v->kind != YN_SEQ)
		return expected(c, v, path, "a list of strings");
	list = arena_calloc(c->a, v->n ? v->n : 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		int rc = schema_str(c, v->items[i], p, &list[i]);
		if (rc < 0)
			return rc;
	}
	*out = list;
	*n = v->n;
	return 0;
}

static bool looks_int(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return all_digits(s);
}

int schema_value(struct schema_ctx *c, const struct ynode *v, const char *path, struct sluice_value *out)
{
	memset(out, 0, sizeof(*out));
	if (v->kind == YN_NULL)
		return 0;
	if (v->kind != YN_SCALAR)
		return expected(c, v, path, "a string, integer, number or true/false");
	if (!v->quoted) {
		const char *s = v->text;

		if (!strcmp(s, "true") || !strcmp(s, "false")) {
			out->type = SLUICE_VALUE_BOOL;
			out->b = s[0] == 't';
			return 0;
		}
		if (looks_int(s)) {
			char *end;

			errno = 0;
			long long i = strtoll(s, &end, 10);
			if (errno == ERANGE)
				return schema_error(c, v, "%s: integer %s does not fit in 64 bits", path, s);
			out->type = SLUICE_VALUE_INT;
			out->i = i;
			return 0;
		}
		if (parse_double(s, &out->d) && strpbrk(s, "0123456789")) {
			out->type = SLUICE_VALUE_DOUBLE;
			return 0;
		}
	}
	out->type = SLUICE_VALUE_STRING;
	out->s = v->text;
	out->s_len = v->len;
	return 0;
}
