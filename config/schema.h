/* config/schema.h (private to config/): checks a ynode tree against field
 * tables and stores typed values into the config structs; every error
 * names FILE:LINE:COL, the key path, what was expected and what was found.
 * The same tables drive the printer (config/print.h), so what loads and
 * what `sluice check` prints cannot drift apart.
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
	const char *src; /* the file's bytes (for OTTL condition positions) */
	size_t src_len;
	/* where sections were given, for errors found in checks that span
	 * sections (NULL when absent) */
	const struct ynode *at_processors;
	const struct ynode *at_rings[3]; /* ingest_process, process_batch, batch_export */
};

enum schema_kind {
	SK_STR,	    /* const char * */
	SK_BOOL,    /* bool */
	SK_U32,	    /* uint32_t, min..max, times scale */
	SK_U64,	    /* uint64_t, min..max, times scale */
	SK_DOUBLE,  /* double, dmin..dmax */
	SK_DUR,	    /* uint64_t ns, min..max */
	SK_SIZE,    /* uint64_t bytes, min..max */
	SK_ENUM,    /* int (or enum): index into names[] */
	SK_STRLIST, /* const char ** at off, size_t count at off2 */
	SK_CUSTOM,  /* fn(ctx, value node, base + off, path); printed by `print` */
	SK_PATH,    /* const char *: an absolute path */
	SK_MAP,	    /* a nested mapping: table `sub` at base + off, then `check`;
	               SF_PRESENCE: a bool at off2 is set when the key is given */
	SK_SEQ,	    /* a list of mappings: an array of elem_size items (`init`, then
	               `sub`, then `check` each) at off, size_t count at off2 */
	SK_REFUSE,  /* a Collector key sluice does not support: an error saying `why`
	               (null and empty values are accepted and ignored) */
};

/* Field flags. */
#define SF_OMIT_EMPTY 1u /* not printed when zero / NULL / empty */
#define SF_PRESENCE 2u	 /* SK_MAP: see above */
#define SF_NOPRINT 4u	 /* never printed (accepted for compatibility only) */

struct schema_field;
struct printer;
typedef int (*schema_fn)(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);
/* Checks after a mapping was walked: v the mapping node, obj what it filled,
 * seen[i] the value node of field i (or NULL). */
typedef int (*schema_check_fn)(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			       const struct ynode *const *seen);
/* Prints field f (key and value) whose value is at `value`, at `indent`. */
typedef void (*schema_print_fn)(struct printer *p, int indent, const struct schema_field *f,
				const void *value);

struct schema_field {
	const char *name;
	enum schema_kind kind;
	size_t off;
	size_t off2;
	uint64_t min, max;
	double dmin, dmax;
	uint64_t scale;			/* SK_U32/SK_U64: stored value = given * scale (0 = 1) */
	const char *const *names;	/* SK_ENUM: NULL-terminated */
	schema_fn fn;			/* SK_CUSTOM */
	const struct schema_field *sub; /* SK_MAP, SK_SEQ */
	size_t elem_size;		/* SK_SEQ */
	void (*init)(void *item);	/* SK_SEQ: defaults of an item */
	schema_check_fn check;		/* SK_MAP, SK_SEQ (each item) */
	schema_print_fn print;		/* SK_CUSTOM (NULL: not printed) */
	unsigned flags;			/* SF_* */
	const char *why;		/* SK_REFUSE */
};

/* Error at node n (or at 0:0 when n is NULL): "FILE:L:C: fmt...". Returns -EINVAL. */
int schema_error(struct schema_ctx *c, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same at a position (for places inside a scalar). */
int schema_error_at(struct schema_ctx *c, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Walks mapping `map` (a YN_MAP or YN_NULL) against `fields`, storing into
 * base. `path` is the dotted key path for messages ("processors.batch").
 * seen (may be NULL; else SCHEMA_MAX_FIELDS entries) gets, per field index,
 * the value node or NULL. */
int schema_map(struct schema_ctx *c, const struct ynode *map, const struct schema_field *fields, void *base,
	       const char *path, const struct ynode **seen);

/* Converters used by tables and by custom handlers. Each checks the node's
 * kind and value and reports errors itself. */
int schema_str(struct schema_ctx *c, const struct ynode *v, const char *path, const char **out);
int schema_bool(struct schema_ctx *c, const struct ynode *v, const char *path, bool *out);
int schema_uint(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min, uint64_t max,
		uint64_t *out);
int schema_double(struct schema_ctx *c, const struct ynode *v, const char *path, double min, double max,
		  double *out);
int schema_duration(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min, uint64_t max,
		    uint64_t *out);
int schema_size(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t min, uint64_t max,
		uint64_t *out);
int schema_enum(struct schema_ctx *c, const struct ynode *v, const char *path, const char *const *names,
		int *out);
/* A sequence of scalars (a single scalar is also accepted as a list of one). */
int schema_strlist(struct schema_ctx *c, const struct ynode *v, const char *path, const char ***out,
		   size_t *n);
/* Requires a mapping (null counts as empty); for custom handlers. */
int schema_expect_map(struct schema_ctx *c, const struct ynode *v, const char *path);
int schema_expect_seq(struct schema_ctx *c, const struct ynode *v, const char *path);

/* Typed value (struct sluice_value) from a scalar, as config.h describes. */
int schema_value(struct schema_ctx *c, const struct ynode *v, const char *path, struct sluice_value *out);

/* Absolute path (SK_PATH's check), for custom handlers. */
int schema_abs_path(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);

/* child path "parent.key" into buf (cut to fit). */
const char *schema_path(char *buf, size_t size, const char *parent, const char *key);

#endif
