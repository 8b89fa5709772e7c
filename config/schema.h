/* config/schema.h (private to config/): checks a ynode tree against field
 * tables and stores typed values into the config structs; every error
 * names FILE:LINE:COL, the key path, what was expected and what was found.
 *
 * A table is an array of struct schema_field ending with {NULL}. A null
 * value (`key:` or `key: ~`) keeps the default. Unknown and duplicate keys
 * are errors. */
#ifndef SLUICE_CONFIG_SCHEMA_H
#define SLUICE_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "config/yamltree.h"

struct arena;

#define SCHEMA_MAX_FIELDS 32 /* fields in one table */

struct schema_ctx {
	struct arena *a;
	const char *file;
	struct config_error *err;
	/* where sections were given, for errors found in checks that span
	 * sections (NULL when absent) */
	const struct ynode *at_processors;
	const struct ynode *at_rings[3]; /* ingest_process, process_batch, batch_export */
};

enum schema_kind {
	SK_STR,     /* const char * */
	SK_BOOL,    /* bool */
	SK_U32,     /* uint32_t, min..max, times scale */
	SK_U64,     /* uint64_t, min..max, times scale */
	SK_DOUBLE,  /* double, dmin..dmax */
	SK_DUR,     /* uint64_t ns, min..max */
	SK_SIZE,    /* uint64_t bytes, min..max */
	SK_ENUM,    /* int (or enum): index into names[] */
	SK_STRLIST, /* const char ** at off, size_t count at off2 */
	SK_CUSTOM,  /* fn(ctx, value node, base + off, path) */
};

struct schema_field;
typedef int (*schema_fn)(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);

struct schema_field {
	const char *name;
	enum schema_kind kind;
	size_t off;
	size_t off2;
	uint64_t min, max;
	double dmin, dmax;
	uint64_t scale;            /* SK_U32/SK_U64: stored value = given * scale (0 = 1) */
	const char *const *names;  /* SK_ENUM: NULL-terminated */
	schema_fn fn;              /* SK_CUSTOM */
};

/* Error at node n (or at 0:0 when n is NULL): "FILE:L:C: fmt...". Returns -EINVAL. */
int schema_error(struct schema_ctx *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Walks mapping `map` (a YN_MAP or YN_NULL) against `fields`, storing into
 * base. `path` is the dotted key path for messages ("processors.batch").
 * seen (may be NULL; else SCHEMA_MAX_FIELDS entries) gets, per field index,
 * the value node or NULL. */
int schema_map(struct schema_ctx *c, const struct ynode *map, const struct schema_field *fields,
	       void *base, const char *path, const struct ynode **seen);

/* Converters used by tables and by custom handlers. Each checks the node's
 * kind and value and reports errors itself. */
int schema_str(struct schema_ctx *c, const struct ynode *v, const char *path, const char **out);
int schema_bool(struct schema_ctx *c, const struct ynode *v, const char *path, bool *out);
int schema_uint(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min,
		uint64_t max, uint64_t *out);
int schema_double(struct schema_ctx *c, const struct ynode *v, const char *path, double min,
		  double max, double *out);
int schema_duration(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min,
		    uint64_t max, uint64_t *out);
int schema_size(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min,
		uint64_t max, uint64_t *out);
int schema_enum(struct schema_ctx *c, const struct ynode *v, const char *path,
		const char *const *names, int *out);
/* A sequence of scalars (a single scalar is also accepted as a list of one). */
int schema_strlist(struct schema_ctx *c, const struct ynode *v, const char *path,
		   const char ***out, size_t *n);
/* Requires a mapping (null counts as empty); for custom handlers. */
int schema_expect_map(struct schema_ctx *c, const struct ynode *v, const char *path);
int schema_expect_seq(struct schema_ctx *c, const struct ynode *v, const char *path);

/* Typed value (struct sluice_value) from a scalar, as config.h describes. */
int schema_value(struct schema_ctx *c, const struct ynode *v, const char *path,
		 struct sluice_value *out);

/* child path "parent.key" into buf (cut to fit). */
const char *schema_path(char *buf, size_t size, const char *parent, const char *key);

#endif
