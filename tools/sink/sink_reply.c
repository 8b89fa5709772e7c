/* tools/sink/sink_reply.c: answer bodies in the request's format, as the
 * Collector's OTLP receiver writes them: success is an Export*Service-
 * Response (zero bytes or "{}" when nothing was rejected), failure a
 * google.rpc.Status ({code, message}). Every signal's response has its
 * partial_success at field 1, with rejected_<items> at field 1 and
 * error_message at field 2; only the JSON name of the count differs. */
#include "tools/sink/sink.h"

#include <stdio.h>
#include <string.h>

#include "net/grpc.h"

#define PARTIAL_MSG "sink partial"

size_t sink_reply_export(enum sink_fmt fmt, int signal, uint64_t rejected, uint8_t *out, size_t cap)
{
	if (fmt == SINK_FMT_JSON) {
		int n = rejected ? snprintf((char *)out, cap,
					    "{\"partialSuccess\":{\"%s\":\"%llu\",\"errorMessage\":\"%s\"}}",
					    otlp_signal_get((enum otlp_signal)signal)->rejected_json,
					    (unsigned long long)rejected, PARTIAL_MSG)
				 : snprintf((char *)out, cap, "{}");
		return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
	}
	if (!rejected || cap < 64)
		return 0;
	uint8_t *p = out + 2;
	*p++ = 0x08; /* rejected count */
	p = otlp_wire_put_varint(p, rejected);
	*p++ = 0x12; /* error_message */
	*p++ = sizeof(PARTIAL_MSG) - 1;
	memcpy(p, PARTIAL_MSG, sizeof(PARTIAL_MSG) - 1);
	p += sizeof(PARTIAL_MSG) - 1;
	out[0] = 0x0a; /* partial_success */
	out[1] = (uint8_t)(p - out - 2);
	return (size_t)(p - out);
}

size_t sink_reply_status(enum sink_fmt fmt, int grpc_code, const char *msg, uint8_t *out, size_t cap)
{
	if (fmt == SINK_FMT_PROTO) {
		ssize_t n = grpc_details_encode(out, cap, grpc_code, msg, strlen(msg), -1);
		return n < 0 ? 0 : (size_t)n;
	}
	size_t n = 0;
	int k = snprintf((char *)out, cap, "{\"code\":%d,\"message\":\"", grpc_code);
	if (k < 0 || (size_t)k >= cap)
		return 0;
	n = (size_t)k;
	for (const char *c = msg; *c && n + 8 < cap; c++) {
		if (*c == '"' || *c == '\\')
			out[n++] = '\\';
		out[n++] = (uint8_t)((unsigned char)*c < 0x20 ? ' ' : *c);
	}
	if (n + 2 >= cap)
		return 0;
	out[n++] = '"';
	out[n++] = '}';
	return n;
}

int sink_grpc_code_for(int http)
{
	switch (http) {
	case 400:
		return GRPC_STATUS_INVALID_ARGUMENT;
	case 401:
		return GRPC_STATUS_UNAUTHENTICATED;
	case 403:
		return GRPC_STATUS_PERMISSION_DENIED;
	case 404:
		return GRPC_STATUS_UNIMPLEMENTED;
	case 413:
	case 429:
		return GRPC_STATUS_RESOURCE_EXHAUSTED;
	case 502:
	case 503:
	case 504:
		return GRPC_STATUS_UNAVAILABLE;
	default:
		return GRPC_STATUS_INTERNAL;
	}
}
