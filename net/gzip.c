/* gzip.c: zlib glue with an output cap. The cap is enforced by giving inflate
 * exactly cap bytes of room, then one scratch byte: if inflate can still
 * produce a byte, the body is bigger than allowed and we stop at once, having
 * spent at most cap bytes of output and no extra memory. */
#include "net/gzip.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

static int gzip_wbits(enum gzip_format fmt, const unsigned char *in, size_t len)
{
    switch (fmt) {
    case GZIP_FMT_GZIP: return 16 + MAX_WBITS;
    case GZIP_FMT_ZLIB: return MAX_WBITS;
    case GZIP_FMT_RAW: return -MAX_WBITS;
    case GZIP_FMT_DEFLATE:
        /* RFC 1950 header: CM = 8, and (CMF*256 + FLG) % 31 == 0. Raw
         * deflate almost never satisfies both (and clients that send raw
         * under "deflate" exist, so accept both). */
        if (len >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 &&
            ((in[0] << 8) | in[1]) % 31 == 0)
            return MAX_WBITS;
        return -MAX_WBITS;
    default: return 0;
    }
}

int gzip_format_from_name(const char *name, size_t len)
{
    if (len == 0 || (len == 8 && strncasecmp(name, "identity", 8) == 0))
        return GZIP_FMT_IDENTITY;
    if ((len == 4 && strncasecmp(name, "gzip", 4) == 0) ||
        (len == 6 && strncasecmp(name, "x-gzip", 6) == 0))
        return GZIP_FMT_GZIP;
    if (len == 7 && strncasecmp(name, "deflate", 7) == 0)
        return GZIP_FMT_DEFLATE;
    return -ENOTSUP;
}

void gzip_decoder_init(struct gzip_decoder *d)
{
    memset(d, 0, sizeof(*d));
}

void gzip_decoder_free(struct gzip_decoder *d)
{
    if (d->wbits)
        inflateEnd(&d->zs);
    d->wbits = 0;
}

static int gzip_decoder_reset(struct gzip_decoder *d, int wbits)
{
    int rc;
    if (!d->wbits) {
        memset(&d->zs, 0, sizeof(d->zs));
        rc = inflateInit2(&d->zs, wbits);
    } else {
        rc = inflateReset2(&d->zs, wbits);
    }
    if (rc != Z_OK) {
        if (d->wbits)
            inflateEnd(&d->zs);
        d->wbits = 0;
        return rc == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
    }
    d->wbits = wbits;
    return 0;
}

ssize_t gzip_decoder_run(struct gzip_decoder *d, enum gzip_format fmt,
                         const void *in, size_t in_len, void *out, size_t cap)
{
    const unsigned char *src = in;
    unsigned char scratch;
    int wbits = gzip_wbits(fmt, src, in_len);
    if (!wbits)
        return -EINVAL;
    if (in_len > UINT_MAX)
        return -EFBIG;
    if (cap > UINT_MAX)
        cap = UINT_MAX;
    int rc = gzip_decoder_reset(d, wbits);
    if (rc < 0)
        return rc;
    z_stream *zs = &d->zs;
    zs->next_in = (unsigned char *)src;
    zs->avail_in = (uInt)in_len;
    zs->next_out = out;
    zs->avail_out = (uInt)cap;
    int probing = 0;
    for (;;) {
        if (zs->avail_out == 0) {
            if (probing)
                return -EFBIG;
            /* Full: any further byte means the body exceeds cap. */
            probing = 1;
            zs->next_out = &scratch;
            zs->avail_out = 1;
        }
        rc = inflate(zs, Z_NO_FLUSH);
        if (probing && zs->avail_out == 0)
            return -EFBIG;
        if (rc == Z_STREAM_END) {
            size_t produced = cap - (probing ? 0 : zs->avail_out);
            if (zs->avail_in == 0)
                return (ssize_t)produced;
            /* gzip allows concatenated members; anything else is garbage. */
            if (wbits != 16 + MAX_WBITS || zs->avail_in < 2 ||
                zs->next_in[0] != 0x1f || zs->next_in[1] != 0x8b)
                return -EBADMSG;
            if (inflateReset(zs) != Z_OK)
                return -EBADMSG;
            continue;
        }
        if (rc == Z_MEM_ERROR)
            return -ENOMEM;
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            return -EBADMSG;
        if (rc == Z_BUF_ERROR && zs->avail_out > 0)
            return -EBADMSG; /* no progress possible: truncated */
        if (zs->avail_in == 0 && zs->avail_out > 0)
            return -EBADMSG; /* input ended before the stream did */
    }
}

ssize_t gzip_decode(enum gzip_format fmt, const void *in, size_t in_len,
                    void *out, size_t cap)
{
    struct gzip_decoder d;
    gzip_decoder_init(&d);
    ssize_t n = gzip_decoder_run(&d, fmt, in, in_len, out, cap);
    gzip_decoder_free(&d);
    return n;
}

size_t gzip_encode_bound(size_t in_len)
{
    /* zlib's compressBound covers deflate + 6 bytes of zlib wrapper; gzip's
     * wrapper is 18 bytes. */
    return compressBound(in_len) + 12;
}

void gzip_encoder_init(struct gzip_encoder *e)
{
    memset(e, 0, sizeof(*e));
}

void gzip_encoder_free(struct gzip_encoder *e)
{
    if (e->inited)
        deflateEnd(&e->zs);
    e->inited = 0;
}

ssize_t gzip_encoder_run(struct gzip_encoder *e, const void *in, size_t in_len,
                         void *out, size_t cap, int level)
{
    if (level < -1 || level > 9)
        return -EINVAL;
    if (in_len > UINT_MAX)
        return -EFBIG;
    if (cap > UINT_MAX)
        cap = UINT_MAX;
    if (e->inited && e->level != level)
        gzip_encoder_free(e);
    if (!e->inited) {
        memset(&e->zs, 0, sizeof(e->zs));
        int rc = deflateInit2(&e->zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
                              Z_DEFAULT_STRATEGY);
        if (rc != Z_OK)
            return rc == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
        e->inited = 1;
        e->level = level;
    } else if (deflateReset(&e->zs) != Z_OK) {
        return -EINVAL;
    }
    e->zs.next_in = (unsigned char *)in;
    e->zs.avail_in = (uInt)in_len;
    e->zs.next_out = out;
    e->zs.avail_out = (uInt)cap;
    int rc = deflate(&e->zs, Z_FINISH);
    if (rc == Z_STREAM_END)
        return (ssize_t)(cap - e->zs.avail_out);
    return rc == Z_OK || rc == Z_BUF_ERROR ? -ENOSPC : -EINVAL;
}

ssize_t gzip_encode(const void *in, size_t in_len, void *out, size_t cap,
                    int level)
{
    struct gzip_encoder e;
    gzip_encoder_init(&e);
    ssize_t n = gzip_encoder_run(&e, in, in_len, out, cap, level);
    gzip_encoder_free(&e);
    return n;
}
