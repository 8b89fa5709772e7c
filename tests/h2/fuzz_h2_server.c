/* libFuzzer: the h2 server fed arbitrary bytes, either raw or after a
 * valid client preface + SETTINGS, in chunks the input chooses. The
 * application answers every other request at once and holds the rest. */
#include <stdint.h>
#include <string.h>

#include "net/h2.h"

static const uint8_t start[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0";
/* HEADERS (END_HEADERS) stream 1: :method POST, :scheme http, :path /,
 * :authority a, content-type application/grpc (HPACK, no huffman). */
static const uint8_t headers1[] = { 0,	  0,	25,  0x1,  0x4,	 0,   0,   0,	1,   0x83, 0x86, 0x84,
				    0x01, 0x01, 'a', 0x0f, 0x10, 16,  'a', 'p', 'p', 'l',  'i',	 'c',
				    'a',  't',	'i', 'o',  'n',	 '/', 'g', 'r', 'p', 'c' };
/* DATA (END_STREAM) stream 1: one empty gRPC message. */
static const uint8_t data1[] = { 0, 0, 5, 0x0, 0x1, 0, 0, 0, 1, 0, 0, 0, 0, 0 };

struct app {
	int n;
};

static void on_request(void *ud, struct h2_server *s, const struct h2_request *req)
{
	struct app *a = ud;
	if (a->n++ % 2 == 0)
		h2_server_respond_grpc(s, req->stream_id, a->n % 17, "fuzz", req->body,
				       req->body_len > 64 ? 64 : req->body_len, a->n % 3 ? -1 : 5);
}

static void drain(struct h2_server *s)
{
	const uint8_t *d;
	ssize_t n;
	for (int i = 0; i < 64 && (n = h2_server_out(s, &d)) > 0; i++)
		h2_server_sent(s, (size_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app a = { 0 };
	struct h2_server_limits lim = {
		.max_concurrent_streams = 8, .max_header_list = 1024, .max_body = 4096, .rst_max = 20
	};
	struct h2_server_cbs cbs = { on_request, NULL };

	if (size < 2)
		return 0;
	struct h2_server *s = h2_server_new(&lim, &cbs, &a);
	if (!s)
		return 0;
	size_t chunk = (size_t)data[1] + 1;
	if (data[0] & 1)
		h2_server_recv(s, start, sizeof(start) - 1);
	if ((data[0] & 3) == 3)
		h2_server_recv(s, headers1, sizeof(headers1));
	if ((data[0] & 7) == 7)
		h2_server_recv(s, data1, sizeof(data1));
	data += 2;
	size -= 2;
	drain(s);
	while (size && !h2_server_closing(s)) {
		size_t n = size < chunk ? size : chunk;
		if (h2_server_recv(s, data, n) < 0)
			break;
		drain(s);
		data += n;
		size -= n;
	}
	drain(s);
	h2_server_free(s);
	return 0;
}
