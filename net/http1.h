/* net/http1.h: HTTP/1.1 message framing without I/O or allocation.
 *
 * Parsers take the caller's buffer and fill structs of views into it
 * (pointer + length; nothing is NUL-terminated).
 *
 *   http1_parse_request(buf, len, last_len, lim, req)    server side
 *   http1_parse_response(buf, len, last_len, lim, resp)  client side
 *       return the head length (> 0) when the head ("...\r\n\r\n") is
 *       complete, HTTP1_PARTIAL when more bytes are needed, or another
 *       negative HTTP1_E* code. Incremental: call again with more bytes;
 *       last_len = the len of the previous call (0 the first time) lets the
 *       parser resume its search for the end of the head.
 *   http1_body_init / http1_body_decode
 *       incremental body framing: Content-Length, chunked (decoded into a
 *       caller buffer, or in place: out may equal or trail in) or
 *       read-until-close; enforces the body size limit.
 *   http1_format_response_head / http1_format_request_head
 *       write a head into a caller buffer (Content-Length always written).
 *
 * Errors map to statuses with http1_error_status(): 400 malformed, 411 length
 * required, 413 body too large, 414 target too long, 431 header too large or
 * too many headers, 501 unsupported transfer coding, 505 version.
 */
#ifndef SLUICE_NET_HTTP1_H
#define SLUICE_NET_HTTP1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum http1_err {
	HTTP1_PARTIAL = -1,    /* need more bytes (not an error) */
	HTTP1_EBADREQ = -2,    /* 400: malformed request/status line or header */
	HTTP1_EVERSION = -3,   /* 505: not HTTP/1.0 or HTTP/1.1 */
	HTTP1_EHDRSIZE = -4,   /* 431: head longer than max_header_bytes */
	HTTP1_EHDRCOUNT = -5,  /* 431: more than max_headers header fields */
	HTTP1_EBODYSIZE = -6,  /* 413: Content-Length or chunk total > max_body */
	HTTP1_ELENGTH = -7,    /* 411: body method without length (require_length) */
	HTTP1_EBADLENGTH = -8, /* 400: bad or conflicting Content-Length */
	HTTP1_ETECODING = -9,  /* 501: Transfer-Encoding other than chunked */
	HTTP1_ECHUNK = -10,    /* 400: malformed chunk size/extension/CRLF */
	HTTP1_EURI = -11,      /* 414: request target longer than max_target */
	HTTP1_ESTATUS = -12,   /* bad status line in a response (client side) */
};

struct http1_limits {
	size_t max_header_bytes; /* whole head incl. request line (default 16384) */
	unsigned max_headers;	 /* also bounded by the caller's array (default 64) */
	uint64_t max_body;	 /* decoded body bytes (default 4 MiB) */
	size_t max_target;	 /* request target bytes (default 8192) */
	bool require_length;	 /* POST/PUT/PATCH without a length -> HTTP1_ELENGTH */
};
/* Fill with the defaults above. */
void http1_limits_default(struct http1_limits *lim);

struct http1_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len; /* OWS trimmed */
};

enum http1_body_kind {
	HTTP1_BODY_NONE = 0,	/* no body (request without length; 204/304/1xx) */
	HTTP1_BODY_LENGTH = 1,	/* Content-Length bytes */
	HTTP1_BODY_CHUNKED = 2, /* Transfer-Encoding: chunked */
	HTTP1_BODY_EOF = 3,	/* response delimited by connection close */
};

/* Fields the framing needs, common to requests and responses. */
struct http1_msg {
	int minor_version;	      /* 0 or 1 */
	struct http1_header *headers; /* in: caller array */
	unsigned max_headers_in;      /* in: its capacity */
	unsigned num_headers;	      /* out */
	enum http1_body_kind body_kind;
	uint64_t content_length; /* valid when body_kind == HTTP1_BODY_LENGTH */
	bool keep_alive;	 /* after this message (version + Connection) */
	bool expect_continue;	 /* request had Expect: 100-continue */
};

struct http1_request {
	const char *method;
	size_t method_len;
	const char *target;
	size_t target_len;
	struct http1_msg m;
};

struct http1_response {
	int status;
	const char *reason;
	size_t reason_len;
	struct http1_msg m;
};

/* Contract: req->m.headers / max_headers_in set by the caller. lim NULL =
 * defaults. Returns head length, HTTP1_PARTIAL, or a negative HTTP1_E*. */
int http1_parse_request(const char *buf, size_t len, size_t last_len, const struct http1_limits *lim,
			struct http1_request *req);
/* Same for a response. A response to HEAD has no body: the caller sets
 * resp->m.body_kind = HTTP1_BODY_NONE itself. A 1xx is interim (no body,
 * keep_alive true): parse the real response that follows it. */
int http1_parse_response(const char *buf, size_t len, size_t last_len, const struct http1_limits *lim,
			 struct http1_response *resp);

/* Case-insensitive header lookup; NULL if absent. */
const struct http1_header *http1_find_header(const struct http1_msg *m, const char *name);
/* Does a header value (a comma list) contain token, case-insensitive? */
bool http1_value_has_token(const char *value, size_t len, const char *token);

/* ---- body framing ---- */

struct http1_body { /* opaque state; see http1_body_init */
	enum http1_body_kind kind;
	int state;
	uint64_t remaining; /* in the current chunk / Content-Length */
	uint64_t total;	    /* decoded bytes so far */
	uint64_t max;
	size_t line; /* bytes of the current chunk line / trailer */
};
void http1_body_init(struct http1_body *b, const struct http1_msg *m, uint64_t max_body);
/* Decode framing from in[0..in_len) into out[0..out_cap). out may overlap in
 * if out <= in (in-place chunk decoding). Sets *consumed (input bytes used)
 * and *produced (body bytes written). Returns 1 when the body is complete
 * (bytes after it belong to the next message), 0 when it needs more input
 * or more output room, or a negative HTTP1_E* (HTTP1_EBODYSIZE, HTTP1_ECHUNK).
 * For HTTP1_BODY_EOF call http1_body_eof() when the peer closed. */
int http1_body_decode(struct http1_body *b, const char *in, size_t in_len, size_t *consumed, char *out,
		      size_t out_cap, size_t *produced);
/* The peer closed: returns 1 if that ends the body (EOF bodies), else
 * HTTP1_PARTIAL (truncated body). */
int http1_body_eof(const struct http1_body *b);
uint64_t http1_body_total(const struct http1_body *b);

/* ---- writing ---- */

#define HTTP1_F_CLOSE 0x1 /* add "Connection: close" */

/* "Bad Request" for 400 etc.; "Unknown" for codes it does not know. */
const char *http1_status_reason(int status);
/* Map a negative HTTP1_E* to an HTTP status (400 if unknown). */
int http1_error_status(int err);
/* Short text for logs / error bodies. */
const char *http1_error_str(int err);

/* Write "HTTP/1.1 status reason\r\n", headers, Content-Length: body_len,
 * [Connection: close], "\r\n" into out. reason NULL = standard. Returns bytes
 * written or -ENOSPC (out too small) / -EINVAL (CR/LF in a name or value). */
ssize_t http1_format_response_head(char *out, size_t cap, int status, const char *reason,
				   const struct http1_header *hdrs, unsigned n, uint64_t body_len,
				   unsigned flags);
/* Same plus the body copied after the head. */
ssize_t http1_format_response(char *out, size_t cap, int status, const struct http1_header *hdrs, unsigned n,
			      const void *body, size_t body_len, unsigned flags);
/* "METHOD target HTTP/1.1\r\nHost: host\r\n", headers, Content-Length:
 * body_len (omitted for GET/HEAD with body_len 0), "\r\n". */
ssize_t http1_format_request_head(char *out, size_t cap, const char *method, const char *target,
				  const char *host, const struct http1_header *hdrs, unsigned n,
				  uint64_t body_len, unsigned flags);

#endif
