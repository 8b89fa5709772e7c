/* fuzz_gzip.c: libFuzzer target for the capped decoder. The first byte
 * picks the format and the cap. A success must be exact (same length with
 * cap = that length, -EFBIG with one byte less) and must survive a gzip
 * round trip. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/gzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum gzip_format fmt = (enum gzip_format)(1 + data[0] % 4);
	size_t cap = (size_t)(data[0] >> 2) * 4096 + 1;
	data++;
	size--;
	static struct gzip_decoder d; /* reused across inputs, as servers do */
	static int inited;
	if (!inited) {
		gzip_decoder_init(&d);
		inited = 1;
	}
	unsigned char *out = malloc(cap);
	ssize_t n = gzip_decoder_run(&d, fmt, data, size, out, cap);
	if (n != -EFBIG && n != -EBADMSG && n != -ENOMEM && n < 0)
		abort();
	if (n > (ssize_t)cap)
		abort();
	if (n >= 0) {
		unsigned char *again = malloc((size_t)n + 1);
		if (gzip_decode(fmt, data, size, again, (size_t)n) != n)
			abort();
		if (n > 0 && gzip_decode(fmt, data, size, again, (size_t)n - 1) != -EFBIG)
			abort();
		size_t zcap = gzip_encode_bound((size_t)n);
		unsigned char *z = malloc(zcap);
		ssize_t zl = gzip_encode(out, (size_t)n, z, zcap, 1);
		if (zl <= 0 || gzip_decode(GZIP_FMT_GZIP, z, (size_t)zl, again, (size_t)n) != n ||
		    memcmp(again, out, (size_t)n) != 0)
			abort();
		free(z);
		free(again);
	}
	free(out);
	return 0;
}
