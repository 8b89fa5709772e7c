/* otlp/rewrite_edits.c: recording a span's edits (rename, attribute edits)
 * for the rewriter. Keys and string values are copied into the edits' own
 * arena, so a callback can hand over bytes it built on its stack. */
#include "otlp/rewrite.h"

#include <errno.h>
#include <string.h>

static const uint8_t *arena_copy(struct otlp_rewrite_edits *e, const void *p, size_t n)
{
	if (OTLP_EDITS_ARENA - e->arena_used < n)
		return NULL;
	uint8_t *dst = e->arena + e->arena_used;
	if (n)
		memcpy(dst, p, n);
	e->arena_used += n;
	return dst;
}

int otlp_rewrite_rename(struct otlp_rewrite_edits *e, const char *name, size_t len)
{
	const uint8_t *p = arena_copy(e, name, len);

	if (!p)
		return -ENOSPC;
	e->name.p = p;
	e->name.len = len;
	e->rename = 1;
	return 0;
}

int otlp_rewrite_attr(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, size_t key_len,
		      const struct otlp_value *v)
{
	struct otlp_attr_edit *a;
	size_t mark = e->arena_used;

	if (op < OTLP_ATTR_INSERT || op > OTLP_ATTR_DELETE)
		return -EINVAL;
	if (op != OTLP_ATTR_DELETE && (!v || (v->type != OTLP_VALUE_STRING && v->type != OTLP_VALUE_BOOL &&
					      v->type != OTLP_VALUE_INT && v->type != OTLP_VALUE_DOUBLE)))
		return -EINVAL;
	if (e->n_attr >= OTLP_EDITS_MAX)
		return -ENOSPC;
	a = &e->attr[e->n_attr];
	memset(a, 0, sizeof(*a));
	a->op = op;
	a->key.p = arena_copy(e, key, key_len);
	a->key.len = key_len;
	if (!a->key.p)
		return -ENOSPC;
	if (op != OTLP_ATTR_DELETE) {
		a->value = *v;
		if (v->type == OTLP_VALUE_STRING) {
			a->value.u.b.p = arena_copy(e, v->u.b.p, v->u.b.len);
			if (!a->value.u.b.p) {
				e->arena_used = mark;
				return -ENOSPC;
			}
		}
	}
	e->n_attr++;
	return 0;
}

int otlp_rewrite_attr_str(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key,
			  const char *val, size_t val_len)
{
	struct otlp_value v = { .type = OTLP_VALUE_STRING };

	v.u.b.p = (const uint8_t *)val;
	v.u.b.len = val_len;
	return otlp_rewrite_attr(e, op, key, strlen(key), &v);
}

int otlp_rewrite_attr_int(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, int64_t val)
{
	struct otlp_value v = { .type = OTLP_VALUE_INT, .u.i = val };

	return otlp_rewrite_attr(e, op, key, strlen(key), &v);
}

int otlp_rewrite_attr_double(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, double val)
{
	struct otlp_value v = { .type = OTLP_VALUE_DOUBLE, .u.d = val };

	return otlp_rewrite_attr(e, op, key, strlen(key), &v);
}

int otlp_rewrite_attr_bool(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, int val)
{
	struct otlp_value v = { .type = OTLP_VALUE_BOOL, .u.boolean = val != 0 };

	return otlp_rewrite_attr(e, op, key, strlen(key), &v);
}
