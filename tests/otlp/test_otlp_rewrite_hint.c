/* tests/otlp/test_otlp_rewrite_hint.c: span edits applied by the caller's
 * hints (where the attributes with edited keys are) give the bytes the same
 * edits give unhinted, decoded by protobuf-c as each case expects; hints
 * out of order, outside the span, over the name or naming no edit are not
 * used; and KeyValues written for edits of every key and value length hold
 * exactly their bytes (ASan: nothing read past them). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "otlp/rewrite.h"
#include "tests/check_run.h"

/* ----- hints: edits applied by the caller's key matches ----- */

/* A ResourceSpans of two spans named "op", each with the attributes `keys`
 * (space separated), every value the string "in". */
static uint8_t *hint_input(const char *keys, size_t *len)
{
	GenRS rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	GenSS ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT, *ssp = &ss;
	GenSpan sp = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__INIT, *spans[2] = { &sp, &sp };
	GenKV kv[8], *kvp[8];
	GenAny val[8];
	static uint8_t id[16] = { 1, 2, 3 };
	char buf[64], *save, *k;

	snprintf(buf, sizeof(buf), "%s", keys);
	for (k = strtok_r(buf, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
		size_t i = sp.n_attributes++;
		opentelemetry__proto__common__v1__key_value__init(&kv[i]);
		opentelemetry__proto__common__v1__any_value__init(&val[i]);
		val[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
		val[i].string_value = (char *)"in";
		kv[i].key = k;
		kv[i].value = &val[i];
		kvp[i] = &kv[i];
	}
	sp.attributes = kvp;
	sp.name = (char *)"op";
	sp.trace_id = (ProtobufCBinaryData){ 16, id };
	sp.span_id = (ProtobufCBinaryData){ 8, id };
	ss.n_spans = 2;
	ss.spans = spans;
	rs.n_scope_spans = 1;
	rs.scope_spans = &ssp;
	return gen_pack(&rs.base, len);
}

/* One case: input keys, edits ("op:key", op d/u/s/i = delete/update/upsert/
 * insert; edit j sets the string "v<j>"), and both spans' expected result.
 * wrong: hints the rewriter must not use (it compares keys instead, so the
 * result is the same): 1 out of order, 3 past the span's end, 4 naming an
 * edit that does not exist, 5 over the name field; or must use and trust
 * (so the result differs): 2 no attribute hinted. */
struct hint_case {
	const char *keys, *edits;
	int rename, wrong;
	const char *expect;
};

static const struct hint_case hint_cases[] = {
	{ "a b c", "d:b", 0, 0, "op: a=in c=in" },
	{ "a bb c", "s:c", 0, 0, "op: a=in bb=in c=v0" },
	{ "a b", "i:a", 0, 0, "op: a=in b=in" },
	{ "a b", "u:zz u:b", 0, 0, "op: a=in b=v1" },
	{ "a", "i:n2 s:n1 d:n5 i:n3 u:n4", 0, 0, "op: a=in n2=v0 n1=v1 n3=v3" },
	{ "a b c", "d:a s:c i:new.key", 1, 0, "renamed: b=in c=v1 new.key=v2" },
	{ "a b a", "s:a", 0, 0, "op: a=v0 b=in a=v0" },
	{ "k b k c k", "d:k i:c", 1, 0, "renamed: b=in c=in" },
	{ "", "s:x i:y d:z u:w", 1, 0, "renamed: x=v0 y=v1" },
	{ "a b c", "d:a d:c", 0, 1, "op: b=in" },
	{ "a b c", "d:b s:x", 0, 2, "op: a=in b=in c=in x=v1" },
	{ "a b c", "d:c", 0, 3, "op: a=in b=in" },
	{ "a b c", "d:b", 0, 4, "op: a=in c=in" },
	{ "a b c", "s:a", 1, 5, "renamed: a=v0 b=in c=in" },
};

/* Where the span's name field starts. */
static const uint8_t *hint_name_at(struct otlp_bytes span)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;

	otlp_wire_reader_init(&r, span.p, span.len);
	while (otlp_wire_next(&r, &f) > 0)
		if (f.num == OTLP_F_SPAN_NAME)
			return f.start;
	ck_abort_msg("no name field");
	return NULL;
}

struct hint_run {
	const struct hint_case *c;
	int hinted;
	char vals[OTLP_EDITS_MAX][8];
};

static int hint_cb(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *ed)
{
	struct hint_run *h = arg;
	const struct otlp_rewrite_attr *at;
	uint32_t n, j = 0;
	char buf[64], *save, *t;

	snprintf(buf, sizeof(buf), "%s", h->c->edits);
	for (t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save), j++) {
		enum otlp_attr_op op = t[0] == 'd'   ? OTLP_ATTR_DELETE
				       : t[0] == 'u' ? OTLP_ATTR_UPDATE
				       : t[0] == 's' ? OTLP_ATTR_UPSERT
						     : OTLP_ATTR_INSERT;
		int l = snprintf(h->vals[j], sizeof(h->vals[j]), "v%u", j);
		ck_assert_int_eq(otlp_rewrite_attr_str(ed, op, t + 2, h->vals[j], (size_t)l), 0);
	}
	if (h->c->rename)
		ck_assert_int_eq(otlp_rewrite_rename(ed, "renamed", 7), 0);
	if (!h->hinted)
		return OTLP_REWRITE_KEEP;
	ck_assert_int_eq(otlp_rewrite_span_attrs(ctx, &at, &n), 1);
	ed->n_hint = 0;
	for (uint32_t i = 0; i < n && h->c->wrong != 2; i++) {
		for (j = 0; j < ed->n_attr; j++) {
			if (at[i].key.len != ed->attr[j].key.len ||
			    memcmp(at[i].key.p, ed->attr[j].key.p, at[i].key.len) != 0)
				continue;
			ed->hint[ed->n_hint++] = (struct otlp_attr_hint){ at[i].start, (uint32_t)at[i].size,
									  j };
		}
	}
	struct otlp_attr_hint *last = &ed->hint[ed->n_hint ? ed->n_hint - 1 : 0];
	switch (h->c->wrong) {
	case 1: /* the first two swapped */
		ck_assert_uint_ge(ed->n_hint, 2);
		struct otlp_attr_hint t = ed->hint[0];
		ed->hint[0] = ed->hint[1];
		ed->hint[1] = t;
		break;
	case 3:
		last->size += 1;
		break;
	case 4:
		last->edit = ed->n_attr;
		break;
	case 5: /* starts inside the name field */
		last->start = hint_name_at(ctx->raw) + 1;
		break;
	}
	ed->hinted = 1;
	return OTLP_REWRITE_KEEP;
}

/* Decodes a rewritten ResourceSpans (protobuf-c) and checks every span reads
 * `expect` ("name: key=value ..."). */
static void hint_check_decoded(const uint8_t *p, size_t n, const char *expect, unsigned ci)
{
	GenRS *rs = (GenRS *)
		protobuf_c_message_unpack(&opentelemetry__proto__trace__v1__resource_spans__descriptor, NULL,
					  n, p);
	ck_assert_ptr_nonnull(rs);
	ck_assert_uint_eq(rs->n_scope_spans, 1);
	ck_assert_uint_eq(rs->scope_spans[0]->n_spans, 2);
	for (size_t s = 0; s < 2; s++) {
		GenSpan *sp = rs->scope_spans[0]->spans[s];
		char got[256];
		int len = snprintf(got, sizeof(got), "%s:", sp->name);
		for (size_t i = 0; i < sp->n_attributes; i++)
			len += snprintf(got + len, sizeof(got) - (size_t)len, " %s=%s",
					sp->attributes[i]->key, sp->attributes[i]->value->string_value);
		ck_assert_msg(strcmp(got, expect) == 0, "case %u: got \"%s\", want \"%s\"", ci, got, expect);
	}
	protobuf_c_message_free_unpacked(&rs->base, NULL);
}

/* The same edits hinted and unhinted give the same bytes (wrong 2: hints
 * are trusted, so they do not), and the result is what the case expects. */
START_TEST(t_hinted_matches_unhinted)
{
	struct otlp_rewrite_edits *ed = malloc(sizeof(*ed));
	struct hint_run *h = malloc(sizeof(*h));
	uint8_t out[2][1024];

	for (unsigned ci = 0; ci < sizeof(hint_cases) / sizeof(hint_cases[0]); ci++) {
		size_t len;
		uint8_t *in = hint_input(hint_cases[ci].keys, &len);
		int64_t n[2];
		h->c = &hint_cases[ci];
		for (int hinted = 0; hinted < 2; hinted++) {
			h->hinted = hinted;
			n[hinted] = otlp_rewrite_resource_spans(in, len, out[hinted], sizeof(out[0]), NULL,
								hint_cb, h, ed, NULL);
			ck_assert_msg(n[hinted] > 0, "case %u: %lld", ci, (long long)n[hinted]);
		}
		int same = n[0] == n[1] && memcmp(out[0], out[1], (size_t)n[0]) == 0;
		ck_assert_msg(same == (hint_cases[ci].wrong != 2), "case %u: same %d", ci, same);
		hint_check_decoded(out[1], (size_t)n[1], hint_cases[ci].expect, ci);
		free(in);
	}
	free(h);
	free(ed);
}
END_TEST

/* An edit built by hand whose key and value end exactly where their heap
 * blocks end (ASan: nothing read past them), every length 0..70, a string
 * or bytes value (the rewriter's short-string path and its general one):
 * the written KeyValue holds exactly those bytes. */
struct kv_len_run {
	uint8_t *key, *val;
	size_t klen, vlen;
};

static int kv_len_cb(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *ed)
{
	struct kv_len_run *r = arg;

	(void)ctx;
	ed->attr[0] = (struct otlp_attr_edit){
		.op = OTLP_ATTR_UPSERT,
		.key = { r->key, r->klen },
		.value = { .type = (r->klen + r->vlen) % 2 ? OTLP_VALUE_STRING : OTLP_VALUE_BYTES }
	};
	ed->attr[0].value.u.b = (struct otlp_bytes){ r->val, r->vlen };
	ed->n_attr = 1;
	return OTLP_REWRITE_KEEP;
}

START_TEST(t_kv_lengths)
{
	struct otlp_rewrite_edits *ed = malloc(sizeof(*ed));
	struct kv_len_run r;
	size_t len;
	uint8_t *in = hint_input("a", &len), out[1024];

	for (r.klen = 0; r.klen <= 70; r.klen++) {
		for (r.vlen = 0; r.vlen <= 70; r.vlen += 1 + r.vlen / 8) {
			r.key = malloc(r.klen + 1) + 1; /* ends where the block ends */
			r.val = malloc(r.vlen + 1) + 1;
			for (size_t i = 0; i < r.klen; i++)
				r.key[i] = (uint8_t)('a' + (i * 7 + r.vlen) % 26);
			for (size_t i = 0; i < r.vlen; i++)
				r.val[i] = (uint8_t)('A' + (i * 13 + r.klen) % 26);
			int64_t n = otlp_rewrite_resource_spans(in, len, out, sizeof(out), NULL, kv_len_cb,
								&r, ed, NULL);
			ck_assert_int_gt(n, 0);
			GenRS *rs = (GenRS *)protobuf_c_message_unpack(
				&opentelemetry__proto__trace__v1__resource_spans__descriptor, NULL, (size_t)n,
				out);
			ck_assert_ptr_nonnull(rs);
			GenSpan *sp = rs->scope_spans[0]->spans[1];
			GenKV *kv = sp->attributes[sp->n_attributes - 1];
			ck_assert_uint_eq(sp->n_attributes, r.klen == 1 && r.key[0] == 'a' ? 1 : 2);
			ck_assert_uint_eq(strlen(kv->key), r.klen);
			ck_assert_int_eq(memcmp(kv->key, r.key, r.klen), 0);
			const void *got = kv->value->bytes_value.data;
			size_t got_len = kv->value->bytes_value.len;
			if ((r.klen + r.vlen) % 2)
				got = kv->value->string_value, got_len = strlen(got);
			ck_assert_uint_eq(got_len, r.vlen);
			ck_assert(r.vlen == 0 || memcmp(got, r.val, r.vlen) == 0);
			protobuf_c_message_free_unpacked(&rs->base, NULL);
			free(r.key - 1);
			free(r.val - 1);
		}
	}
	free(in);
	free(ed);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_rewrite_hint");
	TCase *tc = tcase_create("hint");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, t_hinted_matches_unhinted);
	tcase_add_test(tc, t_kv_lengths);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
