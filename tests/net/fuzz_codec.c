/* fuzz_codec.c: libFuzzer target for every decoder of net/codec.h. The
 * first byte picks the codec and the cap. Invariants: only the documented
 * errors; never more than cap bytes; a success is exact (the same length
 * with cap = that length, -EFBIG with one byte less) and survives a round
 * trip through the same codec's encoder. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum codec codecs[] = { CODEC_GZIP, CODEC_ZLIB,   CODEC_DEFLATE,
					     CODEC_ZSTD, CODEC_SNAPPY, CODEC_RAW_DEFLATE };
	if (size < 1)
		return 0;
	enum codec c = codecs[data[0] % 6];
	size_t cap = (size_t)(data[0] / 6) * 2048 + 1;
	data++;
	size--;
	static struct codec_ctx x; /* reused across inputs, as servers do */
	unsigned char *out = malloc(cap);
	ssize_t n = codec_decode(&x, c, data, size, out, cap);
	if (n < 0 && n != -EFBIG && n != -EBADMSG && n != -ENOMEM)
		abort();
	if (n > (ssize_t)cap)
		abort();
	if (n >= 0) {
		unsigned char *again = malloc((size_t)n + 1);
		if (codec_decode(NULL, c, data, size, again, (size_t)n) != n ||
		    memcmp(again, out, (size_t)n) != 0)
			abort();
		if (n > 0 && codec_decode(NULL, c, data, size, again, (size_t)n - 1) != -EFBIG)
			abort();
		size_t zcap = codec_encode_bound(c, (size_t)n);
		unsigned char *z = malloc(zcap);
		ssize_t zl = codec_encode(&x, c, CODEC_LEVEL_DEFAULT, out, (size_t)n, z, zcap);
		if (zl <= 0 || codec_decode(&x, c, z, (size_t)zl, again, (size_t)n) != n ||
		    memcmp(again, out, (size_t)n) != 0)
			abort();
		free(z);
		free(again);
	}
	free(out);
	return 0;
}
