/* tools/gen/gen_req.c: the trace template encoder and its stamper (logs:
 * gen_logs.c, metrics: gen_metrics.c). */
#include "tools/gen/gen_req.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen/gen_wb.h"

/* One Span; *ids_at / *start_at get offsets of the trace_id value and the
 * start time value inside it. */
static void gen_span(struct wb *w, uint32_t i, uint32_t attrs, size_t *ids_at, size_t *start_at)
{
	static const uint8_t zero[16];
	char name[32];
	snprintf(name, sizeof(name), "gen-op-%u", i % 16);
	*ids_at = w->len + 2;
	wb_bytes(w, 1, zero, 16); /* trace_id */
	wb_bytes(w, 2, zero, 8);  /* span_id */
	wb_str(w, 5, name);
	wb_tag(w, 6, 0);
	wb_varint(w, 1 + i % 5); /* kind: internal..consumer */
	*start_at = w->len + 1;
	wb_fixed64(w, 7, 0);
	wb_fixed64(w, 8, 0);
	for (uint32_t k = 0; k < attrs; k++)
		wb_attr(w, 9, k, i); /* Span.attributes */
	struct wb st = { 0 };
	wb_tag(&st, 3, 0);
	wb_varint(&st, i % 50 == 0 ? 2 : 1); /* status: 1 ok, 2 error now and then */
	wb_msg(w, 15, &st);
	free(st.p);
}

int gen_req_build(struct gen_req *r, uint32_t n_spans, uint32_t attrs, const char *service, uint64_t run)
{
	memset(r, 0, sizeof(*r));
	if (n_spans == 0)
		return -EINVAL;
	r->span_off = calloc(n_spans, sizeof(uint32_t));
	r->start_off = calloc(n_spans, sizeof(uint32_t));
	if (!r->span_off || !r->start_off) {
		gen_req_free(r);
		return -ENOMEM;
	}
	r->n_spans = n_spans;
	r->run = run;

	struct wb res = { 0 }, kv = { 0 }, any = { 0 }, scope = { 0 }, spans = { 0 };
	wb_str(&any, 1, service);
	wb_str(&kv, 1, "service.name");
	wb_msg(&kv, 2, &any);
	wb_msg(&res, 1, &kv);
	wb_str(&scope, 1, "sluice-gen");
	wb_str(&scope, 2, SLUICE_VERSION);

	/* Spans, each framed as ScopeSpans.spans (field 2), offsets relative
	 * to the start of `spans`. */
	size_t *ids = calloc(n_spans, sizeof(size_t)), *starts = calloc(n_spans, sizeof(size_t));
	if (!ids || !starts)
		spans.err = -ENOMEM;
	for (uint32_t i = 0; i < n_spans && !spans.err; i++) {
		struct wb one = { 0 };
		size_t a, b;
		gen_span(&one, i, attrs, &a, &b);
		wb_tag(&spans, 2, 2);
		wb_varint(&spans, one.len);
		ids[i] = spans.len + a;
		starts[i] = spans.len + b;
		wb_put(&spans, one.p, one.len);
		if (one.err)
			spans.err = one.err;
		free(one.p);
	}
	/* ScopeSpans = scope field + spans. */
	struct wb ss = { 0 }, rs = { 0 }, req = { 0 };
	wb_msg(&ss, 1, &scope);
	size_t spans_at_ss = ss.len;
	wb_put(&ss, spans.p, spans.len);
	/* ResourceSpans = resource + scope_spans. */
	wb_msg(&rs, 1, &res);
	wb_tag(&rs, 2, 2);
	wb_varint(&rs, ss.len);
	size_t ss_at_rs = rs.len;
	wb_put(&rs, ss.p, ss.len);
	wb_tag(&req, 1, 2);
	wb_varint(&req, rs.len);
	size_t rs_at_req = req.len;
	wb_put(&req, rs.p, rs.len);

	int err = req.err ? req.err : rs.err ? rs.err : ss.err ? ss.err : spans.err;
	size_t base = rs_at_req + ss_at_rs + spans_at_ss;
	for (uint32_t i = 0; i < n_spans && !err; i++) {
		r->span_off[i] = (uint32_t)(base + ids[i]);
		r->start_off[i] = (uint32_t)(base + starts[i]);
	}
	free(ids);
	free(starts);
	free(res.p);
	free(kv.p);
	free(any.p);
	free(scope.p);
	free(spans.p);
	free(ss.p);
	free(rs.p);
	if (err) {
		free(req.p);
		gen_req_free(r);
		return err;
	}
	r->buf = req.p;
	r->len = req.len;
	return 0;
}

void gen_req_free(struct gen_req *r)
{
	free(r->buf);
	free(r->span_off);
	free(r->start_off);
	free(r->pos);
	memset(r, 0, sizeof(*r));
}

void gen_req_stamp(struct gen_req *r, uint64_t first_id, uint64_t now_ns)
{
	/* The trace id only changes every GEN_SPANS_PER_TRACE spans: hash it
	 * once a trace, not once a span. */
	uint64_t trace = first_id / GEN_SPANS_PER_TRACE, hi = 0, lo = 0;
	bool have = false;
	for (uint32_t i = 0; i < r->n_spans; i++) {
		uint64_t id = first_id + i;
		if (!have || id / GEN_SPANS_PER_TRACE != trace) {
			trace = id / GEN_SPANS_PER_TRACE;
			hi = gen_mix(r->run ^ trace);
			lo = gen_mix(trace + r->run * 31);
			have = true;
		}
		uint8_t *t = r->buf + r->span_off[i];
		gen_put_be64(t, hi);
		gen_put_be64(t + 8, lo);
		gen_put_be64(t + 18, id); /* 16 id bytes, then tag + length of span_id */
		uint8_t *s = r->buf + r->start_off[i];
		uint64_t dur = 1000 + (id % 997) * 1000;
		gen_put_le64(s, now_ns - dur);
		gen_put_le64(s + 9, now_ns); /* 8 bytes, then the end time's tag */
	}
}

uint64_t gen_req_span_id(const struct gen_req *r, uint32_t i)
{
	const uint8_t *p = r->buf + r->span_off[i] + 18;
	uint64_t v = 0;
	for (int k = 0; k < 8; k++)
		v = v << 8 | p[k];
	return v;
}
