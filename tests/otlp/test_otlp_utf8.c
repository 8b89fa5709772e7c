/* tests/otlp/test_otlp_utf8.c: the UTF-8 checker of the validators against
 * a reference decoder, and the signal descriptors' lookups by HTTP path,
 * gRPC path and name. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otlp/signal.h"
#include "otlp/utf8.h"

#include <protobuf-c/protobuf-c.h>
#include "tests/check_run.h"

/* A reference decoder, written differently from otlp/utf8.c: the code
 * point first, then its range rules. 1 if s[0..n) is valid UTF-8. */
static int ref_utf8(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp, min;
		size_t k;
		if (s[i] < 0x80) {
			i++;
			continue;
		} else if ((s[i] & 0xe0) == 0xc0) {
			k = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			k = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			k = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k;
	}
	return 1;
}

START_TEST(t_utf8_against_reference)
{
	static const char *const pieces[] = {
		"a",
		"\xc3\xa9",
		"\xe2\x82\xac",
		"\xf0\x9f\x98\x80",
		"\xef\xbf\xbf",
		"\xf4\x8f\xbf\xbf",
		"\xc0\x80",
		"\xc1\xbf",
		"\xe0\x80\x80",
		"\xe0\x9f\xbf",
		"\xed\xa0\x80",
		"\xed\xbf\xbf",
		"\xf0\x80\x80\x80",
		"\xf0\x8f\xbf\xbf",
		"\xf4\x90\x80\x80",
		"\xf5\x80\x80\x80",
		"\xff",
		"\x80",
		"\xc3",
		"\xe2\x82",
		"\xf0\x9f\x98",
		"\xed\x9f\xbf",
		"\xee\x80\x80",
	};
	uint64_t rng = 88172645463325252ull;
	uint8_t buf[64];
	unsigned valid = 0, invalid = 0;

	/* Every piece alone, and at every offset 0..40 in ASCII (both sides of
	 * the 8-byte loop, the overlapping tail, the 4- and 1..3-byte cases). */
	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		size_t pl = strlen(pieces[k]);
		for (size_t at = 0; at <= 40; at++) {
			for (size_t tail = 0; tail < 3; tail++) {
				size_t n = at + pl + tail;
				memset(buf, 'x', n);
				memcpy(buf + at, pieces[k], pl);
				uint8_t *p = malloc(n ? n : 1);
				memcpy(p, buf, n);
				int want = ref_utf8(p, n);
				ck_assert_msg(otlp_utf8_valid(p, n) == want, "piece %zu at %zu+%zu", k, at,
					      tail);
				want ? valid++ : invalid++;
				free(p);
			}
		}
	}
	/* Random strings of pieces and random bytes. */
	for (int it = 0; it < 200000; it++) {
		size_t n = 0;
		while (n < 40) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			if (rng % 5 == 0) {
				buf[n++] = (uint8_t)(rng >> 8);
			} else {
				const char *s = (rng >> 16) % 3 ? "ab" : pieces[(rng >> 20) % 23];
				size_t pl = strlen(s);
				if (n + pl > 40)
					break;
				memcpy(buf + n, s, pl);
				n += pl;
			}
		}
		size_t len = (size_t)(rng >> 40) % (n + 1);
		ck_assert_int_eq(otlp_utf8_valid(buf, len), ref_utf8(buf, len));
	}
	ck_assert_uint_gt(valid, 100);
	ck_assert_uint_gt(invalid, 100);
	ck_assert_int_eq(otlp_utf8_valid(NULL, 0), 1);
}
END_TEST

START_TEST(t_signal_lookup)
{
	static const struct {
		int sig;
		const char *name, *http, *grpc, *metric, *text;
	} want[] = {
		{ OTLP_SIGNAL_TRACES, "traces", "/v1/traces",
		  "/opentelemetry.proto.collector.trace.v1.TraceService/Export", "spans", "spans" },
		{ OTLP_SIGNAL_LOGS, "logs", "/v1/logs",
		  "/opentelemetry.proto.collector.logs.v1.LogsService/Export", "log_records", "log records" },
		{ OTLP_SIGNAL_METRICS, "metrics", "/v1/metrics",
		  "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "metric_points",
		  "data points" },
	};
	for (int i = 0; i < 3; i++) {
		const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)want[i].sig);
		ck_assert_ptr_nonnull(sd);
		ck_assert_int_eq(sd->signal, want[i].sig);
		ck_assert_str_eq(sd->name, want[i].name);
		ck_assert_str_eq(sd->http_path, want[i].http);
		ck_assert_str_eq(sd->grpc_method, want[i].grpc);
		ck_assert_str_eq(sd->item_metric, want[i].metric);
		ck_assert_str_eq(sd->item_text, want[i].text);
		ck_assert_ptr_eq(otlp_signal_by_http_path(want[i].http, strlen(want[i].http)), sd);
		ck_assert_ptr_eq(otlp_signal_by_grpc_path(want[i].grpc, strlen(want[i].grpc)), sd);
		ck_assert_ptr_eq(otlp_signal_by_name(want[i].name, strlen(want[i].name)), sd);
		/* the gRPC method is "/" service "/Export" */
		char path[160];
		snprintf(path, sizeof(path), "/%s/Export", sd->grpc_service);
		ck_assert_str_eq(path, sd->grpc_method);
		/* the protobuf-c descriptors are the signal's */
		ck_assert_ptr_nonnull(strstr(((const ProtobufCMessageDescriptor *)sd->request_desc)->name,
					     sd->request_name));
		ck_assert_str_eq(((const ProtobufCMessageDescriptor *)sd->resource_desc)->short_name,
				 sd->resource_name);
	}
	ck_assert_ptr_null(otlp_signal_get((enum otlp_signal)3));
	ck_assert_ptr_null(otlp_signal_by_http_path("/v1/traces/", 11));
	ck_assert_ptr_null(otlp_signal_by_http_path("/v1/trace", 9));
	ck_assert_ptr_nonnull(otlp_signal_by_http_path("/v1/tracesX", 10)); /* len counts */
	ck_assert_ptr_null(
		otlp_signal_by_grpc_path("/opentelemetry.proto.collector.logs.v1.LogsService/Exp", 55));
	ck_assert_ptr_null(otlp_signal_by_name(NULL, 0));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_utf8");
	TCase *tc = tcase_create("utf8");
	tcase_add_test(tc, t_utf8_against_reference);
	tcase_add_test(tc, t_signal_lookup);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
