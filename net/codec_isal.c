/* codec_isal.c: the fast deflate encoder (ISA-L's igzip, level 1) behind
 * codec_encode at the fastest level.
 *
 * Why: on OTLP batches igzip level 1 compresses about three times as fast
 * as libdeflate level 1 at the same ratio (docs/bench/wire.md), and the
 * default gzip of the exporters is the whole pipeline's largest cost. It
 * compresses one whole body per call (stateless), so no stream state is
 * kept between bodies; the hash tables live in a buffer made once per
 * codec_ctx. A body igzip cannot fit in the caller's buffer returns
 * -ENOSPC and codec.c falls back to libdeflate, which never overflows its
 * own bound. Without libisal at build time (no SLUICE_HAVE_ISAL) every call
 * answers -ENOTSUP and libdeflate does all deflate work, as before.
 */
#include "net/codec_int.h"

#include <errno.h>
#include <stdlib.h>

#ifdef SLUICE_HAVE_ISAL
#include <isa-l/igzip_lib.h>

struct codec_isal {
	struct isal_zstream s;
	uint8_t level_buf[ISAL_DEF_LVL1_DEFAULT];
};

bool codec_isal_available(void)
{
	return true;
}

ssize_t codec_isal_encode(void **state, enum codec c, const void *in, size_t n, void *out, size_t cap)
{
	if (n > UINT32_MAX || cap > UINT32_MAX)
		return -ENOTSUP; /* igzip counts in 32 bits: libdeflate takes it */
	struct codec_isal *z = *state;
	if (!z && !(z = *state = malloc(sizeof(*z))))
		return -ENOMEM;
	isal_deflate_stateless_init(&z->s);
	z->s.level = 1;
	z->s.level_buf = z->level_buf;
	z->s.level_buf_size = sizeof(z->level_buf);
	z->s.gzip_flag = c == CODEC_GZIP ? IGZIP_GZIP : c == CODEC_RAW_DEFLATE ? IGZIP_DEFLATE : IGZIP_ZLIB;
	z->s.next_in = (uint8_t *)in;
	z->s.avail_in = (uint32_t)n;
	z->s.next_out = out;
	z->s.avail_out = (uint32_t)cap;
	z->s.end_of_stream = 1;
	z->s.flush = NO_FLUSH;
	int rc = isal_deflate_stateless(&z->s);
	if (rc == COMP_OK)
		return (ssize_t)z->s.total_out;
	return rc == STATELESS_OVERFLOW ? -ENOSPC : -EINVAL;
}

#else

bool codec_isal_available(void)
{
	return false;
}

ssize_t codec_isal_encode(void **state, enum codec c, const void *in, size_t n, void *out, size_t cap)
{
	(void)state, (void)c, (void)in, (void)n, (void)out, (void)cap;
	return -ENOTSUP;
}

#endif

void codec_isal_free(void *state)
{
	free(state);
}
