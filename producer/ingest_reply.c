/* producer/ingest_reply.c: OTLP response bodies in the request's encoding,
 * the same for every signal.
 *
 * Success is an Export{Trace,Logs,Metrics}ServiceResponse with no
 * partial_success (field 1 in all three): ingest
 * accepts or refuses a request whole, so the message is empty (zero bytes
 * in protobuf, "{}" in JSON). Failures carry a google.rpc.Status, as the
 * OTLP/HTTP spec asks for 4xx/5xx bodies.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/grpc.h"
#include "producer/ingest.h"

int ingest_reply_success(enum ingest_fmt fmt, uint8_t *out, size_t cap)
{
	if (fmt == INGEST_FMT_PROTO)
		return 0;
	if (cap < 2)
		return -ENOSPC;
	memcpy(out, "{}", 2);
	return 2;
}

/* JSON string body for msg (quotes excluded); -ENOSPC when out is full. */
static int reply_json_escape(char *out, size_t cap, const char *msg)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		char tmp[8];
		size_t k;
		if (*p == '"' || *p == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)*p;
			k = 2;
		} else if (*p < 0x20 || *p == 0x7f) {
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", *p);
		} else {
			tmp[0] = (char)*p;
			k = 1;
		}
		if (n + k > cap)
			return -ENOSPC;
		memcpy(out + n, tmp, k);
		n += k;
	}
	return (int)n;
}

int ingest_reply_status(enum ingest_fmt fmt, int grpc_code, const char *msg, uint8_t *out, size_t cap)
{
	if (fmt == INGEST_FMT_PROTO) {
		ssize_t n = grpc_details_encode(out, cap, grpc_code, msg, strlen(msg), -1);
		return n < 0 ? (int)n : (int)n;
	}
	int head = snprintf((char *)out, cap, "{\"code\":%d,\"message\":\"", grpc_code);
	if (head < 0 || (size_t)head >= cap)
		return -ENOSPC;
	int body = reply_json_escape((char *)out + head, cap - (size_t)head, msg);
	if (body < 0 || (size_t)(head + body + 2) > cap)
		return -ENOSPC;
	memcpy(out + head + body, "\"}", 2);
	return head + body + 2;
}
