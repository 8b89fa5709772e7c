/* libFuzzer: every gRPC parser. The first byte picks the parser; for the
 * deframer the second byte picks the chunk size. */
#include <stdint.h>
#include <string.h>

#include "net/grpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t gather[4096];
	uint8_t scratch[1024];
	char text[1024];
	struct grpc_details d;
	uint64_t ns;

	if (size < 2)
		return 0;
	uint8_t mode = data[0], chunk = data[1] ? data[1] : 1;
	data += 2;
	size -= 2;
	switch (mode % 6) {
	case 0: {
		struct grpc_frame_reader r;
		grpc_frame_reader_init(&r, gather, sizeof(gather));
		for (size_t off = 0; off < size;) {
			size_t n = size - off < chunk ? size - off : chunk, used;
			int rc = grpc_frame_reader_feed(&r, data + off, n, &used);
			if (rc < 0)
				break;
			if (rc == 1 && r.msg_len)
				(void)r.msg[r.msg_len - 1];
			off += used;
		}
		break;
	}
	case 1:
		if (grpc_details_decode(data, size, &d) == 0 && d.message_len)
			(void)d.message[d.message_len - 1];
		break;
	case 2:
		grpc_details_bin_decode((const char *)data, size, scratch, sizeof(scratch), &d);
		break;
	case 3:
		if (grpc_timeout_parse((const char *)data, size, &ns) == 0)
			grpc_timeout_format(text, sizeof(text), ns);
		break;
	case 4:
		grpc_status_msg_decode(text, sizeof(text), (const char *)data, size);
		grpc_status_msg_encode(text, sizeof(text), (const char *)data, size);
		grpc_status_parse((const char *)data, size);
		break;
	case 5: {
		const uint8_t *m;
		size_t ml;
		bool c;
		grpc_frame_unary(data, size, &m, &ml, &c);
		grpc_b64_decode(scratch, sizeof(scratch), (const char *)data, size);
		break;
	}
	}
	return 0;
}
