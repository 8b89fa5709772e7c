/* config/arena.h (private to config/): a bump allocator that owns
 * everything a loaded config points to, so config_free is one call and a
 * failed load leaks nothing. Not thread-safe; one arena per load. */
#ifndef SLUICE_CONFIG_ARENA_H
#define SLUICE_CONFIG_ARENA_H

#include <stddef.h>

struct arena;

struct arena *arena_new(void);	  /* NULL on ENOMEM */
void arena_free(struct arena *a); /* NULL is fine */
/* Zeroed, 16-byte aligned; NULL on ENOMEM or when n is absurd (> 1 GiB). */
void *arena_alloc(struct arena *a, size_t n);
/* Zeroed array of n elements of size sz, checked for overflow. */
void *arena_calloc(struct arena *a, size_t n, size_t sz);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_used(const struct arena *a); /* bytes handed out */

#endif
