/* net/gzip.h: gzip / deflate bodies (zlib), with a hard cap on output.
 *
 *   gzip_decode()            one call: decode a whole compressed body into a
 *                            caller buffer; more output than cap = -EFBIG
 *                            (the gzip-bomb case), never a partial success
 *   struct gzip_decoder      the same with a reusable zlib state (no
 *                            allocation per body after init)
 *   gzip_encode()            gzip a buffer into a caller buffer (-ENOSPC if
 *                            it does not fit; size with gzip_encode_bound)
 *   struct gzip_encoder      the same with a reusable zlib state
 *   gzip_format_from_name()  Content-Encoding / grpc-encoding value -> format
 *
 * Formats: GZIP_FMT_GZIP (RFC 1952; concatenated members accepted),
 * GZIP_FMT_ZLIB (RFC 1950), GZIP_FMT_RAW (RFC 1951), GZIP_FMT_DEFLATE (what
 * "Content-Encoding: deflate" means in practice: zlib, or raw deflate when
 * the zlib header is absent).
 * Errors: -EFBIG output exceeds cap, -EBADMSG corrupt or truncated input or
 * trailing garbage, -ENOMEM, -EINVAL bad format, -ENOSPC encode output full.
 */
#ifndef SLUICE_NET_GZIP_H
#define SLUICE_NET_GZIP_H

#include <stddef.h>
#include <sys/types.h>
#include <zlib.h>

enum gzip_format {
    GZIP_FMT_IDENTITY = 0,   /* not compressed (from gzip_format_from_name) */
    GZIP_FMT_GZIP = 1,
    GZIP_FMT_ZLIB = 2,
    GZIP_FMT_RAW = 3,
    GZIP_FMT_DEFLATE = 4,    /* zlib or raw, detected */
};

/* "gzip", "x-gzip" -> GZIP; "deflate" -> DEFLATE; "identity" or empty ->
 * IDENTITY; anything else -ENOTSUP (answer 415). Case-insensitive. */
int gzip_format_from_name(const char *name, size_t len);

/* Decode in[0..in_len) into out[0..cap). Returns the decoded length. */
ssize_t gzip_decode(enum gzip_format fmt, const void *in, size_t in_len,
                    void *out, size_t cap);

struct gzip_decoder {         /* opaque */
    z_stream zs;
    int wbits;                /* window bits the stream is initialised for, 0 = none */
};
void gzip_decoder_init(struct gzip_decoder *d);
ssize_t gzip_decoder_run(struct gzip_decoder *d, enum gzip_format fmt,
                         const void *in, size_t in_len, void *out, size_t cap);
void gzip_decoder_free(struct gzip_decoder *d);

/* Upper bound of gzip_encode output for in_len input bytes. */
size_t gzip_encode_bound(size_t in_len);
/* gzip (RFC 1952) in[0..in_len) into out[0..cap) at level (1..9, -1 =
 * default). Returns the encoded length or -ENOSPC. */
ssize_t gzip_encode(const void *in, size_t in_len, void *out, size_t cap,
                    int level);

struct gzip_encoder {         /* opaque */
    z_stream zs;
    int level;                /* level the stream is initialised for */
    int inited;
};
void gzip_encoder_init(struct gzip_encoder *e);
ssize_t gzip_encoder_run(struct gzip_encoder *e, const void *in, size_t in_len,
                         void *out, size_t cap, int level);
void gzip_encoder_free(struct gzip_encoder *e);

#endif
