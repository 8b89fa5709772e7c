/* logscan.c: the LogRecord fast path. Each case takes exactly the tag
 * byte a field has with its own wire type; every other byte ends the fast
 * path, so what it accepts it decodes as otlp_wire_log_record does. */
#include "stages/logscan.h"

#include <endian.h>
#include <stddef.h>
#include <string.h>

/* A one- or two-byte length that fits in [p, end); -1 otherwise. */
static inline int64_t len2(const uint8_t **pp, const uint8_t *end)
{
	const uint8_t *p = *pp;
	int64_t n;
	if (p < end && p[0] < 0x80) {
		n = p[0];
		p += 1;
	} else if (end - p >= 2 && p[1] < 0x80) {
		n = (int64_t)(p[0] & 0x7f) | (int64_t)p[1] << 7;
		p += 2;
	} else {
		return -1;
	}
	if (n > end - p)
		return -1;
	*pp = p;
	return n;
}

static inline uint64_t fixed64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

int logscan_record(struct otlp_bytes raw, struct otlp_log_record *lr, struct spanctx *c)
{
	const uint8_t *p = raw.p, *end = raw.p + raw.len;
	bool indexed = true;
	/* pos[] (where each field sits) is not filled: no reader of the chain
	 * needs it, and clearing it is a third of the stores */
	memset(lr, 0, offsetof(struct otlp_log_record, pos));
	lr->raw = raw;
	while (p < end) {
		const uint8_t *start = p;
		uint8_t tag = *p++;
		int64_t n = 0;
		struct otlp_bytes b = { NULL, 0 };
		/* LEN fields: 3 severity_text, 5 body, 6 attributes, 9 trace_id,
		 * 10 span_id, 12 event_name */
		if ((tag & 7) == 2) {
			if ((n = len2(&p, end)) < 0)
				goto general;
			b.p = p;
			b.len = (size_t)n;
			p += n;
		}
		switch (tag) {
		case 0x09: /* 1 time_unix_nano, fixed64 */
		case 0x59: /* 11 observed_time_unix_nano */
			if (end - p < 8)
				goto general;
			*(tag == 0x09 ? &lr->time_unix_nano : &lr->observed_time_unix_nano) = fixed64(p);
			p += 8;
			break;
		case 0x10: /* 2 severity_number: a small enum */
			if (p >= end || *p >= 0x80)
				goto general;
			lr->severity_number = *p++;
			break;
		case 0x1a:
			lr->severity_text = b;
			break;
		case 0x2a:
			lr->body = b;
			lr->has_body = 1;
			break;
		case 0x32: {
			struct otlp_bytes key, value;
			lr->n_attributes++;
			if (!indexed)
				break;
			if (!otlp_rewrite_kv_fast(b, &key, &value) &&
			    otlp_rewrite_kv_split(b, &key, &value) < 0)
				goto general;
			indexed = spanctx_item_attr(c, start, (uint32_t)(p - start), key, value);
			break;
		}
		case 0x38: /* 7 dropped_attributes_count */
			if (p >= end || *p >= 0x80)
				goto general;
			lr->dropped_attributes_count = *p++;
			break;
		case 0x45: /* 8 flags, fixed32 */
			if (end - p < 4)
				goto general;
			lr->flags = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				    (uint32_t)p[3] << 24;
			p += 4;
			break;
		case 0x4a:
			if (n != 0 && n != 16)
				goto general;
			lr->trace_id = b;
			break;
		case 0x52:
			if (n != 0 && n != 8)
				goto general;
			lr->span_id = b;
			break;
		case 0x62:
			lr->event_name = b;
			break;
		default:
			goto general;
		}
	}
	spanctx_item_done(c, indexed);
	return 0;
general:
	spanctx_item_done(c, false);
	return 1;
}
