/* gRPC length-prefixed message framing: the 5-byte prefix and an
 * incremental reader that survives any split of the byte stream. */
#include "net/grpc.h"

#include <errno.h>
#include <string.h>

void grpc_frame_prefix(uint8_t out[GRPC_PREFIX_LEN], bool compressed, uint32_t len)
{
	out[0] = compressed ? GRPC_FLAG_COMPRESSED : 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int grpc_frame_unary(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msg_len, bool *compressed)
{
	if (len == 0)
		return -ENODATA;
	if (len < GRPC_PREFIX_LEN || body[0] > 1)
		return -EPROTO;
	uint32_t n = be32(body + 1);
	if ((size_t)n != len - GRPC_PREFIX_LEN)
		return -EPROTO;
	*msg = body + GRPC_PREFIX_LEN;
	*msg_len = n;
	*compressed = body[0] == GRPC_FLAG_COMPRESSED;
	return 0;
}

void grpc_frame_reader_init(struct grpc_frame_reader *r, uint8_t *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->buf = buf;
	r->cap = cap;
}

bool grpc_frame_reader_idle(const struct grpc_frame_reader *r)
{
	return r->hdr_have == 0;
}

/* The reader is poisoned by setting hdr_have past the prefix with an
 * impossible flag; every later feed reports the same error. */
static int poison(struct grpc_frame_reader *r, int err)
{
	r->hdr_have = GRPC_PREFIX_LEN + 1;
	r->hdr[0] = err == -EMSGSIZE ? 0xfe : 0xff;
	return err;
}

int grpc_frame_reader_feed(struct grpc_frame_reader *r, const uint8_t *in, size_t len, size_t *used)
{
	size_t pos = 0;

	*used = 0;
	if (r->hdr_have > GRPC_PREFIX_LEN)
		return r->hdr[0] == 0xfe ? -EMSGSIZE : -EPROTO;
	while (r->hdr_have < GRPC_PREFIX_LEN) {
		if (pos == len) {
			*used = pos;
			return 0;
		}
		r->hdr[r->hdr_have++] = in[pos++];
		if (r->hdr_have == GRPC_PREFIX_LEN) {
			if (r->hdr[0] > 1) {
				*used = pos;
				return poison(r, -EPROTO);
			}
			r->compressed = r->hdr[0] == GRPC_FLAG_COMPRESSED;
			r->need = be32(r->hdr + 1);
			r->have = 0;
			/* Whole message in this chunk: hand out a view. */
			if (len - pos >= r->need) {
				r->msg = in + pos;
				goto done;
			}
			if (r->need > r->cap) {
				*used = pos;
				return poison(r, -EMSGSIZE);
			}
		}
	}
	size_t take = r->need - r->have;
	if (take > len - pos)
		take = len - pos;
	memcpy(r->buf + r->have, in + pos, take);
	r->have += (uint32_t)take;
	pos += take;
	if (r->have < r->need) {
		*used = pos;
		return 0;
	}
	r->msg = r->buf;
	*used = pos;
	r->msg_len = r->need;
	r->msg_compressed = r->compressed;
	r->hdr_have = 0;
	return 1;
done:
	*used = pos + r->need;
	r->msg_len = r->need;
	r->msg_compressed = r->compressed;
	r->hdr_have = 0;
	return 1;
}
