/* fuzz_http1_response.c: libFuzzer target for the client-side parser and
 * body framing. The body is decoded twice -- all at once and through a
 * 1-byte window in 3-byte reads -- and both must agree byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"

static int decode(const struct http1_msg *m, const char *in, size_t len, size_t step, size_t win, char *out,
		  size_t cap, size_t *olen, size_t *used)
{
	struct http1_body b;
	http1_body_init(&b, m, 1 << 16);
	size_t i = 0, o = 0;
	int rc = 0;
	for (size_t guard = 0; guard < 4 * len + 16; guard++) {
		size_t avail = len - i < step ? len - i : step;
		size_t room = cap - o < win ? cap - o : win;
		size_t cons, prod;
		rc = http1_body_decode(&b, in + i, avail, &cons, out + o, room, &prod);
		if (cons > avail || prod > room)
			abort();
		i += cons;
		o += prod;
		if (rc != 0 || (i == len && !prod && !cons) || o == cap)
			break;
	}
	*olen = o;
	*used = i;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size ? size : 1);
	memcpy(buf, data, size);
	struct http1_response r;
	struct http1_header h[16];
	r.m.headers = h;
	r.m.max_headers_in = 16;
	int rc = http1_parse_response(buf, size, 0, NULL, &r);
	if (rc > (int)size || rc == 0)
		abort();
	if (rc > 0) {
		if (r.status < 100 || r.status > 999 || r.m.num_headers > 16)
			abort();
		size_t blen = size - (size_t)rc, cap = blen + 1;
		char *a = malloc(cap), *b = malloc(cap);
		size_t al, au, bl, bu;
		int ra = decode(&r.m, buf + rc, blen, blen ? blen : 1, cap, a, cap, &al, &au);
		int rb = decode(&r.m, buf + rc, blen, 3, 1, b, cap, &bl, &bu);
		if (ra != rb || (ra >= 0 && (al != bl || au != bu || memcmp(a, b, al) != 0)))
			abort();
		free(a);
		free(b);
	}
	free(buf);
	return 0;
}
