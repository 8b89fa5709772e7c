/* tests/producer/test_ingest_utf8.c: a real sluice-ingest refuses requests
 * with invalid UTF-8 in a string field, as Collector-based backends would:
 * OTLP/HTTP 400 (protobuf and JSON) and gRPC INVALID_ARGUMENT, with a
 * message naming the field's path, and nothing of the request published,
 * not even its valid resources; good requests go on being served. One
 * line a case: which string (in the last resource), which bad bytes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc.h"
#include "otlp/json.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/check_run.h"

#define EXPORT_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
#define PB "application/x-protobuf"

static const struct {
	const char *what; /* the string, found last in the request */
	size_t at;	  /* where in it the bad bytes go */
	const char *bad;  /* the bytes written over it there */
	const char *path; /* the path the error names */
} cases[] = {
	{ "span-1-2", 1, "\xff", "resourceSpans[1].scopeSpans[0].spans[2].name" },
	{ "http.route", 4, "\x80", "resourceSpans[1].scopeSpans[0].spans[2].attributes[1].key" },
	{ "Mozilla/5.0 (X11)", 3, "\xed\xa0\x80", /* a surrogate */
	  "resourceSpans[1].scopeSpans[0].spans[2].attributes[2].value.stringValue" },
	{ "service.name", 0, "\xc0\xaf", /* overlong '/' */
	  "resourceSpans[1].resource.attributes[0].key" },
	{ "bench-service", 5, "\xe2\x82", /* cut short */
	  "resourceSpans[1].resource.attributes[0].value.stringValue" },
	{ "tests.producer", 2, "\xf5\x80\x80\x80", "resourceSpans[1].scopeSpans[0].scope.name" },
};

/* The last occurrence of s in buf. */
static uint8_t *last(uint8_t *buf, size_t len, const char *s)
{
	size_t n = strlen(s);
	for (size_t i = len - n + 1; i-- > 0;)
		if (memcmp(buf + i, s, n) == 0)
			return buf + i;
	return NULL;
}

static struct ingest_proc ip;
static char resp[1 << 16];

START_TEST(invalid_utf8_refused)
{
	size_t len;
	uint8_t *good = tl_request(2, 3, 11, &len), *bad = malloc(len);
	const char *body;
	size_t blen;
	struct ip_grpc_result r;
	struct grpc_details d;
	int rc = ip_start(&ip, 8u << 20, NULL);
	if (rc < 0)
		ip_dump_log(&ip);
	ck_assert_int_eq(rc, 0);

	memcpy(bad, good, len);
	uint8_t *p = last(bad, len, cases[_i].what);
	ck_assert_ptr_nonnull(p);
	memcpy(p + cases[_i].at, cases[_i].bad, strlen(cases[_i].bad));

	/* OTLP/HTTP protobuf: 400, a google.rpc.Status naming the path. */
	ck_assert_int_eq(tl_http_post(ip.http, PB, NULL, bad, len, resp, sizeof(resp), &body, &blen), 400);
	ck_assert_int_eq(grpc_details_decode((const uint8_t *)body, blen, &d), 0);
	ck_assert_int_eq(d.code, GRPC_STATUS_INVALID_ARGUMENT);
	char msg[300];
	snprintf(msg, sizeof(msg), "%.*s", (int)d.message_len, d.message);
	ck_assert_msg(strstr(msg, cases[_i].path) && strstr(msg, "invalid UTF-8"), "%s", msg);

	/* gRPC: INVALID_ARGUMENT, the same message. */
	ck_assert_int_eq(ip_grpc_call(ip.grpc, EXPORT_PATH, bad, len, false, &r), 0);
	ck_assert_int_eq(r.grpc_status, GRPC_STATUS_INVALID_ARGUMENT);
	ck_assert_msg(strstr(r.message, cases[_i].path), "%s", r.message);

	/* OTLP/JSON with the same bytes in the same string: 400. */
	struct otlp_json_buf js = { 0 };
	char err[256];
	ck_assert_int_eq(otlp_json_from_pb(good, len, OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE, &js, err,
					   sizeof(err)),
			 1);
	p = last(js.data, js.len, cases[_i].what);
	ck_assert_ptr_nonnull(p);
	memcpy(p + cases[_i].at, cases[_i].bad, strlen(cases[_i].bad));
	ck_assert_int_eq(tl_http_post(ip.http, "application/json", NULL, js.data, js.len, resp, sizeof(resp),
				      &body, &blen),
			 400);
	ck_assert_ptr_nonnull(strstr(body, "invalid UTF-8"));
	otlp_json_buf_free(&js);

	/* Nothing published, not even the valid first resource; the good
	 * request still goes through (its two resources, two records). */
	ck_assert_uint_eq(ring_last_seq(&ip.ring), 0);
	ck_assert_int_eq(tl_http_post(ip.http, PB, NULL, good, len, resp, sizeof(resp), NULL, NULL), 200);
	ck_assert_uint_eq(ring_last_seq(&ip.ring), 2);
	ck_assert_int_eq(ip_stop(&ip), 0);
	ip_destroy(&ip);
	free(good);
	free(bad);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_utf8");
	TCase *tc = tcase_create("utf8");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, invalid_utf8_refused, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	int failed = check_run(s, CK_FORK_GETENV);
	ip_cleanup_runner();
	return failed ? 1 : 0;
}
