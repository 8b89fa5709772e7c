/* tests/e2e/test_gen_req.c: sluice-gen's request template and stamping,
 * checked with protobuf-c's full decode. The end-to-end tests trust its span
 * ids to say exactly which spans arrived, so they must be right. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "tools/gen/gen_req.h"
#include "tests/check_run.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest Req;
typedef Opentelemetry__Proto__Trace__V1__Span Span;

static Req *decode(const struct gen_req *r)
{
	return opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL, r->len,
												r->buf);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

START_TEST(template_decodes_with_every_span_and_attribute)
{
	static const uint32_t sizes[][2] = { { 1, 0 }, { 7, 3 }, { 512, 8 }, { 100, 20 } };
	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
		struct gen_req r;
		ck_assert_int_eq(gen_req_build(&r, sizes[t][0], sizes[t][1], "svc", 42), 0);
		gen_req_stamp(&r, 1000, 5000000000ull);
		Req *req = decode(&r);
		ck_assert_ptr_nonnull(req);
		ck_assert_uint_eq(req->n_resource_spans, 1);
		ck_assert_str_eq(req->resource_spans[0]->resource->attributes[0]->value->string_value, "svc");
		ck_assert_uint_eq(req->resource_spans[0]->n_scope_spans, 1);
		Opentelemetry__Proto__Trace__V1__ScopeSpans *ss = req->resource_spans[0]->scope_spans[0];
		ck_assert_str_eq(ss->scope->name, "sluice-gen");
		ck_assert_uint_eq(ss->n_spans, sizes[t][0]);
		for (size_t i = 0; i < ss->n_spans; i++) {
			Span *s = ss->spans[i];
			ck_assert_uint_eq(s->span_id.len, 8);
			ck_assert_uint_eq(s->trace_id.len, 16);
			ck_assert_uint_eq(be64(s->span_id.data), 1000 + i);
			ck_assert_uint_eq(s->n_attributes, sizes[t][1]);
			ck_assert_uint_eq(s->end_time_unix_nano, 5000000000ull);
			ck_assert_uint_lt(s->start_time_unix_nano, s->end_time_unix_nano);
			ck_assert_uint_eq(gen_req_span_id(&r, (uint32_t)i), 1000 + i);
			for (size_t k = 0; k < s->n_attributes; k++)
				ck_assert_int_ne(s->attributes[k]->value->value_case,
						 OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET);
		}
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(req,
													NULL);
		gen_req_free(&r);
	}
}
END_TEST

START_TEST(restamping_changes_ids_and_keeps_the_message_valid)
{
	struct gen_req r;
	ck_assert_int_eq(gen_req_build(&r, 64, 4, "svc", 7), 0);
	gen_req_stamp(&r, 1, 1000000000ull);
	Req *a = decode(&r);
	gen_req_stamp(&r, 1ull << 40, 2000000000ull);
	Req *b = decode(&r);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	Opentelemetry__Proto__Trace__V1__ScopeSpans *sa = a->resource_spans[0]->scope_spans[0];
	Opentelemetry__Proto__Trace__V1__ScopeSpans *sb = b->resource_spans[0]->scope_spans[0];
	for (size_t i = 0; i < 64; i++) {
		ck_assert_uint_eq(be64(sb->spans[i]->span_id.data), (1ull << 40) + i);
		ck_assert_str_eq(sa->spans[i]->name, sb->spans[i]->name);
		ck_assert_uint_eq(sb->spans[i]->end_time_unix_nano, 2000000000ull);
		/* Spans of one trace share the trace id; the next trace differs. */
		if (i % GEN_SPANS_PER_TRACE != 0)
			ck_assert_mem_eq(sb->spans[i]->trace_id.data, sb->spans[i - 1]->trace_id.data, 16);
		else if (i > 0)
			ck_assert_int_ne(memcmp(sb->spans[i]->trace_id.data, sb->spans[i - 1]->trace_id.data,
						16),
					 0);
	}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(a, NULL);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(b, NULL);
	gen_req_free(&r);
}
END_TEST

START_TEST(zero_spans_is_refused)
{
	struct gen_req r;
	ck_assert_int_eq(gen_req_build(&r, 0, 1, "svc", 1), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gen_req");
	TCase *tc = tcase_create("gen_req");
	tcase_add_test(tc, template_decodes_with_every_span_and_attribute);
	tcase_add_test(tc, restamping_changes_ids_and_keeps_the_message_valid);
	tcase_add_test(tc, zero_spans_is_refused);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
