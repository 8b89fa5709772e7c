/* tools/gen/gen_logs.c: the log template encoder and its stamper.
 *
 * A record is written in field-number order, as SDKs write it: time,
 * severity number and text, a string body, attributes (gen.id first),
 * flags and trace context on a share of the records, observed time. Bodies
 * and severities vary with the record's index so filters and compressors
 * see realistic text, not one record repeated. */
#include "tools/gen/gen_req.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gen/gen_wb.h"

/* Severity by index: mostly INFO, some DEBUG, WARN and ERROR. */
static void log_severity(uint32_t i, uint32_t *num, const char **text)
{
	switch (i % 10) {
	case 7:
		*num = 5;
		*text = "DEBUG";
		break;
	case 8:
		*num = 13;
		*text = "WARN";
		break;
	case 9:
		*num = 17;
		*text = "ERROR";
		break;
	default:
		*num = 9;
		*text = "INFO";
		break;
	}
}

static void log_body(uint32_t i, char *out, size_t cap)
{
	switch (i % 4) {
	case 0:
		snprintf(out, cap, "GET /api/v1/items/%u served in %u ms, cache %s", i * 7 % 10000,
			 1 + i % 90, i & 1 ? "miss" : "hit");
		break;
	case 1:
		snprintf(out, cap, "user %u signed in from 10.%u.%u.%u with a password", 1000 + i % 9000,
			 i % 200, i * 3 % 250, 1 + i % 250);
		break;
	case 2:
		snprintf(out, cap, "payment %08x authorised: %u.%02u EUR, card ending %04u", i * 2654435761u,
			 i % 500, i % 100, i * 37 % 10000);
		break;
	default:
		snprintf(out, cap, "slow query on orders: %u ms, %u rows scanned", 100 + i % 900,
			 i * 13 % 100000);
		break;
	}
}

/* Does record i carry trace context? Spread evenly: the first of every
 * 1/share records, ... (the same records in every request). */
static bool log_has_ctx(uint32_t i, double share)
{
	if (share <= 0)
		return false;
	if (share >= 1)
		return true;
	return (uint64_t)((i + 1) * share) > (uint64_t)(i * share);
}

/* One LogRecord; positions relative to the start of w's bytes. */
static void gen_log(struct wb *w, uint32_t i, uint32_t attrs, bool ctx, struct gen_item_pos *pos)
{
	static const uint8_t zero[16];
	char body[96];
	uint32_t sev;
	const char *sev_text;
	log_severity(i, &sev, &sev_text);
	log_body(i, body, sizeof(body));

	pos->time = (uint32_t)w->len + 1;
	wb_fixed64(w, 1, 0);	/* time_unix_nano */
	wb_uint(w, 2, sev);	/* severity_number */
	wb_str(w, 3, sev_text); /* severity_text */
	struct wb any = { 0 };
	wb_str(&any, 1, body);
	wb_msg(w, 5, &any); /* body */
	free(any.p);
	pos->id = (uint32_t)wb_id_attr(w, 6);
	for (uint32_t k = 0; k < attrs; k++)
		wb_attr(w, 6, k, i); /* attributes */
	pos->ctx = GEN_NO_CTX;
	if (ctx) {
		wb_tag(w, 8, 5); /* flags (fixed32): sampled */
		wb_put(w, "\1\0\0\0", 4);
		pos->ctx = (uint32_t)w->len + 2;
		wb_bytes(w, 9, zero, 16); /* trace_id */
		wb_bytes(w, 10, zero, 8); /* span_id */
	}
	pos->observed = (uint32_t)w->len + 1;
	wb_fixed64(w, 11, 0); /* observed_time_unix_nano */
}

int gen_req_build_logs(struct gen_req *r, uint32_t n, uint32_t attrs, double ctx_share, const char *service,
		       uint64_t run)
{
	memset(r, 0, sizeof(*r));
	if (n == 0)
		return -EINVAL;
	r->pos = calloc(n, sizeof(*r->pos));
	if (!r->pos)
		return -ENOMEM;
	r->n_spans = n;
	r->run = run;
	r->signal = 1;

	struct wb items = { 0 }, one = { 0 }, req = { 0 };
	for (uint32_t i = 0; i < n && !items.err; i++) {
		one.len = 0;
		gen_log(&one, i, attrs, log_has_ctx(i, ctx_share), &r->pos[i]);
		size_t at = wb_msg(&items, 2, &one); /* ScopeLogs.log_records */
		r->pos[i].time += (uint32_t)at;
		r->pos[i].observed += (uint32_t)at;
		r->pos[i].id += (uint32_t)at;
		if (r->pos[i].ctx != GEN_NO_CTX)
			r->pos[i].ctx += (uint32_t)at;
	}
	size_t base = wb_request(&req, &items, service);
	free(one.p);
	free(items.p);
	if (req.err || req.len > UINT32_MAX) {
		int err = req.err ? req.err : -EINVAL;
		free(req.p);
		gen_req_free(r);
		return err;
	}
	for (uint32_t i = 0; i < n; i++) {
		r->pos[i].time += (uint32_t)base;
		r->pos[i].observed += (uint32_t)base;
		r->pos[i].id += (uint32_t)base;
		if (r->pos[i].ctx != GEN_NO_CTX)
			r->pos[i].ctx += (uint32_t)base;
	}
	r->buf = req.p;
	r->len = req.len;
	return 0;
}

void gen_req_stamp_logs(struct gen_req *r, uint64_t first_id, uint64_t now_ns)
{
	for (uint32_t i = 0; i < r->n_spans; i++) {
		const struct gen_item_pos *p = &r->pos[i];
		uint64_t id = first_id + i;
		gen_put_hex16(r->buf + p->id, id);
		gen_put_le64(r->buf + p->time, now_ns);
		gen_put_le64(r->buf + p->observed, now_ns);
		if (p->ctx != GEN_NO_CTX) {
			uint64_t trace = id / GEN_SPANS_PER_TRACE;
			uint8_t *t = r->buf + p->ctx;
			gen_put_be64(t, gen_mix(r->run ^ trace));
			gen_put_be64(t + 8, gen_mix(trace + r->run * 31));
			gen_put_be64(t + 18, id); /* 16 id bytes, then tag + length of span_id */
		}
	}
}

uint64_t gen_req_item_id(const struct gen_req *r, uint32_t i)
{
	if (r->signal == 0)
		return gen_req_span_id(r, i);
	return gen_get_hex16(r->buf + r->pos[i].id);
}
