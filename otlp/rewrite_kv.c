/* otlp/rewrite_kv.c: writing a KeyValue field of any value type (the
 * general case of w_kv in rewrite_write.h): sizes first, one room check,
 * then straight stores. */
#include "otlp/rewrite_write.h"

#include <endian.h>

static size_t anyvalue_size(const struct otlp_value *v)
{
	switch (v->type) {
	case OTLP_VALUE_STRING:
	case OTLP_VALUE_ARRAY:
	case OTLP_VALUE_KVLIST:
	case OTLP_VALUE_BYTES:
		return 1 + vsize(v->u.b.len) + v->u.b.len;
	case OTLP_VALUE_BOOL:
		return 2;
	case OTLP_VALUE_INT:
		return 1 + vsize((uint64_t)v->u.i);
	case OTLP_VALUE_DOUBLE:
		return 9;
	default:
		return 0;
	}
}

int rewrite_w_kv_any(struct wbuf *w, uint32_t num, struct otlp_bytes key, const struct otlp_value *v)
{
	size_t av = anyvalue_size(v);
	size_t body = 1 + vsize(key.len) + key.len + 1 + vsize(av) + av;
	uint64_t tag = ((uint64_t)num << 3) | OTLP_WT_LEN;
	uint8_t *p = w->p;

	if (av == 0)
		return -EINVAL; /* not a type an edit can carry */
	if ((size_t)(w->end - p) < vsize(tag) + vsize(body) + body)
		return -ENOSPC;
	p = vput(p, tag);
	p = vput(p, body);
	*p++ = (OTLP_F_KV_KEY << 3) | OTLP_WT_LEN;
	p = vput(p, key.len);
	p = copy_short(p, key.p, key.len);
	*p++ = (OTLP_F_KV_VALUE << 3) | OTLP_WT_LEN;
	p = vput(p, av);
	switch (v->type) {
	case OTLP_VALUE_STRING:
	case OTLP_VALUE_ARRAY: /* raw ArrayValue / KeyValueList bytes, copied */
	case OTLP_VALUE_KVLIST:
	case OTLP_VALUE_BYTES:
		*p++ = (uint8_t)((v->type << 3) | OTLP_WT_LEN);
		p = vput(p, v->u.b.len);
		p = copy_short(p, v->u.b.p, v->u.b.len);
		break;
	case OTLP_VALUE_BOOL:
		*p++ = (OTLP_VALUE_BOOL << 3) | OTLP_WT_VARINT;
		*p++ = v->u.boolean ? 1 : 0;
		break;
	case OTLP_VALUE_INT:
		*p++ = (OTLP_VALUE_INT << 3) | OTLP_WT_VARINT;
		p = vput(p, (uint64_t)v->u.i);
		break;
	default: { /* DOUBLE: little-endian, as the wire wants */
		uint64_t bits;
		memcpy(&bits, &v->u.d, 8);
		bits = htole64(bits);
		*p++ = (OTLP_VALUE_DOUBLE << 3) | OTLP_WT_I64;
		__builtin_memcpy(p, &bits, 8);
		p += 8;
		break;
	}
	}
	w->p = p;
	return 0;
}
