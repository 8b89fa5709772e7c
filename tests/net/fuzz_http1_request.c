/* fuzz_http1_request.c: libFuzzer target for the server-side parser. Checks
 * more than "no crash": views stay inside the input, resuming from any split
 * point gives the same answer as one call, and the body decoder (in place)
 * never writes ahead of what it read nor past the size limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"

static int parse(const char *p, size_t len, size_t last, const struct http1_limits *lim,
		 struct http1_request *r, struct http1_header *h)
{
	r->m.headers = h;
	r->m.max_headers_in = 32;
	return http1_parse_request(p, len, last, lim, r);
}

static void check_view(const char *buf, size_t len, const char *p, size_t n)
{
	if (n && (p < buf || p + n > buf + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct http1_limits lim;
	http1_limits_default(&lim);
	if (data[0] & 1) {
		lim.max_header_bytes = 64 + data[0];
		lim.max_headers = data[0] >> 4;
		lim.max_body = data[0];
		lim.max_target = 16;
	}
	lim.require_length = data[0] & 2;
	size_t split = data[1];
	data += 2;
	size_t len = size - 2;
	char *buf = malloc(len ? len : 1);
	memcpy(buf, data, len);
	struct http1_request r;
	struct http1_header h[32];
	int rc = parse(buf, len, 0, &lim, &r, h);
	if (rc > (int)len || rc == 0)
		abort();
	if (rc > 0) {
		check_view(buf, len, r.method, r.method_len);
		check_view(buf, len, r.target, r.target_len);
		if (r.m.num_headers > 32 || r.m.num_headers > lim.max_headers)
			abort();
		for (unsigned i = 0; i < r.m.num_headers; i++) {
			check_view(buf, len, h[i].name, h[i].name_len);
			check_view(buf, len, h[i].value, h[i].value_len);
		}
	}
	if (split < len && parse(buf, split, 0, &lim, &r, h) == HTTP1_PARTIAL &&
	    parse(buf, len, split, &lim, &r, h) != rc)
		abort();
	if (rc > 0) {
		parse(buf, len, 0, &lim, &r, h);
		struct http1_body b;
		http1_body_init(&b, &r.m, lim.max_body);
		size_t in = (size_t)rc, out = (size_t)rc;
		int brc = 0;
		/* in place, in 7-byte reads */
		for (size_t have = in; brc == 0 && have < len;) {
			have = have + 7 < len ? have + 7 : len;
			size_t cons, prod;
			brc = http1_body_decode(&b, buf + in, have - in, &cons, buf + out, have - in, &prod);
			if (cons > have - in || prod > cons + (in - out))
				abort();
			in += cons;
			out += prod;
			if (out > in)
				abort();
		}
		if (http1_body_total(&b) > lim.max_body)
			abort();
	}
	free(buf);
	return 0;
}
