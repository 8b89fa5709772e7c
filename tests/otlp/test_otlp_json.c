/* tests/otlp/test_otlp_json.c: OTLP/JSON transcoding. A hand-written OTLP/JSON
 * request (every field kind, both name styles, ids in hex, 64-bit integers as
 * strings and numbers, enums as numbers and names, base64 bytes) must give
 * exactly the protobuf of the same request built with protobuf-c; generated
 * requests survive pb -> JSON -> pb byte for byte; one-span-a-line output
 * gives one decodable request a span; bad inputs give clear errors. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "otlp/json.h"
#include "otlp/wire.h"
#include "tests/check_run.h"

static const char example[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"checkout\"}}],\"dropped_attributes_count\":1},"
	"\"schemaUrl\":\"https://opentelemetry.io/schemas/1.24.0\","
	"\"unknownField\":{\"ignored\":[1,2,3]},"
	"\"scopeSpans\":[{\"scope\":{\"name\":\"lib\",\"version\":\"1.0\"},"
	"\"spans\":[{\"traceId\":\"5B8EFFF798038103D269B633813FC60C\","
	"\"spanId\":\"eee19b7ec3c1b174\",\"parentSpanId\":\"\","
	"\"name\":\"GET /\",\"kind\":2,\"flags\":257,"
	"\"startTimeUnixNano\":\"1544712660000000000\","
	"\"end_time_unix_nano\":1544712661000000000,"
	"\"attributes\":["
	"{\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}},"
	"{\"key\":\"i2\",\"value\":{\"intValue\":7}},"
	"{\"key\":\"d\",\"value\":{\"doubleValue\":2.5}},"
	"{\"key\":\"nan\",\"value\":{\"doubleValue\":\"NaN\"}},"
	"{\"key\":\"inf\",\"value\":{\"doubleValue\":\"-Infinity\"}},"
	"{\"key\":\"b\",\"value\":{\"boolValue\":true}},"
	"{\"key\":\"raw\",\"value\":{\"bytesValue\":\"AQID/w==\"}},"
	"{\"key\":\"arr\",\"value\":{\"arrayValue\":{\"values\":[{\"stringValue\":\"x\"},"
	"{\"intValue\":\"1\"}]}}},"
	"{\"key\":\"kv\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"in\","
	"\"value\":{\"boolValue\":false}}]}}},"
	"{\"key\":\"empty\",\"value\":{}}],"
	"\"events\":[{\"timeUnixNano\":\"1544712660500000000\",\"name\":\"ev\","
	"\"attributes\":[{\"key\":\"e\",\"value\":{\"stringValue\":\"v\"}}]}],"
	"\"links\":[{\"traceId\":\"00000000000000000000000000000001\","
	"\"spanId\":\"0000000000000002\",\"traceState\":\"a=b\",\"flags\":1,"
	"\"droppedAttributesCount\":3}],"
	"\"droppedEventsCount\":null,"
	"\"status\":{\"message\":\"boom\",\"code\":\"STATUS_CODE_ERROR\"}}]}]}]}";

static GenKV *kv_new(const char *key)
{
	GenKV *kv = calloc(1, sizeof(*kv));
	opentelemetry__proto__common__v1__key_value__init(kv);
	kv->key = strdup(key);
	kv->value = calloc(1, sizeof(GenAny));
	opentelemetry__proto__common__v1__any_value__init(kv->value);
	return kv;
}

static GenKV *kv_str(const char *key, const char *v)
{
	GenKV *kv = kv_new(key);
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	kv->value->string_value = strdup(v);
	return kv;
}

static GenKV *kv_int(const char *key, int64_t v)
{
	GenKV *kv = kv_new(key);
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	kv->value->int_value = v;
	return kv;
}

static GenKV *kv_dbl(const char *key, double v)
{
	GenKV *kv = kv_new(key);
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
	kv->value->double_value = v;
	return kv;
}

static GenKV *kv_bool(const char *key, int v)
{
	GenKV *kv = kv_new(key);
	kv->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
	kv->value->bool_value = v;
	return kv;
}

static ProtobufCBinaryData bin(const void *p, size_t n)
{
	ProtobufCBinaryData b = { n, malloc(n + 1) };
	memcpy(b.data, p, n);
	return b;
}

#define ARR(type, n) calloc((n) + 1, sizeof(type))

/* The example above, built with protobuf-c. */
static GenReq *example_model(void)
{
	GenReq *q = calloc(1, sizeof(*q));
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(q);
	GenRS *rs = calloc(1, sizeof(*rs));
	opentelemetry__proto__trace__v1__resource_spans__init(rs);
	q->n_resource_spans = 1;
	q->resource_spans = ARR(GenRS *, 1);
	q->resource_spans[0] = rs;
	rs->resource = calloc(1, sizeof(GenResource));
	opentelemetry__proto__resource__v1__resource__init(rs->resource);
	rs->resource->n_attributes = 1;
	rs->resource->attributes = ARR(GenKV *, 1);
	rs->resource->attributes[0] = kv_str("service.name", "checkout");
	rs->resource->dropped_attributes_count = 1;
	rs->schema_url = strdup("https://opentelemetry.io/schemas/1.24.0");
	GenSS *ss = calloc(1, sizeof(*ss));
	opentelemetry__proto__trace__v1__scope_spans__init(ss);
	rs->n_scope_spans = 1;
	rs->scope_spans = ARR(GenSS *, 1);
	rs->scope_spans[0] = ss;
	ss->scope = calloc(1, sizeof(GenScope));
	opentelemetry__proto__common__v1__instrumentation_scope__init(ss->scope);
	ss->scope->name = strdup("lib");
	ss->scope->version = strdup("1.0");
	GenSpan *sp = calloc(1, sizeof(*sp));
	opentelemetry__proto__trace__v1__span__init(sp);
	ss->n_spans = 1;
	ss->spans = ARR(GenSpan *, 1);
	ss->spans[0] = sp;
	static const uint8_t tid[16] = { 0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03,
					 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c };
	static const uint8_t sid[8] = { 0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74 };
	sp->trace_id = bin(tid, 16);
	sp->span_id = bin(sid, 8);
	sp->name = strdup("GET /");
	sp->kind = 2;
	sp->flags = 257;
	sp->start_time_unix_nano = 1544712660000000000ULL;
	sp->end_time_unix_nano = 1544712661000000000ULL;
	sp->n_attributes = 10;
	sp->attributes = ARR(GenKV *, 10);
	sp->attributes[0] = kv_int("i", -42);
	sp->attributes[1] = kv_int("i2", 7);
	sp->attributes[2] = kv_dbl("d", 2.5);
	sp->attributes[3] = kv_dbl("nan", NAN);
	sp->attributes[4] = kv_dbl("inf", -INFINITY);
	sp->attributes[5] = kv_bool("b", 1);
	GenKV *raw = kv_new("raw");
	static const uint8_t rawb[] = { 1, 2, 3, 0xff };
	raw->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE;
	raw->value->bytes_value = bin(rawb, 4);
	sp->attributes[6] = raw;
	GenKV *arr = kv_new("arr");
	arr->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE;
	arr->value->array_value = calloc(1, sizeof(*arr->value->array_value));
	opentelemetry__proto__common__v1__array_value__init(arr->value->array_value);
	arr->value->array_value->n_values = 2;
	arr->value->array_value->values = ARR(GenAny *, 2);
	GenKV *t1 = kv_str("", "x"), *t2 = kv_int("", 1);
	arr->value->array_value->values[0] = t1->value;
	arr->value->array_value->values[1] = t2->value;
	t1->value = t2->value = NULL;
	protobuf_c_message_free_unpacked(&t1->base, NULL);
	protobuf_c_message_free_unpacked(&t2->base, NULL);
	sp->attributes[7] = arr;
	GenKV *kvl = kv_new("kv");
	kvl->value->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE;
	kvl->value->kvlist_value = calloc(1, sizeof(*kvl->value->kvlist_value));
	opentelemetry__proto__common__v1__key_value_list__init(kvl->value->kvlist_value);
	kvl->value->kvlist_value->n_values = 1;
	kvl->value->kvlist_value->values = ARR(GenKV *, 1);
	kvl->value->kvlist_value->values[0] = kv_bool("in", 0);
	sp->attributes[8] = kvl;
	sp->attributes[9] = kv_new("empty");
	GenEvent *ev = calloc(1, sizeof(*ev));
	opentelemetry__proto__trace__v1__span__event__init(ev);
	ev->time_unix_nano = 1544712660500000000ULL;
	ev->name = strdup("ev");
	ev->n_attributes = 1;
	ev->attributes = ARR(GenKV *, 1);
	ev->attributes[0] = kv_str("e", "v");
	sp->n_events = 1;
	sp->events = ARR(GenEvent *, 1);
	sp->events[0] = ev;
	GenLink *l = calloc(1, sizeof(*l));
	opentelemetry__proto__trace__v1__span__link__init(l);
	static const uint8_t ltid[16] = { [15] = 1 };
	static const uint8_t lsid[8] = { [7] = 2 };
	l->trace_id = bin(ltid, 16);
	l->span_id = bin(lsid, 8);
	l->trace_state = strdup("a=b");
	l->flags = 1;
	l->dropped_attributes_count = 3;
	sp->n_links = 1;
	sp->links = ARR(GenLink *, 1);
	sp->links[0] = l;
	sp->status = calloc(1, sizeof(GenStatus));
	opentelemetry__proto__trace__v1__status__init(sp->status);
	sp->status->message = strdup("boom");
	sp->status->code = 2;
	return q;
}

START_TEST(t_example_matches_protobuf_c)
{
	struct otlp_json_buf out = { 0 };
	char err[256];
	GenReq *m = example_model();
	size_t len;
	uint8_t *want = gen_pack(&m->base, &len);
	int rc = otlp_json_to_pb(example, strlen(example), &out, err, sizeof(err));

	ck_assert_msg(rc == 0, "%s", err);
	ck_assert_uint_eq(out.len, len);
	ck_assert_int_eq(memcmp(out.data, want, len), 0);
	struct otlp_wire_counts c;
	ck_assert_int_eq(otlp_wire_validate_request(out.data, out.len, &c, NULL), 0);
	ck_assert_uint_eq(c.spans, 1);

	/* and back: the JSON we write reads back to the same bytes */
	struct otlp_json_buf js = { 0 };
	ck_assert_int_eq(otlp_json_from_pb(want, len, OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE, &js, err,
					   sizeof(err)),
			 1);
	ck_assert_uint_gt(js.len, 0);
	ck_assert_int_eq(js.data[js.len - 1], '\n');
	ck_assert_ptr_nonnull(
		memmem(js.data, js.len, "\"traceId\":\"5b8efff798038103d269b633813fc60c\"", 43));
	ck_assert_ptr_nonnull(memmem(js.data, js.len, "\"startTimeUnixNano\":\"1544712660000000000\"", 41));
	ck_assert_ptr_nonnull(memmem(js.data, js.len, "\"bytesValue\":\"AQID/w==\"", 23));
	ck_assert_ptr_nonnull(memmem(js.data, js.len, "\"doubleValue\":\"NaN\"", 19));
	ck_assert_ptr_nonnull(memmem(js.data, js.len, "\"kind\":2", 8));
	ck_assert_int_eq(otlp_json_to_pb((const char *)js.data, js.len, &out, err, sizeof(err)), 0);
	ck_assert_uint_eq(out.len, len);
	ck_assert_int_eq(memcmp(out.data, want, len), 0);
	otlp_json_buf_free(&js);
	otlp_json_buf_free(&out);
	free(want);
	protobuf_c_message_free_unpacked(&m->base, NULL);
}
END_TEST

START_TEST(t_roundtrip_generated)
{
	const struct gen_opts o = { .max_rs = 3,
				    .max_ss = 3,
				    .max_spans = 4,
				    .max_attrs = 4,
				    .max_events = 2,
				    .max_links = 2,
				    .huge = 1,
				    .no_nan = 1 };
	struct otlp_json_buf js = { 0 }, pb = { 0 };
	char err[256];

	for (uint64_t seed = 1; seed <= 200; seed++) {
		uint64_t rng = seed * 31337;
		GenReq *m = gen_request(&rng, &o);
		size_t len;
		uint8_t *want = gen_pack(&m->base, &len);
		js.len = 0;
		ck_assert_int_eq(otlp_json_from_pb(want, len, OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE, &js,
						   err, sizeof(err)),
				 1);
		int rc = otlp_json_to_pb((const char *)js.data, js.len, &pb, err, sizeof(err));
		ck_assert_msg(rc == 0, "seed %llu: %s", (unsigned long long)seed, err);
		ck_assert_msg(pb.len == len && memcmp(pb.data, want, len) == 0,
			      "seed %llu: round trip differs", (unsigned long long)seed);

		/* one line a span: each line one request with that one span */
		struct otlp_wire_counts c;
		ck_assert_int_eq(otlp_wire_validate_request(want, len, &c, NULL), 0);
		js.len = 0;
		rc = otlp_json_from_pb(want, len, OTLP_JSON_IN_REQUEST, OTLP_JSON_SPAN_LINES, &js, err,
				       sizeof(err));
		ck_assert_int_eq(rc, (int)c.spans);
		size_t at = 0, lines = 0;
		for (size_t i = 0; i < m->n_resource_spans; i++)
			for (size_t k = 0; k < m->resource_spans[i]->n_scope_spans; k++)
				for (size_t s = 0; s < m->resource_spans[i]->scope_spans[k]->n_spans; s++) {
					const uint8_t *nl = memchr(js.data + at, '\n', js.len - at);
					ck_assert_ptr_nonnull(nl);
					size_t ll = (size_t)(nl - (js.data + at));
					ck_assert_int_eq(otlp_json_to_pb((const char *)js.data + at, ll, &pb,
									 err, sizeof(err)),
							 0);
					GenReq *one = (GenReq *)protobuf_c_message_unpack(
						&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor,
						NULL, pb.len, pb.data);
					ck_assert_ptr_nonnull(one);
					ck_assert_uint_eq(one->n_resource_spans, 1);
					ck_assert_uint_eq(one->resource_spans[0]->n_scope_spans, 1);
					ck_assert_uint_eq(one->resource_spans[0]->scope_spans[0]->n_spans, 1);
					size_t l1, l2;
					uint8_t *a = gen_pack(
						&one->resource_spans[0]->scope_spans[0]->spans[0]->base, &l1);
					uint8_t *b =
						gen_pack(&m->resource_spans[i]->scope_spans[k]->spans[s]->base,
							 &l2);
					ck_assert(l1 == l2 && memcmp(a, b, l1) == 0);
					free(a);
					free(b);
					protobuf_c_message_free_unpacked(&one->base, NULL);
					at += ll + 1;
					lines++;
				}
		ck_assert_uint_eq(at, js.len);
		ck_assert_uint_eq(lines, c.spans);
		free(want);
		protobuf_c_message_free_unpacked(&m->base, NULL);
	}
	otlp_json_buf_free(&js);
	otlp_json_buf_free(&pb);
}
END_TEST

struct bad_json {
	const char *json;
	const char *want; /* substring of the error message */
};

static const struct bad_json bad[] = {
	{ "", "invalid JSON" },
	{ "[]", "expected a JSON object" },
	{ "{\"resourceSpans\":[", "unexpected end" },
	{ "{} x", "invalid JSON: unexpected character (byte 3)" },
	{ "{\"resourceSpans\":{}}", "resourceSpans: expected an array" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"abc\"}]}]}]}",
	  "resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex digits" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"zzzzzzzzzzzzzzzz\"}]}]}]}",
	  "spans[0].spanId: not a hex string" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"12x\"}]}]}]}",
	  "startTimeUnixNano: bad integer" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":\"SPAN_KIND_BOGUS\"}]}]}]}",
	  "kind: unknown enum value" },
	{ "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
	  "{\"intValue\":1.5}}]}}]}",
	  "attributes[0].value.intValue: expected an integer" },
	{ "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
	  "{\"boolValue\":\"yes\"}}]}}]}",
	  "boolValue: expected true or false" },
	{ "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
	  "{\"bytesValue\":\"!!!\"}}]}}]}",
	  "bytesValue: not base64" },
	{ "{\"resourceSpans\":[{\"resource\":{\"droppedAttributesCount\":-1}}]}", "negative value" },
	{ "{\"resourceSpans\":[{\"resource\":{\"droppedAttributesCount\":4294967296}}]}", "out of range" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"a\\u0000b\"}]}]}]}", "NUL" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":5}]}]}]}", "name: expected a string" },
	{ "{\"resourceSpans\":[null]}", "null in an array" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\" -1\"}]}]}]}",
	  "startTimeUnixNano: expected a non-negative integer string" },
	{ "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
	  "{\"intValue\":9223372036854775808}}]}}]}",
	  "intValue: integer 9223372036854775808 out of range" },
	{ "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"k\",\"value\":"
	  "{\"intValue\":\"9223372036854775808\"}}]}}]}",
	  "intValue: bad integer" },
	{ "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"status\":[]}]}]}]}",
	  "status: expected an object" },
};

START_TEST(t_bad_json)
{
	struct otlp_json_buf out = { 0 };
	char err[256];
	const struct bad_json *b = &bad[_i];
	int rc = otlp_json_to_pb(b->json, strlen(b->json), &out, err, sizeof(err));

	ck_assert_msg(rc == -EINVAL, "%s: rc %d", b->json, rc);
	ck_assert_msg(strstr(err, b->want), "%s: error \"%s\" lacks \"%s\"", b->json, err, b->want);
	otlp_json_buf_free(&out);
}
END_TEST

START_TEST(t_limits)
{
	struct otlp_json_buf out = { 0 };
	char err[256];
	/* nesting deeper than the cap */
	size_t depth = OTLP_JSON_MAX_DEPTH + 10, n = 0;
	char *deep = malloc(depth * 2 + 40);
	n += (size_t)sprintf(deep, "{\"x\":");
	for (size_t i = 0; i < depth; i++)
		deep[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	ck_assert_int_eq(otlp_json_to_pb(deep, n, &out, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "invalid JSON"));
	free(deep);
	ck_assert_int_eq(otlp_json_to_pb("{}", (size_t)OTLP_JSON_MAX_INPUT + 1, &out, err, sizeof(err)),
			 -E2BIG);
	/* undecodable protobuf */
	static const uint8_t junk[] = { 0x0a, 0x05, 0x01 };
	ck_assert_int_eq(otlp_json_from_pb(junk, sizeof(junk), OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE, &out,
					   err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "undecodable"));
	/* an empty object is an empty request */
	ck_assert_int_eq(otlp_json_to_pb(" {} \n", 5, &out, err, sizeof(err)), 0);
	ck_assert_uint_eq(out.len, 0);
	otlp_json_buf_free(&out);
}
END_TEST

START_TEST(t_response_and_resource_spans)
{
	struct otlp_json_buf out = { 0 };
	char err[256];
	const char *resp = "{\"partialSuccess\":{\"rejectedSpans\":\"3\",\"errorMessage\":\"bad\"}}";

	ck_assert_int_eq(
		otlp_json_to_pb_as(
			&opentelemetry__proto__collector__trace__v1__export_trace_service_response__descriptor,
			resp, strlen(resp), &out, err, sizeof(err)),
		0);
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceResponse *r =
		opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(NULL,
												  out.len,
												  out.data);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->partial_success->rejected_spans, 3);
	ck_assert_str_eq(r->partial_success->error_message, "bad");
	out.len = 0;
	ck_assert_int_eq(otlp_json_from_message(&r->base, &out), 0);
	ck_assert_uint_eq(out.len, strlen(resp));
	ck_assert_int_eq(memcmp(out.data, resp, out.len), 0);
	protobuf_c_message_free_unpacked(&r->base, NULL);

	/* a bare ResourceSpans is printed as a request holding it */
	GenReq *m = gen_bench_request(2);
	size_t len;
	uint8_t *rs = gen_pack(&m->resource_spans[0]->base, &len);
	out.len = 0;
	ck_assert_int_eq(otlp_json_from_pb(rs, len, OTLP_JSON_IN_RESOURCE_SPANS, OTLP_JSON_SPAN_LINES, &out,
					   err, sizeof(err)),
			 2);
	ck_assert_int_eq(memcmp(out.data, "{\"resourceSpans\":[", 18), 0);
	free(rs);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	otlp_json_buf_free(&out);
}
END_TEST

/* Strings that are not UTF-8 on the wire still give valid JSON (U+FFFD). */
START_TEST(t_invalid_utf8_output)
{
	GenReq *m = gen_bench_request(1);
	GenSpan *sp = m->resource_spans[0]->scope_spans[0]->spans[0];
	struct otlp_json_buf js = { 0 }, pb = { 0 };
	char err[256];
	size_t len;

	free(sp->name);
	sp->name = strdup("a\xff\xc3(\xed\xa0\x80z\xc3\xa9"); /* bad, bad, surrogate, ok */
	uint8_t *b = gen_pack(&m->base, &len);
	ck_assert_int_eq(otlp_json_from_pb(b, len, OTLP_JSON_IN_REQUEST, OTLP_JSON_ONE_LINE, &js, err,
					   sizeof(err)),
			 1);
	ck_assert_ptr_nonnull(
		memmem(js.data, js.len, "\"name\":\"a\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffdz\xc3\xa9\"", 44));
	ck_assert_int_eq(otlp_json_to_pb((const char *)js.data, js.len, &pb, err, sizeof(err)), 0);
	free(b);
	otlp_json_buf_free(&js);
	otlp_json_buf_free(&pb);
	protobuf_c_message_free_unpacked(&m->base, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_json");
	TCase *tc = tcase_create("json");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_example_matches_protobuf_c);
	tcase_add_test(tc, t_roundtrip_generated);
	tcase_add_loop_test(tc, t_bad_json, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, t_limits);
	tcase_add_test(tc, t_response_and_resource_spans);
	tcase_add_test(tc, t_invalid_utf8_output);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
