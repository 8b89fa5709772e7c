/* libFuzzer: the h2 client with two calls in flight fed an arbitrary
 * "server" byte stream, raw or after a valid server SETTINGS frame. */
#include <stdint.h>
#include <string.h>

#include "net/h2.h"

static const uint8_t settings[] = "\0\0\0\x04\0\0\0\0\0";

static void on_done(void *ud, const struct h2_call_result *r)
{
	int *n = ud;
	(*n)++;
	if (r->msg_len)
		(void)r->msg[r->msg_len - 1];
	(void)strlen(r->grpc_message);
}

static void drain(struct h2_client *c)
{
	const uint8_t *d;
	ssize_t n;
	for (int i = 0; i < 64 && (n = h2_client_out(c, &d)) > 0; i++)
		h2_client_sent(c, (size_t)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h2_client_opts o = { .authority = "fuzz", .max_response = 4096 };
	int done = 0;

	if (size < 2)
		return 0;
	struct h2_client *c = h2_client_new(&o);
	if (!c)
		return 0;
	struct h2_call call = { .path = "/s/M",
				.msg = (const uint8_t *)"hello",
				.msg_len = 5,
				.timeout_ns = 1000000,
				.done = on_done,
				.ud = &done };
	h2_client_call(c, &call);
	h2_client_call(c, &call);
	drain(c);
	size_t chunk = (size_t)data[1] + 1;
	if (data[0] & 1)
		h2_client_recv(c, settings, sizeof(settings) - 1);
	if (data[0] & 2)
		h2_client_cancel(c, 3, -110);
	data += 2;
	size -= 2;
	while (size) {
		size_t n = size < chunk ? size : chunk;
		if (h2_client_recv(c, data, n) < 0)
			break;
		drain(c);
		data += n;
		size -= n;
	}
	h2_client_free(c);
	return 0;
}
