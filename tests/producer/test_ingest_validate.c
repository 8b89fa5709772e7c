/* tests/producer/test_ingest_validate.c: the request validator's fast paths
 * (otlp/validate_fast*.c, traces and logs) against its table walk, which is
 * what the validator was before the fast path and still decides every
 * error. Users rely on the public otlp_wire_validate_* answering exactly as
 * the table walk: the same verdict, counts and error text (path included)
 * for every input, valid or not. Inputs: requests covering every message
 * and field of the schema, many thousands of seeded random mutations of
 * them (bytes changed, inserted, deleted, truncated), so framing errors
 * land at every depth, and every byte of them replaced by 0xff (invalid
 * UTF-8 in every string, at every position).
 */
#include "tests/producer/validate_twin.h" /* first: see there */

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/otlp/gen_signals.h"
#include "tests/producer/ingest_testlib.h"
#include "tests/otlp/pbw.h"
#include "tests/check_run.h"

/* Attributes of every value type, nested lists, long and empty values. */
static void w_attrs(struct pbw *w, unsigned num)
{
	struct pbw a = { .n = 0 }, arr = { .n = 0 }, inner = { .n = 0 }, kvl = { .n = 0 };
	char big[300];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pbw_str(&a, 1, "GET");
	pbw_kv(w, num, "http.method", &a);
	a.n = 0;
	pbw_varf(&a, 2, 1);
	pbw_kv(w, num, "ok", &a);
	a.n = 0;
	pbw_varf(&a, 3, 1ull << 40);
	pbw_kv(w, num, "big.int", &a);
	a.n = 0;
	pbw_varf(&a, 3, 300);
	pbw_kv(w, num, "int", &a);
	a.n = 0;
	pbw_fixed(&a, 4, 0x3ff8000000000000ull, 8);
	pbw_kv(w, num, "ratio", &a);
	a.n = 0;
	pbw_len(&a, 7, "\x01\x02", 2);
	pbw_kv(w, num, "bytes", &a);
	a.n = 0;
	pbw_str(&a, 1, big);
	pbw_kv(w, num, "long", &a);
	a.n = 0;
	pbw_kv(w, num, "empty", &a);
	pbw_kv(w, num, "absent", NULL);
	/* array [ "s", 7, [ kvlist { k: "v" } ] ] and an unknown field */
	a.n = 0;
	pbw_str(&a, 1, "v");
	pbw_kv(&kvl, 1, "k", &a);
	a.n = 0;
	pbw_msg(&a, 6, &kvl);
	pbw_msg(&inner, 1, &a);
	a.n = 0;
	pbw_str(&a, 1, "s");
	pbw_msg(&arr, 1, &a);
	a.n = 0;
	pbw_varf(&a, 3, 7);
	pbw_msg(&arr, 1, &a);
	a.n = 0;
	pbw_msg(&a, 5, &inner);
	pbw_msg(&arr, 1, &a);
	a.n = 0;
	pbw_msg(&a, 5, &arr);
	pbw_varf(&a, 100, 5);
	pbw_kv(w, num, "list", &a);
}

static void w_span(struct pbw *w, int empty_ids)
{
	struct pbw s = { .n = 0 }, m = { .n = 0 };
	static const uint8_t id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	pbw_len(&s, 1, id, empty_ids ? 0 : 16);
	pbw_len(&s, 2, id, empty_ids ? 0 : 8);
	pbw_str(&s, 3, "k=v");
	pbw_len(&s, 4, id, empty_ids ? 0 : 8);
	pbw_str(&s, 5, "GET /items");
	pbw_varf(&s, 6, 2);
	pbw_fixed(&s, 7, 1764000000000000000ull, 8);
	pbw_fixed(&s, 8, 1764000000000005000ull, 8);
	w_attrs(&s, 9);
	pbw_varf(&s, 10, 3);
	pbw_fixed(&m, 1, 1764000000000001000ull, 8);
	pbw_str(&m, 2, "event");
	w_attrs(&m, 3);
	pbw_varf(&m, 4, 1);
	pbw_msg(&s, 11, &m);
	pbw_varf(&s, 12, 2);
	m.n = 0;
	pbw_len(&m, 1, id, 16);
	pbw_len(&m, 2, id, 8);
	pbw_str(&m, 3, "a=b");
	w_attrs(&m, 4);
	pbw_varf(&m, 5, 1);
	pbw_fixed(&m, 6, 0x100, 4);
	pbw_msg(&s, 13, &m);
	pbw_varf(&s, 14, 1);
	m.n = 0;
	pbw_varf(&m, 1, 1);
	pbw_str(&m, 2, "boom");
	pbw_varf(&m, 3, 2);
	pbw_msg(&s, 15, &m);
	pbw_fixed(&s, 16, 0x301, 4);
	pbw_varf(&s, 99, 1); /* unknown */
	pbw_msg(w, 2, &s);
}

/* A request with two ResourceSpans (one without spans), every field. */
static void w_request(struct pbw *req)
{
	struct pbw rs = { .n = 0 }, res = { .n = 0 }, ent = { .n = 0 }, ss = { .n = 0 }, sc = { .n = 0 };
	w_attrs(&res, 1);
	pbw_varf(&res, 2, 1);
	pbw_str(&ent, 1, "url");
	pbw_str(&ent, 2, "service");
	pbw_str(&ent, 3, "id");
	pbw_str(&ent, 4, "d");
	pbw_msg(&res, 3, &ent);
	pbw_str(&sc, 1, "lib");
	pbw_str(&sc, 2, "1.0");
	w_attrs(&sc, 3);
	pbw_varf(&sc, 4, 0);
	pbw_msg(&ss, 1, &sc);
	w_span(&ss, 0);
	w_span(&ss, 1);
	pbw_str(&ss, 3, "https://schema");
	pbw_msg(&rs, 1, &res);
	pbw_msg(&rs, 2, &ss);
	pbw_str(&rs, 3, "https://schema");
	req->n = 0;
	pbw_msg(req, 1, &rs);
	rs.n = 0;
	pbw_msg(&rs, 1, &res);
	pbw_msg(req, 1, &rs);
}

/* A logs request: two ResourceLogs (one without records), a LogRecord
 * with every field in field-number order and one in the .proto's order. */
static void w_logs_request(struct pbw *req)
{
	struct pbw rl = { .n = 0 }, res = { .n = 0 }, sl = { .n = 0 }, sc = { .n = 0 }, lr = { .n = 0 },
		   body = { .n = 0 };
	static const uint8_t id[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	w_attrs(&res, 1);
	pbw_str(&sc, 1, "app");
	pbw_str(&sc, 2, "2.1");
	w_attrs(&sc, 3);
	pbw_msg(&sl, 1, &sc);
	pbw_fixed(&lr, 1, 1764000000000000000ull, 8);
	pbw_varf(&lr, 2, 9);
	pbw_str(&lr, 3, "INFO");
	pbw_str(&body, 1, "user caf\xc3\xa9 logged in");
	pbw_msg(&lr, 5, &body);
	w_attrs(&lr, 6);
	pbw_varf(&lr, 7, 1);
	pbw_fixed(&lr, 8, 1, 4);
	pbw_len(&lr, 9, id, 16);
	pbw_len(&lr, 10, id, 8);
	pbw_fixed(&lr, 11, 1764000000000000500ull, 8);
	pbw_str(&lr, 12, "login");
	pbw_varf(&lr, 99, 1); /* unknown */
	pbw_msg(&sl, 2, &lr);
	lr.n = 0; /* observed time second, as protobufjs writes it */
	pbw_fixed(&lr, 1, 1764000000000000000ull, 8);
	pbw_fixed(&lr, 11, 1764000000000000500ull, 8);
	pbw_varf(&lr, 2, 17);
	body.n = 0;
	w_attrs(&body, 1);
	struct pbw any = { .n = 0 };
	pbw_msg(&any, 6, &body);
	pbw_msg(&lr, 5, &any);
	pbw_msg(&sl, 2, &lr);
	pbw_str(&sl, 3, "https://schema");
	pbw_msg(&rl, 1, &res);
	pbw_msg(&rl, 2, &sl);
	pbw_str(&rl, 3, "https://schema");
	req->n = 0;
	pbw_msg(req, 1, &rl);
	rl.n = 0;
	pbw_msg(&rl, 1, &res);
	pbw_msg(req, 1, &rl);
}

/* The public function against the table walk, for one input both ways
 * (as a request and as a bare resource) of signal sig; returns 1 if the
 * fast path accepted it as a request. */
static int compare_sig(int sig, const uint8_t *buf, size_t len)
{
	int fast_ok = 0;
	for (int rs = 0; rs < 2; rs++) {
		struct otlp_wire_counts pc, gc, fc;
		struct otlp_wire_diag pd, gd;
		int prc = twin_public(sig, rs, buf, len, &pc, &pd);
		int grc = twin_general_sig(sig, buf, len, rs, &gc, &gd);
		ck_assert_int_eq(prc, grc);
		if (prc == 0) {
			ck_assert_mem_eq(&pc, &gc, sizeof(pc));
		} else {
			ck_assert_int_eq(pd.err, gd.err);
			ck_assert_uint_eq(pd.offset, gd.offset);
			ck_assert_str_eq(pd.field, gd.field);
			ck_assert_str_eq(pd.why, gd.why);
			ck_assert_str_eq(pd.path, gd.path);
		}
		if (twin_fast_sig(sig, buf, len, rs, &fc) == 0) {
			ck_assert_int_eq(grc, 0);
			ck_assert_mem_eq(&fc, &gc, sizeof(fc));
			if (!rs)
				fast_ok = 1;
		}
	}
	return fast_ok;
}

static int compare(const uint8_t *buf, size_t len)
{
	return compare_sig(0, buf, len);
}

START_TEST(valid_requests_take_the_fast_path)
{
	struct pbw *req = malloc(sizeof(*req));
	struct otlp_wire_counts c;
	w_request(req);
	ck_assert_int_eq(compare(req->b, req->n), 1);
	ck_assert_int_eq(twin_fast(req->b, req->n, 0, &c), 0);
	ck_assert_uint_eq(c.resource_spans, 2);
	ck_assert_uint_eq(c.spans, 2);
	size_t len;
	uint8_t *t = tl_request(3, 50, 7, &len);
	ck_assert_int_eq(compare(t, len), 1);
	ck_assert_int_eq(twin_fast(t, len, 0, &c), 0);
	ck_assert_uint_eq(c.spans, 150);
	free(t);
	free(req);
}
END_TEST

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Seeded mutations: the verdict, counts and error text never differ. */
START_TEST(mutations_answer_as_the_table_walk)
{
	struct pbw *base = malloc(sizeof(*base)), *m = malloc(sizeof(*m));
	static const uint8_t special[] = { 0x00, 0x01, 0x02, 0x0a, 0x10, 0x12, 0x7f, 0x80, 0xff };
	uint32_t s = 12345u + (uint32_t)_i;
	unsigned accepted = 0, rejected = 0;
	w_request(base);
	for (int it = 0; it < 4000; it++) {
		*m = *base;
		for (int k = 1 + (int)(rnd(&s) % 3); k > 0 && m->n > 0; k--) {
			size_t at = rnd(&s) % m->n;
			switch (rnd(&s) % 5) {
			case 0:
				m->b[at] = (uint8_t)rnd(&s);
				break;
			case 1:
				m->b[at] = special[rnd(&s) % sizeof(special)];
				break;
			case 2:
				m->n = at;
				break;
			case 3:
				memmove(m->b + at, m->b + at + 1, m->n - at - 1);
				m->n--;
				break;
			default:
				if (m->n < sizeof(m->b)) {
					memmove(m->b + at + 1, m->b + at, m->n - at);
					m->b[at] = special[rnd(&s) % sizeof(special)];
					m->n++;
				}
			}
		}
		if (compare(m->b, m->n))
			accepted++;
		else
			rejected++;
	}
	/* Both sides of the fast path were exercised. */
	ck_assert_uint_gt(accepted, 10);
	ck_assert_uint_gt(rejected, 10);
	free(base);
	free(m);
}
END_TEST

/* AnyValue nesting: depth 32 passes, 33 is -ELOOP, through the fast path's
 * list recursion too (arrays and kvlists alternating). */
START_TEST(nesting_limit_unchanged)
{
	for (unsigned depth = 30; depth <= 34; depth++) {
		struct pbw a = { .n = 0 }, b, req = { .n = 0 }, rs = { .n = 0 }, ss = { .n = 0 },
			   sp = { .n = 0 };
		pbw_str(&a, 1, "leaf");
		for (unsigned d = 1; d < depth; d++) {
			struct pbw list = { .n = 0 };
			if (d % 2) {
				pbw_msg(&list, 1, &a);
				b.n = 0;
				pbw_msg(&b, 5, &list);
			} else {
				pbw_kv(&list, 1, "k", &a);
				b.n = 0;
				pbw_msg(&b, 6, &list);
			}
			a = b;
		}
		pbw_kv(&sp, 9, "deep", &a);
		pbw_msg(&ss, 2, &sp);
		pbw_msg(&rs, 2, &ss);
		pbw_msg(&req, 1, &rs);
		compare(req.b, req.n);
		struct otlp_wire_counts c;
		ck_assert_int_eq(otlp_wire_validate_request(req.b, req.n, &c, NULL),
				 depth <= OTLP_WIRE_MAX_DEPTH ? 0 : -ELOOP);
	}
}
END_TEST

START_TEST(valid_logs_take_the_fast_path)
{
	struct pbw *req = malloc(sizeof(*req));
	struct otlp_wire_counts c;
	w_logs_request(req);
	ck_assert_int_eq(compare_sig(1, req->b, req->n), 1);
	ck_assert_int_eq(twin_fast_sig(1, req->b, req->n, 0, &c), 0);
	ck_assert_uint_eq(c.resources, 2);
	ck_assert_uint_eq(c.resources_with_items, 1);
	ck_assert_uint_eq(c.items, 2);
	free(req);
}
END_TEST

/* Seeded mutations of the logs request, as for traces. */
START_TEST(logs_mutations_answer_as_the_table_walk)
{
	struct pbw *base = malloc(sizeof(*base)), *m = malloc(sizeof(*m));
	uint32_t s = 777u + (uint32_t)_i;
	unsigned accepted = 0, rejected = 0;
	w_logs_request(base);
	for (int it = 0; it < 4000; it++) {
		*m = *base;
		for (int k = 1 + (int)(rnd(&s) % 3); k > 0 && m->n > 0; k--) {
			size_t at = rnd(&s) % m->n;
			switch (rnd(&s) % 4) {
			case 0:
				m->b[at] = (uint8_t)rnd(&s);
				break;
			case 1:
				m->b[at] ^= 0x80;
				break;
			case 2:
				m->n = at;
				break;
			default:
				memmove(m->b + at, m->b + at + 1, m->n - at - 1);
				m->n--;
				break;
			}
		}
		if (compare_sig(1, m->b, m->n))
			accepted++;
		else
			rejected++;
	}
	ck_assert_uint_gt(accepted, 10);
	ck_assert_uint_gt(rejected, 10);
	free(base);
	free(m);
}
END_TEST

/* Every byte replaced by 0xff in turn: a string byte makes invalid UTF-8
 * (never accepted by the fast path, refused by both with the same path),
 * other bytes break framing or change values. */
START_TEST(every_byte_as_0xff)
{
	struct pbw *base = malloc(sizeof(*base)), *m = malloc(sizeof(*m));
	unsigned utf8 = 0;
	for (int sig = 0; sig < 2; sig++) {
		if (sig)
			w_logs_request(base);
		else
			w_request(base);
		for (size_t at = 0; at < base->n; at++) {
			struct otlp_wire_diag d;
			struct otlp_wire_counts c;
			*m = *base;
			m->b[at] = 0xff;
			compare_sig(sig, m->b, m->n);
			if (twin_public(sig, 0, m->b, m->n, &c, &d) == -EILSEQ) {
				ck_assert_str_eq(d.why, "invalid UTF-8");
				ck_assert_uint_gt(strlen(d.path), 0);
				utf8++;
			}
		}
	}
	ck_assert_uint_gt(utf8, 500); /* most bytes of these requests are text */
	free(base);
	free(m);
}
END_TEST

/* Generated requests of every signal (every field, all five metric
 * types, unknown fields): the fast path takes the valid ones, and seeded
 * mutations of them answer as the table walk. */
START_TEST(generated_mutations_answer_as_the_table_walk)
{
	const struct gen_opts o = { .max_rs = 2,
				    .max_ss = 2,
				    .max_spans = 3,
				    .max_attrs = 3,
				    .max_events = 3,
				    .max_links = 2,
				    .unknown_fields = 1 };
	int sig = _i % 3;
	uint64_t rng = 99 + (uint64_t)_i;
	uint32_t s = 4242u + (uint32_t)_i;
	unsigned fast = 0, accepted = 0, rejected = 0;
	struct pbw *m = malloc(sizeof(*m));
	for (int round = 0; round < 40; round++) {
		ProtobufCMessage *msg = sig == 0   ? &gen_request(&rng, &o)->base
					: sig == 1 ? &gen_logs_request(&rng, &o)->base
						   : &gen_metrics_request(&rng, &o)->base;
		size_t len;
		uint8_t *base = gen_pack(msg, &len);
		protobuf_c_message_free_unpacked(msg, NULL);
		if (len == 0 || len > sizeof(m->b)) {
			free(base);
			continue;
		}
		fast += (unsigned)compare_sig(sig, base, len);
		for (int it = 0; it < 200; it++) {
			memcpy(m->b, base, len);
			m->n = len;
			for (int k = 1 + (int)(rnd(&s) % 3); k > 0 && m->n > 0; k--) {
				size_t at = rnd(&s) % m->n;
				switch (rnd(&s) % 4) {
				case 0:
					m->b[at] = (uint8_t)rnd(&s);
					break;
				case 1:
					m->b[at] ^= 0x80;
					break;
				case 2:
					m->n = at;
					break;
				default:
					memmove(m->b + at, m->b + at + 1, m->n - at - 1);
					m->n--;
					break;
				}
			}
			if (compare_sig(sig, m->b, m->n))
				accepted++;
			else
				rejected++;
		}
		free(base);
	}
	ck_assert_uint_gt(fast, 20); /* valid generated requests take the fast path */
	ck_assert_uint_gt(accepted, 100);
	ck_assert_uint_gt(rejected, 100);
	free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ingest_validate");
	TCase *tc = tcase_create("validate");
	tcase_add_test(tc, valid_requests_take_the_fast_path);
	tcase_add_loop_test(tc, mutations_answer_as_the_table_walk, 0, 8);
	tcase_add_test(tc, nesting_limit_unchanged);
	tcase_add_test(tc, valid_logs_take_the_fast_path);
	tcase_add_loop_test(tc, logs_mutations_answer_as_the_table_walk, 0, 4);
	tcase_add_test(tc, every_byte_as_0xff);
	tcase_add_loop_test(tc, generated_mutations_answer_as_the_table_walk, 0, 9);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
