/* tests/otlp/test_otlp_rewrite_edge.c: the rewriter's edges. Identity
 * copies are byte-exact, small buffers give -ENOSPC without writing past
 * them (and growing lengths are re-encoded), malformed input and edits
 * over the limits are errors, request framing. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "otlp/json.h"
#include "otlp/rewrite.h"
#include "walk.h"
#include "tests/check_run.h"

START_TEST(t_identity_copy)
{
	const struct gen_opts o = { .max_rs = 1,
				    .max_ss = 3,
				    .max_spans = 6,
				    .max_attrs = 5,
				    .max_events = 2,
				    .max_links = 2,
				    .unknown_fields = 1,
				    .huge = 1 };
	for (uint64_t seed = 1; seed <= 100; seed++) {
		uint64_t rng = seed;
		GenReq *m = gen_request(&rng, &o);
		if (m->n_resource_spans == 0) {
			protobuf_c_message_free_unpacked(&m->base, NULL);
			continue;
		}
		size_t len;
		uint8_t *in = gen_pack(&m->resource_spans[0]->base, &len);
		uint8_t *out = malloc(len ? len : 1);
		struct otlp_rewrite_result res;
		int64_t n = otlp_rewrite_resource_spans(in, len, out, len, NULL, NULL, NULL, NULL, &res);
		int64_t spans = otlp_wire_count_spans((struct otlp_bytes){ in, len });
		int empty_ss = 0;
		for (size_t k = 0; k < m->resource_spans[0]->n_scope_spans; k++)
			empty_ss |= m->resource_spans[0]->scope_spans[k]->n_spans == 0;
		if (spans == 0) {
			ck_assert_int_eq(n, 0);
		} else if (!empty_ss) {
			ck_assert_int_eq(n, (int64_t)len);
			ck_assert_int_eq(memcmp(in, out, len), 0);
		} else {
			ck_assert_int_lt(n, (int64_t)len); /* empty ScopeSpans removed */
		}
		ck_assert_int_eq(res.spans_in, spans);
		free(in);
		free(out);
		protobuf_c_message_free_unpacked(&m->base, NULL);
	}
}
END_TEST

static int rename_all(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *ed)
{
	(void)arg;
	(void)ctx;
	static char big[300];
	memset(big, 'x', sizeof(big));
	ck_assert_int_eq(otlp_rewrite_rename(ed, big, sizeof(big)), 0);
	ck_assert_int_eq(otlp_rewrite_attr_str(ed, OTLP_ATTR_UPSERT, "a.b", "v", 1), 0);
	ck_assert_int_eq(otlp_rewrite_attr_int(ed, OTLP_ATTR_INSERT, "n", -1), 0);
	ck_assert_int_eq(otlp_rewrite_attr_double(ed, OTLP_ATTR_SET, "d", 0.5), 0);
	ck_assert_int_eq(otlp_rewrite_attr_bool(ed, OTLP_ATTR_UPSERT, "b", 1), 0);
	return OTLP_REWRITE_KEEP;
}

/* Growing edits (a 300-byte name makes span lengths need more varint bytes):
 * every out_cap below the needed size is -ENOSPC and nothing is written past
 * out_cap (exact-size heap buffers, checked by ASan). */
START_TEST(t_enospc_and_length_growth)
{
	GenReq *m = gen_bench_request(3);
	size_t len;
	uint8_t *in = gen_pack(&m->resource_spans[0]->base, &len);
	struct otlp_rewrite_edits *ed = malloc(sizeof(*ed));
	uint8_t *big = malloc(len * 4);
	int64_t need = otlp_rewrite_resource_spans(in, len, big, len * 4, NULL, rename_all, NULL, ed, NULL);

	ck_assert_int_gt(need, (int64_t)len);
	GenRS *rs = (GenRS *)
		protobuf_c_message_unpack(&opentelemetry__proto__trace__v1__resource_spans__descriptor, NULL,
					  (size_t)need, big);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->scope_spans[0]->n_spans, 3);
	GenSpan *sp = rs->scope_spans[0]->spans[0];
	ck_assert_uint_eq(strlen(sp->name), 300);
	ck_assert_uint_eq(sp->n_attributes, 4 + 4);
	ck_assert_str_eq(sp->attributes[4]->key, "a.b");
	ck_assert_str_eq(sp->attributes[4]->value->string_value, "v");
	ck_assert_int_eq(sp->attributes[5]->value->int_value, -1);
	ck_assert(sp->attributes[6]->value->double_value == 0.5);
	ck_assert_int_eq(sp->attributes[7]->value->bool_value, 1);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	for (size_t cap = 0; cap < (size_t)need; cap += 1 + cap / 16) {
		uint8_t *out = malloc(cap ? cap : 1);
		ck_assert_int_eq(otlp_rewrite_resource_spans(in, len, out, cap, NULL, rename_all, NULL, ed,
							     NULL),
				 -ENOSPC);
		free(out);
	}
	uint8_t *exact = malloc((size_t)need);
	ck_assert_int_eq(otlp_rewrite_resource_spans(in, len, exact, (size_t)need, NULL, rename_all, NULL, ed,
						     NULL),
			 need);
	ck_assert_int_eq(memcmp(exact, big, (size_t)need), 0);
	free(exact);
	free(big);
	free(ed);
	free(in);
	protobuf_c_message_free_unpacked(&m->base, NULL);
}
END_TEST

START_TEST(t_edit_limits_and_errors)
{
	struct otlp_rewrite_edits *ed = malloc(sizeof(*ed));
	char key[16];

	otlp_rewrite_edits_reset(ed);
	for (int i = 0; i < OTLP_EDITS_MAX; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ck_assert_int_eq(otlp_rewrite_attr_int(ed, OTLP_ATTR_UPSERT, key, i), 0);
	}
	ck_assert_int_eq(otlp_rewrite_attr_int(ed, OTLP_ATTR_UPSERT, "x", 1), -ENOSPC);
	otlp_rewrite_edits_reset(ed);
	static char huge[OTLP_EDITS_ARENA + 1];
	ck_assert_int_eq(otlp_rewrite_rename(ed, huge, sizeof(huge)), -ENOSPC);
	ck_assert_int_eq(otlp_rewrite_attr_str(ed, OTLP_ATTR_UPSERT, "k", huge, sizeof(huge)), -ENOSPC);
	ck_assert_uint_eq(ed->n_attr, 0);
	ck_assert_int_eq(otlp_rewrite_attr(ed, (enum otlp_attr_op)9, "k", 1, NULL), -EINVAL);
	struct otlp_value arr = { .type = OTLP_VALUE_ARRAY };
	ck_assert_int_eq(otlp_rewrite_attr(ed, OTLP_ATTR_UPSERT, "k", 1, &arr), -EINVAL);
	ck_assert_int_eq(otlp_rewrite_attr(ed, OTLP_ATTR_DELETE, "k", 1, NULL), 0);

	/* malformed input is an error, never a crash */
	static const uint8_t bad[][8] = {
		{ 0x12, 0x05, 0x12, 0x00 },		/* ScopeSpans past the end */
		{ 0x10, 0x01 },				/* scope_spans as varint */
		{ 0x12, 0x04, 0x12, 0x02, 0x0a, 0x01 }, /* trace_id of 1 byte */
		{ 0x12, 0x03, 0x12, 0x01, 0x38 },	/* truncated span field */
	};
	static const size_t bad_len[] = { 4, 2, 6, 5 };
	uint8_t out[64];
	for (unsigned i = 0; i < 4; i++) {
		int64_t rc = otlp_rewrite_resource_spans(bad[i], bad_len[i], out, sizeof(out), NULL,
							 rename_all, NULL, ed, NULL);
		ck_assert_msg(rc == -EBADMSG || rc == -EPROTO, "case %u: %lld", i, (long long)rc);
	}
	free(ed);
}
END_TEST

START_TEST(t_frame)
{
	uint8_t hdr[OTLP_FRAME_HDR_MAX], out[400];
	size_t used = 0;
	uint8_t payload[300];

	memset(payload, 7, sizeof(payload));
	ck_assert_int_eq(otlp_frame_header(hdr, 0), 2);
	ck_assert_int_eq(hdr[0], 0x0a);
	ck_assert_int_eq(otlp_frame_header(hdr, 300), 3);
	ck_assert_int_eq(hdr[1], 0xac);
	ck_assert_int_eq(hdr[2], 0x02);
	ck_assert_uint_eq(otlp_frame_size(300), 303);
	ck_assert_int_eq(otlp_frame_append(out, sizeof(out), &used, payload, 300), 303);
	ck_assert_int_eq(otlp_frame_append(out, sizeof(out), &used, payload, 100), -ENOSPC);
	ck_assert_uint_eq(used, 303);
	ck_assert_int_eq(otlp_frame_append(out, sizeof(out), &used, payload, 10), 12);
	struct otlp_wire_counts c;
	/* two empty ResourceSpans-shaped payloads of 7s are not valid messages */
	ck_assert_int_lt(otlp_wire_validate_request(out, used, &c, NULL), 0);
	ck_assert_int_eq(otlp_frame_header(hdr, (size_t)INT32_MAX + 1), -EMSGSIZE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_rewrite_edge");
	TCase *tc = tcase_create("edge");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_identity_copy);
	tcase_add_test(tc, t_enospc_and_length_growth);
	tcase_add_test(tc, t_edit_limits_and_errors);
	tcase_add_test(tc, t_frame);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
