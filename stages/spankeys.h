/* spankeys.h: span attribute keys as small ids.
 *
 * The keys processors name in the config (an action's key, from_attribute,
 * a rename's from_attributes, a filter's attributes, a regex group that
 * becomes an attribute) are known before the first span. Each gets an id
 * when the chain is built; a span's attributes are matched against that
 * table once, and from then on lookups and edits are array indexing by id
 * instead of key comparisons (spanctx.h). Keys only seen at run time (a
 * pattern action editing whatever key matches) get a per-span id on first
 * edit, forgotten at the next span.
 *
 *   spankeys_init(&k);
 *   id = spankeys_add(&k, "http.route", 10);      config time; < 0: full
 *   id = spankeys_find(&k, p, n);                 SPANKEYS_NONE if unknown
 *   id = spankeys_span_add(&k, p, n);             run time, this span only
 *   spankeys_span_reset(&k);                      at each span
 */
#ifndef SLUICE_STAGES_SPANKEYS_H
#define SLUICE_STAGES_SPANKEYS_H

#include <stddef.h>
#include <stdint.h>

#include "otlp/rewrite.h"

#define SPANKEYS_MAX 255	/* ids 0..254 */
#define SPANKEYS_CONFIG_MAX 192 /* of which named by the config */
#define SPANKEYS_NONE 0xff

struct spankeys {
	uint32_t n_cfg; /* ids [0, n_cfg): config keys */
	uint32_t n;	/* ids [n_cfg, n): this span's */
	struct otlp_bytes key[SPANKEYS_MAX];
	uint8_t head[64]; /* config ids by key length (63: longer) */
	uint8_t next[SPANKEYS_MAX];
};

void spankeys_init(struct spankeys *k);

/* The id of key (added if new). -ENOSPC when SPANKEYS_CONFIG_MAX keys are
 * already named. The bytes must outlive the table. */
int spankeys_add(struct spankeys *k, const char *s, size_t len);

/* Id of a config key; SPANKEYS_NONE if the config names no such key. */
static inline uint8_t spankeys_find_cfg(const struct spankeys *k, const uint8_t *p, size_t len)
{
	for (uint8_t id = k->head[len < 63 ? len : 63]; id != SPANKEYS_NONE; id = k->next[id])
		if (k->key[id].len == len && otlp_key_bytes_eq(k->key[id].p, p, len))
			return id;
	return SPANKEYS_NONE;
}

/* Id of a key, config or this span's; SPANKEYS_NONE if it has none. */
static inline uint8_t spankeys_find(const struct spankeys *k, const uint8_t *p, size_t len)
{
	uint8_t id = spankeys_find_cfg(k, p, len);
	if (id != SPANKEYS_NONE)
		return id;
	for (uint32_t id = k->n_cfg; id < k->n; id++)
		if (k->key[id].len == len && otlp_key_bytes_eq(k->key[id].p, p, len))
			return (uint8_t)id;
	return SPANKEYS_NONE;
}

/* A per-span id for a key without one; SPANKEYS_NONE when the span has
 * used them all. The bytes must stay valid for the span. */
uint8_t spankeys_span_add(struct spankeys *k, const uint8_t *p, size_t len);

static inline void spankeys_span_reset(struct spankeys *k)
{
	k->n = k->n_cfg;
}

#endif
