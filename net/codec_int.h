/* net/codec_int.h (private to net/codec*.c): the igzip encoder codec.c
 * uses for the deflate family at level 1 (codec_isal.c). */
#ifndef SLUICE_NET_CODEC_INT_H
#define SLUICE_NET_CODEC_INT_H

#include <stdbool.h>

#include "net/codec.h"

/* True when the build has libisal (SLUICE_HAVE_ISAL). */
bool codec_isal_available(void);
/* Compress in[0..n) as gzip, zlib or raw deflate (c) at igzip level 1 into
 * out[0..cap). *state is made at the first call (codec_isal_free frees
 * it). Returns the length, -ENOSPC if it does not fit, -ENOTSUP without
 * libisal or for sizes igzip cannot take, -ENOMEM. */
ssize_t codec_isal_encode(void **state, enum codec c, const void *in, size_t n, void *out, size_t cap);
void codec_isal_free(void *state);

#endif
