/* test_http1.c: the HTTP/1.1 head parsers, table-driven (one line a case:
 * name, input, expected result and framing), each case also fed one byte at
 * a time and split at every byte, from exact-size heap copies so ASan sees
 * any read past the end. */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "net/http1.h"

#define FULL INT_MAX /* expected result: the whole input is the head */
enum {
	L_DEF,
	L_SMALL,
	L_REQLEN
};

struct req_case {
	const char *name, *in;
	int rc;
	int body_kind;
	uint64_t clen;
	int keep;
	int nhdr;
	int lim;
};

#define CRLF "\r\n"
static const struct req_case req_cases[] = {
	{ "get", "GET / HTTP/1.1" CRLF "Host: a" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 1, 1, L_DEF },
	{ "no headers", "GET /x HTTP/1.1" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 1, 0, L_DEF },
	{ "post length", "POST /v1/traces HTTP/1.1" CRLF "Host: a" CRLF "Content-Length: 5" CRLF CRLF, FULL,
	  HTTP1_BODY_LENGTH, 5, 1, 2, L_DEF },
	{ "length zero", "POST / HTTP/1.1" CRLF "Content-Length: 0" CRLF CRLF, FULL, HTTP1_BODY_LENGTH, 0, 1,
	  1, L_DEF },
	{ "chunked", "POST / HTTP/1.1" CRLF "Transfer-Encoding: chunked" CRLF CRLF, FULL, HTTP1_BODY_CHUNKED,
	  0, 1, 1, L_DEF },
	{ "chunked case", "POST / HTTP/1.1" CRLF "transfer-encoding:  Chunked " CRLF CRLF, FULL,
	  HTTP1_BODY_CHUNKED, 0, 1, 1, L_DEF },
	{ "http10 close", "GET / HTTP/1.0" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 0, 0, L_DEF },
	{ "http10 keepalive", "GET / HTTP/1.0" CRLF "Connection: Keep-Alive" CRLF CRLF, FULL, HTTP1_BODY_NONE,
	  0, 1, 1, L_DEF },
	{ "http11 close", "GET / HTTP/1.1" CRLF "Connection: foo, close" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0,
	  0, 1, L_DEF },
	{ "http12 as 11", "GET / HTTP/1.2" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 1, 0, L_DEF },
	{ "leading crlf", CRLF "GET / HTTP/1.1" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 1, 0, L_DEF },
	{ "same length twice", "POST / HTTP/1.1" CRLF "Content-Length: 7" CRLF "Content-Length: 7" CRLF CRLF,
	  FULL, HTTP1_BODY_LENGTH, 7, 1, 2, L_DEF },
	{ "length list", "POST / HTTP/1.1" CRLF "Content-Length: 7, 7" CRLF CRLF, FULL, HTTP1_BODY_LENGTH, 7,
	  1, 1, L_DEF },
	{ "obs-text value", "GET / HTTP/1.1" CRLF "X: caf\xc3\xa9" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 1, 1,
	  L_DEF },
	{ "empty value", "GET / HTTP/1.1" CRLF "X:" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 1, 1, L_DEF },
	{ "partial head", "GET / HTTP/1.1" CRLF "Host: a" CRLF, HTTP1_PARTIAL, 0, 0, 0, 0, L_DEF },
	{ "partial line", "POST /v1/tra", HTTP1_PARTIAL, 0, 0, 0, 0, L_DEF },
	{ "bare lf", "GET / HTTP/1.1\nHost: a\n\n", HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "bare lf header", "GET / HTTP/1.1" CRLF "Host: a\n" CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "obs-fold", "GET / HTTP/1.1" CRLF "A: b" CRLF " c" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "space before colon", "GET / HTTP/1.1" CRLF "Host : a" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0,
	  L_DEF },
	{ "no colon", "GET / HTTP/1.1" CRLF "Host" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "ctl in value",
	  "GET / HTTP/1.1" CRLF "A: b\x01"
	  "c" CRLF CRLF,
	  HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "nul in value", "GET / HTTP/1.1" CRLF "A: b\0c" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "empty method", " / HTTP/1.1" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "two spaces", "GET  / HTTP/1.1" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "no version", "GET /" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "lowercase proto", "GET / http/1.1" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "http2 version", "GET / HTTP/2.0" CRLF CRLF, HTTP1_EVERSION, 0, 0, 0, 0, L_DEF },
	{ "h2 preface", "PRI * HTTP/2.0" CRLF CRLF "SM" CRLF CRLF, HTTP1_EVERSION, 0, 0, 0, 0, L_DEF },
	{ "tls hello", "\x16\x03\x01\x02\x01\xfc\x03\x03" CRLF CRLF, HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "length and te",
	  "POST / HTTP/1.1" CRLF "Content-Length: 3" CRLF "Transfer-Encoding: chunked" CRLF CRLF,
	  HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "te in http10", "POST / HTTP/1.0" CRLF "Transfer-Encoding: chunked" CRLF CRLF, HTTP1_EBADREQ, 0, 0,
	  0, 0, L_DEF },
	{ "two lengths", "POST / HTTP/1.1" CRLF "Content-Length: 3" CRLF "Content-Length: 4" CRLF CRLF,
	  HTTP1_EBADLENGTH, 0, 0, 0, 0, L_DEF },
	{ "length list differs", "POST / HTTP/1.1" CRLF "Content-Length: 3, 4" CRLF CRLF, HTTP1_EBADLENGTH, 0,
	  0, 0, 0, L_DEF },
	{ "negative length", "POST / HTTP/1.1" CRLF "Content-Length: -1" CRLF CRLF, HTTP1_EBADLENGTH, 0, 0, 0,
	  0, L_DEF },
	{ "hex length", "POST / HTTP/1.1" CRLF "Content-Length: 0x10" CRLF CRLF, HTTP1_EBADLENGTH, 0, 0, 0, 0,
	  L_DEF },
	{ "empty length", "POST / HTTP/1.1" CRLF "Content-Length:" CRLF CRLF, HTTP1_EBADLENGTH, 0, 0, 0, 0,
	  L_DEF },
	{ "overflow length", "POST / HTTP/1.1" CRLF "Content-Length: 99999999999999999999999" CRLF CRLF,
	  HTTP1_EBADLENGTH, 0, 0, 0, 0, L_DEF },
	{ "length over max", "POST / HTTP/1.1" CRLF "Content-Length: 4194305" CRLF CRLF, HTTP1_EBODYSIZE, 0,
	  0, 0, 0, L_DEF },
	{ "length at max", "POST / HTTP/1.1" CRLF "Content-Length: 4194304" CRLF CRLF, FULL,
	  HTTP1_BODY_LENGTH, 4194304, 1, 1, L_DEF },
	{ "te gzip", "POST / HTTP/1.1" CRLF "Transfer-Encoding: gzip" CRLF CRLF, HTTP1_ETECODING, 0, 0, 0, 0,
	  L_DEF },
	{ "te gzip chunked", "POST / HTTP/1.1" CRLF "Transfer-Encoding: gzip, chunked" CRLF CRLF,
	  HTTP1_ETECODING, 0, 0, 0, 0, L_DEF },
	{ "te chunked gzip", "POST / HTTP/1.1" CRLF "Transfer-Encoding: chunked, gzip" CRLF CRLF,
	  HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "te chunked twice",
	  "POST / HTTP/1.1" CRLF "Transfer-Encoding: chunked" CRLF "Transfer-Encoding: chunked" CRLF CRLF,
	  HTTP1_EBADREQ, 0, 0, 0, 0, L_DEF },
	{ "too many headers",
	  "GET / HTTP/1.1" CRLF "A: 1" CRLF "B: 2" CRLF "C: 3" CRLF "D: 4" CRLF "E: 5" CRLF CRLF,
	  HTTP1_EHDRCOUNT, 0, 0, 0, 0, L_SMALL },
	{ "headers at limit", "GET / HTTP/1.1" CRLF "A: 1" CRLF "B: 2" CRLF "C: 3" CRLF "D: 4" CRLF CRLF,
	  FULL, HTTP1_BODY_NONE, 0, 1, 4, L_SMALL },
	{ "head too large",
	  "GET / HTTP/1.1" CRLF
	  "A: 0123456789012345678901234567890123456789012345678901234567890123456789" CRLF CRLF,
	  HTTP1_EHDRSIZE, 0, 0, 0, 0, L_SMALL },
	{ "head too large partial",
	  "GET / HTTP/1.1" CRLF "A: 0123456789012345678901234567890123456789012345678901234567890123456789",
	  HTTP1_EHDRSIZE, 0, 0, 0, 0, L_SMALL },
	{ "target too long", "GET /0123456789012345678901234567890 HTTP/1.1" CRLF CRLF, HTTP1_EURI, 0, 0, 0,
	  0, L_SMALL },
	{ "post needs length", "POST / HTTP/1.1" CRLF "Host: a" CRLF CRLF, HTTP1_ELENGTH, 0, 0, 0, 0,
	  L_REQLEN },
	{ "get needs no length", "GET / HTTP/1.1" CRLF "Host: a" CRLF CRLF, FULL, HTTP1_BODY_NONE, 0, 1, 1,
	  L_REQLEN },
	{ "expect continue", "POST / HTTP/1.1" CRLF "Expect: 100-continue" CRLF "Content-Length: 1" CRLF CRLF,
	  FULL, HTTP1_BODY_LENGTH, 1, 1, 2, L_DEF },
};

static void lim_for(int v, struct http1_limits *lim)
{
	http1_limits_default(lim);
	if (v == L_SMALL) {
		lim->max_header_bytes = 80;
		lim->max_headers = 4;
		lim->max_target = 30;
	} else if (v == L_REQLEN) {
		lim->require_length = true;
	}
}

static int parse_req(const char *in, size_t len, size_t last, const struct http1_limits *lim,
		     struct http1_request *r, struct http1_header *h, unsigned nh)
{
	char *copy = malloc(len ? len : 1); /* exact size: ASan catches overreads */
	memcpy(copy, in, len);
	r->m.headers = h;
	r->m.max_headers_in = nh;
	int rc = http1_parse_request(copy, len, last, lim, r);
	/* views must point into the buffer: rebase them onto the original */
	if (rc > 0) {
		r->method = in + (r->method - copy);
		r->target = in + (r->target - copy);
		for (unsigned i = 0; i < r->m.num_headers; i++) {
			h[i].name = in + (h[i].name - copy);
			h[i].value = in + (h[i].value - copy);
		}
	}
	free(copy);
	return rc;
}

static size_t case_len(const struct req_case *c)
{
	/* "nul in value" holds a NUL: measure through the final CRLF CRLF */
	size_t n = strlen(c->in);
	if (strcmp(c->name, "nul in value") == 0)
		n += 1 + strlen(c->in + n + 1);
	return n;
}

START_TEST(test_request_table)
{
	const struct req_case *c = &req_cases[_i];
	struct http1_limits lim;
	struct http1_request r;
	struct http1_header h[16];
	lim_for(c->lim, &lim);
	size_t len = case_len(c);
	int want = c->rc == FULL ? (int)len : c->rc;
	int rc = parse_req(c->in, len, 0, &lim, &r, h, 16);
	ck_assert_msg(rc == want, "%s: rc %d want %d", c->name, rc, want);
	if (rc > 0) {
		ck_assert_msg((int)r.m.body_kind == c->body_kind, "%s: body kind", c->name);
		ck_assert_msg(r.m.content_length == c->clen, "%s: content length", c->name);
		ck_assert_msg(r.m.keep_alive == (c->keep != 0), "%s: keep-alive", c->name);
		ck_assert_msg((int)r.m.num_headers == c->nhdr, "%s: header count %u", c->name,
			      r.m.num_headers);
	}
	/* one byte at a time: PARTIAL until the end (or the error) */
	int got = HTTP1_PARTIAL;
	size_t n;
	for (n = 1; n <= len && got == HTTP1_PARTIAL; n++)
		got = parse_req(c->in, n, n - 1, &lim, &r, h, 16);
	ck_assert_msg(got == want, "%s: bytewise rc %d want %d", c->name, got, want);
	if (want > 0)
		ck_assert_msg(n - 1 == len, "%s: completed early at %zu", c->name, n - 1);
	/* split at every byte: first part, then the whole with last_len */
	for (size_t k = 0; k < len; k++) {
		int first = parse_req(c->in, k, 0, &lim, &r, h, 16);
		if (first != HTTP1_PARTIAL)
			continue; /* an error (or a limit) showed up in the prefix */
		got = parse_req(c->in, len, k, &lim, &r, h, 16);
		ck_assert_msg(got == want, "%s: split %zu rc %d want %d", c->name, k, got, want);
	}
}
END_TEST

START_TEST(test_request_views)
{
	const char *in = "POST /v1/traces?x=1 HTTP/1.1" CRLF "Host: 127.0.0.1:4318" CRLF
			 "Content-Type: application/x-protobuf" CRLF "X-Key:   v a l  " CRLF
			 "Content-Length: 12" CRLF CRLF "body...";
	struct http1_request r;
	struct http1_header h[8];
	r.m.headers = h;
	r.m.max_headers_in = 8;
	int rc = http1_parse_request(in, strlen(in), 0, NULL, &r);
	ck_assert_int_eq(rc, (int)(strstr(in, "body...") - in));
	ck_assert_int_eq(r.method_len, 4);
	ck_assert(memcmp(r.method, "POST", 4) == 0);
	ck_assert_int_eq(r.target_len, strlen("/v1/traces?x=1"));
	ck_assert(memcmp(r.target, "/v1/traces?x=1", r.target_len) == 0);
	const struct http1_header *ct = http1_find_header(&r.m, "content-type");
	ck_assert_ptr_nonnull(ct);
	ck_assert(ct->value_len == 22 && memcmp(ct->value, "application/x-protobuf", 22) == 0);
	const struct http1_header *k = http1_find_header(&r.m, "X-KEY");
	ck_assert(k && k->value_len == 5 && memcmp(k->value, "v a l", 5) == 0);
	ck_assert_ptr_null(http1_find_header(&r.m, "Content-Encoding"));
	ck_assert(http1_value_has_token("a, Keep-Alive ,b", 16, "keep-alive"));
	ck_assert(!http1_value_has_token("keep-alivex", 11, "keep-alive"));
	/* the caller's array bounds the header count below the limit */
	r.m.max_headers_in = 2;
	ck_assert_int_eq(http1_parse_request(in, strlen(in), 0, NULL, &r), HTTP1_EHDRCOUNT);
}
END_TEST

struct resp_case {
	const char *name, *in;
	int rc, status, body_kind;
	uint64_t clen;
	int keep;
};
static const struct resp_case resp_cases[] = {
	{ "ok length", "HTTP/1.1 200 OK" CRLF "Content-Length: 2" CRLF CRLF, FULL, 200, HTTP1_BODY_LENGTH, 2,
	  1 },
	{ "no content", "HTTP/1.1 204 No Content" CRLF CRLF, FULL, 204, HTTP1_BODY_NONE, 0, 1 },
	{ "not modified", "HTTP/1.1 304 Not Modified" CRLF "Content-Length: 9" CRLF CRLF, FULL, 304,
	  HTTP1_BODY_NONE, 0, 1 },
	{ "continue", "HTTP/1.1 100 Continue" CRLF CRLF, FULL, 100, HTTP1_BODY_NONE, 0, 1 },
	{ "until close", "HTTP/1.1 200 OK" CRLF CRLF, FULL, 200, HTTP1_BODY_EOF, 0, 0 },
	{ "chunked", "HTTP/1.1 200 OK" CRLF "Transfer-Encoding: chunked" CRLF CRLF, FULL, 200,
	  HTTP1_BODY_CHUNKED, 0, 1 },
	{ "te gzip until close", "HTTP/1.1 200 OK" CRLF "Transfer-Encoding: gzip" CRLF CRLF, FULL, 200,
	  HTTP1_BODY_EOF, 0, 0 },
	{ "http10", "HTTP/1.0 200 OK" CRLF "Content-Length: 1" CRLF CRLF, FULL, 200, HTTP1_BODY_LENGTH, 1,
	  0 },
	{ "retry after",
	  "HTTP/1.1 503 Service Unavailable" CRLF "Retry-After: 3" CRLF "Content-Length: 0" CRLF CRLF, FULL,
	  503, HTTP1_BODY_LENGTH, 0, 1 },
	{ "no reason", "HTTP/1.1 200" CRLF "Content-Length: 0" CRLF CRLF, FULL, 200, HTTP1_BODY_LENGTH, 0,
	  1 },
	{ "close", "HTTP/1.1 400 Bad Request" CRLF "Connection: close" CRLF "Content-Length: 0" CRLF CRLF,
	  FULL, 400, HTTP1_BODY_LENGTH, 0, 0 },
	{ "partial", "HTTP/1.1 200 OK" CRLF, HTTP1_PARTIAL, 0, 0, 0, 0 },
	{ "two digit", "HTTP/1.1 20 OK" CRLF CRLF, HTTP1_ESTATUS, 0, 0, 0, 0 },
	{ "no space", "HTTP/1.1 200OK" CRLF CRLF, HTTP1_ESTATUS, 0, 0, 0, 0 },
	{ "bad proto", "HTTX/1.1 200 OK" CRLF CRLF, HTTP1_ESTATUS, 0, 0, 0, 0 },
	{ "http2", "HTTP/2.0 200 OK" CRLF CRLF, HTTP1_EVERSION, 0, 0, 0, 0 },
	{ "status 099", "HTTP/1.1 099 X" CRLF CRLF, HTTP1_ESTATUS, 0, 0, 0, 0 },
	{ "bad length", "HTTP/1.1 200 OK" CRLF "Content-Length: x" CRLF CRLF, HTTP1_EBADLENGTH, 0, 0, 0, 0 },
	{ "length and te",
	  "HTTP/1.1 200 OK" CRLF "Content-Length: 1" CRLF "Transfer-Encoding: chunked" CRLF CRLF,
	  HTTP1_EBADREQ, 0, 0, 0, 0 },
};

START_TEST(test_response_table)
{
	const struct resp_case *c = &resp_cases[_i];
	size_t len = strlen(c->in);
	int want = c->rc == FULL ? (int)len : c->rc;
	struct http1_response r;
	struct http1_header h[8];
	for (size_t k = 0; k <= len; k++) {
		char *copy = malloc(len);
		memcpy(copy, c->in, len);
		r.m.headers = h;
		r.m.max_headers_in = 8;
		int rc = k < len ? http1_parse_response(copy, k, 0, NULL, &r) : HTTP1_PARTIAL;
		if (rc == HTTP1_PARTIAL)
			rc = http1_parse_response(copy, len, k, NULL, &r);
		free(copy);
		ck_assert_msg(rc == want, "%s split %zu: rc %d want %d", c->name, k, rc, want);
		if (rc > 0) {
			ck_assert_int_eq(r.status, c->status);
			ck_assert_msg((int)r.m.body_kind == c->body_kind, "%s: body kind", c->name);
			ck_assert_uint_eq(r.m.content_length, c->clen);
			ck_assert_msg(r.m.keep_alive == (c->keep != 0), "%s: keep-alive", c->name);
		}
	}
}
END_TEST

START_TEST(test_error_status_map)
{
	ck_assert_int_eq(http1_error_status(HTTP1_EBADREQ), 400);
	ck_assert_int_eq(http1_error_status(HTTP1_ECHUNK), 400);
	ck_assert_int_eq(http1_error_status(HTTP1_EBADLENGTH), 400);
	ck_assert_int_eq(http1_error_status(HTTP1_ELENGTH), 411);
	ck_assert_int_eq(http1_error_status(HTTP1_EBODYSIZE), 413);
	ck_assert_int_eq(http1_error_status(HTTP1_EURI), 414);
	ck_assert_int_eq(http1_error_status(HTTP1_EHDRSIZE), 431);
	ck_assert_int_eq(http1_error_status(HTTP1_EHDRCOUNT), 431);
	ck_assert_int_eq(http1_error_status(HTTP1_ETECODING), 501);
	ck_assert_int_eq(http1_error_status(HTTP1_EVERSION), 505);
	ck_assert_str_eq(http1_status_reason(413), "Content Too Large");
	ck_assert_str_eq(http1_error_str(HTTP1_ECHUNK), "malformed chunked body");
}
END_TEST

Suite *http1_body_suite(void);

int main(void)
{
	Suite *s = suite_create("net_http1");
	TCase *tc = tcase_create("head");
	tcase_add_loop_test(tc, test_request_table, 0, (int)(sizeof(req_cases) / sizeof(req_cases[0])));
	tcase_add_loop_test(tc, test_response_table, 0, (int)(sizeof(resp_cases) / sizeof(resp_cases[0])));
	tcase_add_test(tc, test_request_views);
	tcase_add_test(tc, test_error_status_map);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_add_suite(sr, http1_body_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
