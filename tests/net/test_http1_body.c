/* test_http1_body.c: body framing (Content-Length, chunked edge cases,
 * read-until-close), fed whole, split at every byte, through a 1-byte
 * output window and decoded in place; and the head writers, checked
 * byte for byte and by parsing what they wrote. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"

#define CRLF "\r\n"

struct chunk_case {
	const char *name, *in;
	int rc;		 /* 1 complete, 0 needs more, or an error */
	const char *out; /* decoded body (for rc >= 0) */
	size_t rest;	 /* input bytes left after the body (rc == 1) */
	uint64_t max;
};

static const struct chunk_case chunk_cases[] = {
	{ "one chunk", "5" CRLF "hello" CRLF "0" CRLF CRLF, 1, "hello", 0, 0 },
	{ "two chunks", "5" CRLF "hello" CRLF "6" CRLF " world" CRLF "0" CRLF CRLF, 1, "hello world", 0, 0 },
	{ "hex upper", "A" CRLF "0123456789" CRLF "0" CRLF CRLF, 1, "0123456789", 0, 0 },
	{ "hex lower lead zero", "00a" CRLF "0123456789" CRLF "0" CRLF CRLF, 1, "0123456789", 0, 0 },
	{ "extension", "5;name=value" CRLF "hello" CRLF "0;x" CRLF CRLF, 1, "hello", 0, 0 },
	{ "extension bws", "5 ;a=\"q\"" CRLF "hello" CRLF "0" CRLF CRLF, 1, "hello", 0, 0 },
	{ "trailers", "3" CRLF "abc" CRLF "0" CRLF "X-A: 1" CRLF "X-B: 2" CRLF CRLF, 1, "abc", 0, 0 },
	{ "empty body", "0" CRLF CRLF, 1, "", 0, 0 },
	{ "next message after", "1" CRLF "x" CRLF "0" CRLF CRLF "GET / HTTP/1.1" CRLF, 1, "x", 16, 0 },
	{ "binary data", "4" CRLF "\r\n\r\n" CRLF "0" CRLF CRLF, 1, "\r\n\r\n", 0, 0 },
	{ "unfinished", "5" CRLF "hel", 0, "hel", 0, 0 },
	{ "no final crlf", "5" CRLF "hello" CRLF "0" CRLF, 0, "hello", 0, 0 },
	{ "at max", "4" CRLF "abcd" CRLF "0" CRLF CRLF, 1, "abcd", 0, 4 },
	{ "over max", "4" CRLF "abcd" CRLF "1" CRLF, HTTP1_EBODYSIZE, NULL, 0, 4 },
	{ "huge size", "ffffffffffffffff" CRLF, HTTP1_EBODYSIZE, NULL, 0, 1u << 30 },
	{ "size too long", "00000000000000001" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "bad hex", "g" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "empty size", CRLF "hello", HTTP1_ECHUNK, NULL, 0, 0 },
	{ "negative", "-5" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "bare lf size", "5\nhello" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "data too long", "5" CRLF "helloX" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "data cr only", "5" CRLF "hello\r0" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "space in size", "5 5" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "space before crlf", "1 " CRLF "x" CRLF "0" CRLF CRLF, 1, "x", 0, 0 },
	{ "ctl in ext", "5;\x01" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
	{ "bare lf trailer", "0" CRLF "X: 1\n" CRLF, HTTP1_ECHUNK, NULL, 0, 0 },
};

static struct http1_msg chunked_msg = { .body_kind = HTTP1_BODY_CHUNKED };

/* Feed in[] in pieces of `step` bytes, output window `win` bytes. */
static int decode_steps(const struct chunk_case *c, size_t len, size_t step, size_t win, char *out,
			size_t *outlen, size_t *used)
{
	struct http1_body b;
	http1_body_init(&b, &chunked_msg, c->max);
	char *copy = malloc(len ? len : 1);
	memcpy(copy, c->in, len);
	size_t i = 0, o = 0;
	int rc = 0;
	for (int guard = 0; guard < 100000; guard++) {
		size_t avail = len - i < step ? len - i : step;
		size_t room = win < 4096 - o ? win : 4096 - o;
		size_t cons, prod;
		rc = http1_body_decode(&b, copy + i, avail, &cons, out + o, room, &prod);
		i += cons;
		o += prod;
		if (rc != 0 || (i == len && cons == 0 && prod == 0))
			break;
	}
	free(copy);
	*outlen = o;
	*used = i;
	return rc;
}

START_TEST(test_chunked_table)
{
	const struct chunk_case *c = &chunk_cases[_i];
	size_t len = strlen(c->in);
	size_t steps[] = { len ? len : 1, 1, 2, 3, 7 };
	size_t wins[] = { 4096, 1, 3 };
	for (unsigned s = 0; s < 5; s++)
		for (unsigned w = 0; w < 3; w++) {
			char out[4096];
			size_t olen, used;
			int rc = decode_steps(c, len, steps[s], wins[w], out, &olen, &used);
			ck_assert_msg(rc == c->rc, "%s step %zu win %zu: rc %d want %d", c->name, steps[s],
				      wins[w], rc, c->rc);
			if (rc >= 0) {
				ck_assert_msg(olen == strlen(c->out) && memcmp(out, c->out, olen) == 0,
					      "%s: decoded body differs", c->name);
			}
			if (rc == 1)
				ck_assert_msg(len - used == c->rest, "%s: %zu left, want %zu", c->name,
					      len - used, c->rest);
		}
}
END_TEST

START_TEST(test_chunked_in_place)
{
	/* Decode a chunked body inside the receive buffer, fed as if it arrived
     * in 5-byte reads: output trails input in the same memory. */
	const char *wire = "3" CRLF "abc" CRLF "10;ext" CRLF "0123456789abcdef" CRLF "0" CRLF CRLF;
	size_t len = strlen(wire);
	char *buf = malloc(len);
	memcpy(buf, wire, len);
	struct http1_body b;
	http1_body_init(&b, &chunked_msg, 0);
	size_t in_pos = 0, out_end = 0, have = 0;
	int rc = 0;
	while (rc == 0 && have < len) {
		have = have + 5 < len ? have + 5 : len;
		size_t cons, prod;
		rc = http1_body_decode(&b, buf + in_pos, have - in_pos, &cons, buf + out_end, have - in_pos,
				       &prod);
		ck_assert_int_ge(rc, 0);
		in_pos += cons;
		out_end += prod;
		ck_assert_uint_le(out_end, in_pos);
	}
	ck_assert_int_eq(rc, 1);
	ck_assert_uint_eq(out_end, 19);
	ck_assert(memcmp(buf, "abc0123456789abcdef", 19) == 0);
	ck_assert_uint_eq(http1_body_total(&b), 19);
	free(buf);
}
END_TEST

START_TEST(test_length_and_eof_bodies)
{
	struct http1_msg m = { .body_kind = HTTP1_BODY_LENGTH, .content_length = 10 };
	struct http1_body b;
	char out[32];
	size_t cons, prod;
	http1_body_init(&b, &m, 0);
	ck_assert_int_eq(http1_body_decode(&b, "01234", 5, &cons, out, sizeof(out), &prod), 0);
	ck_assert_uint_eq(cons, 5);
	ck_assert_int_eq(http1_body_eof(&b), HTTP1_PARTIAL); /* truncated */
	ck_assert_int_eq(http1_body_decode(&b, "56789GET /", 10, &cons, out + 5, 27, &prod), 1);
	ck_assert_uint_eq(cons, 5); /* the next request stays in the input */
	ck_assert(memcmp(out, "0123456789", 10) == 0);

	struct http1_msg none = { .body_kind = HTTP1_BODY_NONE };
	http1_body_init(&b, &none, 0);
	ck_assert_int_eq(http1_body_decode(&b, "GET", 3, &cons, out, sizeof(out), &prod), 1);
	ck_assert_uint_eq(cons, 0);

	struct http1_msg eof = { .body_kind = HTTP1_BODY_EOF };
	http1_body_init(&b, &eof, 8);
	ck_assert_int_eq(http1_body_decode(&b, "abcdef", 6, &cons, out, sizeof(out), &prod), 0);
	ck_assert_int_eq(http1_body_eof(&b), 1);
	ck_assert_int_eq(http1_body_decode(&b, "ghi", 3, &cons, out, sizeof(out), &prod), HTTP1_EBODYSIZE);
}
END_TEST

START_TEST(test_format_response)
{
	char out[256];
	struct http1_header h[] = { { "Content-Type", 12, "application/x-protobuf", 22 } };
	ssize_t n = http1_format_response(out, sizeof(out), 200, h, 1, "ab", 2, 0);
	const char *want = "HTTP/1.1 200 OK" CRLF "Content-Type: application/x-protobuf" CRLF
			   "Content-Length: 2" CRLF CRLF "ab";
	ck_assert_int_eq(n, (ssize_t)strlen(want));
	ck_assert(memcmp(out, want, (size_t)n) == 0);
	n = http1_format_response_head(out, sizeof(out), 429, NULL, NULL, 0, 0, HTTP1_F_CLOSE);
	want = "HTTP/1.1 429 Too Many Requests" CRLF "Content-Length: 0" CRLF "Connection: close" CRLF CRLF;
	ck_assert_int_eq(n, (ssize_t)strlen(want));
	ck_assert(memcmp(out, want, (size_t)n) == 0);
	n = http1_format_response_head(out, sizeof(out), 204, NULL, NULL, 0, 0, 0);
	ck_assert_int_eq(n, (ssize_t)strlen("HTTP/1.1 204 No Content" CRLF CRLF));
	/* too small, header injection, bad status */
	ck_assert_int_eq(http1_format_response(out, 20, 200, h, 1, "ab", 2, 0), -ENOSPC);
	ck_assert_int_eq(http1_format_response(out, 39, 200, NULL, 0, "ab", 2, 0), -ENOSPC);
	struct http1_header bad[] = { { "X", 1, "a\r\nSet-Cookie: x", 16 } };
	ck_assert_int_eq(http1_format_response(out, sizeof(out), 200, bad, 1, "", 0, 0), -EINVAL);
	struct http1_header badn[] = { { "X:Y", 3, "a", 1 } };
	ck_assert_int_eq(http1_format_response(out, sizeof(out), 200, badn, 1, "", 0, 0), -EINVAL);
	ck_assert_int_eq(http1_format_response(out, sizeof(out), 42, NULL, 0, "", 0, 0), -EINVAL);
}
END_TEST

START_TEST(test_format_request_roundtrip)
{
	char out[512];
	struct http1_header h[] = { { "Content-Type", 12, "application/x-protobuf", 22 },
				    { "X-Api-Key", 9, "secret", 6 } };
	ssize_t n = http1_format_request_head(out, sizeof(out), "POST", "/v1/traces", "127.0.0.1:4318", h, 2,
					      1234, 0);
	ck_assert_int_gt(n, 0);
	struct http1_request r;
	struct http1_header ph[8];
	r.m.headers = ph;
	r.m.max_headers_in = 8;
	ck_assert_int_eq(http1_parse_request(out, (size_t)n, 0, NULL, &r), (int)n);
	ck_assert(r.method_len == 4 && memcmp(r.method, "POST", 4) == 0);
	ck_assert(r.target_len == 10 && memcmp(r.target, "/v1/traces", 10) == 0);
	ck_assert_int_eq(r.m.body_kind, HTTP1_BODY_LENGTH);
	ck_assert_uint_eq(r.m.content_length, 1234);
	ck_assert(r.m.keep_alive);
	const struct http1_header *k = http1_find_header(&r.m, "x-api-key");
	ck_assert(k && k->value_len == 6 && memcmp(k->value, "secret", 6) == 0);
	const struct http1_header *host = http1_find_header(&r.m, "host");
	ck_assert(host && host->value_len == 14);
	n = http1_format_request_head(out, sizeof(out), "GET", "/", NULL, NULL, 0, 0, HTTP1_F_CLOSE);
	ck_assert_int_eq(n, (ssize_t)strlen("GET / HTTP/1.1" CRLF "Connection: close" CRLF CRLF));
	ck_assert_int_eq(http1_format_request_head(out, sizeof(out), "GET", "/a b", NULL, NULL, 0, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(http1_format_request_head(out, 10, "POST", "/v1/traces", NULL, NULL, 0, 1, 0),
			 -ENOSPC);
}
END_TEST

Suite *http1_body_suite(void);
Suite *http1_body_suite(void)
{
	Suite *s = suite_create("net_http1_body");
	TCase *tc = tcase_create("body");
	tcase_add_loop_test(tc, test_chunked_table, 0, (int)(sizeof(chunk_cases) / sizeof(chunk_cases[0])));
	tcase_add_test(tc, test_chunked_in_place);
	tcase_add_test(tc, test_length_and_eof_bodies);
	tcase_add_test(tc, test_format_response);
	tcase_add_test(tc, test_format_request_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}
