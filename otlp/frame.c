/* otlp/frame.c: `0x0a varint(len) payload` frames of an export request. */
#include "otlp/frame.h"
#include "otlp/wire.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

size_t otlp_frame_size(size_t payload_len)
{
	return 1 + otlp_wire_varint_size(payload_len) + payload_len;
}

int otlp_frame_header(uint8_t hdr[OTLP_FRAME_HDR_MAX], size_t payload_len)
{
	if (payload_len > INT32_MAX - OTLP_FRAME_HDR_MAX)
		return -EMSGSIZE;
	hdr[0] = (OTLP_F_REQ_RESOURCE_SPANS << 3) | OTLP_WT_LEN;
	return (int)(otlp_wire_put_varint(hdr + 1, payload_len) - hdr);
}

int otlp_frame_append(uint8_t *out, size_t cap, size_t *used, const void *payload, size_t payload_len)
{
	uint8_t hdr[OTLP_FRAME_HDR_MAX];
	int h = otlp_frame_header(hdr, payload_len);

	if (h < 0)
		return h;
	if (*used > cap || cap - *used < (size_t)h + payload_len)
		return -ENOSPC;
	memcpy(out + *used, hdr, (size_t)h);
	if (payload_len)
		memcpy(out + *used + h, payload, payload_len);
	*used += (size_t)h + payload_len;
	return h + (int)payload_len;
}
