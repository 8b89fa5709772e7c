/* net/codec.h: whole-body compression for HTTP and gRPC (one-shot: a body
 * is one buffer in the ring, so no streaming state is needed).
 *
 *   codec_from_name()    Content-Encoding / grpc-encoding value -> codec
 *   codec_encode()       compress a whole body at a level into a caller
 *                        buffer (-ENOSPC if it does not fit; size the
 *                        buffer with codec_encode_bound())
 *   codec_decode()       decompress a whole body into a caller buffer of
 *                        cap bytes; a body that would decode to more than
 *                        cap is refused with -EFBIG and never writes past
 *                        cap (the bomb case: no memory beyond cap is spent)
 *   codec_size_hint()    the decoded size a body claims (gzip ISIZE, zstd
 *                        frame content size, snappy preamble) or -1. A
 *                        hint only: it can lie, codec_decode still caps.
 *   struct codec_ctx     reusable (de)compressor state: init once, then no
 *                        allocation per body (one per new encode level)
 *
 * Codecs: gzip (RFC 1952, libdeflate; concatenated members accepted), zlib
 * (RFC 1950), deflate (decode: zlib, or raw RFC 1951 when the zlib header
 * is absent, as clients send both; encode: zlib, what HTTP means by it),
 * zstd (libzstd; concatenated frames accepted), snappy (block format, as
 * the Collector's "snappy").
 * Levels: CODEC_LEVEL_DEFAULT (-1) picks the codec's default; gzip, zlib
 * and deflate take 0..12 (libdeflate; 1..9 mean what zlib's do), zstd
 * 1..19, snappy has none. The deflate family's level 1 (the default)
 * compresses with ISA-L's igzip level 1 when the build has libisal (about
 * three times libdeflate 1's speed at its ratio on OTLP data), any other
 * level with libdeflate; codec_encoder() names which one ran.
 * Errors: -EFBIG decoded size over cap, -EBADMSG corrupt, truncated or
 * trailing garbage, -ENOSPC encode output full, -EINVAL unknown codec or
 * level out of range, -ENOMEM.
 */
#ifndef SLUICE_NET_CODEC_H
#define SLUICE_NET_CODEC_H

#include <stddef.h>
#include <sys/types.h>

enum codec {
	CODEC_NONE = 0,
	CODEC_GZIP = 1,
	CODEC_ZLIB = 2,
	CODEC_DEFLATE = 3,
	CODEC_ZSTD = 4,
	CODEC_SNAPPY = 5,
	CODEC_RAW_DEFLATE = 6, /* RFC 1951 only; no wire name (net/gzip.h's RAW) */
};
#define CODEC_COUNT 7
#define CODEC_LEVEL_DEFAULT (-1)

/* Default levels, chosen from docs/bench/net.md ("Compression"). */
#define CODEC_GZIP_DEFAULT_LEVEL 1
#define CODEC_ZSTD_DEFAULT_LEVEL 1

/* "gzip"/"x-gzip", "zlib", "deflate", "zstd", "snappy"; "identity" or ""
 * -> CODEC_NONE; anything else -ENOTSUP (415 / UNIMPLEMENTED).
 * Case-insensitive. */
int codec_from_name(const char *name, size_t len);
/* The wire name ("gzip", ...; "identity" for CODEC_NONE). */
const char *codec_name(enum codec c);
/* 0 if level is valid for c (CODEC_LEVEL_DEFAULT always is), else -EINVAL. */
int codec_level_check(enum codec c, int level);

struct libdeflate_compressor;
struct libdeflate_decompressor;
struct codec_ctx { /* opaque; zero-init or codec_ctx_init */
	struct libdeflate_compressor *lc;
	int lc_level;
	struct libdeflate_decompressor *ld;
	void *zc, *zd; /* ZSTD_CCtx, ZSTD_DCtx */
	void *isal;    /* igzip state (codec_isal.c) */
};
void codec_ctx_init(struct codec_ctx *x);
void codec_ctx_free(struct codec_ctx *x);

/* Worst-case encoded size of n bytes (0 for an unknown codec). */
size_t codec_encode_bound(enum codec c, size_t n);
/* Encode in[0..n) into out[0..cap). Returns the encoded length. x may be
 * NULL (state is then made and freed in the call). CODEC_NONE copies. */
ssize_t codec_encode(struct codec_ctx *x, enum codec c, int level, const void *in, size_t n, void *out,
		     size_t cap);
/* Decode in[0..n) into out[0..cap). Returns the decoded length. */
ssize_t codec_decode(struct codec_ctx *x, enum codec c, const void *in, size_t n, void *out, size_t cap);
ssize_t codec_size_hint(enum codec c, const void *in, size_t n);
/* Which library encodes c at level: "igzip", "libdeflate", "zstd",
 * "snappy" or "copy" (for logs and benchmarks). */
const char *codec_encoder(enum codec c, int level);

#endif
