/* Standard base64 for gRPC binary (-bin) metadata: sent unpadded,
 * accepted padded or not. */
#include "net/grpc.h"

#include <errno.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

ssize_t grpc_b64_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
	size_t need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
	size_t o = 0, i = 0;

	if (need > cap)
		return -ENOSPC;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
	}
	return (ssize_t)o;
}

static int val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

ssize_t grpc_b64_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
	uint32_t acc = 0;
	size_t o = 0, bits = 0;

	/* Up to two '=' at the end, and only where they make a whole quad. */
	if (len % 4 == 0 && len >= 2 && in[len - 1] == '=') {
		len--;
		if (in[len - 1] == '=')
			len--;
	}
	if (len % 4 == 1)
		return -EPROTO;
	for (size_t i = 0; i < len; i++) {
		int v = val(in[i]);
		if (v < 0)
			return -EPROTO;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -ENOSPC;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return (ssize_t)o;
}
