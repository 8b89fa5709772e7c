/* spanctx.h: what a processor sees of the span (and resource) it works on.
 *
 * Processors run one after the other on each span, and a later one must see
 * what an earlier one changed (an attribute inserted, a span renamed), while
 * the span itself is only rewritten once, by otlp_rewrite_resource_spans.
 * So edits are recorded (struct otlp_rewrite_edits) and every lookup goes
 * through this overlay: the edit of a key wins, else the input bytes. Edits
 * recorded here are already resolved (UPSERT or DELETE): the processor
 * decided insert/update against the overlay.
 *
 * Span attributes are addressed by key id (spankeys.h): a processor
 * registers the keys it names once (spanctx_key_add), the span's attributes
 * are matched to ids on the first lookup, and each id has at most one edit
 * (replaced in place), so a lookup or an edit is an array index. The same
 * matching tells the rewriter which edit each input attribute takes
 * (otlp_rewrite_edits hints), so it compares no keys either.
 *
 * Resource edits are made once per record and are append-only; res_visible
 * says how many of them the current processor may see (a filter listed
 * before a resource processor sees the resource as it came in). They are
 * looked up by key text (once a record: no ids needed).
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
#include "stages/spankeys.h"

#define SPANCTX_INDEX_MAX 48 /* resource attributes indexed; more: plain scans */

/* An attribute key a processor names: its text, and its id for span
 * attributes (SPANKEYS_NONE for resource keys). */
struct spanctx_key {
	const char *s;
	size_t len;
	uint8_t id;
};

/* Key -> value views of the resource's input attributes, built on the
 * first lookup of a record. */
struct spanctx_index {
	int state; /* 0 not built, 1 built, -1 use scans */
	uint32_t n;
	struct otlp_rewrite_attr own[SPANCTX_INDEX_MAX];
};

/* One input attribute of the span. */
struct spanctx_attr {
	struct otlp_bytes key, value; /* value: AnyValue bytes (p NULL: none) */
	const uint8_t *start;	      /* the whole field, tag included */
	uint32_t size;
	uint8_t id; /* key id, SPANKEYS_NONE: not named */
};

/* The current span's attributes by id. */
struct spanctx_span {
	const struct otlp_rewrite_span_ctx *src;
	int mode;			 /* 0 not matched, 1 by index, -1 scan raw */
	uint32_t n_in;			 /* input attributes (mode 1) */
	uint32_t n_edit;		 /* edits this span made */
	bool walking;			 /* in spanctx_each_attr: no compaction */
	uint8_t edit_id[OTLP_EDITS_MAX]; /* e->attr[k] edits key id edit_id[k] */
	struct spanctx_attr a[OTLP_REWRITE_ATTRS_MAX];
	/* by key id (SPANKEYS_NONE's entries stay -1) */
	int8_t edit[SPANKEYS_MAX + 1]; /* id -> e->attr index, -1 none */
	int8_t in[SPANKEYS_MAX + 1];   /* id -> first input attribute, -1 none */
};

struct spanctx {
	struct otlp_bytes resource;	/* input Resource bytes */
	struct otlp_rewrite_edits *res; /* resource edits of this record */
	uint32_t res_visible;		/* res->attr[0..res_visible) apply */
	const struct otlp_span *span;	/* NULL while editing the resource, and
	                                        for items that are not spans */
	struct otlp_bytes item;		/* a log record or data point (span NULL) */
	uint32_t item_field;		/* its KeyValue field number */
	struct otlp_rewrite_edits *e;	/* this span's edits */
	uint8_t *buf;			/* string scratch */
	size_t cap, used;
	uint64_t overflows;	      /* edits skipped: no room */
	bool no_hints;		      /* tests: let the rewriter compare keys */
	struct spanctx_index res_idx; /* reset for each record */
	struct spankeys keys;
	struct spanctx_span sp;
};

/* Calls fn for every attribute currently visible (input ones not deleted or
 * overridden, then set ones), with its key and value. fn returns 0 to go on
 * or non-zero to stop (returned). Edits fn makes to the same set are seen
 * only after the walk, so it may delete or set keys as it goes. */
typedef int (*spanctx_attr_fn)(void *arg, struct spanctx *c, struct otlp_bytes key,
			       const struct otlp_value *v);
int spanctx_each_attr(struct spanctx *c, bool resource, spanctx_attr_fn fn, void *arg);

/* ----- private to spanctx*.c (used by the inline functions below) ----- */
void spanctx_span_undo(struct spanctx *c);
int spanctx_get_slow(struct spanctx *c, bool resource, const struct spanctx_key *k, struct otlp_value *v);
int spanctx_value_text(struct spanctx *c, const struct otlp_value *v, struct otlp_bytes *out);
int spanctx_get_text_slow(struct spanctx *c, const struct spanctx_key *k, struct otlp_bytes *text);
int spanctx_put_id(struct spanctx *c, uint8_t id, struct otlp_bytes key, const struct otlp_value *v);
/* the resource side (spanctx_res.c) */
int spanctx_res_get(struct spanctx *c, const char *key, size_t klen, struct otlp_value *v);
int spanctx_res_put(struct spanctx *c, const char *key, size_t klen, const struct otlp_value *v);
int spanctx_res_each(struct spanctx *c, spanctx_attr_fn fn, void *arg);
/* the item side (spanctx_item.c): matches a log record's or data point's
 * attributes to key ids */
int spanctx_match_item(struct spanctx *c);
/* Input attribute i is key id: the first of its key is the one looked up. */
static inline void spanctx_attr_id(struct spanctx_span *sp, uint32_t i, uint8_t id)
{
	sp->a[i].id = id;
	if (id != SPANKEYS_NONE && sp->in[id] < 0)
		sp->in[id] = (int8_t)i;
}
/* An AnyValue's bytes as a value (p NULL: a KeyValue without one). */
int spanctx_value_of(struct otlp_bytes b, struct otlp_value *v);

/* Once, before any key is added. */
void spanctx_init(struct spanctx *c);

/* Registers key s (bytes must outlive c) for span (resource = false) or
 * resource lookups. 0, or -ENOSPC: the config names too many keys. */
int spanctx_key_add(struct spanctx *c, struct spanctx_key *k, bool resource, const char *s, size_t len);

/* Starts a span: src is what the rewriter's callback got, e its edits
 * (reset by the rewriter); c->span must be set. For a log record or a data
 * point src is NULL, c->span NULL, and c->item / c->item_field name the
 * item's bytes and its attribute field: the same overlay then serves its
 * attributes (matched to key ids by one scan of the item's fields). */
static inline void spanctx_span_begin(struct spanctx *c, const struct otlp_rewrite_span_ctx *src,
				      struct otlp_rewrite_edits *e)
{
	if (c->sp.n_edit || c->sp.mode || c->keys.n != c->keys.n_cfg)
		spanctx_span_undo(c); /* the last span matched or edited something */
	c->sp.src = src;
	c->e = e;
}
/* Starts an item that is not a span (a log record, a data point): raw
 * its bytes, field its KeyValue field number, e its edits (reset). */
static inline void spanctx_item_begin(struct spanctx *c, struct otlp_bytes raw, uint32_t field,
				      struct otlp_rewrite_edits *e)
{
	c->span = NULL;
	c->item = raw;
	c->item_field = field;
	spanctx_span_begin(c, NULL, e);
	c->sp.n_in = 0;
}

/* The item's attributes from the caller's own scan of it (a log record's
 * one decoding pass finds them), so that the overlay need not scan it:
 * right after spanctx_item_begin, each attribute field in wire order
 * (true while the index has room), then spanctx_item_done(complete: every
 * one was added). Incomplete: the overlay scans the item itself. */
bool spanctx_item_attr(struct spanctx *c, const uint8_t *start, uint32_t size, struct otlp_bytes key,
		       struct otlp_bytes value);
void spanctx_item_done(struct spanctx *c, bool complete);

/* The span is kept: tell the rewriter which edit each input attribute
 * takes. */
void spanctx_span_end(struct spanctx *c);

/* The item's bytes and attribute field number, span or not. */
static inline struct otlp_bytes spanctx_item_raw(const struct spanctx *c, uint32_t *field)
{
	if (c->span) {
		*field = OTLP_F_SPAN_ATTRIBUTES;
		return c->span->raw;
	}
	*field = c->item_field;
	return c->item;
}

/* Forget the resource attribute index (a new record). */
static inline void spanctx_res_forget(struct spanctx *c)
{
	c->res_idx.state = 0;
}

/* The same for a key known only as bytes (a key spanctx_each_attr gave). */
int spanctx_put_bytes(struct spanctx *c, bool resource, struct otlp_bytes key, const struct otlp_value *v);

int spanctx_rename(struct spanctx *c, const uint8_t *name, size_t len);

/* The span's current name. */
static inline struct otlp_bytes spanctx_name(const struct spanctx *c)
{
	struct otlp_bytes n = c->e->rename ? c->e->name : c->span->name;
	if (!n.p) /* absent name: an empty view that is safe to read */
		n.p = (const uint8_t *)"";
	return n;
}

/* n bytes of scratch, or NULL when full. */
uint8_t *spanctx_alloc(struct spanctx *c, size_t n);

/* Looks up key k of the span (resource = false) or of the resource.
 * Returns 1 with *v set, 0 if absent (or deleted), or -errno (malformed
 * input). Inline for the usual case (an input string attribute of a span
 * already matched), so that *v stays in registers. */
static inline int spanctx_get(struct spanctx *c, bool resource, const struct spanctx_key *k,
			      struct otlp_value *v)
{
	if (!resource && c->sp.mode > 0 && c->sp.edit[k->id] < 0) {
		int8_t i = c->sp.in[k->id];
		if (i < 0)
			return 0;
		struct otlp_bytes b = c->sp.a[i].value;
		if (b.p && b.len >= 2 && b.p[0] == 0x0a && b.p[1] < 0x80 && b.p[1] + 2u == b.len) {
			v->type = OTLP_VALUE_STRING;
			v->u.b.p = b.p + 2;
			v->u.b.len = b.p[1];
			return 1;
		}
	}
	return spanctx_get_slow(c, resource, k, v);
}

/* Sets k to v, or deletes it (v NULL). v is STRING, INT, DOUBLE, BOOL, or
 * ARRAY/KVLIST/BYTES as the raw bytes otlp_wire_anyvalue gives; bytes must
 * outlive the rewrite: config memory, input bytes, or spanctx_alloc.
 * 0 or -ENOSPC (counted in overflows, the edit is skipped). */
static inline int spanctx_put(struct spanctx *c, bool resource, const struct spanctx_key *k,
			      const struct otlp_value *v)
{
	if (resource)
		return spanctx_res_put(c, k->s, k->len, v);
	return spanctx_put_id(c, k->id, (struct otlp_bytes){ (const uint8_t *)k->s, k->len }, v);
}

/* The value as text, as the Collector's AsString does for scalars: strings
 * as is (a view), ints in decimal, doubles shortest round-trip, bools
 * true/false. Returns 0, -ENOTSUP (array, kvlist, bytes, empty) or -ENOSPC. */
static inline int spanctx_value_str(struct spanctx *c, const struct otlp_value *v, struct otlp_bytes *out)
{
	if (v->type == OTLP_VALUE_STRING) {
		*out = v->u.b;
		return 0;
	}
	return spanctx_value_text(c, v, out);
}

/* spanctx_get then spanctx_value_str in one: 1 with *text, 0 absent,
 * -ENOTSUP (no text form), -ENOSPC, or -errno. The usual string goes
 * straight to *text: no value in memory read back whole (a 16-byte load of
 * a value just stored as two words stalls, perf: 40 % of a rename). */
static inline int spanctx_get_text(struct spanctx *c, const struct spanctx_key *k, struct otlp_bytes *text)
{
	if (c->sp.mode > 0 && c->sp.edit[k->id] < 0) {
		int8_t i = c->sp.in[k->id];
		if (i < 0)
			return 0;
		struct otlp_bytes b = c->sp.a[i].value;
		if (b.p && b.len >= 2 && b.p[0] == 0x0a && b.p[1] < 0x80 && b.p[1] + 2u == b.len) {
			text->p = b.p + 2;
			text->len = b.p[1];
			return 1;
		}
	}
	return spanctx_get_text_slow(c, k, text);
}

#endif
