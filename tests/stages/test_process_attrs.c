/* The attributes processor through the process chain, checked against
 * protobuf-c's decode of the output: typed actions, patterns, extract,
 * copies of every value type, long values. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/sha256.h"
#include "tests/stages/tproc.h"
#include "tests/check_run.h"

START_TEST(attributes_actions_typed)
{
	setup_chain("  attributes:\n    actions:\n"
		    "      - {key: env, value: prod, action: insert}\n"
		    "      - {key: user.id, value: nope, action: insert}\n" /* present: no-op */
		    "      - {key: http.status_code, value: 299, action: update}\n"
		    "      - {key: missing, value: 1, action: update}\n" /* absent: no-op */
		    "      - {key: ratio, value: 1.5, action: upsert}\n"
		    "      - {key: flag, value: true, action: upsert}\n"
		    "      - {key: retry, action: delete}\n"
		    "      - {key: user.id, action: hash}\n"
		    "      - {key: copy, from_attribute: http.status_code, action: insert}\n"
		    "      - {key: \"héllo.ключ\", value: \"значение ✓ 日本\", action: insert}\n",
		    "attributes");
	TbRs *rs = run(res_web, mix, 4);
	TbSpan **sp;
	ck_assert_uint_eq(tb_spans(rs, &sp), 4);
	for (int i = 0; i < 4; i++) {
		TbKv **kv = sp[i]->attributes;
		size_t n = sp[i]->n_attributes;
		const TbAny *v = tb_attr(kv, n, "env");
		ck_assert_ptr_nonnull(v);
		ck_assert_int_eq(v->value_case, TB_STR);
		ck_assert_str_eq(v->string_value, "prod");
		ck_assert_ptr_null(tb_attr(kv, n, "missing"));
		ck_assert_ptr_null(tb_attr(kv, n, "retry"));
		v = tb_attr(kv, n, "ratio");
		ck_assert_int_eq(v->value_case, TB_DOUBLE);
		ck_assert(v->double_value == 1.5);
		ck_assert_uint_eq(tb_count(kv, n, "ratio"), 1);
		v = tb_attr(kv, n, "flag");
		ck_assert_int_eq(v->value_case, TB_BOOL);
		ck_assert(v->bool_value);
		v = tb_attr(kv, n, "héllo.ключ");
		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v->string_value, "значение ✓ 日本");
	}
	/* span 0: update of an int, hash of user.id, copy of the updated value */
	TbKv **kv = sp[0]->attributes;
	size_t n = sp[0]->n_attributes;
	ck_assert_int_eq(tb_attr(kv, n, "http.status_code")->value_case, TB_INT);
	ck_assert_int_eq(tb_attr(kv, n, "http.status_code")->int_value, 299);
	char hex[65];
	sha256_hex("u1", 2, hex);
	ck_assert_str_eq(tb_attr(kv, n, "user.id")->string_value, hex);
	ck_assert_int_eq(tb_attr(kv, n, "copy")->value_case, TB_INT);
	ck_assert_int_eq(tb_attr(kv, n, "copy")->int_value, 299);
	/* SELECT (scope 1: last) has no http.status_code: update creates
	 * nothing, nothing to copy */
	ck_assert_str_eq(sp[3]->name, "SELECT users");
	kv = sp[3]->attributes;
	n = sp[3]->n_attributes;
	ck_assert_ptr_null(tb_attr(kv, n, "http.status_code"));
	ck_assert_ptr_null(tb_attr(kv, n, "copy"));
	ck_assert_str_eq(tb_attr(kv, n, "db.system")->string_value, "postgres");
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(attributes_patterns_extract_and_other_types)
{
	setup_chain(
		"  attributes:\n    actions:\n"
		"      - {key: http.url, pattern: \"^https?://(?P<host>[^/]+)(?P<path>/[^?]*)\", action: extract}\n"
		"      - {pattern: \"^secret\\\\.\", action: delete}\n"
		"      - {pattern: \"^pii\\\\.\", action: hash}\n",
		"attributes");
	struct tb_span s[1] = {
		{ .name = "x",
		  .attrs = { { .key = "http.url", .type = 's', .s = "https://example.com/a/b?q=1" },
			     { .key = "secret.token", .type = 's', .s = "t" },
			     { .key = "secret.key", .type = 'i', .i = 5 },
			     { .key = "pii.email", .type = 's', .s = "a@b.c" },
			     { .key = "pii.age", .type = 'i', .i = 42 },
			     { .key = "list", .type = 'a', .s = "v" },
			     { .key = "blob", .type = 'y', .s = "\x01\x02" } } }
	};
	TbRs *rs = run(NULL, s, 1);
	TbSpan **sp;
	ck_assert_uint_eq(tb_spans(rs, &sp), 1);
	TbKv **kv = sp[0]->attributes;
	size_t n = sp[0]->n_attributes;
	ck_assert_str_eq(tb_attr(kv, n, "host")->string_value, "example.com");
	ck_assert_str_eq(tb_attr(kv, n, "path")->string_value, "/a/b");
	ck_assert_ptr_null(tb_attr(kv, n, "secret.token"));
	ck_assert_ptr_null(tb_attr(kv, n, "secret.key"));
	char hex[65];
	sha256_hex("a@b.c", 5, hex);
	ck_assert_str_eq(tb_attr(kv, n, "pii.email")->string_value, hex);
	sha256_hex("42", 2, hex);
	ck_assert_str_eq(tb_attr(kv, n, "pii.age")->string_value, hex);
	/* untouched array and bytes values survive byte for byte */
	const TbAny *l = tb_attr(kv, n, "list");
	ck_assert_int_eq(l->value_case, TB_ARRAY);
	ck_assert_uint_eq(l->array_value->n_values, 2);
	ck_assert_str_eq(l->array_value->values[1]->string_value, "v");
	const TbAny *b = tb_attr(kv, n, "blob");
	ck_assert_int_eq(b->value_case, TB_BYTES);
	ck_assert_uint_eq(b->bytes_value.len, 2);
	ck_assert_str_eq(tb_attr(kv, n, "http.url")->string_value, "https://example.com/a/b?q=1");
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(attributes_copy_any_type)
{
	setup_chain("  attributes:\n    actions:\n"
		    "      - {key: list.copy, from_attribute: list, action: insert}\n"
		    "      - {key: blob.copy, from_attribute: blob, action: upsert}\n"
		    "      - {key: list, from_attribute: blob, action: update}\n"
		    "  filter:\n    spans:\n      exclude:\n        match_type: strict\n"
		    "        attributes:\n          - {key: blob.copy}\n",
		    "attributes, filter");
	struct tb_span s[2] = { { .name = "kept", .attrs = { { .key = "list", .type = 'a', .s = "v" } } },
				{ .name = "dropped: has blob, so gets blob.copy",
				  .attrs = { { .key = "list", .type = 'a', .s = "w" },
					     { .key = "blob", .type = 'y', .s = "\x01\x02\x03" } } } };
	TbRs *rs = run(NULL, s, 2);
	TbSpan **sp;
	ck_assert_uint_eq(tb_spans(rs, &sp), 1);
	ck_assert_str_eq(sp[0]->name, "kept");
	TbKv **kv = sp[0]->attributes;
	size_t n = sp[0]->n_attributes;
	const TbAny *l = tb_attr(kv, n, "list.copy");
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(l->value_case, TB_ARRAY);
	ck_assert_uint_eq(l->array_value->n_values, 2);
	ck_assert_str_eq(l->array_value->values[0]->string_value, "v");
	ck_assert_ptr_null(tb_attr(kv, n, "blob.copy"));
	ck_assert_int_eq(tb_attr(kv, n, "list")->value_case, TB_ARRAY);
	tb_free(rs);

	/* without the filter: update replaced an array by bytes */
	teardown_chain();
	setup_chain("  attributes:\n    actions:\n"
		    "      - {key: list, from_attribute: blob, action: update}\n",
		    "attributes");
	rs = run(NULL, s + 1, 1);
	ck_assert_uint_eq(tb_spans(rs, &sp), 1);
	kv = sp[0]->attributes;
	n = sp[0]->n_attributes;
	const TbAny *b = tb_attr(kv, n, "list");
	ck_assert_int_eq(b->value_case, TB_BYTES);
	ck_assert_uint_eq(b->bytes_value.len, 3);
	ck_assert_int_eq(b->bytes_value.data[2], 3);
	ck_assert_uint_eq(tb_count(kv, n, "list"), 1);
	tb_free(rs);
	teardown_chain();
}
END_TEST

START_TEST(long_values)
{
	/* a 200 KB attribute value passes through, is matched and hashed */
	enum {
		L = 200000
	};
	char *big = malloc(L + 1);
	for (int i = 0; i < L; i++)
		big[i] = (char)('a' + i % 26);
	big[L] = '\0';
	setup_chain(
		"  attributes:\n    actions:\n      - {key: big.hash, from_attribute: big, action: insert}\n"
		"      - {key: big.hash, action: hash}\n"
		"  span:\n    name:\n      from_attributes: [short, big]\n      separator: \"/\"\n",
		"attributes, span");
	struct tb_span s[1] = { { .name = "x",
				  .attrs = { { .key = "big", .type = 's', .s = big },
					     { .key = "short", .type = 's', .s = "s" } } } };
	TbRs *rs = run(NULL, s, 1);
	TbSpan **sp;
	ck_assert_uint_eq(tb_spans(rs, &sp), 1);
	TbKv **kv = sp[0]->attributes;
	size_t n = sp[0]->n_attributes;
	ck_assert_uint_eq(strlen(tb_attr(kv, n, "big")->string_value), L);
	char hex[65];
	sha256_hex(big, L, hex);
	ck_assert_str_eq(tb_attr(kv, n, "big.hash")->string_value, hex);
	ck_assert_uint_eq(strlen(sp[0]->name), L + 2);
	ck_assert(!strncmp(sp[0]->name, "s/abc", 5));
	tb_free(rs);
	teardown_chain();
	free(big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process_attrs");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, attributes_actions_typed);
	tcase_add_test(tc, attributes_patterns_extract_and_other_types);
	tcase_add_test(tc, attributes_copy_any_type);
	tcase_add_test(tc, long_values);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
