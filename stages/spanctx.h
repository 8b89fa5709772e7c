/* spanctx.h: what a processor sees of the span (and resource) it works on.
 *
 * Processors run one after the other on each span, and a later one must see
 * what an earlier one changed (an attribute inserted, a span renamed), while
 * the span itself is only rewritten once, by otlp_rewrite_resource_spans.
 * So edits are recorded (struct otlp_rewrite_edits) and every lookup goes
 * through this overlay: the newest visible edit of a key wins, else the
 * input bytes. Edits recorded here are already resolved (UPSERT or DELETE):
 * the processor decided insert/update against the overlay.
 *
 * Resource edits are made once per record and are append-only; res_visible
 * says how many of them the current processor may see (a filter listed
 * before a resource processor sees the resource as it came in).
 *
 * Strings a processor builds (hash hex, joined names, number text) go into
 * a scratch buffer that is reset before each span; the rewriter copies the
 * span before the next one starts, so views into it stay valid long enough.
 */
#ifndef SLUICE_STAGES_SPANCTX_H
#define SLUICE_STAGES_SPANCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlp/rewrite.h"
#include "otlp/wire.h"

#define SPANCTX_INDEX_MAX 48  /* attributes indexed per span; more: plain scans */

/* Key -> value views of one message's input attributes, built on the first
 * lookup: several processors look up several keys, and one scan of the
 * KeyValues (keys only, values decoded on a hit) serves them all. For a
 * span the rewriter's decode already found them: the index is a view of
 * its array, nothing is copied. */
struct spanctx_index {
	int state;                           /* 0 not built, 1 built, -1 use scans */
	uint32_t n;
	const struct otlp_rewrite_attr *a;   /* a[0..n): .key and .value set */
	/* span being rewritten (NULL: scan msg into own[]) */
	const struct otlp_rewrite_span_ctx *src;
	struct otlp_rewrite_attr own[SPANCTX_INDEX_MAX];
};

struct spanctx {
	struct otlp_bytes resource;          /* input Resource bytes */
	struct otlp_rewrite_edits *res;      /* resource edits of this record */
	uint32_t res_visible;                /* res->attr[0..res_visible) apply */
	const struct otlp_span *span;        /* NULL while editing the resource */
	struct otlp_rewrite_edits *e;        /* this span's edits */
	uint8_t *buf;                        /* string scratch */
	size_t cap, used;
	uint64_t overflows;                  /* edits skipped: no room */
	struct spanctx_index span_idx;       /* reset for each span */
	struct spanctx_index res_idx;        /* reset for each record */
};

/* Forget the attribute index (the span or record changed). */
static inline void spanctx_forget(struct spanctx_index *x) { x->state = 0; }

/* Looks up attribute key of the span (resource = false) or of the
 * resource. Returns 1 with *v set, 0 if absent (or deleted), or -errno
 * (malformed input). */
int spanctx_attr(struct spanctx *c, bool resource, const char *key, size_t klen,
		 struct otlp_value *v);

/* The span's current name. */
struct otlp_bytes spanctx_name(const struct spanctx *c);

/* Sets key to v (STRING, INT, DOUBLE, BOOL, or ARRAY/KVLIST/BYTES as the
 * raw bytes otlp_wire_anyvalue gives; bytes must outlive the rewrite:
 * config memory, input bytes, or spanctx_alloc). 0 or -ENOSPC
 * (counted in overflows, the edit is skipped). */
int spanctx_set(struct spanctx *c, bool resource, const char *key, size_t klen,
		const struct otlp_value *v);
int spanctx_del(struct spanctx *c, bool resource, const char *key, size_t klen);
int spanctx_rename(struct spanctx *c, const uint8_t *name, size_t len);

/* n bytes of scratch, or NULL when full. */
uint8_t *spanctx_alloc(struct spanctx *c, size_t n);

/* The value as text, as the Collector's AsString does for scalars: strings
 * as is (a view), ints in decimal, doubles shortest round-trip, bools
 * true/false. Returns 0, -ENOTSUP (array, kvlist, bytes, empty) or -ENOSPC. */
int spanctx_value_str(struct spanctx *c, const struct otlp_value *v, struct otlp_bytes *out);

/* Calls fn for every attribute currently visible (input ones not deleted or
 * overridden, then set ones), with its key and value. fn returns 0 to go on
 * or non-zero to stop (returned). Edits fn makes to the same set are seen
 * only after the walk, so it may delete or set keys as it goes. */
typedef int (*spanctx_attr_fn)(void *arg, struct spanctx *c, struct otlp_bytes key,
			       const struct otlp_value *v);
int spanctx_each_attr(struct spanctx *c, bool resource, spanctx_attr_fn fn, void *arg);

static inline bool spanctx_key_eq(struct otlp_bytes k, const char *key, size_t klen)
{
	return k.len == klen && otlp_key_bytes_eq(k.p, key, klen);
}

#endif
