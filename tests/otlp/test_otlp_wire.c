/* tests/otlp/test_otlp_wire.c: the wire reader and validator against
 * protobuf-c's full decode: generated requests (every field type, empty and
 * huge values, unknown fields), hand-made malformed inputs, and random
 * mutations (run under ASan too: any out-of-bounds read fails the test). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "otlp/wire.h"
#include "walk.h"
#include "tests/check_run.h"

#ifdef __SANITIZE_ADDRESS__
#define SCALE 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALE 4
#endif
#endif
#ifndef SCALE
#define SCALE 1
#endif

static const struct gen_opts full_opts = {
	.max_rs = 3,
	.max_ss = 3,
	.max_spans = 5,
	.max_attrs = 4,
	.max_events = 2,
	.max_links = 2,
	.unknown_fields = 1,
	.huge = 1,
};

static void count_model(const GenReq *m, struct otlp_wire_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->resource_spans = (uint32_t)m->n_resource_spans;
	for (size_t i = 0; i < m->n_resource_spans; i++) {
		c->scope_spans += (uint32_t)m->resource_spans[i]->n_scope_spans;
		for (size_t k = 0; k < m->resource_spans[i]->n_scope_spans; k++)
			c->spans += m->resource_spans[i]->scope_spans[k]->n_spans;
	}
}

static GenReq *unpack(const uint8_t *p, size_t n)
{
	return (GenReq *)protobuf_c_message_unpack(
		&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor, NULL,
		n, p);
}

/* Generated requests: validator counts and every field the reader gives
 * equal protobuf-c's decode. */
START_TEST(t_generated_match_protobuf_c)
{
	uint64_t spans_seen = 0;

	for (uint64_t seed = 1; seed <= 400 / SCALE; seed++) {
		uint64_t rng = seed * 7919;
		GenReq *m = gen_request(&rng, &full_opts);
		size_t len;
		uint8_t *buf = gen_pack(&m->base, &len);
		GenReq *d = unpack(buf, len);
		struct otlp_wire_counts c, want;
		struct otlp_wire_diag diag;

		ck_assert_msg(d, "protobuf-c rejects its own output (seed %llu)", (unsigned long long)seed);
		ck_assert_int_eq(otlp_wire_validate_request(buf, len, &c, &diag), 0);
		count_model(d, &want);
		ck_assert_uint_eq(c.resource_spans, want.resource_spans);
		ck_assert_uint_eq(c.scope_spans, want.scope_spans);
		ck_assert_uint_eq(c.spans, want.spans);
		spans_seen += c.spans;
		const char *diff = walk_compare_request((struct otlp_bytes){ buf, len }, d);
		ck_assert_msg(diff == NULL, "seed %llu: %s", (unsigned long long)seed, diff);
		ck_assert_int_eq(walk_all((struct otlp_bytes){ buf, len }), 0);
		for (size_t i = 0; i < d->n_resource_spans; i++) {
			size_t rl = protobuf_c_message_get_packed_size(&d->resource_spans[i]->base);
			uint8_t *rb = malloc(rl + 1);
			protobuf_c_message_pack(&d->resource_spans[i]->base, rb);
			struct otlp_wire_counts rc;
			ck_assert_int_eq(otlp_wire_validate_resource_spans(rb, rl, &rc, NULL), 0);
			ck_assert_int_eq(otlp_wire_count_spans((struct otlp_bytes){ rb, rl }),
					 (int64_t)rc.spans);
			free(rb);
		}
		protobuf_c_message_free_unpacked(&d->base, NULL);
		protobuf_c_message_free_unpacked(&m->base, NULL);
		free(buf);
	}
	ck_assert_uint_gt(spans_seen, 100); /* the generator really made spans */
}
END_TEST

/* ----- hand-made malformed inputs ----- */

struct bad_case {
	const char *name;
	uint8_t bytes[48];
	size_t len;
	int want;
};

static const struct bad_case bad_cases[] = {
	{ "empty request is valid", { 0 }, 0, 0 },
	{ "truncated length prefix", { 0x0a }, 1, -EBADMSG },
	{ "length past the end", { 0x0a, 0x05, 0x12, 0x00 }, 4, -EBADMSG },
	{ "truncated varint", { 0x78, 0x80 }, 2, -EBADMSG },
	{ "11-byte varint",
	  { 0x78, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 },
	  12,
	  -EBADMSG },
	{ "field number 0", { 0x02, 0x00 }, 2, -EBADMSG },
	{ "group wire type", { 0x0b, 0x0c }, 2, -EBADMSG },
	{ "wire type 6", { 0x0e }, 1, -EBADMSG },
	{ "truncated fixed64", { 0x79, 1, 2, 3 }, 4, -EBADMSG },
	{ "truncated fixed32", { 0x7d, 1, 2 }, 3, -EBADMSG },
	{ "6-byte length prefix", { 0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00 }, 7, -EBADMSG },
	{ "resource_spans as varint", { 0x08, 0x01 }, 2, -EPROTO },
	/* RS{ SS{ Span{ trace_id: 3 bytes } } } */
	{ "short trace_id", { 0x0a, 0x09, 0x12, 0x07, 0x12, 0x05, 0x0a, 0x03, 1, 2, 3 }, 11, -EPROTO },
	/* RS{ SS{ Span{ span_id: 9 bytes } } } */
	{ "long span_id",
	  { 0x0a, 0x0f, 0x12, 0x0d, 0x12, 0x0b, 0x12, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9 },
	  17,
	  -EPROTO },
	/* RS{ SS{ Span{ start_time as varint } } } */
	{ "start time as varint", { 0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x38, 0x01 }, 8, -EPROTO },
	/* RS{ SS{ Span{ name: length past the span's end } } } */
	{ "name past span end", { 0x0a, 0x08, 0x12, 0x06, 0x12, 0x02, 0x2a, 0x03, 0x61, 0x62 }, 10, -EBADMSG },
	/* RS{ SS{ Span{ kind: truncated varint at the end of the span } } } */
	{ "kind truncated inside span",
	  { 0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x30, 0x80, 0x01 },
	  9,
	  -EBADMSG },
	/* RS{ SS{ Span{ flags as LEN } } } */
	{ "flags wrong type", { 0x0a, 0x07, 0x12, 0x05, 0x12, 0x03, 0x82, 0x01, 0x00 }, 9, -EPROTO },
	/* unknown fields of every wire type are skipped */
	{ "unknown fields",
	  { 0x78, 0x05, 0x79, 1, 2, 3, 4, 5, 6, 7, 8, 0x7a, 0x01, 0x00, 0x7d, 1, 2, 3, 4 },
	  19,
	  0 },
};

START_TEST(t_malformed_table)
{
	const struct bad_case *bc = &bad_cases[_i];
	/* exact-size heap copy: ASan catches any read past the end */
	uint8_t *p = malloc(bc->len ? bc->len : 1);
	struct otlp_wire_counts c;
	struct otlp_wire_diag d;

	memcpy(p, bc->bytes, bc->len);
	int rc = otlp_wire_validate_request(p, bc->len, &c, &d);
	ck_assert_msg(rc == bc->want, "%s: got %d, want %d", bc->name, rc, bc->want);
	if (rc < 0) {
		char msg[160];
		ck_assert_ptr_nonnull(d.field);
		ck_assert_ptr_nonnull(d.why);
		ck_assert_int_eq(d.err, rc);
		ck_assert_int_gt(otlp_wire_diag_format(&d, msg, sizeof(msg)), 0);
		ck_assert_int_lt(walk_all((struct otlp_bytes){ p, bc->len }), 0);
	}
	/* protobuf-c agrees on the structural errors (it has no id-length rule) */
	GenReq *m = unpack(p, bc->len);
	if (rc == -EBADMSG || (rc == -EPROTO && !strstr(bc->name, "_id")))
		ck_assert_msg(m == NULL, "%s: protobuf-c accepted it", bc->name);
	if (rc == 0 || strstr(bc->name, "_id"))
		ck_assert_msg(m != NULL, "%s: protobuf-c rejected it", bc->name);
	if (m)
		protobuf_c_message_free_unpacked(&m->base, NULL);
	free(p);
}
END_TEST

START_TEST(t_diag_names_field)
{
	const struct bad_case *bc = &bad_cases[12]; /* short trace_id */
	struct otlp_wire_diag d;
	char msg[160];

	ck_assert_int_eq(otlp_wire_validate_request(bc->bytes, bc->len, NULL, &d), -EPROTO);
	ck_assert_str_eq(d.field, "Span.trace_id");
	otlp_wire_diag_format(&d, msg, sizeof(msg));
	ck_assert_str_eq(msg, "resourceSpans[0].scopeSpans[0].spans[0].traceId: "
			      "length must be 16 or 0 (Span.trace_id at byte 6)");
	ck_assert_str_eq(d.path, "resourceSpans[0].scopeSpans[0].spans[0].traceId");
	ck_assert_uint_eq(d.offset, 6);
}
END_TEST

/* AnyValue nested `levels` deep through ArrayValue, as Span attribute. */
static uint8_t *nested_request(unsigned levels, size_t *len)
{
	size_t cap = 64 + levels * 16;
	uint8_t *b = malloc(cap), *t = malloc(cap);
	size_t n = 2;

	b[0] = 0x18;
	b[1] = 0x07; /* innermost AnyValue { int_value: 7 } */
	for (unsigned i = 1; i < levels; i++) {
		/* AnyValue{ array_value(5): ArrayValue{ values(1): <b> } } */
		size_t k = 0;
		uint8_t *p = otlp_wire_put_varint(t + 2, n);
		size_t inner = (size_t)(p - (t + 2)) + 1 + n;
		t[k++] = 0x2a;
		p = otlp_wire_put_varint(t + k, inner);
		k = (size_t)(p - t);
		t[k++] = 0x0a;
		p = otlp_wire_put_varint(t + k, n);
		k = (size_t)(p - t);
		memcpy(t + k, b, n);
		n = k + n;
		memcpy(b, t, n);
	}
	/* wrap: KeyValue{value} -> Span{attributes} -> SS{spans} -> RS{scope_spans} -> req */
	static const uint8_t tags[] = { 0x12, 0x4a, 0x12, 0x12, 0x0a };
	for (unsigned i = 0; i < sizeof(tags); i++) {
		uint8_t *p = otlp_wire_put_varint(t + 1, n);
		t[0] = tags[i];
		size_t h = (size_t)(p - t);
		memcpy(t + h, b, n);
		n += h;
		memcpy(b, t, n);
	}
	free(t);
	*len = n;
	return b;
}

START_TEST(t_nesting_limit)
{
	size_t len;
	uint8_t *ok = nested_request(OTLP_WIRE_MAX_DEPTH, &len);
	struct otlp_wire_counts c;
	struct otlp_wire_diag d;

	ck_assert_int_eq(otlp_wire_validate_request(ok, len, &c, &d), 0);
	ck_assert_uint_eq(c.spans, 1);
	free(ok);
	uint8_t *deep = nested_request(OTLP_WIRE_MAX_DEPTH + 1, &len);
	ck_assert_int_eq(otlp_wire_validate_request(deep, len, &c, &d), -ELOOP);
	GenReq *m = unpack(deep, len); /* well-formed protobuf all the same */
	ck_assert_ptr_nonnull(m);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	free(deep);
}
END_TEST

/* ----- random mutations ----- */

static size_t mutate(uint64_t *r, uint8_t *p, size_t len, size_t cap)
{
	unsigned kind = (unsigned)(gen_rand(r) % 6);
	size_t at = len ? (size_t)(gen_rand(r) % len) : 0;

	switch (kind) {
	case 0: /* flip a bit */
		if (len)
			p[at] ^= (uint8_t)(1u << (gen_rand(r) % 8));
		return len;
	case 1: /* random byte */
		if (len)
			p[at] = (uint8_t)gen_rand(r);
		return len;
	case 2: /* truncate */
		return at;
	case 3: /* insert a few random bytes */
		if (len + 4 <= cap) {
			memmove(p + at + 3, p + at, len - at);
			for (int i = 0; i < 3; i++)
				p[at + i] = (uint8_t)gen_rand(r);
			return len + 3;
		}
		return len;
	case 4: /* nudge a byte (often a length) by one */
		if (len)
			p[at] = (uint8_t)(p[at] + ((gen_rand(r) & 1) ? 1 : 0xff));
		return len;
	default: /* delete a byte */
		if (len) {
			memmove(p + at, p + at + 1, len - at - 1);
			return len - 1;
		}
		return len;
	}
}

/* A multi-byte tag whose field number is 0. */
static int field0_tag(const uint8_t *p, size_t n)
{
	uint64_t tag;
	const uint8_t *q = p;

	return n > 1 && (p[0] & 0x80) && otlp_wire_varint(&q, p + n, &tag) == 0 && (tag >> 3) == 0;
}

START_TEST(t_mutations_agree_with_protobuf_c)
{
	const struct gen_opts o = { .max_rs = 2,
				    .max_ss = 2,
				    .max_spans = 3,
				    .max_attrs = 3,
				    .max_events = 1,
				    .max_links = 1,
				    .unknown_fields = 1 };
	unsigned both_ok = 0, both_bad = 0, id_rejects = 0, lax = 0, utf8_rejects = 0;

	for (uint64_t seed = 1; seed <= 40000 / SCALE; seed++) {
		uint64_t rng = seed * 104729;
		GenReq *m = gen_request(&rng, &o);
		size_t len;
		uint8_t *orig = gen_pack(&m->base, &len);
		size_t cap = len + 16;
		uint8_t *work = malloc(cap);
		memcpy(work, orig, len);
		unsigned rounds = 1 + (unsigned)(gen_rand(&rng) % 3);
		for (unsigned i = 0; i < rounds; i++)
			len = mutate(&rng, work, len, cap);
		uint8_t *p = malloc(len ? len : 1); /* exact size, for ASan */
		memcpy(p, work, len);

		struct otlp_wire_counts c, want;
		struct otlp_wire_diag d;
		int rc = otlp_wire_validate_request(p, len, &c, &d);
		int wrc = walk_all((struct otlp_bytes){ p, len });
		GenReq *dm = unpack(p, len);
		if (rc == 0) {
			/* everything the validator accepts, every walker accepts */
			ck_assert_msg(wrc == 0, "seed %llu: validator ok, walk %d", (unsigned long long)seed,
				      wrc);
			ck_assert_msg(dm != NULL,
				      "seed %llu: validator accepted what "
				      "protobuf-c rejects",
				      (unsigned long long)seed);
			count_model(dm, &want);
			ck_assert_uint_eq(c.resource_spans, want.resource_spans);
			ck_assert_uint_eq(c.scope_spans, want.scope_spans);
			ck_assert_uint_eq(c.spans, want.spans);
			both_ok++;
		} else if (dm) {
			/* protobuf-c 1.4.1 is laxer in three ways (checked by hand):
			 * no id-length rule; a tag of field number 0 written in more
			 * than one byte (0x85 0x00) is taken as an unknown field; a
			 * bool field of any wire type is taken. Nothing else may
			 * differ. */
			if ((rc == -EBADMSG && field0_tag(p + d.offset, len - d.offset)) ||
			    (rc == -EPROTO && strcmp(d.field, "AnyValue.bool_value") == 0)) {
				lax++;
				goto next;
			}
			/* protobuf-c does not check UTF-8 either */
			if (rc == -EILSEQ) {
				ck_assert_str_eq(d.why, "invalid UTF-8");
				utf8_rejects++;
				goto next;
			}
			ck_assert_msg(rc == -EPROTO && strstr(d.why, "length must be") && walk_has_bad_id(dm),
				      "seed %llu: validator %d (%s: %s) "
				      "but protobuf-c accepts",
				      (unsigned long long)seed, rc, d.field, d.why);
			id_rejects++;
		} else {
			both_bad++;
		}
next:
		if (dm)
			protobuf_c_message_free_unpacked(&dm->base, NULL);
		protobuf_c_message_free_unpacked(&m->base, NULL);
		free(p);
		free(work);
		free(orig);
	}
	/* the mutations exercised both sides */
	ck_assert_uint_gt(both_ok, 100 / SCALE);
	ck_assert_uint_gt(both_bad, 100 / SCALE);
	(void)id_rejects;
	(void)lax;
	(void)utf8_rejects;
}
END_TEST

START_TEST(t_find_attr_and_iter_errors)
{
	/* Span{ attributes: {key "a", value {int 5}}, attributes: {key "b", value {bool 1}} } */
	static const uint8_t span[] = {
		0x4a, 0x07, 0x0a, 0x01, 'a', 0x12, 0x02, 0x18, 0x05,
		0x4a, 0x07, 0x0a, 0x01, 'b', 0x12, 0x02, 0x10, 0x01,
	};
	struct otlp_bytes sb = { span, sizeof(span) };
	struct otlp_value v;

	ck_assert_int_eq(otlp_wire_find_attr(sb, OTLP_F_SPAN_ATTRIBUTES, "b", 1, &v), 1);
	ck_assert_int_eq(v.type, OTLP_VALUE_BOOL);
	ck_assert_int_eq(v.u.boolean, 1);
	ck_assert_int_eq(otlp_wire_find_attr(sb, OTLP_F_SPAN_ATTRIBUTES, "a", 1, &v), 1);
	ck_assert_int_eq(v.type, OTLP_VALUE_INT);
	ck_assert_int_eq(v.u.i, 5);
	ck_assert_int_eq(otlp_wire_find_attr(sb, OTLP_F_SPAN_ATTRIBUTES, "c", 1, &v), 0);

	/* iterating a field that has the wrong wire type is -EPROTO */
	static const uint8_t wrong[] = { 0x48, 0x01 };
	struct otlp_wire_iter it;
	struct otlp_bytes out;
	otlp_wire_iter_init(&it, (struct otlp_bytes){ wrong, 2 }, OTLP_F_SPAN_ATTRIBUTES);
	ck_assert_int_eq(otlp_wire_iter_next(&it, &out), -EPROTO);

	/* varint helpers round trip at the size boundaries */
	static const uint64_t vals[] = { 0, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX };
	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint8_t b[10];
		const uint8_t *p = b;
		uint64_t got;
		uint8_t *end = otlp_wire_put_varint(b, vals[i]);
		ck_assert_uint_eq((size_t)(end - b), otlp_wire_varint_size(vals[i]));
		ck_assert_int_eq(otlp_wire_varint(&p, end, &got), 0);
		ck_assert_uint_eq(got, vals[i]);
		ck_assert_ptr_eq(p, end);
		p = b;
		ck_assert_int_eq(otlp_wire_varint(&p, end - 1, &got), -EBADMSG);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_wire");
	TCase *tc = tcase_create("wire");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_generated_match_protobuf_c);
	tcase_add_loop_test(tc, t_malformed_table, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, t_diag_names_field);
	tcase_add_test(tc, t_nesting_limit);
	tcase_add_test(tc, t_mutations_agree_with_protobuf_c);
	tcase_add_test(tc, t_find_attr_and_iter_errors);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
