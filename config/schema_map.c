/* config/schema_map.c: the table walk: a mapping against its field table,
 * nested mappings and lists of mappings, values stored at their offsets. */
#include "config/schema.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"

int schema_abs_path(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	const char *s;
	int rc;

	if (v->kind == YN_NULL)
		return 0;
	rc = schema_str(c, v, path, &s);
	if (rc < 0)
		return rc;
	if (s[0] != '/')
		return schema_error(c, v, "%s: expected an absolute path, got \"%.80s\"", path, s);
	if (strlen(s) > 1024)
		return schema_error(c, v, "%s: path longer than 1024 bytes", path);
	*(const char **)dst = s;
	return 0;
}

static int nested_map(struct schema_ctx *c, const struct schema_field *f, const struct ynode *v, void *base,
		      void *dst, const char *path)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	int rc = schema_map(c, v, f->sub, dst, path, seen);

	if (rc == 0 && (f->flags & SF_PRESENCE))
		*(bool *)((char *)base + f->off2) = true;
	if (rc == 0 && f->check)
		rc = f->check(c, v, dst, path, seen);
	return rc;
}

static int map_list(struct schema_ctx *c, const struct schema_field *f, const struct ynode *v, void *dst,
		    size_t *count, const char *path)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	char p[300];
	char *items;
	int rc = schema_expect_seq(c, v, path);

	if (rc < 0 || v->kind == YN_NULL)
		return rc;
	items = arena_calloc(c->a, v->n ? v->n : 1, f->elem_size);
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < v->n; i++) {
		void *item = items + i * f->elem_size;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (f->init)
			f->init(item);
		rc = schema_map(c, v->items[i], f->sub, item, p, seen);
		if (rc == 0 && f->check)
			rc = f->check(c, v->items[i], item, p, seen);
		if (rc < 0)
			return rc;
	}
	*(void **)dst = items;
	*count = v->n;
	return 0;
}

static int store(struct schema_ctx *c, const struct schema_field *f, const struct ynode *v, void *base,
		 const char *path)
{
	void *dst = base ? (char *)base + f->off : NULL; /* tables of later_fn use no base */
	uint64_t u, scale = f->scale ? f->scale : 1;
	int rc, e;

	if (f->kind == SK_MAP)
		return nested_map(c, f, v, base, dst, path);
	if (f->kind == SK_REFUSE) {
		if (v->kind == YN_NULL || ((v->kind == YN_MAP || v->kind == YN_SEQ) && v->n == 0))
			return 0;
		return schema_error(c, v, "%s: not supported by sluice: %s", path, f->why);
	}
	if (v->kind == YN_NULL && f->kind != SK_CUSTOM)
		return 0; /* `key:` keeps the default */
	switch (f->kind) {
	case SK_STR:
		return schema_str(c, v, path, (const char **)dst);
	case SK_PATH:
		return schema_abs_path(c, v, dst, path);
	case SK_BOOL:
		return schema_bool(c, v, path, (bool *)dst);
	case SK_U32:
	case SK_U64:
		rc = schema_uint(c, v, path, f->min, f->max, &u);
		if (rc == 0 && f->kind == SK_U32)
			*(uint32_t *)dst = (uint32_t)(u * scale);
		else if (rc == 0)
			*(uint64_t *)dst = u * scale;
		return rc;
	case SK_DOUBLE:
		return schema_double(c, v, path, f->dmin, f->dmax, (double *)dst);
	case SK_DUR:
		return schema_duration(c, v, path, f->min, f->max, (uint64_t *)dst);
	case SK_SIZE:
		return schema_size(c, v, path, f->min, f->max, (uint64_t *)dst);
	case SK_ENUM:
		rc = schema_enum(c, v, path, f->names, &e);
		if (rc == 0)
			*(int *)dst = e;
		return rc;
	case SK_STRLIST:
		return schema_strlist(c, v, path, (const char ***)dst, (size_t *)((char *)base + f->off2));
	case SK_SEQ:
		return map_list(c, f, v, dst, (size_t *)((char *)base + f->off2), path);
	case SK_CUSTOM:
		return f->fn(c, v, dst, path);
	case SK_MAP:
	case SK_REFUSE:
		break;
	}
	return -EINVAL;
}

int schema_map(struct schema_ctx *c, const struct ynode *map, const struct schema_field *fields, void *base,
	       const char *path, const struct ynode **seen)
{
	size_t nf = 0;
	char p[256];
	int rc;

	const struct ynode *local[SCHEMA_MAX_FIELDS];

	while (fields[nf].name)
		nf++;
	if (!seen)
		seen = local;
	memset(seen, 0, nf * sizeof(*seen));
	rc = schema_expect_map(c, map, path && *path ? path : "the document");
	if (rc < 0 || map->kind == YN_NULL)
		return rc;
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *k = map->items[i], *v = map->items[i + 1];
		size_t f;

		if (k->kind != YN_SCALAR)
			return schema_error(c, k, "expected a key, got %s", yamltree_kind_name(k->kind));
		for (f = 0; f < nf; f++)
			if (!strcmp(fields[f].name, k->text))
				break;
		if (f == nf) {
			char list[400] = "";
			size_t used = 0;

			for (size_t j = 0; j < nf && used < sizeof(list); j++) {
				if (fields[j].kind == SK_REFUSE)
					continue; /* known, but not something to suggest */
				int n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "",
						 fields[j].name);
				if (n < 0)
					break;
				used += (size_t)n;
			}
			if (path && *path)
				return schema_error(c, k, "unknown key \"%.80s\" in %s (expected one of: %s)",
						    k->text, path, list);
			return schema_error(c, k, "unknown key \"%.80s\" at top level (expected one of: %s)",
					    k->text, list);
		}
		if (seen[f])
			return schema_error(c, k, "duplicate key \"%.80s\"%s%s", k->text,
					    path && *path ? " in " : "", path ? path : "");
		seen[f] = v;
		rc = store(c, &fields[f], v, base, schema_path(p, sizeof(p), path, k->text));
		if (rc < 0)
			return rc;
	}
	return 0;
}
