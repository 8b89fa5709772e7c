/* codec.c: one-shot codecs over libdeflate, libzstd and snappy-c.
 *
 * The decode cap is the output buffer's size and every library is told
 * exactly that much room: libdeflate stops with INSUFFICIENT_SPACE, zstd
 * with dstSize_tooSmall, snappy is checked against its length preamble
 * (and its decoder never writes past the length it was given). A zstd
 * frame header that claims more than cap refuses the body before any
 * decoding; gzip's ISIZE is not used that way because it sits at the end
 * of the body, where a truncated body has arbitrary bytes. No claim is
 * ever trusted for memory.
 */
#include "net/codec.h"
#include "net/codec_int.h"

#include <errno.h>
#include <libdeflate.h>
#include <snappy-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <zstd.h>
#include <zstd_errors.h>

/* A frame may not ask for more than a 128 MiB window (memory bound for
 * zstd's own buffers; one-shot decoding needs none, this is a backstop). */
#define CODEC_ZSTD_WINDOW_LOG_MAX 27

static const char *const codec_names[CODEC_COUNT] = { "identity", "gzip",   "zlib",	  "deflate",
						      "zstd",	  "snappy", "raw-deflate" };

int codec_from_name(const char *name, size_t len)
{
	if (len == 0)
		return CODEC_NONE;
	if (len == 6 && strncasecmp(name, "x-gzip", 6) == 0)
		return CODEC_GZIP;
	for (int c = 0; c < CODEC_RAW_DEFLATE; c++)
		if (strlen(codec_names[c]) == len && strncasecmp(name, codec_names[c], len) == 0)
			return c;
	return -ENOTSUP;
}

const char *codec_name(enum codec c)
{
	return (unsigned)c < CODEC_COUNT ? codec_names[c] : "unknown";
}

static bool codec_deflate_family(enum codec c)
{
	return c == CODEC_GZIP || c == CODEC_ZLIB || c == CODEC_DEFLATE || c == CODEC_RAW_DEFLATE;
}

int codec_level_check(enum codec c, int level)
{
	if ((unsigned)c >= CODEC_COUNT)
		return -EINVAL;
	if (level == CODEC_LEVEL_DEFAULT)
		return 0;
	if (codec_deflate_family(c))
		return level >= 0 && level <= 12 ? 0 : -EINVAL;
	if (c == CODEC_ZSTD)
		return level >= 1 && level <= 19 ? 0 : -EINVAL;
	return level == 0 ? 0 : -EINVAL;
}

void codec_ctx_init(struct codec_ctx *x)
{
	memset(x, 0, sizeof(*x));
}

void codec_ctx_free(struct codec_ctx *x)
{
	libdeflate_free_compressor(x->lc);
	libdeflate_free_decompressor(x->ld);
	ZSTD_freeCCtx(x->zc);
	ZSTD_freeDCtx(x->zd);
	codec_isal_free(x->isal);
	codec_ctx_init(x);
}

size_t codec_encode_bound(enum codec c, size_t n)
{
	switch (c) {
	case CODEC_NONE:
		return n;
	case CODEC_GZIP:
		return libdeflate_gzip_compress_bound(NULL, n);
	case CODEC_ZLIB:
	case CODEC_DEFLATE:
		return libdeflate_zlib_compress_bound(NULL, n);
	case CODEC_RAW_DEFLATE:
		return libdeflate_deflate_compress_bound(NULL, n);
	case CODEC_ZSTD:
		return ZSTD_compressBound(n);
	case CODEC_SNAPPY:
		return snappy_max_compressed_length(n);
	}
	return 0;
}

static ssize_t codec_deflate_encode(struct codec_ctx *x, enum codec c, int level, const void *in, size_t n,
				    void *out, size_t cap)
{
	if (level == CODEC_LEVEL_DEFAULT)
		level = CODEC_GZIP_DEFAULT_LEVEL;
	if (level == 1) { /* igzip where the build has it; libdeflate if it cannot */
		ssize_t r = codec_isal_encode(&x->isal, c, in, n, out, cap);
		if (r >= 0 || r == -ENOMEM)
			return r;
	}
	if (x->lc && x->lc_level != level) {
		libdeflate_free_compressor(x->lc);
		x->lc = NULL;
	}
	if (!x->lc) {
		x->lc = libdeflate_alloc_compressor(level);
		if (!x->lc)
			return -ENOMEM;
		x->lc_level = level;
	}
	size_t r = c == CODEC_GZIP	    ? libdeflate_gzip_compress(x->lc, in, n, out, cap)
		   : c == CODEC_RAW_DEFLATE ? libdeflate_deflate_compress(x->lc, in, n, out, cap)
					    : libdeflate_zlib_compress(x->lc, in, n, out, cap);
	return r ? (ssize_t)r : -ENOSPC;
}

static ssize_t codec_zstd_encode(struct codec_ctx *x, int level, const void *in, size_t n, void *out,
				 size_t cap)
{
	if (level == CODEC_LEVEL_DEFAULT)
		level = CODEC_ZSTD_DEFAULT_LEVEL;
	if (!x->zc && !(x->zc = ZSTD_createCCtx()))
		return -ENOMEM;
	/* Level 1 with a 4096-entry hash table (zstd's own is 8192 for
	 * inputs over 256 KiB): the table stays in L1, +6-17 % speed on
	 * 2 MB batches of spans for 1-3 % more bytes on joined requests
	 * (bench_codec's "zstd 1 (own table)" rows, docs/bench/wire.md). */
	ZSTD_CCtx_reset(x->zc, ZSTD_reset_parameters);
	size_t r = ZSTD_CCtx_setParameter(x->zc, ZSTD_c_compressionLevel, level);
	if (!ZSTD_isError(r) && level == 1)
		r = ZSTD_CCtx_setParameter(x->zc, ZSTD_c_hashLog, 12);
	if (!ZSTD_isError(r))
		r = ZSTD_compress2(x->zc, out, cap, in, n);
	if (!ZSTD_isError(r))
		return (ssize_t)r;
	switch (ZSTD_getErrorCode(r)) {
	case ZSTD_error_dstSize_tooSmall:
		return -ENOSPC;
	case ZSTD_error_memory_allocation:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

ssize_t codec_encode(struct codec_ctx *x, enum codec c, int level, const void *in, size_t n, void *out,
		     size_t cap)
{
	if (codec_level_check(c, level) < 0 || n > SSIZE_MAX / 2)
		return -EINVAL;
	struct codec_ctx tmp;
	bool own = !x;
	if (own) {
		codec_ctx_init(&tmp);
		x = &tmp;
	}
	ssize_t r;
	switch (c) {
	case CODEC_NONE:
		r = n <= cap ? (ssize_t)n : -ENOSPC;
		if (r > 0)
			memcpy(out, in, n);
		break;
	case CODEC_GZIP:
	case CODEC_ZLIB:
	case CODEC_DEFLATE:
	case CODEC_RAW_DEFLATE:
		r = codec_deflate_encode(x, c, level, in, n, out, cap);
		break;
	case CODEC_ZSTD:
		r = codec_zstd_encode(x, level, in, n, out, cap);
		break;
	case CODEC_SNAPPY: {
		size_t len = cap;
		r = cap < snappy_max_compressed_length(n)	     ? -ENOSPC
		    : snappy_compress(in, n, out, &len) == SNAPPY_OK ? (ssize_t)len
								     : -EINVAL;
		break;
	}
	default:
		r = -EINVAL;
	}
	if (own)
		codec_ctx_free(x);
	return r;
}

/* RFC 1950 header: CM = 8, CINFO <= 7, and (CMF*256 + FLG) % 31 == 0. Raw
 * deflate almost never satisfies all three. */
static bool codec_zlib_header(const uint8_t *p, size_t n)
{
	return n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 && ((p[0] << 8) | p[1]) % 31 == 0;
}

static ssize_t codec_libdeflate_rc(enum libdeflate_result rc)
{
	switch (rc) {
	case LIBDEFLATE_SUCCESS:
		return 0;
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return -EFBIG;
	default:
		return -EBADMSG;
	}
}

static ssize_t codec_deflate_decode(struct codec_ctx *x, enum codec c, const uint8_t *in, size_t n,
				    uint8_t *out, size_t cap)
{
	if (!x->ld && !(x->ld = libdeflate_alloc_decompressor()))
		return -ENOMEM;
	if (c == CODEC_DEFLATE)
		c = codec_zlib_header(in, n) ? CODEC_ZLIB : CODEC_RAW_DEFLATE;
	size_t done = 0;
	for (;;) {
		size_t used = 0, made = 0;
		enum libdeflate_result rc;
		if (c == CODEC_GZIP) {
			rc = libdeflate_gzip_decompress_ex(x->ld, in, n, out + done, cap - done, &used,
							   &made);
		} else if (c == CODEC_ZLIB) {
			rc = libdeflate_zlib_decompress_ex(x->ld, in, n, out + done, cap - done, &used,
							   &made);
		} else {
			rc = libdeflate_deflate_decompress_ex(x->ld, in, n, out + done, cap - done, &used,
							      &made);
		}
		ssize_t e = codec_libdeflate_rc(rc);
		if (e < 0)
			return e;
		done += made;
		in += used;
		n -= used;
		if (n == 0)
			return (ssize_t)done;
		/* gzip allows concatenated members; anything else is garbage. */
		if (c != CODEC_GZIP || n < 2 || in[0] != 0x1f || in[1] != 0x8b)
			return -EBADMSG;
	}
}

/* Walk the frames: only current zstd frames and skippable ones (libzstd
 * also decodes pre-1.0 "legacy" frames, whose headers it does not hold to
 * their content size). Their declared sizes, where given, must fit cap. */
static ssize_t codec_zstd_frames(const uint8_t *p, size_t n, size_t cap)
{
	unsigned long long total = 0;
	if (n == 0)
		return -EBADMSG;
	while (n) {
		if (n < 4)
			return -EBADMSG;
		uint32_t magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				 (uint32_t)p[3] << 24;
		bool skippable = (magic & ZSTD_MAGIC_SKIPPABLE_MASK) == ZSTD_MAGIC_SKIPPABLE_START;
		if (magic != ZSTD_MAGICNUMBER && !skippable)
			return -EBADMSG;
		size_t fl = ZSTD_findFrameCompressedSize(p, n);
		if (ZSTD_isError(fl) || fl == 0 || fl > n)
			return -EBADMSG;
		if (!skippable) {
			unsigned long long fcs = ZSTD_getFrameContentSize(p, fl);
			if (fcs == ZSTD_CONTENTSIZE_ERROR)
				return -EBADMSG;
			if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && (total += fcs) > cap)
				return -EFBIG;
		}
		p += fl;
		n -= fl;
	}
	return 0;
}

static ssize_t codec_zstd_decode(struct codec_ctx *x, const void *in, size_t n, void *out, size_t cap)
{
	ssize_t rc = codec_zstd_frames(in, n, cap);
	if (rc < 0)
		return rc;
	if (!x->zd) {
		if (!(x->zd = ZSTD_createDCtx()))
			return -ENOMEM;
		ZSTD_DCtx_setParameter(x->zd, ZSTD_d_windowLogMax, CODEC_ZSTD_WINDOW_LOG_MAX);
	}
	size_t r = ZSTD_decompressDCtx(x->zd, out, cap, in, n);
	if (!ZSTD_isError(r))
		return (ssize_t)r;
	switch (ZSTD_getErrorCode(r)) {
	case ZSTD_error_dstSize_tooSmall:
		return -EFBIG;
	case ZSTD_error_memory_allocation:
		return -ENOMEM;
	default:
		return -EBADMSG;
	}
}

static ssize_t codec_snappy_decode(const void *in, size_t n, void *out, size_t cap)
{
	size_t want;
	if (snappy_uncompressed_length(in, n, &want) != SNAPPY_OK)
		return -EBADMSG;
	if (want > cap)
		return -EFBIG;
	size_t len = want;
	if (snappy_uncompress(in, n, out, &len) != SNAPPY_OK || len != want)
		return -EBADMSG;
	return (ssize_t)len;
}

ssize_t codec_decode(struct codec_ctx *x, enum codec c, const void *in, size_t n, void *out, size_t cap)
{
	if (n > SSIZE_MAX / 2)
		return -EFBIG;
	if (cap > SSIZE_MAX / 2)
		cap = SSIZE_MAX / 2;
	struct codec_ctx tmp;
	bool own = !x;
	if (own) {
		codec_ctx_init(&tmp);
		x = &tmp;
	}
	ssize_t r;
	switch (c) {
	case CODEC_NONE:
		r = n <= cap ? (ssize_t)n : -EFBIG;
		if (r > 0)
			memcpy(out, in, n);
		break;
	case CODEC_GZIP:
	case CODEC_ZLIB:
	case CODEC_DEFLATE:
	case CODEC_RAW_DEFLATE:
		r = codec_deflate_decode(x, c, in, n, out, cap);
		break;
	case CODEC_ZSTD:
		r = codec_zstd_decode(x, in, n, out, cap);
		break;
	case CODEC_SNAPPY:
		r = codec_snappy_decode(in, n, out, cap);
		break;
	default:
		r = -EINVAL;
	}
	if (own)
		codec_ctx_free(x);
	return r;
}

ssize_t codec_size_hint(enum codec c, const void *in, size_t n)
{
	const uint8_t *p = in;
	switch (c) {
	case CODEC_NONE:
		return (ssize_t)n;
	case CODEC_GZIP:
		if (n < 18)
			return -1;
		return (ssize_t)((uint32_t)p[n - 4] | (uint32_t)p[n - 3] << 8 | (uint32_t)p[n - 2] << 16 |
				 (uint32_t)p[n - 1] << 24);
	case CODEC_ZSTD: {
		unsigned long long fcs = ZSTD_getFrameContentSize(in, n);
		return fcs >= ZSTD_CONTENTSIZE_ERROR || fcs > SSIZE_MAX ? -1 : (ssize_t)fcs;
	}
	case CODEC_SNAPPY: {
		size_t want;
		return snappy_uncompressed_length(in, n, &want) == SNAPPY_OK && want <= SSIZE_MAX
			       ? (ssize_t)want
			       : -1;
	}
	default:
		return -1;
	}
}

const char *codec_encoder(enum codec c, int level)
{
	if (codec_deflate_family(c))
		return (level == CODEC_LEVEL_DEFAULT || level == 1) && codec_isal_available() ? "igzip"
											      : "libdeflate";
	return c == CODEC_ZSTD ? "zstd" : c == CODEC_SNAPPY ? "snappy" : "copy";
}
