/* otlp/rewrite.h: copy a ResourceSpans, dropping and editing spans on the way.
 *
 * otlp_rewrite_resource_spans() reads one bare ResourceSpans message and
 * writes a new one into the caller's buffer:
 *   - resource-attribute edits (optional) are applied to the Resource;
 *   - for every span a callback sees the decoded span (struct otlp_span from
 *     otlp/wire.h, plus the Resource and scope bytes) and returns KEEP or
 *     DROP, and may record edits: rename, and attribute edits with typed
 *     values (string, int, double, bool);
 *   - ScopeSpans with no span left are dropped; when no span is left at all
 *     the result is 0 bytes: the caller emits nothing;
 *   - every enclosing length is recomputed (a varint length may grow or
 *     shrink); untouched spans are copied byte for byte, unknown fields too.
 * No allocation: the caller provides the output buffer and one
 * struct otlp_rewrite_edits reused for every span. Edit helpers copy keys and
 * string values into the edits' arena, so a callback may build a value in a
 * stack buffer (a hash, a regex capture) and hand it over.
 *
 * Attribute semantics follow the OpenTelemetry Collector's attributes
 * processor: INSERT adds only if the key is absent, UPDATE changes only an
 * existing key, UPSERT (= SET) does either, DELETE removes every attribute with
 * the key. Edits apply in the order given, as if one after the other. A
 * changed attribute keeps its position (written anew as key + value: unknown
 * fields inside that one KeyValue are not kept); new ones go at the end.
 *
 * Framing of records into a request body: otlp/frame.h (included).
 */
#ifndef SLUICE_OTLP_REWRITE_H
#define SLUICE_OTLP_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/frame.h"
#include "otlp/wire.h"

#define OTLP_EDITS_MAX 32        /* attribute edits per span (or resource) */
#define OTLP_EDITS_ARENA 4096    /* bytes for copied keys/strings per span */

enum otlp_attr_op {
	OTLP_ATTR_INSERT = 1,
	OTLP_ATTR_UPDATE = 2,
	OTLP_ATTR_UPSERT = 3,
	OTLP_ATTR_SET = OTLP_ATTR_UPSERT,
	OTLP_ATTR_DELETE = 4,
};

/* One attribute edit; value.type is STRING, BOOL, INT or DOUBLE (ignored for
 * DELETE). Key and string bytes point into the edits' arena (or, for edits
 * built by hand, any memory that outlives the rewrite call). */
struct otlp_attr_edit {
	enum otlp_attr_op op;
	struct otlp_bytes key;
	struct otlp_value value;
};

struct otlp_rewrite_edits {
	struct otlp_attr_edit attr[OTLP_EDITS_MAX];
	uint32_t n_attr;
	int rename;                  /* 1: set the span name to name */
	struct otlp_bytes name;
	size_t arena_used;
	uint8_t arena[OTLP_EDITS_ARENA];
};

/* Forgets all edits (the rewriter does this before each span). */
void otlp_rewrite_edits_reset(struct otlp_rewrite_edits *e);

/* Records a rename; copies the name. 0 or -ENOSPC (arena full). */
int otlp_rewrite_rename(struct otlp_rewrite_edits *e, const char *name, size_t len);

/* Records an attribute edit; copies key and string value. v may be NULL for
 * DELETE. Returns 0, -ENOSPC (too many edits or arena full) or -EINVAL
 * (bad op or value type). */
int otlp_rewrite_attr(struct otlp_rewrite_edits *e, enum otlp_attr_op op,
		      const char *key, size_t key_len, const struct otlp_value *v);
int otlp_rewrite_attr_str(struct otlp_rewrite_edits *e, enum otlp_attr_op op,
			  const char *key, const char *val, size_t val_len);
int otlp_rewrite_attr_int(struct otlp_rewrite_edits *e, enum otlp_attr_op op,
			  const char *key, int64_t val);
int otlp_rewrite_attr_double(struct otlp_rewrite_edits *e, enum otlp_attr_op op,
			     const char *key, double val);
int otlp_rewrite_attr_bool(struct otlp_rewrite_edits *e, enum otlp_attr_op op,
			   const char *key, int val);

/* What the span callback sees. */
struct otlp_rewrite_span_ctx {
	struct otlp_bytes resource;  /* the input Resource bytes (may be empty) */
	struct otlp_bytes scope;     /* the input InstrumentationScope bytes */
	const struct otlp_span *span;
	uint32_t index;              /* span number within the ResourceSpans */
};

enum { OTLP_REWRITE_DROP = 0, OTLP_REWRITE_KEEP = 1 };

/* Returns OTLP_REWRITE_KEEP or OTLP_REWRITE_DROP, or a negative errno that
 * aborts the rewrite (returned as is). Edits made for a dropped span are
 * ignored. e was reset before the call. */
typedef int (*otlp_rewrite_span_fn)(void *arg, const struct otlp_rewrite_span_ctx *ctx,
				    struct otlp_rewrite_edits *e);

struct otlp_rewrite_result {
	uint32_t spans_in;
	uint32_t spans_kept;
	uint32_t scope_spans_kept;
	size_t len;                  /* bytes written (as returned) */
};

/* Rewrites the ResourceSpans in[0..in_len) into out[0..out_cap).
 * resource_edits: attribute edits for the Resource (NULL: none; a Resource
 *   is created if an insert needs one). Its rename field is ignored.
 * fn: per-span callback (NULL: keep every span unchanged).
 * scratch: edits storage reused for every span (needed if fn is set).
 * res: optional summary.
 * Returns the output length (0: no span left, emit nothing), or
 * -ENOSPC (out too small; out_cap >= in_len is always enough when no edit
 * adds bytes), -EBADMSG / -EPROTO (malformed input, see wire.h), or the
 * callback's error. */
int64_t otlp_rewrite_resource_spans(const void *in, size_t in_len,
				    uint8_t *out, size_t out_cap,
				    const struct otlp_rewrite_edits *resource_edits,
				    otlp_rewrite_span_fn fn, void *arg,
				    struct otlp_rewrite_edits *scratch,
				    struct otlp_rewrite_result *res);

#endif
