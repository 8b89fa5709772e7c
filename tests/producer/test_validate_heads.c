/* tests/producer/test_validate_heads.c: whether each span's fields 1-8
 * come first (otlp_wire_counts.spans_heads_mixed), the validator's answer
 * behind ingest's RECORD_F_HEADS_FIRST, on hand-made spans of many field
 * orders, from both of the validator's implementations. */
#include "tests/producer/validate_twin.h" /* first: see there */

#include <check.h>

#include "tests/otlp/pbw.h"
#include "tests/check_run.h"

/* One span field of number num, validly encoded (99: an unknown field). */
static void w_span_field(struct pbw *w, unsigned num)
{
	static const uint8_t id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct pbw m = { .n = 0 }, any = { .n = 0 };
	switch (num) {
	case 1:
		pbw_len(w, 1, id, 16);
		break;
	case 2:
	case 4:
		pbw_len(w, num, id, 8);
		break;
	case 3:
	case 5:
		pbw_str(w, num, num == 3 ? "k=v" : "GET /healthz");
		break;
	case 7:
	case 8:
		pbw_fixed(w, num, num, 8);
		break;
	case 9:
		pbw_str(&any, 1, "value");
		pbw_kv(w, 9, "key", &any);
		break;
	case 11: /* an event: time and name */
		pbw_fixed(&m, 1, 7, 8);
		pbw_str(&m, 2, "ev");
		pbw_msg(w, 11, &m);
		break;
	case 13: /* a link: trace and span id */
		pbw_len(&m, 1, id, 16);
		pbw_len(&m, 2, id, 8);
		pbw_msg(w, 13, &m);
		break;
	case 15: /* a status: code */
		pbw_varf(&m, 3, 1);
		pbw_msg(w, 15, &m);
		break;
	case 16:
		pbw_fixed(w, 16, 0x301, 4);
		break;
	default: /* 6, 10, 12, 14 and unknown ones: varints */
		pbw_varf(w, num, 2);
		break;
	}
}

/* otlp_wire_counts.spans_heads_mixed, which ingest turns into the records'
 * RECORD_F_HEADS_FIRST: a span counts when its fields 1-8 do not all come
 * before its others, in number order, each at most once, so that the
 * process stage may stop reading a marked span at its first later field.
 * The fast path and the table walk each decide it, for a request and for
 * a bare resource, and the public validator answers the same. */
START_TEST(heads_mixed_exactly_when_out_of_order)
{
	static const struct {
		unsigned f[16]; /* field numbers, 0 ends */
		unsigned mixed;
	} cases[] = {
		{ { 1, 2, 5, 6, 7, 8, 9, 9, 15 }, 0 }, /* sluice-gen's */
		{ { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }, 0 },
		{ { 1, 2, 5, 16 }, 0 },		/* a rest without attributes or status */
		{ { 1, 5, 9, 16, 16, 99 }, 0 }, /* later fields may repeat */
		{ { 9, 9 }, 0 },
		{ { 0 }, 0 },		  /* an empty span */
		{ { 1, 2, 9, 5 }, 1 },	  /* the name after the attributes */
		{ { 1, 2, 5, 9, 5 }, 1 }, /* and again there: the last one counts */
		{ { 1, 2, 5, 5 }, 1 },
		{ { 2, 1, 5 }, 1 },
		{ { 1, 2, 5, 6, 7, 8, 15, 6 }, 1 }, /* kind after the status */
		{ { 1, 2, 5, 99, 6 }, 1 },	    /* after an unknown field */
		{ { 1, 2, 5, 16, 4 }, 1 },	    /* from the rest */
		{ { 1, 2, 5, 4 }, 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct pbw span = { .n = 0 }, ss = { .n = 0 }, rs = { .n = 0 }, req = { .n = 0 };
		for (int k = 0; k < 16 && cases[i].f[k]; k++)
			w_span_field(&span, cases[i].f[k]);
		pbw_msg(&ss, 2, &span);
		pbw_msg(&rs, 2, &ss);
		pbw_msg(&req, 1, &rs);
		for (int bare = 0; bare < 2; bare++) {
			const struct pbw *in = bare ? &rs : &req;
			struct otlp_wire_counts c;
			struct otlp_wire_diag d;
			ck_assert_int_eq(twin_general_sig(0, in->b, in->n, bare, &c, &d), 0);
			ck_assert_msg(c.spans == 1 && c.spans_heads_mixed == cases[i].mixed,
				      "case %zu, bare %d, table walk: %u", i, bare, c.spans_heads_mixed);
			ck_assert_int_eq(twin_fast_sig(0, in->b, in->n, bare, &c), 0);
			ck_assert_msg(c.spans == 1 && c.spans_heads_mixed == cases[i].mixed,
				      "case %zu, bare %d, fast path: %u", i, bare, c.spans_heads_mixed);
			ck_assert_int_eq(twin_public(0, bare, in->b, in->n, &c, &d), 0);
			ck_assert_uint_eq(c.spans_heads_mixed, cases[i].mixed);
		}
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("validate_heads");
	TCase *tc = tcase_create("heads");
	tcase_add_test(tc, heads_mixed_exactly_when_out_of_order);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
