/* ExportTraceServiceResponse.partial_success, read straight off the wire
 * (a few fields: no protobuf-c unpack per response). */
#include "exporter/otlp_partial.h"

#include <errno.h>

static int rd_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	for (int s = 0; s < 64 && *p < end; s += 7) {
		uint8_t b = *(*p)++;
		x |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -EBADMSG;
}

static int skip_field(const uint8_t **p, const uint8_t *end, unsigned wt)
{
	uint64_t v;
	switch (wt) {
	case 0:
		return rd_varint(p, end, &v);
	case 1:
		if (end - *p < 8)
			return -EBADMSG;
		*p += 8;
		return 0;
	case 5:
		if (end - *p < 4)
			return -EBADMSG;
		*p += 4;
		return 0;
	case 2:
		if (rd_varint(p, end, &v) < 0 || v > (uint64_t)(end - *p))
			return -EBADMSG;
		*p += v;
		return 0;
	default:
		return -EBADMSG;
	}
}

int64_t otlp_partial_rejected(const uint8_t *p, size_t len, const char **msg, size_t *msg_len)
{
	const uint8_t *end = p + len;
	int64_t rejected = 0;
	*msg = NULL;
	*msg_len = 0;
	while (p < end) {
		uint64_t key, l;
		if (rd_varint(&p, end, &key) < 0)
			return -EBADMSG;
		if (key != ((1u << 3) | 2)) {
			if (skip_field(&p, end, key & 7) < 0)
				return -EBADMSG;
			continue;
		}
		if (rd_varint(&p, end, &l) < 0 || l > (uint64_t)(end - p))
			return -EBADMSG;
		const uint8_t *q = p, *qe = p + l;
		p = qe;
		while (q < qe) {
			uint64_t k2, v;
			if (rd_varint(&q, qe, &k2) < 0)
				return -EBADMSG;
			if (k2 == ((1u << 3) | 0)) {
				if (rd_varint(&q, qe, &v) < 0)
					return -EBADMSG;
				rejected = (int64_t)v < 0 ? 0 : (int64_t)v;
			} else if (k2 == ((2u << 3) | 2)) {
				if (rd_varint(&q, qe, &v) < 0 || v > (uint64_t)(qe - q))
					return -EBADMSG;
				*msg = (const char *)q;
				*msg_len = v;
				q += v;
			} else if (skip_field(&q, qe, k2 & 7) < 0) {
				return -EBADMSG;
			}
		}
	}
	return rejected;
}
