/* wform.h: writing edited OTLP messages, for the log and metric chains
 * (spans have otlp/rewrite.h). Every writer checks room first and returns
 * 0 or -ENOSPC; nothing allocates.
 *
 * A nested message is opened with a length slot sized like the input's
 * length prefix and closed with its real length (the body moves when the
 * varint size differs), so a message whose body did not change comes out
 * byte for byte as it went in.
 *
 *   struct wform w = { out, out + cap };
 *   uint8_t *mark; size_t slot = wform_vsize(in_len);
 *   wform_open(&w, num, slot, &mark); ... body ...; wform_close(&w, mark, slot);
 *   wform_item(&w, num, raw, attr_field, edits);   an item with its attribute edits
 *   wform_resource(&w, num, resource, edits);      a Resource with its edits
 */
#ifndef SLUICE_STAGES_WFORM_H
#define SLUICE_STAGES_WFORM_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "otlp/rewrite.h"
#include "otlp/wire.h"
#include "shm/copy.h"

struct wform {
	uint8_t *p, *end;
};

static inline size_t wform_vsize(uint64_t v)
{
	return v < 0x80 ? 1 : v < 0x4000 ? 2 : otlp_wire_varint_size(v);
}

static inline int wform_put(struct wform *w, const void *src, size_t n)
{
	if ((size_t)(w->end - w->p) < n)
		return -ENOSPC;
	w->p = copy_short(w->p, src, n); /* runs between edited fields are short */
	return 0;
}

static inline int wform_varint(struct wform *w, uint64_t v)
{
	if ((size_t)(w->end - w->p) < wform_vsize(v))
		return -ENOSPC;
	w->p = otlp_wire_put_varint(w->p, v);
	return 0;
}

/* Opens field num as a nested message: tag, then a slot of `slot` bytes. */
int wform_open(struct wform *w, uint32_t num, size_t slot, uint8_t **mark);
/* Closes it: the real length, the body moved when its varint size differs. */
int wform_close(struct wform *w, uint8_t *mark, size_t slot);

/* Field num = KeyValue{key, v}: v STRING, INT, DOUBLE, BOOL, or ARRAY /
 * KVLIST / BYTES as raw member bytes (written unchanged). -EINVAL for a
 * type an edit cannot carry. */
int wform_kv(struct wform *w, uint32_t num, struct otlp_bytes key, const struct otlp_value *v);

/* Field num holding the message raw with its attribute field attr_num
 * edited by e: resolved edits (UPSERT or DELETE), at most one a key, as
 * spanctx makes them; e->hinted says which input attributes they name
 * (otlp/rewrite.h), else keys are compared. A changed attribute keeps its
 * place, new ones go at the end, in edit order. */
int wform_item(struct wform *w, uint32_t num, struct otlp_bytes raw, uint32_t attr_num,
	       const struct otlp_rewrite_edits *e);

/* Field num holding the Resource msg (has: it was present) with e's
 * edits: append-only, the last edit of a key decides. Nothing is written
 * for an absent Resource that no edit adds to. */
int wform_resource(struct wform *w, uint32_t num, struct otlp_bytes msg, int has,
		   const struct otlp_rewrite_edits *e);

#endif
