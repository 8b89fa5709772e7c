/* shm/donemark.c - the done-mark region: layout, checks, lookup, copy.
 *
 * A reader checks the header and every entry (name, slots, offsets in
 * order and inside the region, no overlap) before it hands out a pointer:
 * overlapping entries could make one exporter's mark read as another's,
 * which would skip a record that exporter never had. */
#include "shm/donemark.h"

#include <errno.h>
#include <string.h>

#define WORDS_ALIGN 64u

static uint64_t align_up(uint64_t v)
{
	return (v + WORDS_ALIGN - 1) & ~(uint64_t)(WORDS_ALIGN - 1);
}

static uint32_t pow2_up(uint32_t v)
{
	uint32_t p = 1;

	while (p < v && p < DONEMARK_MAX_SLOTS)
		p <<= 1;
	return p;
}

static uint64_t words_start(uint32_t n)
{
	return align_up(sizeof(struct donemark_region) + (uint64_t)n * sizeof(struct donemark_entry));
}

static bool spec_ok(const struct donemark_spec *s)
{
	return s->exporter && s->exporter[0] && strnlen(s->exporter, SEG_NAME_SIZE) < SEG_NAME_SIZE &&
	       s->slots > 0 && s->slots <= DONEMARK_MAX_SLOTS;
}

uint64_t donemark_region_size(const struct donemark_spec *s, uint32_t n)
{
	uint64_t size;

	if (n > DONEMARK_MAX)
		return 0;
	size = words_start(n);
	for (uint32_t i = 0; i < n; i++) {
		if (!spec_ok(&s[i]))
			return 0;
		size += align_up((uint64_t)pow2_up(s[i].slots) * 8);
	}
	return size;
}

int donemark_region_format(void *mem, uint64_t size, const struct donemark_spec *s, uint32_t n)
{
	struct donemark_region *r = mem;
	uint64_t off;

	if (!mem || donemark_region_size(s, n) == 0 || donemark_region_size(s, n) > size)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < i; j++)
			if (s[i].ring == s[j].ring && strcmp(s[i].exporter, s[j].exporter) == 0)
				return -EINVAL;
	off = words_start(n);
	for (uint32_t i = 0; i < n; i++) {
		struct donemark_entry *e = &r->e[i];

		memset(e, 0, sizeof(*e));
		e->ring = s[i].ring;
		e->slots = pow2_up(s[i].slots);
		e->off = off;
		memcpy(e->exporter, s[i].exporter, strlen(s[i].exporter));
		off += align_up((uint64_t)e->slots * 8);
	}
	r->version = DONEMARK_VERSION;
	r->n = n;
	r->magic = DONEMARK_MAGIC;
	return 0;
}

/* The region's entries when every one is sound, else NULL. */
static const struct donemark_region *checked(const void *mem, uint64_t size)
{
	const struct donemark_region *r = mem;
	uint64_t end;

	if (!r || size < sizeof(*r) || r->magic != DONEMARK_MAGIC || r->version != DONEMARK_VERSION ||
	    r->n > DONEMARK_MAX || words_start(r->n) > size)
		return NULL;
	end = words_start(r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		const struct donemark_entry *e = &r->e[i];

		if (!memchr(e->exporter, '\0', sizeof(e->exporter)) || !e->exporter[0] || e->slots == 0 ||
		    e->slots > DONEMARK_MAX_SLOTS || (e->slots & (e->slots - 1)) || e->off % WORDS_ALIGN ||
		    e->off < end || e->off > size || (uint64_t)e->slots * 8 > size - e->off)
			return NULL;
		end = e->off + (uint64_t)e->slots * 8;
	}
	return r;
}

static const struct donemark_entry *find(const struct donemark_region *r, uint32_t ring, const char *exporter,
					 uint32_t slots)
{
	for (uint32_t i = 0; r && i < r->n; i++)
		if (r->e[i].ring == ring && (!slots || r->e[i].slots == slots) &&
		    strcmp(r->e[i].exporter, exporter) == 0)
			return &r->e[i];
	return NULL;
}

uint32_t donemark_region_copy(void *dst, uint64_t dsize, const void *src, uint64_t ssize)
{
	const struct donemark_region *d = checked(dst, dsize), *s = checked(src, ssize);
	uint32_t copied = 0;

	for (uint32_t i = 0; d && s && i < d->n; i++) {
		const struct donemark_entry *e = find(s, d->e[i].ring, d->e[i].exporter, d->e[i].slots);

		if (!e)
			continue;
		memcpy((uint8_t *)dst + d->e[i].off, (const uint8_t *)src + e->off, (size_t)e->slots * 8);
		copied++;
	}
	return copied;
}

int donemark_for(struct segment *seg, uint32_t ring, const char *exporter, struct donemark *m)
{
	uint64_t size = 0;
	void *mem = seg && exporter ? segment_aux(seg, DONEMARK_REGION_NAME, &size) : NULL;
	const struct donemark_entry *e = find(checked(mem, size), ring, exporter, 0);

	m->words = NULL;
	m->mask = 0;
	if (!e)
		return -ENOENT;
	m->words = (_Atomic uint64_t *)((uint8_t *)mem + e->off);
	m->mask = e->slots - 1;
	return 0;
}
