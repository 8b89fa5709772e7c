/* otlp/rewrite.h: copy a ResourceSpans, dropping and editing spans on the way.
 *
 * otlp_rewrite_resource_spans() reads one bare ResourceSpans message and
 * writes a new one into the caller's buffer:
 *   - resource-attribute edits (optional) are applied to the Resource;
 *   - for every span a callback sees the span's bytes (decoded on request
 *     into struct otlp_span from otlp/wire.h, with an attribute index; plus
 *     the Resource bytes) and returns KEEP or DROP, and may record
 *     edits: rename, and attribute edits with typed values (string, int,
 *     double, bool);
 *   - ScopeSpans with no span left are dropped; when no span is left at all
 *     the result is 0 bytes: the caller emits nothing;
 *   - every enclosing length is recomputed (a varint length may grow or
 *     shrink); untouched spans are copied byte for byte, unknown fields too.
 * What is checked: the ResourceSpans and ScopeSpans framing always; a span's
 * fields when it is decoded (the callback asked, or the span is edited:
 * edited spans are always decoded); attribute keys of edited spans, not
 * their values. Spans copied untouched without a decode are copied as they
 * are (ingest validates whole requests before they reach the rewriter).
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

#define OTLP_EDITS_MAX 32     /* attribute edits per span (or resource) */
#define OTLP_EDITS_ARENA 4096 /* bytes for copied keys/strings per span */

/* n bytes at a and b equal? Attribute keys are mostly 8 to 16 bytes: two
 * overlapping 8-byte loads decide those without a memcmp call. */
static inline int otlp_key_bytes_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	if (n >= 8 && n <= 16) {
		uint64_t x0, y0, x1, y1;
		__builtin_memcpy(&x0, x, 8);
		__builtin_memcpy(&y0, y, 8);
		__builtin_memcpy(&x1, x + n - 8, 8);
		__builtin_memcpy(&y1, y + n - 8, 8);
		return ((x0 ^ y0) | (x1 ^ y1)) == 0;
	}
	return n == 0 || (x[0] == y[0] && __builtin_memcmp(x, y, n) == 0);
}

enum otlp_attr_op {
	OTLP_ATTR_INSERT = 1,
	OTLP_ATTR_UPDATE = 2,
	OTLP_ATTR_UPSERT = 3,
	OTLP_ATTR_SET = OTLP_ATTR_UPSERT,
	OTLP_ATTR_DELETE = 4,
};

/* One attribute edit; value.type is STRING, BOOL, INT or DOUBLE (ignored for
 * DELETE). Key and string bytes point into the edits' arena (or, for edits
 * built by hand, any memory that outlives the rewrite call).
 * An edit built by hand (not through the helpers below, which take scalars)
 * may also carry ARRAY, KVLIST or BYTES: value.u.b is then the raw member
 * bytes as otlp_wire_anyvalue() gives them (an ArrayValue / KeyValueList
 * message, or the bytes), written unchanged: copying another attribute's
 * value needs no decode. The caller vouches that such bytes are valid. */
struct otlp_attr_edit {
	enum otlp_attr_op op;
	struct otlp_bytes key;
	struct otlp_value value;
};

#define OTLP_REWRITE_ATTRS_MAX 48 /* attributes indexed per span */

/* Hints (optional, spans only): a caller that already knows where the
 * span's attributes with edited keys are says so, and the rewriter copies
 * the span around them without indexing its attributes or comparing keys.
 * With hinted = 1 the caller vouches that
 *   - hint[0..n_hint) lists, in wire order, every attribute field of the
 *     span whose key an edit names, and no other: where the whole field is
 *     (start, size: tag included, as in otlp_rewrite_attr) and which edit
 *     (index in attr[]) names its key;
 *   - no two edits name the same key.
 * Output is then byte for byte what the same edits give unhinted. Hints
 * that are out of order, outside the span, overlap its name field, or name
 * no edit are not used (the key comparing path runs instead); the span
 * must have at most one name field for them to be used.
 * otlp_rewrite_edits_reset() clears hinted. */
struct otlp_attr_hint {
	const uint8_t *start;
	uint32_t size;
	uint32_t edit;
};

struct otlp_rewrite_edits {
	struct otlp_attr_edit attr[OTLP_EDITS_MAX];
	uint32_t n_attr;
	int rename; /* 1: set the span name to name */
	struct otlp_bytes name;
	int hinted;
	uint32_t n_hint;
	struct otlp_attr_hint hint[OTLP_REWRITE_ATTRS_MAX];
	size_t arena_used;
	uint8_t arena[OTLP_EDITS_ARENA];
};

/* Forgets all edits (the rewriter does this before each span: inline). */
static inline void otlp_rewrite_edits_reset(struct otlp_rewrite_edits *e)
{
	e->n_attr = 0;
	e->rename = 0;
	e->hinted = 0;
	e->arena_used = 0;
}

/* Records a rename; copies the name. 0 or -ENOSPC (arena full). */
int otlp_rewrite_rename(struct otlp_rewrite_edits *e, const char *name, size_t len);

/* Records an attribute edit; copies key and string value. v may be NULL for
 * DELETE. Returns 0, -ENOSPC (too many edits or arena full) or -EINVAL
 * (bad op or value type). */
int otlp_rewrite_attr(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, size_t key_len,
		      const struct otlp_value *v);
int otlp_rewrite_attr_str(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key,
			  const char *val, size_t val_len);
int otlp_rewrite_attr_int(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, int64_t val);
int otlp_rewrite_attr_double(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, double val);
int otlp_rewrite_attr_bool(struct otlp_rewrite_edits *e, enum otlp_attr_op op, const char *key, int val);

/* One- or two-byte length prefix (keys and short values), else -1. */
static inline int64_t otlp_rewrite_len2(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *q = *p;

	if (q < end && q[0] < 0x80) {
		*p = q + 1;
		return q[0];
	}
	if (end - q >= 2 && q[1] < 0x80) {
		*p = q + 2;
		return (int64_t)(q[0] & 0x7f) | (int64_t)q[1] << 7;
	}
	return -1;
}

/* Splits a KeyValue in the layout every SDK writes, `0a len key 12 len
 * value` with 1- or 2-byte lengths: 1 with *key / *val set; else 0 (use
 * otlp_rewrite_kv_split). Inline: it runs for every attribute looked at. */
static inline __attribute__((always_inline)) int otlp_rewrite_kv_fast(struct otlp_bytes kv,
								      struct otlp_bytes *key,
								      struct otlp_bytes *val)
{
	const uint8_t *p = kv.p, *end = kv.p + kv.len;
	int64_t n;

	/* key and value both shorter than 128 bytes: one-byte lengths */
	if (kv.len >= 4 && p[0] == 0x0a && p[1] < 0x80) {
		size_t k = p[1];
		if (k + 4 <= kv.len && p[k + 2] == 0x12 && p[k + 3] < 0x80 && k + 4 + p[k + 3] == kv.len) {
			key->p = p + 2;
			key->len = k;
			val->p = p + k + 4;
			val->len = p[k + 3];
			return 1;
		}
	}

	if (kv.len == 0 || *p++ != 0x0a)
		return 0;
	if ((n = otlp_rewrite_len2(&p, end)) < 0 || n > end - p)
		return 0;
	key->p = p;
	key->len = (size_t)n;
	p += n;
	if (p >= end || *p++ != 0x12)
		return 0;
	if ((n = otlp_rewrite_len2(&p, end)) < 0 || n != end - p)
		return 0;
	val->p = p;
	val->len = (size_t)n;
	return 1;
}

/* Splits a KeyValue into key and AnyValue bytes without decoding the value
 * (last key / value field wins; absent key: "" of length 0; absent value:
 * p NULL). 0, or -EBADMSG / -EPROTO (key or value not a LEN field). */
int otlp_rewrite_kv_split(struct otlp_bytes kv, struct otlp_bytes *key, struct otlp_bytes *val);

/* One attribute (KeyValue field) of a decoded span: where the whole field
 * is, its key and its AnyValue bytes (value.p NULL: the KeyValue has no
 * value; key.len 0 with key.p "" : no key). */
struct otlp_rewrite_attr {
	const uint8_t *start; /* the whole field, tag included */
	size_t size;
	struct otlp_bytes key;
	struct otlp_bytes value; /* AnyValue bytes, not decoded */
	struct otlp_bytes kv;	 /* the KeyValue message */
};

/* Lazily decoded span: private to the rewriter, read it through the
 * accessors below. One scan fills both the span and the attribute index. */
struct otlp_rewrite_span_state {
	int state;	   /* 0 not decoded, 1 decoded, 2 fields 1-8 only, <0 the error */
	int attrs_indexed; /* attr[] holds every attribute in order */
	int attrs_split;   /* attr[].key / .value are filled */
	uint32_t n_attr;
	/* attributes in one run in the canonical prefix: decode only skips
	 * them; attr[] is filled from [attr_lo, attr_hi) when first asked for
	 * (most dropped spans never are) */
	int attrs_lazy;
	int attrs_run; /* every attribute is in [attr_lo, attr_hi) */
	uint32_t lazy_n;
	const uint8_t *attr_lo, *attr_hi;
	uint32_t n_name;	      /* name fields seen */
	struct otlp_bytes name_field; /* the (last) name field, tag included */
	struct otlp_span span;
	struct otlp_rewrite_attr attr[OTLP_REWRITE_ATTRS_MAX];
};

/* What the span callback sees. Nothing of the span is decoded until the
 * callback asks (otlp_rewrite_span / otlp_rewrite_span_attrs): a callback
 * that decides on the raw bytes, or none at all, costs no decode. */
struct otlp_rewrite_span_ctx {
	struct otlp_bytes resource;	    /* the input Resource bytes (may be empty) */
	struct otlp_bytes raw;		    /* the whole input Span message */
	uint32_t index;			    /* span number within the ResourceSpans */
	struct otlp_rewrite_span_state *st; /* private */
};

/* The decoded span (otlp_wire_span's fields), decoded on the first call and
 * kept for the rest of this span. 0 with *out set, or the negative errno of
 * otlp_wire_span (the rewrite then fails with it even if the callback goes
 * on). */
int otlp_rewrite_span(const struct otlp_rewrite_span_ctx *ctx, const struct otlp_span **out);

/* The span's fields 1-8 only (ids, trace_state, name, kind, times): read
 * up to its first field numbered 9 or more; the other members of *out are
 * zero (no attributes, events, links or status). For a span whose fields
 * 1-8 come before all others, in number order, each at most once (the
 * caller knows: RECORD_F_HEADS_FIRST in shm/record.h), these are the values
 * otlp_rewrite_span gives, without walking the attributes; for any other
 * span they may not be. A later otlp_rewrite_span or attribute call on the
 * span decodes it whole. 0 with *out set, or a negative errno. */
int otlp_rewrite_span_head(const struct otlp_rewrite_span_ctx *ctx, const struct otlp_span **out);

/* The span's attributes as found by the same scan, keys and value bytes not
 * decoded. Returns 1 with *attrs / *n set (every attribute, in wire order),
 * 0 if not indexed (more than OTLP_REWRITE_ATTRS_MAX, or a KeyValue in a
 * layout the index does not take: scan span->raw instead), or a negative
 * errno (malformed span). */
int otlp_rewrite_span_attrs(const struct otlp_rewrite_span_ctx *ctx, const struct otlp_rewrite_attr **attrs,
			    uint32_t *n);

/* The span's attributes as one run of fields [*lo, *hi): *n KeyValue
 * fields in a row, each a 0x42 tag and a 1- or 2-byte length within the run
 * (checked), and no attribute elsewhere in the span. Returns 1 with them
 * set; 0 when the attributes are laid out otherwise (use
 * otlp_rewrite_span_attrs); or a negative errno (malformed span). Inline:
 * the span is usually decoded already. */
static inline int otlp_rewrite_span_attr_run(const struct otlp_rewrite_span_ctx *ctx, const uint8_t **lo,
					     const uint8_t **hi, uint32_t *n)
{
	const struct otlp_rewrite_span_state *st = ctx->st;
	if (st->state != 1) {
		const struct otlp_span *sp;
		int rc = otlp_rewrite_span(ctx, &sp);
		if (rc < 0)
			return rc;
	}
	if (!st->attrs_run)
		return 0;
	*lo = st->attr_lo;
	*hi = st->attr_hi;
	*n = st->lazy_n;
	return 1;
}

enum {
	OTLP_REWRITE_DROP = 0,
	OTLP_REWRITE_KEEP = 1
};

/* Returns OTLP_REWRITE_KEEP or OTLP_REWRITE_DROP, or a negative errno that
 * aborts the rewrite (returned as is). Edits made for a dropped span are
 * ignored. e was reset before the call. */
typedef int (*otlp_rewrite_span_fn)(void *arg, const struct otlp_rewrite_span_ctx *ctx,
				    struct otlp_rewrite_edits *e);

struct otlp_rewrite_result {
	uint32_t spans_in;
	uint32_t spans_kept;
	uint32_t scope_spans_kept;
	/* spans written with edits, plus one if the Resource was edited: 0,
	 * with every span kept and len == in_len, means out is a byte copy of
	 * in (a caller may reuse what it knows of in, e.g. its checksum) */
	uint32_t edits;
	size_t len; /* bytes written (as returned) */
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
int64_t otlp_rewrite_resource_spans(const void *in, size_t in_len, uint8_t *out, size_t out_cap,
				    const struct otlp_rewrite_edits *resource_edits, otlp_rewrite_span_fn fn,
				    void *arg, struct otlp_rewrite_edits *scratch,
				    struct otlp_rewrite_result *res);

#endif
