/* tools/sink/sink_scan.c: how the sink checks a body in one pass.
 *
 * The rules are otlp/validate.c's (the same schema table below): every
 * field is read whole first (so a truncation is -EBADMSG even where the wire
 * type is also wrong), then a known field's wire type and id length are
 * checked (-EPROTO), then its nested message, depth first; AnyValue nesting
 * beyond OTLP_WIRE_MAX_DEPTH is -ELOOP; unknown fields are skipped. The
 * generic walk (scan_msg / scan_one) handles every message; Span, KeyValue
 * and AnyValue get loops that switch on the usual one-byte tags and fall back
 * to scan_one for anything else, which is where the speed comes from: no
 * call, no table lookup and no field struct for the ~40 fields of a span.
 * fuzz_sink_scan.c checks the verdicts against otlp_wire_validate_request.
 */
#include "tools/sink/sink_scan.h"

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "otlp/wire.h"
#include "tools/sink/sink_scan_rd.h"

enum smsg { M_NONE, M_REQ, M_RS, M_RES, M_ENT, M_SS, M_SCOPE, M_SPAN, M_EVENT,
	    M_LINK, M_STATUS, M_KV, M_ANY, M_ARRAY, M_KVLIST, M_COUNT };

struct sfield {
	uint8_t known, wt, child, idlen;
};

#define LEN(c) { 1, OTLP_WT_LEN, c, 0 }
#define STR { 1, OTLP_WT_LEN, M_NONE, 0 }
#define VAR { 1, OTLP_WT_VARINT, M_NONE, 0 }
#define I64 { 1, OTLP_WT_I64, M_NONE, 0 }
#define I32 { 1, OTLP_WT_I32, M_NONE, 0 }
#define ID(n) { 1, OTLP_WT_LEN, M_NONE, n }

#define MAXF 17
static const struct sfield tab[M_COUNT][MAXF] = {
	[M_REQ] = { [1] = LEN(M_RS) },
	[M_RS] = { [1] = LEN(M_RES), [2] = LEN(M_SS), [3] = STR },
	[M_RES] = { [1] = LEN(M_KV), [2] = VAR, [3] = LEN(M_ENT) },
	[M_ENT] = { [1] = STR, [2] = STR, [3] = STR, [4] = STR },
	[M_SS] = { [1] = LEN(M_SCOPE), [2] = LEN(M_SPAN), [3] = STR },
	[M_SCOPE] = { [1] = STR, [2] = STR, [3] = LEN(M_KV), [4] = VAR },
	[M_SPAN] = { [1] = ID(16), [2] = ID(8), [3] = STR, [4] = ID(8), [5] = STR, [6] = VAR,
		     [7] = I64, [8] = I64, [9] = LEN(M_KV), [10] = VAR, [11] = LEN(M_EVENT),
		     [12] = VAR, [13] = LEN(M_LINK), [14] = VAR, [15] = LEN(M_STATUS),
		     [16] = I32 },
	[M_EVENT] = { [1] = I64, [2] = STR, [3] = LEN(M_KV), [4] = VAR },
	[M_LINK] = { [1] = ID(16), [2] = ID(8), [3] = STR, [4] = LEN(M_KV), [5] = VAR, [6] = I32 },
	[M_STATUS] = { [2] = STR, [3] = VAR },
	[M_KV] = { [1] = STR, [2] = LEN(M_ANY) },
	[M_ANY] = { [1] = STR, [2] = VAR, [3] = VAR, [4] = I64, [5] = LEN(M_ARRAY),
		    [6] = LEN(M_KVLIST), [7] = STR },
	[M_ARRAY] = { [1] = LEN(M_ANY) },
	[M_KVLIST] = { [1] = LEN(M_KV) },
};

struct scan {
	struct sink_scan_counts *c;
	struct sink_lat_req *lat; /* NULL: no end times */
};

static int scan_msg(struct scan *s, const uint8_t *p, const uint8_t *end, unsigned m,
		    unsigned depth);
static int scan_span(struct scan *s, const uint8_t *p, const uint8_t *end);
static int scan_kv(struct scan *s, const uint8_t *p, const uint8_t *end, unsigned depth);
static int scan_any(struct scan *s, const uint8_t *p, const uint8_t *end, unsigned depth);

/* One field of message m at *pp, the slow general way: read whole, then
 * schema, then the nested message. depth: AnyValue levels above. */
static __attribute__((noinline)) int scan_one(struct scan *s, const uint8_t **pp, const uint8_t *end, unsigned m,
		    unsigned depth, struct fld *f)
{
	int rc = rd_field(pp, end, f);

	if (rc < 0)
		return rc;
	uint64_t num = fld_num(f);
	if (num >= MAXF || !tab[m][num].known)
		return 0; /* unknown: skipped, as protobuf does */
	const struct sfield *e = &tab[m][num];
	if (fld_wt(f) != e->wt)
		return -EPROTO;
	if (e->idlen && f->blen != 0 && f->blen != e->idlen)
		return -EPROTO;
	if (e->child == M_NONE)
		return 0;
	const uint8_t *b = f->b, *bend = f->b + f->blen; /* children are LEN fields */
	switch (e->child) {
	case M_SPAN:
		s->c->spans++;
		return scan_span(s, b, bend);
	case M_KV:
		return scan_kv(s, b, bend, depth);
	case M_ANY:
		return scan_any(s, b, bend, depth);
	case M_RS:
		s->c->resource_spans++;
		break;
	case M_SS:
		s->c->scope_spans++;
		break;
	}
	return scan_msg(s, b, bend, e->child, depth);
}

static int scan_msg(struct scan *s, const uint8_t *p, const uint8_t *end, unsigned m,
		    unsigned depth)
{
	struct fld f;

	if (m == M_ANY && ++depth > OTLP_WIRE_MAX_DEPTH)
		return -ELOOP;
	while (p < end) {
		int rc = scan_one(s, &p, end, m, depth, &f);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* AnyValue: strings and scalars inline; arrays, lists and odd encodings
 * through scan_one. */
static int scan_any(struct scan *s, const uint8_t *p, const uint8_t *end, unsigned depth)
{
	struct fld f;
	const uint8_t *b;
	size_t n;
	uint64_t v;
	int rc;

	if (++depth > OTLP_WIRE_MAX_DEPTH)
		return -ELOOP;
	while (p < end) {
		switch (*p) {
		case 0x0a: /* string_value */
		case 0x3a: /* bytes_value */
			p++;
			if (rd_len(&p, end, &b, &n) < 0)
				return -EBADMSG;
			break;
		case 0x10: /* bool_value */
		case 0x18: /* int_value */
			p++;
			if (rd_varint(&p, end, &v) < 0)
				return -EBADMSG;
			break;
		case 0x21: /* double_value */
			if (end - p < 9)
				return -EBADMSG;
			p += 9;
			break;
		default:
			if ((rc = scan_one(s, &p, end, M_ANY, depth, &f)) < 0)
				return rc;
		}
	}
	return 0;
}

static int scan_kv(struct scan *s, const uint8_t *p, const uint8_t *end, unsigned depth)
{
	struct fld f;
	const uint8_t *b;
	size_t n;
	int rc;

	while (p < end) {
		if (*p == 0x0a) { /* key */
			p++;
			if (rd_len(&p, end, &b, &n) < 0)
				return -EBADMSG;
		} else if (*p == 0x12) { /* value */
			p++;
			if (rd_len(&p, end, &b, &n) < 0)
				return -EBADMSG;
			if ((rc = scan_any(s, b, b + n, depth)) < 0)
				return rc;
		} else if ((rc = scan_one(s, &p, end, M_KV, depth, &f)) < 0) {
			return rc;
		}
	}
	return 0;
}

/* A Span; notes its end time (the last field 8, 0 if none, as
 * otlp_wire_span reads it) once the whole span is known to be valid. */
static int scan_span(struct scan *s, const uint8_t *p, const uint8_t *end)
{
	struct fld f;
	const uint8_t *b;
	size_t n;
	uint64_t v, end_ns = 0;
	int rc;

	/* SDKs write a span's fields in number order, so its usual head (ids,
	 * name, kind, times), its attributes and a one-byte status code are
	 * matched first, straight through: each match is one complete valid
	 * field, and no field loop or switch runs for them. Whatever is left,
	 * in any order, goes through the loop below. */
	if (end - p >= 18 && p[0] == 0x0a && p[1] == 16) /* trace_id */
		p += 18;
	if (end - p >= 10 && p[0] == 0x12 && p[1] == 8) /* span_id */
		p += 10;
	if (end - p >= 10 && p[0] == 0x22 && p[1] == 8) /* parent_span_id */
		p += 10;
	if (end - p >= 2 && p[0] == 0x2a && p[1] < 0x80 && p[1] <= end - p - 2) /* name */
		p += 2 + p[1];
	if (end - p >= 2 && p[0] == 0x30 && p[1] < 0x80) /* kind */
		p += 2;
	if (end - p >= 18 && p[0] == 0x39 && p[9] == 0x41) { /* start, end */
		memcpy(&end_ns, p + 10, 8);
		end_ns = le64toh(end_ns);
		p += 18;
	}
	while (end - p >= 2 && p[0] == 0x4a && p[1] < 0x80 && p[1] <= end - p - 2 &&
	       kv_fast(p + 2, p[1]))
		p += 2 + p[1];
	if (end - p >= 4 && p[0] == 0x7a && p[1] == 2 && p[2] == 0x18 && p[3] < 0x80)
		p += 4; /* status { code } */
	while (p < end) {
		if (*p == 0x4a) { /* attributes: most fields of a span, so tested first */
			p++;
			if (rd_len(&p, end, &b, &n) < 0)
				return -EBADMSG;
			if (!kv_fast(b, n) && (rc = scan_kv(s, b, b + n, 0)) < 0)
				return rc;
			continue;
		}
		switch (*p) {
		case 0x0a: /* trace_id */
			p++;
			if (rd_len(&p, end, &b, &n) < 0)
				return -EBADMSG;
			if (n != 0 && n != 16)
				return -EPROTO;
			break;
		case 0x12: /* span_id */
		case 0x22: /* parent_span_id */
			p++;
			if (rd_len(&p, end, &b, &n) < 0)
				return -EBADMSG;
			if (n != 0 && n != 8)
				return -EPROTO;
			break;
		case 0x1a: /* trace_state */
		case 0x2a: /* name */
			p++;
			if (rd_len(&p, end, &b, &n) < 0)
				return -EBADMSG;
			break;
		case 0x30: /* kind */
		case 0x50: /* dropped_attributes_count */
		case 0x60: /* dropped_events_count */
		case 0x70: /* dropped_links_count */
			p++;
			if (rd_varint(&p, end, &v) < 0)
				return -EBADMSG;
			break;
		case 0x39: /* start_time_unix_nano */
			if (end - p < 9)
				return -EBADMSG;
			p += 9;
			break;
		case 0x41: /* end_time_unix_nano */
			if (end - p < 9)
				return -EBADMSG;
			memcpy(&end_ns, p + 1, 8);
			end_ns = le64toh(end_ns);
			p += 9;
			break;
		default: /* events, links, status, flags, unknown, odd encodings */
			if ((rc = scan_one(s, &p, end, M_SPAN, 0, &f)) < 0)
				return rc;
			if (fld_num(&f) == OTLP_F_SPAN_END) /* wire type checked by scan_one */
				end_ns = f.v;
		}
	}
	if (s->lat)
		sink_lat_note(s->lat, end_ns);
	return 0;
}

int sink_scan_request(const uint8_t *body, size_t len, struct sink_scan_counts *c,
		      struct sink_lat_req *lat)
{
	struct scan s = { c, lat };

	memset(c, 0, sizeof(*c));
	if (!len)
		return 0; /* an empty request is valid (and no pointer maths on NULL) */
	if (!body)
		return -EINVAL;
	return scan_msg(&s, body, body + len, M_REQ, 0);
}

int sink_scan_top_field(const uint8_t *p, size_t size, struct sink_scan_counts *c,
			struct sink_lat_req *lat)
{
	struct scan s = { c, lat };
	struct fld f;

	return scan_one(&s, &p, p + size, M_REQ, 0, &f);
}

void sink_scan_ends(const uint8_t *body, size_t len, struct sink_lat_req *lat)
{
	struct otlp_wire_iter ir, is, ip;
	struct otlp_bytes rs, ss, sp;

	otlp_wire_iter_init(&ir, (struct otlp_bytes){ body, len }, OTLP_F_REQ_RESOURCE_SPANS);
	while (otlp_wire_iter_next(&ir, &rs) > 0) {
		otlp_wire_iter_init(&is, rs, OTLP_F_RS_SCOPE_SPANS);
		while (otlp_wire_iter_next(&is, &ss) > 0) {
			otlp_wire_iter_init(&ip, ss, OTLP_F_SS_SPANS);
			while (otlp_wire_iter_next(&ip, &sp) > 0) {
				struct otlp_span span;
				if (otlp_wire_span(sp, &span) == 0) /* as before: bad spans skipped */
					sink_lat_note(lat, span.end_time_unix_nano);
			}
		}
	}
}
