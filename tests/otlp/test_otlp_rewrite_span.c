/* tests/otlp/test_otlp_rewrite_span.c: what a rewrite callback sees of a
 * span. The span is decoded only when the callback asks, and then exactly
 * as otlp_wire_span() decodes it, with an attribute index in wire order; a
 * decode error fails the rewrite even if the callback ignores it; a span
 * never decoded and kept untouched is copied as it is. Edits built by hand
 * carry raw array / kvlist / bytes values, written unchanged (checked with
 * protobuf-c). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "otlp/rewrite.h"
#include "tests/check_run.h"

static int messages_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	size_t la, lb;
	uint8_t *pa = gen_pack(a, &la), *pb = gen_pack(b, &lb);
	int eq = la == lb && memcmp(pa, pb, la) == 0;
	free(pa);
	free(pb);
	return eq;
}

static GenReq *unpack_req(const uint8_t *p, size_t n)
{
	return (GenReq *)protobuf_c_message_unpack(
		&opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor, NULL,
		n, p);
}

struct lazy_state {
	int decode; /* 1: the callback decodes the span */
	uint32_t decoded;
};

static int bytes_same(struct otlp_bytes a, struct otlp_bytes b)
{
	return a.len == b.len && (a.len == 0 || a.p == b.p);
}

/* Member by member (the structs' padding is not part of the answer). */
static int span_eq(const struct otlp_span *a, const struct otlp_span *b)
{
	return bytes_same(a->raw, b->raw) && bytes_same(a->trace_id, b->trace_id) &&
	       bytes_same(a->span_id, b->span_id) && bytes_same(a->parent_span_id, b->parent_span_id) &&
	       bytes_same(a->trace_state, b->trace_state) && bytes_same(a->name, b->name) &&
	       bytes_same(a->status, b->status) && a->start_time_unix_nano == b->start_time_unix_nano &&
	       a->end_time_unix_nano == b->end_time_unix_nano && a->flags == b->flags && a->kind == b->kind &&
	       a->n_attributes == b->n_attributes &&
	       a->dropped_attributes_count == b->dropped_attributes_count && a->n_events == b->n_events &&
	       a->dropped_events_count == b->dropped_events_count && a->n_links == b->n_links &&
	       a->dropped_links_count == b->dropped_links_count && a->has_status == b->has_status;
}

static int lazy_cb(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *ed)
{
	struct lazy_state *ls = arg;
	const struct otlp_span *sp;
	const struct otlp_rewrite_attr *a;
	struct otlp_span want;
	uint32_t n;

	(void)ed;
	if (!ls->decode)
		return OTLP_REWRITE_KEEP;
	int rc = otlp_rewrite_span(ctx, &sp);
	if (rc < 0)
		return OTLP_REWRITE_KEEP; /* ignoring the error: the rewrite still fails */
	ls->decoded++;
	/* the same as otlp_wire_span, and the index lists every attribute */
	ck_assert_int_eq(otlp_wire_span(ctx->raw, &want), 0);
	ck_assert_msg(span_eq(sp, &want), "span %u decodes differently", ctx->index);
	ck_assert_int_eq(otlp_rewrite_span_attrs(ctx, &a, &n), 1);
	ck_assert_uint_eq(n, want.n_attributes);
	struct otlp_wire_iter it;
	struct otlp_bytes kvb;
	otlp_wire_iter_init(&it, ctx->raw, OTLP_F_SPAN_ATTRIBUTES);
	for (uint32_t i = 0; otlp_wire_iter_next(&it, &kvb) > 0; i++) {
		struct otlp_kv kv;
		ck_assert_int_eq(otlp_wire_kv(kvb, &kv), 0);
		ck_assert_uint_eq(a[i].key.len, kv.key.len);
		if (kv.key.len)
			ck_assert_ptr_eq(a[i].key.p, kv.key.p);
		ck_assert_ptr_eq(a[i].kv.p, kvb.p);
	}
	return OTLP_REWRITE_KEEP;
}

/* The span is decoded only when the callback asks; a decode error fails the
 * rewrite even if the callback ignores it; a span copied untouched without
 * a decode is copied as it is. */
START_TEST(t_lazy_decode)
{
	const struct gen_opts o = { .max_rs = 1,
				    .max_ss = 2,
				    .max_spans = 6,
				    .max_attrs = 8,
				    .max_events = 1,
				    .max_links = 1,
				    .unknown_fields = 1,
				    .huge = 0 };
	struct otlp_rewrite_edits *ed = malloc(sizeof(*ed));
	struct lazy_state ls = { .decode = 1 };
	uint32_t total = 0;

	for (uint64_t seed = 1; seed <= 50; seed++) {
		uint64_t rng = seed * 77;
		GenReq *m = gen_request(&rng, &o);
		size_t len;
		uint8_t *in = gen_pack(&m->base, &len);
		struct otlp_wire_iter it;
		struct otlp_bytes rsb;
		uint8_t *out = malloc(len + 16);
		otlp_wire_iter_init(&it, (struct otlp_bytes){ in, len }, OTLP_F_REQ_RESOURCE_SPANS);
		while (otlp_wire_iter_next(&it, &rsb) > 0) {
			struct otlp_rewrite_result res;
			ls.decoded = 0;
			int64_t n = otlp_rewrite_resource_spans(rsb.p, rsb.len, out, len + 16, NULL, lazy_cb,
								&ls, ed, &res);
			ck_assert_int_ge(n, 0);
			ck_assert_uint_eq(ls.decoded, res.spans_in);
			total += ls.decoded;
		}
		protobuf_c_message_free_unpacked(&m->base, NULL);
		free(in);
		free(out);
	}
	ck_assert_uint_gt(total, 50);

	/* ResourceSpans{ScopeSpans{Span{trace_id of 1 byte, name "a"}}} */
	static const uint8_t bad[] = { 0x12, 0x08, 0x12, 0x06, 0x0a, 0x01, 0x00, 0x2a, 0x01, 'a' };
	uint8_t out[64];
	ls.decode = 1;
	ck_assert_int_eq(otlp_rewrite_resource_spans(bad, sizeof(bad), out, sizeof(out), NULL, lazy_cb, &ls,
						     ed, NULL),
			 -EPROTO);
	ls.decode = 0; /* never decoded, kept untouched: copied as it is */
	ck_assert_int_eq(otlp_rewrite_resource_spans(bad, sizeof(bad), out, sizeof(out), NULL, lazy_cb, &ls,
						     ed, NULL),
			 (int64_t)sizeof(bad));
	ck_assert_int_eq(memcmp(out, bad, sizeof(bad)), 0);
	free(ed);
}
END_TEST

/* Edits built by hand may carry raw ARRAY / KVLIST / BYTES values: every
 * attribute of a span is copied to "copy.<i>" from its AnyValue bytes. */
static const char *const copy_keys[] = { "copy.0", "copy.1", "copy.2", "copy.3",
					 "copy.4", "copy.5", "copy.6", "copy.7" };

static int copy_cb(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *ed)
{
	uint32_t *n_raw = arg;
	struct otlp_wire_iter it;
	struct otlp_bytes kvb;
	uint32_t i = 0;

	otlp_wire_iter_init(&it, ctx->raw, OTLP_F_SPAN_ATTRIBUTES);
	while (i < 8 && otlp_wire_iter_next(&it, &kvb) > 0) {
		struct otlp_kv kv;
		ck_assert_int_eq(otlp_wire_kv(kvb, &kv), 0);
		if (kv.value.type == OTLP_VALUE_EMPTY)
			continue;
		struct otlp_attr_edit *a = &ed->attr[ed->n_attr++];
		a->op = OTLP_ATTR_UPSERT;
		a->key.p = (const uint8_t *)copy_keys[i];
		a->key.len = strlen(copy_keys[i]);
		a->value = kv.value;
		if (kv.value.type >= OTLP_VALUE_ARRAY)
			(*n_raw)++;
		i++;
	}
	return OTLP_REWRITE_KEEP;
}

static const GenKV *find_kv(GenKV **kvs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kvs[i]->key, key) == 0)
			return kvs[i];
	return NULL;
}

START_TEST(t_raw_value_edits)
{
	const struct gen_opts o = { .max_rs = 1,
				    .max_ss = 2,
				    .max_spans = 5,
				    .max_attrs = 6,
				    .max_events = 0,
				    .max_links = 0,
				    .unknown_fields = 0,
				    .huge = 0 };
	struct otlp_rewrite_edits *ed = malloc(sizeof(*ed));
	uint32_t n_raw = 0;

	for (uint64_t seed = 1; seed <= 200; seed++) {
		uint64_t rng = seed * 31;
		GenReq *m = gen_request(&rng, &o);
		size_t len, used = 0;
		uint8_t *in = gen_pack(&m->base, &len);
		size_t cap = len * 3 + 4096;
		uint8_t *tmp = malloc(cap), *body = malloc(cap);
		struct otlp_wire_iter it;
		struct otlp_bytes rsb;
		otlp_wire_iter_init(&it, (struct otlp_bytes){ in, len }, OTLP_F_REQ_RESOURCE_SPANS);
		while (otlp_wire_iter_next(&it, &rsb) > 0) {
			int64_t n = otlp_rewrite_resource_spans(rsb.p, rsb.len, tmp, cap, NULL, copy_cb,
								&n_raw, ed, NULL);
			ck_assert_int_ge(n, 0);
			if (n > 0)
				ck_assert_int_gt(otlp_frame_append(body, cap, &used, tmp, (size_t)n), 0);
		}
		GenReq *got = unpack_req(body, used);
		ck_assert_ptr_nonnull(got);
		/* every copy equals the attribute it was copied from */
		for (size_t r = 0; r < got->n_resource_spans; r++)
			for (size_t s = 0; s < got->resource_spans[r]->n_scope_spans; s++) {
				GenSS *ss = got->resource_spans[r]->scope_spans[s];
				for (size_t j = 0; j < ss->n_spans; j++) {
					GenSpan *sp = ss->spans[j];
					uint32_t c = 0;
					for (size_t q = 0; q < sp->n_attributes && c < 8; q++) {
						const GenKV *src = sp->attributes[q];
						if (strncmp(src->key, "copy.", 5) == 0)
							break; /* the copies follow the originals */
						if (!src->value ||
						    src->value->value_case ==
							    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE__NOT_SET)
							continue;
						const GenKV *cp = find_kv(sp->attributes, sp->n_attributes,
									  copy_keys[c++]);
						ck_assert_ptr_nonnull(cp);
						ck_assert(
							messages_equal(&cp->value->base, &src->value->base));
					}
				}
			}
		protobuf_c_message_free_unpacked(&got->base, NULL);
		protobuf_c_message_free_unpacked(&m->base, NULL);
		free(in);
		free(tmp);
		free(body);
	}
	ck_assert_uint_gt(n_raw, 20); /* arrays, kvlists and bytes were copied */
	free(ed);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_rewrite_span");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_lazy_decode);
	tcase_add_test(tc, t_raw_value_edits);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
