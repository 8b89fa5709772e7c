/* net/gzip.h: the older name for net/codec.h, kept so ingest (producer/
 * ingest_req.c) and its tests build unchanged until ingest moves to codec.h.
 * Everything here is a thin wrapper over codec_decode / codec_encode, with
 * the same caps and errors (see codec.h).
 *
 *   gzip_decode() / struct gzip_decoder   capped decode of a whole body
 *   gzip_encode() / struct gzip_encoder   gzip a whole body at a level
 *   gzip_format_from_name()               Content-Encoding / grpc-encoding
 *
 * Formats: GZIP_FMT_GZIP (RFC 1952, concatenated members accepted),
 * GZIP_FMT_ZLIB (RFC 1950), GZIP_FMT_RAW (RFC 1951), GZIP_FMT_DEFLATE
 * (zlib, or raw when the zlib header is absent), GZIP_FMT_ZSTD,
 * GZIP_FMT_SNAPPY.
 * Errors: -EFBIG output exceeds cap, -EBADMSG corrupt or truncated input or
 * trailing garbage, -ENOMEM, -EINVAL bad format, -ENOSPC encode output full.
 */
#ifndef SLUICE_NET_GZIP_H
#define SLUICE_NET_GZIP_H

#include <stddef.h>
#include <sys/types.h>

#include "net/codec.h"

enum gzip_format {
	GZIP_FMT_IDENTITY = 0, /* not compressed (from gzip_format_from_name) */
	GZIP_FMT_GZIP = 1,
	GZIP_FMT_ZLIB = 2,
	GZIP_FMT_RAW = 3,
	GZIP_FMT_DEFLATE = 4, /* zlib or raw, detected */
	GZIP_FMT_ZSTD = 5,
	GZIP_FMT_SNAPPY = 6,
};

/* Every name codec_from_name knows -> its format; identity or empty ->
 * IDENTITY; anything else -ENOTSUP (answer 415). Case-insensitive. */
int gzip_format_from_name(const char *name, size_t len);
/* The codec behind a format (CODEC_NONE for IDENTITY, -EINVAL unknown). */
int gzip_format_codec(enum gzip_format fmt);

/* Decode in[0..in_len) into out[0..cap). Returns the decoded length. */
ssize_t gzip_decode(enum gzip_format fmt, const void *in, size_t in_len, void *out, size_t cap);

struct gzip_decoder { /* opaque */
	struct codec_ctx cx;
};
void gzip_decoder_init(struct gzip_decoder *d);
ssize_t gzip_decoder_run(struct gzip_decoder *d, enum gzip_format fmt, const void *in, size_t in_len,
			 void *out, size_t cap);
void gzip_decoder_free(struct gzip_decoder *d);

/* Upper bound of gzip_encode output for in_len input bytes. */
size_t gzip_encode_bound(size_t in_len);
/* gzip (RFC 1952) in[0..in_len) into out[0..cap) at level (0..12, -1 =
 * default). Returns the encoded length or -ENOSPC. */
ssize_t gzip_encode(const void *in, size_t in_len, void *out, size_t cap, int level);

struct gzip_encoder { /* opaque */
	struct codec_ctx cx;
};
void gzip_encoder_init(struct gzip_encoder *e);
ssize_t gzip_encoder_run(struct gzip_encoder *e, const void *in, size_t in_len, void *out, size_t cap,
			 int level);
void gzip_encoder_free(struct gzip_encoder *e);

#endif
