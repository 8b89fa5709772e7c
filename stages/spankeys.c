/* spankeys.c: the key table. Config keys hang off a chain per key length:
 * a span attribute whose length no config key has is ruled out by one
 * load, and the rest mostly by one comparison. */
#include "stages/spankeys.h"

#include <errno.h>
#include <string.h>

void spankeys_init(struct spankeys *k)
{
	k->n_cfg = k->n = 0;
	memset(k->head, SPANKEYS_NONE, sizeof k->head);
	memset(k->next, SPANKEYS_NONE, sizeof k->next);
}

int spankeys_add(struct spankeys *k, const char *s, size_t len)
{
	uint8_t id = spankeys_find(k, (const uint8_t *)s, len);
	if (id != SPANKEYS_NONE)
		return id;
	if (k->n_cfg >= SPANKEYS_CONFIG_MAX)
		return -ENOSPC;
	id = (uint8_t)k->n_cfg++;
	k->n = k->n_cfg;
	k->key[id].p = (const uint8_t *)s;
	k->key[id].len = len;
	uint8_t *h = &k->head[len < 63 ? len : 63];
	k->next[id] = *h;
	*h = id;
	return id;
}

uint8_t spankeys_span_add(struct spankeys *k, const uint8_t *p, size_t len)
{
	if (k->n >= SPANKEYS_MAX)
		return SPANKEYS_NONE;
	uint8_t id = (uint8_t)k->n++;
	k->key[id].p = p;
	k->key[id].len = len;
	return id;
}
