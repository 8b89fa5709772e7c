/* config/yamltree.h (private to config/): a YAML document as a small tree
 * of nodes that remember where they start (line, column), built with
 * libyaml's event parser into an arena.
 *
 * - Scalars in VALUE position get `${env:NAME}` / `${NAME}` replaced by the
 *   environment variable (unset: error) and `$$` by `$`; keys never do.
 * - A plain empty scalar, "~" and null/Null/NULL are YN_NULL.
 * - Refused: NUL characters in scalars, aliases (*a), more than one document, a non-scalar key,
 *   nesting deeper than YAMLTREE_MAX_DEPTH, more than YAMLTREE_MAX_NODES.
 */
#ifndef SLUICE_CONFIG_YAMLTREE_H
#define SLUICE_CONFIG_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

struct arena;

#define YAMLTREE_MAX_DEPTH 64
#define YAMLTREE_MAX_NODES 200000

enum ynode_kind {
	YN_NULL = 0,
	YN_SCALAR,
	YN_MAP,
	YN_SEQ
};

struct ynode {
	enum ynode_kind kind;
	unsigned line, col;	 /* 1-based */
	bool quoted;		 /* scalar was quoted or block (not plain) */
	char style;		 /* scalar: 0 plain, '\'' single, '"' double, '|' literal, '>' folded */
	size_t index, end_index; /* libyaml marks: CHARACTER offsets of the node in the input */
	bool substituted;	 /* scalar had a ${...} replaced */
	const char *text;	 /* SCALAR (and NULL: the literal text); NUL-terminated */
	size_t len;
	struct ynode **items; /* SEQ: n items; MAP: n pairs as items[2i] key, items[2i+1] value */
	size_t n;
};

/* Parses data[0..len). Returns 0 and *root (NULL for an empty stream), or a
 * negative errno with err->msg "NAME:LINE:COL: ..." filled. */
int yamltree_parse(struct arena *a, const char *name, const char *data, size_t len, struct ynode **root,
		   struct config_error *err);

/* "a mapping", "a sequence", "a scalar", "null": for messages. */
const char *yamltree_kind_name(enum ynode_kind k);

#endif
