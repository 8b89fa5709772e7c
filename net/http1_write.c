/* http1_write.c: writing HTTP/1.1 heads into caller buffers, and the tables
 * that map statuses and parser errors to text. */
#include "net/http1.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *http1_status_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

int http1_error_status(int err)
{
	switch (err) {
	case HTTP1_EVERSION:
		return 505;
	case HTTP1_EHDRSIZE:
		return 431;
	case HTTP1_EHDRCOUNT:
		return 431;
	case HTTP1_EBODYSIZE:
		return 413;
	case HTTP1_ELENGTH:
		return 411;
	case HTTP1_ETECODING:
		return 501;
	case HTTP1_EURI:
		return 414;
	case HTTP1_ESTATUS:
		return 502;
	default:
		return 400;
	}
}

const char *http1_error_str(int err)
{
	switch (err) {
	case HTTP1_PARTIAL:
		return "incomplete message";
	case HTTP1_EBADREQ:
		return "malformed request line or header";
	case HTTP1_EVERSION:
		return "unsupported HTTP version";
	case HTTP1_EHDRSIZE:
		return "header section too large";
	case HTTP1_EHDRCOUNT:
		return "too many header fields";
	case HTTP1_EBODYSIZE:
		return "body too large";
	case HTTP1_ELENGTH:
		return "Content-Length required";
	case HTTP1_EBADLENGTH:
		return "invalid Content-Length";
	case HTTP1_ETECODING:
		return "unsupported Transfer-Encoding";
	case HTTP1_ECHUNK:
		return "malformed chunked body";
	case HTTP1_EURI:
		return "request target too long";
	case HTTP1_ESTATUS:
		return "malformed status line";
	default:
		return "unknown HTTP/1.1 error";
	}
}

struct http1_out {
	char *p;
	size_t cap, len;
	int err;
};

static void http1_put(struct http1_out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (n > o->cap - o->len) {
		o->err = -ENOSPC;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void http1_puts(struct http1_out *o, const char *s)
{
	http1_put(o, s, strlen(s));
}

/* A field must not smuggle a line break or NUL into the head. */
static bool http1_clean(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			return false;
	return true;
}

static void http1_put_headers(struct http1_out *o, const struct http1_header *h, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!h[i].name_len || !http1_clean(h[i].name, h[i].name_len) ||
		    !http1_clean(h[i].value, h[i].value_len) || memchr(h[i].name, ':', h[i].name_len)) {
			o->err = -EINVAL;
			return;
		}
		http1_put(o, h[i].name, h[i].name_len);
		http1_put(o, ": ", 2);
		http1_put(o, h[i].value, h[i].value_len);
		http1_put(o, "\r\n", 2);
	}
}

static void http1_put_tail(struct http1_out *o, bool with_length, uint64_t body_len, unsigned flags)
{
	char num[48];
	if (with_length) {
		int k = snprintf(num, sizeof(num), "Content-Length: %" PRIu64 "\r\n", body_len);
		http1_put(o, num, (size_t)k);
	}
	if (flags & HTTP1_F_CLOSE)
		http1_puts(o, "Connection: close\r\n");
	http1_put(o, "\r\n", 2);
}

ssize_t http1_format_response_head(char *out, size_t cap, int status, const char *reason,
				   const struct http1_header *hdrs, unsigned n, uint64_t body_len,
				   unsigned flags)
{
	struct http1_out o = { out, cap, 0, 0 };
	char line[32];
	if (status < 100 || status > 999)
		return -EINVAL;
	if (!reason)
		reason = http1_status_reason(status);
	if (!http1_clean(reason, strlen(reason)))
		return -EINVAL;
	int k = snprintf(line, sizeof(line), "HTTP/1.1 %d ", status);
	http1_put(&o, line, (size_t)k);
	http1_puts(&o, reason);
	http1_put(&o, "\r\n", 2);
	http1_put_headers(&o, hdrs, n);
	/* 1xx/204/304 must not carry Content-Length framing a body */
	bool bodyless = status < 200 || status == 204 || status == 304;
	http1_put_tail(&o, !bodyless, body_len, flags);
	return o.err ? o.err : (ssize_t)o.len;
}

ssize_t http1_format_response(char *out, size_t cap, int status, const struct http1_header *hdrs, unsigned n,
			      const void *body, size_t body_len, unsigned flags)
{
	ssize_t h = http1_format_response_head(out, cap, status, NULL, hdrs, n, body_len, flags);
	if (h < 0)
		return h;
	if (body_len > cap - (size_t)h)
		return -ENOSPC;
	if (body_len)
		memcpy(out + h, body, body_len);
	return h + (ssize_t)body_len;
}

ssize_t http1_format_request_head(char *out, size_t cap, const char *method, const char *target,
				  const char *host, const struct http1_header *hdrs, unsigned n,
				  uint64_t body_len, unsigned flags)
{
	struct http1_out o = { out, cap, 0, 0 };
	if (!method[0] || !target[0] || strpbrk(method, " \r\n") || strpbrk(target, " \r\n") ||
	    (host && !http1_clean(host, strlen(host))))
		return -EINVAL;
	http1_puts(&o, method);
	http1_put(&o, " ", 1);
	http1_puts(&o, target);
	http1_puts(&o, " HTTP/1.1\r\n");
	if (host) {
		http1_puts(&o, "Host: ");
		http1_puts(&o, host);
		http1_put(&o, "\r\n", 2);
	}
	http1_put_headers(&o, hdrs, n);
	bool no_body = body_len == 0 && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0);
	http1_put_tail(&o, !no_body, body_len, flags);
	return o.err ? o.err : (ssize_t)o.len;
}
