/* tests/otlp/fuzz_otlp_rewrite.c: libFuzzer target for the rewriter. The
 * first 8 input bytes steer the per-span decisions (drop, rename, edits);
 * the rest is a ResourceSpans. Invariants: no crash or out-of-bounds access;
 * a non-empty result is a valid ResourceSpans that protobuf-c decodes, with
 * exactly the kept span count; a malformed input is an error; the lazy span
 * decode gives what otlp_wire_span gives (same fields, same errors). Every
 * input is rewritten twice with the same edits, the second time with
 * hints (struct otlp_rewrite_edits.hinted: where the attributes with edited
 * keys are) built here for some spans: both
 * results must be the same bytes. Steering bit 61 rewrites instead a valid
 * ResourceSpans generated (gen.c) from a hash of the input, so that spans
 * with attributes to edit and hint (few mutated inputs have them) come up
 * every few runs. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "otlp/rewrite.h"
#include "opentelemetry/proto/trace/v1/trace.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct steer {
	uint64_t bits;
	int hint_pass; /* 1: give hints where the steering bits say so */
};

static int same_key(struct otlp_bytes a, struct otlp_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* Adds an edit on an existing attribute's key and one on a new key, then
 * (second pass, bit 64) hints every attribute an edit names, with the edit,
 * the way a processor that already compared keys would. Runs in both passes
 * (the decode it asks for is then the same), hints only in the second. */
static void edits_and_hints(const struct steer *s, uint64_t b, const struct otlp_rewrite_span_ctx *ctx,
			    struct otlp_rewrite_edits *e)
{
	static const enum otlp_attr_op ops[4] = { OTLP_ATTR_INSERT, OTLP_ATTR_UPDATE, OTLP_ATTR_UPSERT,
						  OTLP_ATTR_DELETE };
	const struct otlp_rewrite_attr *at;
	uint32_t n;

	if (otlp_rewrite_span_attrs(ctx, &at, &n) != 1)
		return; /* malformed (the rewrite fails) or not indexed */
	if (b & 32) {
		const struct otlp_value v = { .type = OTLP_VALUE_INT, .u.i = (int64_t)b };
		if (n && at[(b >> 9) % n].key.len < 200)
			otlp_rewrite_attr(e, ops[(b >> 7) & 3], (const char *)at[(b >> 9) % n].key.p,
					  at[(b >> 9) % n].key.len, &v);
		otlp_rewrite_attr_str(e, ops[(b >> 8) & 3], "fuzz.new", "v", 1);
	}
	if (!s->hint_pass || !(b & 64))
		return;
	for (uint32_t i = 0; i < e->n_attr; i++)
		for (uint32_t j = 0; j < i; j++)
			if (same_key(e->attr[i].key, e->attr[j].key))
				return; /* hints need unique keys */
	e->n_hint = 0;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < e->n_attr; j++)
			if (same_key(at[i].key, e->attr[j].key))
				e->hint[e->n_hint++] = (struct otlp_attr_hint){ at[i].start,
										(uint32_t)at[i].size, j };
	e->hinted = 1;
}

static int cb(void *arg, const struct otlp_rewrite_span_ctx *ctx, struct otlp_rewrite_edits *e)
{
	struct steer *s = arg;
	uint64_t b = s->bits >> ((ctx->index * 5) % 60);
	struct otlp_value v = { .type = OTLP_VALUE_STRING };

	if (b & 1)
		return OTLP_REWRITE_DROP;
	if (b & 2)
		otlp_rewrite_rename(e, "renamed", 7);
	if (b & 4) {
		const struct otlp_span *sp;
		struct otlp_span want;
		int wrc = otlp_wire_span(ctx->raw, &want);
		int rc = otlp_rewrite_span(ctx, &sp);
		if (rc != wrc)
			abort(); /* the lazy decoder accepts what otlp_wire_span does */
		if (rc < 0)
			return OTLP_REWRITE_KEEP; /* the rewrite fails with the error */
		if (sp->name.len != want.name.len || sp->trace_id.len != want.trace_id.len ||
		    sp->kind != want.kind || sp->n_attributes != want.n_attributes ||
		    sp->start_time_unix_nano != want.start_time_unix_nano ||
		    sp->end_time_unix_nano != want.end_time_unix_nano || sp->flags != want.flags ||
		    sp->has_status != want.has_status || sp->status.len != want.status.len ||
		    sp->n_events != want.n_events || sp->n_links != want.n_links ||
		    sp->dropped_attributes_count != want.dropped_attributes_count ||
		    (sp->name.len && sp->name.p != want.name.p))
			abort();
		v.u.b.p = sp->name.p; /* copy a value out of the span itself */
		v.u.b.len = sp->name.len < 100 ? sp->name.len : 100;
		otlp_rewrite_attr(e, OTLP_ATTR_UPSERT, "name.copy", 9, &v);
	}
	if (b & 8)
		otlp_rewrite_attr_int(e, OTLP_ATTR_INSERT, "", 1);
	if (b & 16) {
		/* delete the span's first attribute, whatever its key */
		struct otlp_wire_iter it;
		struct otlp_bytes kvb;
		struct otlp_kv kv;
		otlp_wire_iter_init(&it, ctx->raw, OTLP_F_SPAN_ATTRIBUTES);
		if (otlp_wire_iter_next(&it, &kvb) > 0 && otlp_wire_kv(kvb, &kv) == 0 && kv.key.len < 200)
			otlp_rewrite_attr(e, OTLP_ATTR_DELETE, (const char *)kv.key.p, kv.key.len, NULL);
	}
	if (b & (32 | 64))
		edits_and_hints(s, b, ctx, e);
	return OTLP_REWRITE_KEEP;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct otlp_rewrite_edits scratch, redits;
	struct steer s = { 0 };
	struct otlp_rewrite_result res;

	if (size < 8)
		return 0;
	memcpy(&s.bits, data, 8);
	data += 8;
	size -= 8;
	uint8_t *gen = NULL;
	if ((s.bits >> 61) & 1) {
		static const struct gen_opts o = { .max_rs = 1,
						   .max_ss = 2,
						   .max_spans = 8,
						   .max_attrs = 8,
						   .max_events = 1,
						   .max_links = 1,
						   .unknown_fields = 1 };
		uint64_t rng = 1469598103934665603ull; /* FNV-1a of the input */
		for (size_t i = 0; i < size; i++)
			rng = (rng ^ data[i]) * 1099511628211ull;
		GenReq *m = gen_request(&rng, &o);
		if (m->n_resource_spans) {
			gen = gen_pack(&m->resource_spans[0]->base, &size);
			data = gen;
		}
		protobuf_c_message_free_unpacked(&m->base, NULL);
	}
	otlp_rewrite_edits_reset(&redits);
	if (s.bits >> 63)
		otlp_rewrite_attr_bool(&redits, OTLP_ATTR_UPSERT, "fuzz", 1);
	if ((s.bits >> 62) & 1)
		otlp_rewrite_attr(&redits, OTLP_ATTR_DELETE, "service.name", 12, NULL);
	/* The rewriter checks what it reads but copies untouched sub-messages
	 * as they are, so only a valid input must give a valid output. */
	struct otlp_wire_counts in_c;
	int valid = otlp_wire_validate_resource_spans(data, size, &in_c, NULL) == 0;
	size_t cap = size * 2 + 4096 * 4;
	uint8_t *out = malloc(cap), *hinted = malloc(cap);
	int64_t n = otlp_rewrite_resource_spans(data, size, out, cap, &redits, cb, &s, &scratch, &res);
	s.hint_pass = 1;
	int64_t nh = otlp_rewrite_resource_spans(data, size, hinted, cap, &redits, cb, &s, &scratch, NULL);
	if (nh != n || (n > 0 && memcmp(out, hinted, (size_t)n) != 0))
		abort(); /* hints change how, never what */
	free(hinted);
	if (valid && n < 0 && n != -ENOSPC)
		abort(); /* a valid input must rewrite */
	if (n > 0 && valid) {
		struct otlp_wire_counts c;
		if (otlp_wire_validate_resource_spans(out, (size_t)n, &c, NULL) != 0 ||
		    c.spans != res.spans_kept)
			abort();
		ProtobufCMessage *m =
			protobuf_c_message_unpack(&opentelemetry__proto__trace__v1__resource_spans__descriptor,
						  NULL, (size_t)n, out);
		if (!m)
			abort();
		protobuf_c_message_free_unpacked(m, NULL);
	} else if (n == 0 && res.spans_kept != 0) {
		abort();
	}
	free(out);
	free(gen);
	return 0;
}
