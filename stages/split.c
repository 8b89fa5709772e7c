/* split.c: greedy parts over the spans of a ResourceSpans, in order. */
#include "stages/split.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int split_init(struct split *s, size_t cap_spans, size_t cap_scopes)
{
	s->cap = cap_spans ? cap_spans : 1;
	s->scap = cap_scopes ? cap_scopes : 1;
	s->spans = calloc(s->cap, sizeof *s->spans);
	s->scopes = calloc(s->scap, sizeof *s->scopes);
	if (!s->spans || !s->scopes) {
		split_free(s);
		return -ENOMEM;
	}
	return 0;
}

void split_free(struct split *s)
{
	free(s->spans);
	free(s->scopes);
	s->spans = NULL;
	s->scopes = NULL;
}

static size_t split_vs(uint64_t v)
{
	return otlp_wire_varint_size(v);
}

/* Copies every field of msg except those numbered skip; returns the end. */
static uint8_t *split_copy_others(uint8_t *o, struct otlp_bytes msg, uint32_t skip)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while (otlp_wire_next(&r, &f) > 0)
		if (f.num != skip) {
			memcpy(o, f.start, f.size);
			o += f.size;
		}
	return o;
}

static int split_others_size(struct otlp_bytes msg, uint32_t skip, size_t *out)
{
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	int rc;
	size_t n = 0;
	otlp_wire_reader_init(&r, msg.p, msg.len);
	while ((rc = otlp_wire_next(&r, &f)) > 0)
		if (f.num != skip)
			n += f.size;
	*out = n;
	return rc;
}

/* Framed size of a ResourceSpans body of rs_len bytes. */
static size_t split_frame(size_t rs_len)
{
	return 1 + split_vs(rs_len) + rs_len;
}

/* ScopeSpans field size for a body of ss_len bytes. */
static size_t split_field(size_t ss_len)
{
	return 1 + split_vs(ss_len) + ss_len;
}

/* Writes the part made of spans[0..n). */
static int split_write(struct split *s, struct otlp_bytes rs, size_t rs_other,
		       size_t n, split_emit_fn emit, void *arg)
{
	/* sizes per scope run */
	size_t rs_len = rs_other;
	for (size_t i = 0; i < n;) {
		uint32_t sc = s->spans[i].scope;
		size_t ss_len = s->scopes[sc].other;
		for (; i < n && s->spans[i].scope == sc; i++)
			ss_len += s->spans[i].field.len;
		rs_len += split_field(ss_len);
	}
	uint8_t *o;
	int rc = emit(arg, split_frame(rs_len), (uint32_t)n, &o);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	*o++ = 0x0a;
	o = otlp_wire_put_varint(o, rs_len);
	o = split_copy_others(o, rs, OTLP_F_RS_SCOPE_SPANS);
	for (size_t i = 0; i < n;) {
		uint32_t sc = s->spans[i].scope;
		size_t ss_len = s->scopes[sc].other, j = i;
		for (; j < n && s->spans[j].scope == sc; j++)
			ss_len += s->spans[j].field.len;
		*o++ = (OTLP_F_RS_SCOPE_SPANS << 3) | OTLP_WT_LEN;
		o = otlp_wire_put_varint(o, ss_len);
		o = split_copy_others(o, s->scopes[sc].msg, OTLP_F_SS_SPANS);
		for (; i < j; i++) {
			memcpy(o, s->spans[i].field.p, s->spans[i].field.len);
			o += s->spans[i].field.len;
		}
	}
	return 0;
}

int split_run(struct split *s, const uint8_t *buf, size_t len, uint32_t max_items,
	      uint64_t max_bytes, split_emit_fn emit, void *arg)
{
	struct otlp_bytes rs = { buf, len };
	size_t rs_other;
	int rc = split_others_size(rs, OTLP_F_RS_SCOPE_SPANS, &rs_other);
	if (rc < 0)
		return rc;
	size_t nscopes = 0, n = 0;
	int parts = 0;
	size_t closed = rs_other;   /* rs body bytes of scope runs already closed */
	size_t cur_ss = 0;          /* body of the open scope run (0 = none open) */
	int64_t cur_scope = -1;
	struct otlp_wire_reader r;
	struct otlp_wire_field f;
	otlp_wire_reader_init(&r, buf, len);
	while ((rc = otlp_wire_next(&r, &f)) > 0) {
		if (f.num != OTLP_F_RS_SCOPE_SPANS)
			continue;
		if (f.wt != OTLP_WT_LEN)
			return -EPROTO;
		if (nscopes >= s->scap)
			return -E2BIG;
		struct split_scope *sc = &s->scopes[nscopes];
		sc->msg = f.b;
		if ((rc = split_others_size(f.b, OTLP_F_SS_SPANS, &sc->other)) < 0)
			return rc;
		struct otlp_wire_reader sr;
		struct otlp_wire_field sf;
		otlp_wire_reader_init(&sr, f.b.p, f.b.len);
		while ((rc = otlp_wire_next(&sr, &sf)) > 0) {
			if (sf.num != OTLP_F_SS_SPANS)
				continue;
			if (sf.wt != OTLP_WT_LEN)
				return -EPROTO;
			/* size of the part if this span joins it */
			size_t ss = (cur_scope == (int64_t)nscopes ? cur_ss : sc->other) + sf.size;
			size_t body = closed + (cur_scope == (int64_t)nscopes ? 0
						: (cur_scope >= 0 ? split_field(cur_ss) : 0))
				      + split_field(ss);
			bool over = (max_items && n + 1 > max_items) || n >= s->cap ||
				    split_frame(body) > max_bytes;
			if (over && n) {
				if ((rc = split_write(s, rs, rs_other, n, emit, arg)) < 0)
					return rc;
				parts++;
				n = 0;
				closed = rs_other;
				cur_scope = -1;
				cur_ss = 0;
			}
			if (cur_scope != (int64_t)nscopes) {
				if (cur_scope >= 0)
					closed += split_field(cur_ss);
				cur_scope = (int64_t)nscopes;
				cur_ss = sc->other;
			}
			cur_ss += sf.size;
			s->spans[n].scope = (uint32_t)nscopes;
			s->spans[n].field.p = sf.start;
			s->spans[n].field.len = sf.size;
			n++;
		}
		if (rc < 0)
			return rc;
		nscopes++;
	}
	if (rc < 0)
		return rc;
	if (n) {
		if ((rc = split_write(s, rs, rs_other, n, emit, arg)) < 0)
			return rc;
		parts++;
	}
	return parts;
}
