/* gzip.c: net/gzip.h's names mapped onto net/codec.h. */
#include "net/gzip.h"

#include <errno.h>

static const int gzip_codecs[] = {
	[GZIP_FMT_IDENTITY] = CODEC_NONE,   [GZIP_FMT_GZIP] = CODEC_GZIP,	[GZIP_FMT_ZLIB] = CODEC_ZLIB,
	[GZIP_FMT_RAW] = CODEC_RAW_DEFLATE, [GZIP_FMT_DEFLATE] = CODEC_DEFLATE, [GZIP_FMT_ZSTD] = CODEC_ZSTD,
	[GZIP_FMT_SNAPPY] = CODEC_SNAPPY,
};
#define GZIP_NFMT (int)(sizeof(gzip_codecs) / sizeof(gzip_codecs[0]))

int gzip_format_codec(enum gzip_format fmt)
{
	return (unsigned)fmt < (unsigned)GZIP_NFMT ? gzip_codecs[fmt] : -EINVAL;
}

int gzip_format_from_name(const char *name, size_t len)
{
	int c = codec_from_name(name, len);
	if (c < 0)
		return c;
	for (int f = 0; f < GZIP_NFMT; f++)
		if (gzip_codecs[f] == c)
			return f;
	return -ENOTSUP;
}

void gzip_decoder_init(struct gzip_decoder *d)
{
	codec_ctx_init(&d->cx);
}

void gzip_decoder_free(struct gzip_decoder *d)
{
	codec_ctx_free(&d->cx);
}

ssize_t gzip_decoder_run(struct gzip_decoder *d, enum gzip_format fmt, const void *in, size_t in_len,
			 void *out, size_t cap)
{
	int c = gzip_format_codec(fmt);
	if (c <= CODEC_NONE)
		return -EINVAL;
	return codec_decode(&d->cx, (enum codec)c, in, in_len, out, cap);
}

ssize_t gzip_decode(enum gzip_format fmt, const void *in, size_t in_len, void *out, size_t cap)
{
	int c = gzip_format_codec(fmt);
	if (c <= CODEC_NONE)
		return -EINVAL;
	return codec_decode(NULL, (enum codec)c, in, in_len, out, cap);
}

size_t gzip_encode_bound(size_t in_len)
{
	return codec_encode_bound(CODEC_GZIP, in_len);
}

void gzip_encoder_init(struct gzip_encoder *e)
{
	codec_ctx_init(&e->cx);
}

void gzip_encoder_free(struct gzip_encoder *e)
{
	codec_ctx_free(&e->cx);
}

ssize_t gzip_encoder_run(struct gzip_encoder *e, const void *in, size_t in_len, void *out, size_t cap,
			 int level)
{
	return codec_encode(&e->cx, CODEC_GZIP, level, in, in_len, out, cap);
}

ssize_t gzip_encode(const void *in, size_t in_len, void *out, size_t cap, int level)
{
	return codec_encode(NULL, CODEC_GZIP, level, in, in_len, out, cap);
}
