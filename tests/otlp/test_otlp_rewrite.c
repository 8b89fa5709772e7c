/* tests/otlp/test_otlp_rewrite.c: the rewriter against a model. Random
 * requests are rewritten with random per-span plans (drop, rename, attribute
 * insert/update/upsert/delete of every value type, repeated keys) and random
 * resource edits; the output, framed back into a request, is decoded by
 * protobuf-c and must equal the same plans applied to protobuf-c's decode of
 * the input (compared as canonical protobuf-c encodings, i.e. field by
 * field), with few attributes a span (the rewriter's indexed path) and many
 * (its scanning path). Edge cases (identity copies, -ENOSPC, malformed
 * input, edit limits, framing): test_otlp_rewrite_edge.c. */
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

#define MAX_PLAN_EDITS 6
#define MAX_SPANS 4096

struct plan_edit {
	enum otlp_attr_op op;
	char key[64];
	size_t klen;
	struct otlp_value v;
	char s[32];
};

struct plan {
	int drop, rename;
	char name[32];
	int n;
	struct plan_edit e[MAX_PLAN_EDITS];
};

struct cb_state {
	uint64_t rng;
	struct plan log[MAX_SPANS];
	uint32_t n_logged;
	int drop_all;
};

static void random_edit(uint64_t *r, struct plan_edit *e, const struct otlp_bytes *existing,
			size_t n_existing)
{
	static const enum otlp_attr_op ops[] = { OTLP_ATTR_INSERT, OTLP_ATTR_UPDATE, OTLP_ATTR_UPSERT,
						 OTLP_ATTR_DELETE };
	e->op = ops[gen_rand(r) % 4];
	unsigned k = (unsigned)(gen_rand(r) % 4);
	if (k < 2 && n_existing) {
		const struct otlp_bytes *b = &existing[gen_rand(r) % n_existing];
		e->klen = b->len < sizeof(e->key) ? b->len : sizeof(e->key) - 1;
		if (e->klen)
			memcpy(e->key, b->p, e->klen);
	} else {
		e->klen = (size_t)snprintf(e->key, sizeof(e->key), "sluice.k%u", k);
	}
	memset(&e->v, 0, sizeof(e->v));
	switch (gen_rand(r) % 4) {
	case 0: {
		size_t n = (size_t)(gen_rand(r) % 20);
		if (gen_rand(r) % 10 == 0)
			n = 0;
		for (size_t i = 0; i < n; i++)
			e->s[i] = (char)('A' + gen_rand(r) % 26);
		e->v.type = OTLP_VALUE_STRING;
		e->v.u.b.p = (const uint8_t *)e->s;
		e->v.u.b.len = n;
		break;
	}
	case 1:
		e->v.type = OTLP_VALUE_INT;
		e->v.u.i = (int64_t)gen_rand(r) >> (gen_rand(r) % 64);
		break;
	case 2:
		e->v.type = OTLP_VALUE_DOUBLE;
		e->v.u.d = (double)(int64_t)gen_rand(r) / 3.0;
		break;
	default:
		e->v.type = OTLP_VALUE_BOOL;
		e->v.u.boolean = (int)(gen_rand(r) & 1);
		break;
	}
}

static int apply_plan(struct otlp_rewrite_edits *ed, const struct plan *p)
{
	int rc;

	if (p->rename && (rc = otlp_rewrite_rename(ed, p->name, strlen(p->name))))
		return rc;
	for (int i = 0; i < p->n; i++) {
		const struct plan_edit *e = &p->e[i];
		if ((rc = otlp_rewrite_attr(ed, e->op, e->key, e->klen,
					    e->op == OTLP_ATTR_DELETE ? NULL : &e->v)))
			return rc;
	}
	return 0;
}

static int span_cb(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *ed)
{
	struct cb_state *st = arg;
	struct otlp_bytes keys[16];
	size_t nk = 0;
	struct otlp_wire_iter it;
	struct otlp_bytes kvb;

	ck_assert_uint_eq(ctx->index, st->n_logged);
	ck_assert_uint_lt(st->n_logged, MAX_SPANS);
	struct plan *p = &st->log[st->n_logged++];
	memset(p, 0, sizeof(*p));
	otlp_wire_iter_init(&it, ctx->raw, OTLP_F_SPAN_ATTRIBUTES);
	while (nk < 16 && otlp_wire_iter_next(&it, &kvb) > 0) {
		struct otlp_kv kv;
		ck_assert_int_eq(otlp_wire_kv(kvb, &kv), 0);
		keys[nk++] = kv.key;
	}
	p->drop = st->drop_all || gen_rand(&st->rng) % 4 == 0;
	p->rename = gen_rand(&st->rng) % 3 == 0;
	snprintf(p->name, sizeof(p->name), "renamed-%u", (unsigned)(gen_rand(&st->rng) % 1000));
	p->n = (int)(gen_rand(&st->rng) % (MAX_PLAN_EDITS + 1));
	for (int i = 0; i < p->n; i++)
		random_edit(&st->rng, &p->e[i], keys, nk);
	ck_assert_int_eq(apply_plan(ed, p), 0);
	return p->drop ? OTLP_REWRITE_DROP : OTLP_REWRITE_KEEP;
}

/* ----- the model: the same plan on protobuf-c structs ----- */

static int key_is(const GenKV *kv, const struct plan_edit *e)
{
	size_t n = strlen(kv->key);
	return n == e->klen && memcmp(kv->key, e->key, n) == 0;
}

static GenAny *model_value(const struct otlp_value *v)
{
	GenAny *a = malloc(sizeof(*a));
	opentelemetry__proto__common__v1__any_value__init(a);
	switch (v->type) {
	case OTLP_VALUE_STRING:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		a->string_value = strndup((const char *)v->u.b.p, v->u.b.len);
		break;
	case OTLP_VALUE_INT:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		a->int_value = v->u.i;
		break;
	case OTLP_VALUE_DOUBLE:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE;
		a->double_value = v->u.d;
		break;
	default:
		a->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE;
		a->bool_value = v->u.boolean;
		break;
	}
	return a;
}

/* Sequential Collector semantics for one key: returns presence afterwards and
 * the last value that was set (NULL = the original stays). */
static int model_fold(const struct plan_edit *e, int n, const char *key, size_t klen, int present,
		      const struct otlp_value **val)
{
	*val = NULL;
	for (int i = 0; i < n; i++) {
		if (e[i].klen != klen || memcmp(e[i].key, key, klen) != 0)
			continue;
		switch (e[i].op) {
		case OTLP_ATTR_DELETE:
			present = 0;
			*val = NULL;
			break;
		case OTLP_ATTR_UPDATE:
			if (present)
				*val = &e[i].v;
			break;
		case OTLP_ATTR_UPSERT:
			present = 1;
			*val = &e[i].v;
			break;
		case OTLP_ATTR_INSERT:
			if (!present) {
				present = 1;
				*val = &e[i].v;
			}
			break;
		}
	}
	return present;
}

static void model_edit_attrs(GenKV ***attrs, size_t *n_attrs, const struct plan_edit *e, int n)
{
	GenKV **out = calloc(*n_attrs + (size_t)n + 1, sizeof(*out));
	size_t k = 0;
	int had[MAX_PLAN_EDITS] = { 0 }; /* key i existed before any edit */

	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < *n_attrs && !had[i]; j++)
			had[i] = key_is((*attrs)[j], &e[i]);

	for (size_t i = 0; i < *n_attrs; i++) {
		GenKV *kv = (*attrs)[i];
		const struct otlp_value *v;
		if (!model_fold(e, n, kv->key, strlen(kv->key), 1, &v)) {
			protobuf_c_message_free_unpacked(&kv->base, NULL);
			continue;
		}
		if (v) {
			if (kv->value)
				protobuf_c_message_free_unpacked(&kv->value->base, NULL);
			kv->value = model_value(v);
			/* a changed attribute is written anew: key and value only */
			for (unsigned u = 0; u < kv->base.n_unknown_fields; u++)
				free(kv->base.unknown_fields[u].data);
			free(kv->base.unknown_fields);
			kv->base.unknown_fields = NULL;
			kv->base.n_unknown_fields = 0;
		}
		out[k++] = kv;
	}
	for (int i = 0; i < n; i++) {
		int seen = had[i];
		const struct otlp_value *v;
		for (int j = 0; j < i && !seen; j++)
			seen = e[j].klen == e[i].klen && memcmp(e[j].key, e[i].key, e[i].klen) == 0;
		if (seen || !model_fold(e, n, e[i].key, e[i].klen, 0, &v))
			continue;
		GenKV *kv = malloc(sizeof(*kv));
		opentelemetry__proto__common__v1__key_value__init(kv);
		kv->key = strndup(e[i].key, e[i].klen);
		kv->value = model_value(v);
		out[k++] = kv;
	}
	free(*attrs);
	*attrs = out;
	*n_attrs = k;
}

/* Applies the logged plans (in span order) and resource edits to one
 * ResourceSpans in place, removing dropped spans and empty ScopeSpans.
 * Returns the spans kept. */
static size_t model_apply_rs(GenRS *rs, const struct cb_state *st, const struct plan *rp)
{
	uint32_t idx = 0;
	size_t keep_ss = 0, kept = 0;

	if (rp->n) {
		if (!rs->resource) {
			GenResource *res = malloc(sizeof(*res));
			opentelemetry__proto__resource__v1__resource__init(res);
			model_edit_attrs(&res->attributes, &res->n_attributes, rp->e, rp->n);
			if (res->n_attributes)
				rs->resource = res;
			else
				protobuf_c_message_free_unpacked(&res->base, NULL);
		} else {
			model_edit_attrs(&rs->resource->attributes, &rs->resource->n_attributes, rp->e,
					 rp->n);
		}
	}
	for (size_t k = 0; k < rs->n_scope_spans; k++) {
		GenSS *ss = rs->scope_spans[k];
		size_t keep = 0;
		for (size_t s = 0; s < ss->n_spans; s++) {
			GenSpan *sp = ss->spans[s];
			ck_assert_uint_lt(idx, st->n_logged);
			const struct plan *p = &st->log[idx++];
			if (p->drop) {
				protobuf_c_message_free_unpacked(&sp->base, NULL);
				continue;
			}
			if (p->rename) {
				if (sp->name != protobuf_c_empty_string)
					free(sp->name);
				sp->name = strdup(p->name);
			}
			model_edit_attrs(&sp->attributes, &sp->n_attributes, p->e, p->n);
			ss->spans[keep++] = sp;
		}
		ss->n_spans = keep;
		kept += keep;
		if (keep)
			rs->scope_spans[keep_ss++] = ss;
		else
			protobuf_c_message_free_unpacked(&ss->base, NULL);
	}
	rs->n_scope_spans = keep_ss;
	ck_assert_uint_eq(idx, st->n_logged); /* the callback saw every span once */
	return kept;
}

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

static struct cb_state st; /* large: kept off the stack */

/* Rewrites `seeds` random requests made with o and compares with the model. */
static void model_run(const struct gen_opts *op, uint64_t seeds, uint64_t min_in, uint64_t min_kept)
{
	const struct gen_opts o = *op;
	struct otlp_rewrite_edits *scratch = malloc(sizeof(*scratch));
	struct otlp_rewrite_edits *redits = malloc(sizeof(*redits));
	uint64_t total_in = 0, total_kept = 0;

	for (uint64_t seed = 1; seed <= seeds; seed++) {
		uint64_t rng = seed * 6151;
		GenReq *m = gen_request(&rng, &o);
		size_t len;
		uint8_t *in = gen_pack(&m->base, &len);
		GenReq *model = unpack_req(in, len);
		size_t out_cap = len * 2 + 65536, used = 0;
		uint8_t *body = malloc(out_cap), *tmp = malloc(out_cap);
		struct plan rp = { 0 };
		struct otlp_wire_iter it;
		struct otlp_bytes rsb;
		size_t rs_i = 0, keep_rs = 0;

		st.rng = seed;
		st.drop_all = seed % 17 == 0;
		rp.n = (int)(gen_rand(&rng) % 4);
		for (int i = 0; i < rp.n; i++)
			random_edit(&rng, &rp.e[i], NULL, 0);
		otlp_rewrite_edits_reset(redits);
		ck_assert_int_eq(apply_plan(redits, &rp), 0);

		otlp_wire_iter_init(&it, (struct otlp_bytes){ in, len }, OTLP_F_REQ_RESOURCE_SPANS);
		while (otlp_wire_iter_next(&it, &rsb) > 0) {
			struct otlp_rewrite_result res;
			st.n_logged = 0;
			int64_t n = otlp_rewrite_resource_spans(rsb.p, rsb.len, tmp, out_cap, redits, span_cb,
								&st, scratch, &res);
			ck_assert_msg(n >= 0, "seed %llu: rewrite failed %lld", (unsigned long long)seed,
				      (long long)n);
			ck_assert_uint_eq((uint64_t)n, res.len);
			GenRS *mrs = model->resource_spans[rs_i++];
			size_t kept = model_apply_rs(mrs, &st, &rp);
			ck_assert_uint_eq(res.spans_in, st.n_logged);
			ck_assert_uint_eq(res.spans_kept, kept);
			ck_assert_uint_eq(res.scope_spans_kept, mrs->n_scope_spans);
			total_in += res.spans_in;
			total_kept += kept;
			if (kept == 0) {
				ck_assert_int_eq(n, 0); /* nothing left: emit nothing */
				protobuf_c_message_free_unpacked(&mrs->base, NULL);
				continue;
			}
			ck_assert_int_eq(otlp_wire_validate_resource_spans(tmp, (size_t)n, NULL, NULL), 0);
			ck_assert_int_gt(otlp_frame_append(body, out_cap, &used, tmp, (size_t)n), 0);
			model->resource_spans[keep_rs++] = mrs;
		}
		model->n_resource_spans = keep_rs;
		GenReq *got = unpack_req(body, used);
		ck_assert_msg(got, "seed %llu: protobuf-c cannot decode the rewritten request",
			      (unsigned long long)seed);
		if (getenv("OTLP_DUMP") && !messages_equal(&got->base, &model->base)) {
			struct otlp_json_buf jb = { 0 };
			otlp_json_from_message(&got->base, &jb);
			fprintf(stderr, "GOT   %.*s\n", (int)jb.len, jb.data);
			jb.len = 0;
			otlp_json_from_message(&model->base, &jb);
			fprintf(stderr, "MODEL %.*s\n", (int)jb.len, jb.data);
			otlp_json_buf_free(&jb);
		}
		ck_assert_msg(messages_equal(&got->base, &model->base),
			      "seed %llu: rewritten request differs from the model",
			      (unsigned long long)seed);
		const char *diff = walk_compare_request((struct otlp_bytes){ body, used }, got);
		ck_assert_msg(diff == NULL, "seed %llu: %s", (unsigned long long)seed, diff);
		protobuf_c_message_free_unpacked(&got->base, NULL);
		protobuf_c_message_free_unpacked(&model->base, NULL);
		protobuf_c_message_free_unpacked(&m->base, NULL);
		free(in);
		free(body);
		free(tmp);
	}
	ck_assert_uint_gt(total_in, min_in);
	ck_assert_uint_gt(total_kept, min_kept);
	ck_assert_uint_lt(total_kept, total_in);
	free(scratch);
	free(redits);
}

START_TEST(t_rewrite_matches_model)
{
	const struct gen_opts o = { .max_rs = 3,
				    .max_ss = 3,
				    .max_spans = 6,
				    .max_attrs = 5,
				    .max_events = 1,
				    .max_links = 1,
				    .unknown_fields = 1,
				    .huge = 1 };
	model_run(&o, 300, 500, 100);
}
END_TEST

/* Spans with more attributes than the rewriter indexes
 * (OTLP_REWRITE_ATTRS_MAX) are re-encoded by the scanning path, the others
 * from the index: both must match the model. */
START_TEST(t_rewrite_matches_model_many_attrs)
{
	const struct gen_opts o = { .max_rs = 1,
				    .max_ss = 2,
				    .max_spans = 4,
				    .max_attrs = 70,
				    .max_events = 1,
				    .max_links = 1,
				    .unknown_fields = 1,
				    .huge = 0 };
	model_run(&o, 60, 40, 10);
}
END_TEST

/* No callback and no edits: the output is the input, byte for byte, and an
 * output buffer of exactly the input's size is enough. */
int main(void)
{
	Suite *s = suite_create("otlp_rewrite");
	TCase *tc = tcase_create("rewrite");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, t_rewrite_matches_model);
	tcase_add_test(tc, t_rewrite_matches_model_many_attrs);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
