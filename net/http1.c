/* http1.c: HTTP/1.1 head parsing (RFC 9112), strict where laxness lets two
 * parsers disagree about message boundaries (request smuggling): bare LF,
 * obs-fold, whitespace before the colon, conflicting Content-Length and
 * Content-Length together with Transfer-Encoding are all rejected.
 *
 * The head is parsed only once it is complete: the incremental part is the
 * search for the blank line, which resumes at last_len. */
#include "net/http1.h"

#include <string.h>
#include <strings.h>

void http1_limits_default(struct http1_limits *lim)
{
	lim->max_header_bytes = 16384;
	lim->max_headers = 64;
	lim->max_body = 4u << 20;
	lim->max_target = 8192;
	lim->require_length = false;
}

/* tchar from RFC 9110 5.6.2 ("!#$%&'*+-.^_`|~", digits, letters) as two
 * 64-bit maps: one test per byte instead of a strchr. */
static inline bool http1_is_tchar(unsigned char c)
{
	static const uint64_t lo = 0x03ff6cfa00000000ull, hi = 0x57ffffffc7fffffeull;
	return c < 128 && (((c < 64 ? lo >> c : hi >> (c - 64))) & 1);
}

/* field-vchar / SP / HTAB / obs-text */
static bool http1_is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Skip value bytes from p; stops at the first byte that is not a value char
 * (normally the CR), or at end. Eight bytes at a time while none is a
 * control byte: x - 0x20 borrows into the high bit for bytes < 0x20, and a
 * byte equal to 0x7f becomes zero after the xor. Bytes >= 0x80 (obs-text)
 * have the high bit set and are masked out by ~x. */
static const char *http1_scan_value(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	while (end - p >= 8) {
		uint64_t x;
		memcpy(&x, p, 8);
		uint64_t ctl = (x - 0x20 * ones) & ~x & highs;
		uint64_t y = x ^ (0x7f * ones);
		uint64_t del = (y - ones) & ~y & highs;
		if (ctl | del)
			break;
		p += 8;
	}
	while (p < end && http1_is_value_char((unsigned char)*p))
		p++;
	return p;
}

/* Scan for the blank line ending the head, from `from`. Returns the index
 * just past "\r\n\r\n", 0 if not there yet, or HTTP1_EBADREQ on a bare LF
 * (so a client using bare LFs gets a 400 instead of waiting forever). */
static long http1_find_end(const char *buf, size_t len, size_t from)
{
	for (size_t i = from; i < len; i++) {
		const char *p = memchr(buf + i, '\n', len - i);
		if (!p)
			return 0;
		i = (size_t)(p - buf);
		if (i == 0 || buf[i - 1] != '\r')
			return HTTP1_EBADREQ;
		if (i >= 3 && buf[i - 2] == '\n' && buf[i - 3] == '\r')
			return (long)i + 1;
	}
	return 0;
}

/* Locate the head: skip leading empty lines (RFC 9112 2.2), then find the
 * end. Returns head length, HTTP1_PARTIAL or HTTP1_EHDRSIZE; *start gets
 * the offset of the start line. */
static int http1_head_bounds(const char *buf, size_t len, size_t last_len, size_t max, size_t *start)
{
	size_t s = 0;
	while (s + 1 < len && buf[s] == '\r' && buf[s + 1] == '\n' && s < 8)
		s += 2;
	*start = s;
	size_t from = last_len > 3 ? last_len - 3 : 0;
	if (from < s)
		from = s;
	long end = http1_find_end(buf, len, from);
	if (end < 0)
		return (int)end;
	if (!end) {
		if (len - s > max)
			return HTTP1_EHDRSIZE;
		return HTTP1_PARTIAL;
	}
	if ((size_t)end - s > max)
		return HTTP1_EHDRSIZE;
	return (int)end;
}

static bool http1_ieq_n(const char *a, size_t alen, const char *lit, size_t n)
{
	return alen == n && strncasecmp(a, lit, n) == 0;
}
/* Compare with a string literal; the length test comes first and is free. */
#define http1_ieq(a, alen, lit) http1_ieq_n(a, alen, lit, sizeof(lit) - 1)

bool http1_value_has_token(const char *v, size_t len, const char *token)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < len && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && http1_ieq_n(v + s, e - s, token, strlen(token)))
			return true;
	}
	return false;
}

const struct http1_header *http1_find_header(const struct http1_msg *m, const char *name)
{
	for (unsigned i = 0; i < m->num_headers; i++)
		if (http1_ieq_n(m->headers[i].name, m->headers[i].name_len, name, strlen(name)))
			return &m->headers[i];
	return NULL;
}

/* Parse "HTTP/1.x" at p (8 bytes available checked by caller). */
static int http1_parse_version(const char *p, int *minor)
{
	if (memcmp(p, "HTTP/", 5) != 0 || p[6] != '.')
		return HTTP1_EBADREQ;
	if (p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9')
		return HTTP1_EBADREQ;
	if (p[5] != '1')
		return HTTP1_EVERSION;
	*minor = p[7] == '0' ? 0 : 1; /* 1.x, x > 1, is treated as 1.1 */
	return 0;
}

/* Parse header lines in [p, end) where end points at the CRLF of the blank
 * line. Fills m->headers. One pass a line: the value scan both validates
 * the bytes and finds the CR. */
static int http1_parse_headers(const char *p, const char *end, unsigned max, struct http1_msg *m)
{
	m->num_headers = 0;
	while (p < end) {
		const char *n = p;
		while (p < end && http1_is_tchar((unsigned char)*p))
			p++;
		if (p == n || p == end || *p != ':')
			return HTTP1_EBADREQ; /* empty name, obs-fold, space before ':' */
		if (m->num_headers >= max)
			return HTTP1_EHDRCOUNT;
		struct http1_header *h = &m->headers[m->num_headers++];
		h->name = n;
		h->name_len = (size_t)(p - n);
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *v = p;
		p = http1_scan_value(p, end);
		if (p == end || p[0] != '\r' || p[1] != '\n')
			return HTTP1_EBADREQ; /* control byte or bare CR */
		const char *ve = p;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		h->value = v;
		h->value_len = (size_t)(ve - v);
		p += 2;
	}
	return 0;
}

/* Content-Length: 1*DIGIT, or a list of identical values (RFC 9110 8.6). */
static int http1_parse_length(const char *v, size_t len, uint64_t *out, bool *seen)
{
	size_t i = 0;
	do {
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		uint64_t n = 0;
		size_t digits = 0;
		while (i < len && v[i] >= '0' && v[i] <= '9') {
			if (n > (UINT64_MAX - 9) / 10)
				return HTTP1_EBADLENGTH;
			n = n * 10 + (uint64_t)(v[i++] - '0');
			digits++;
		}
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		if (!digits || (i < len && v[i] != ','))
			return HTTP1_EBADLENGTH;
		if (*seen && n != *out)
			return HTTP1_EBADLENGTH;
		*out = n;
		*seen = true;
	} while (i++ < len);
	return 0;
}

/* Derive framing from the headers. is_request selects the request rules. */
static int http1_framing(struct http1_msg *m, bool is_request, bool bodyless)
{
	bool cl_seen = false, te_seen = false, te_chunked = false, te_other = false;
	bool conn_close = false, conn_keep = false;
	uint64_t cl = 0;
	for (unsigned i = 0; i < m->num_headers; i++) {
		const struct http1_header *h = &m->headers[i];
		if (http1_ieq(h->name, h->name_len, "content-length")) {
			int rc = http1_parse_length(h->value, h->value_len, &cl, &cl_seen);
			if (rc)
				return rc;
		} else if (http1_ieq(h->name, h->name_len, "transfer-encoding")) {
			/* Codings in order; chunked must be the last and only once. */
			const char *v = h->value;
			size_t k = 0, len = h->value_len;
			while (k < len) {
				while (k < len && (v[k] == ' ' || v[k] == '\t' || v[k] == ','))
					k++;
				size_t s = k;
				while (k < len && v[k] != ',')
					k++;
				size_t e = k;
				while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
					e--;
				if (e == s)
					continue;
				if (te_chunked)
					return HTTP1_EBADREQ; /* a coding after chunked */
				if (http1_ieq(v + s, e - s, "chunked"))
					te_chunked = true;
				else
					te_other = true;
			}
			te_seen = true;
		} else if (http1_ieq(h->name, h->name_len, "connection")) {
			if (http1_value_has_token(h->value, h->value_len, "close"))
				conn_close = true;
			if (http1_value_has_token(h->value, h->value_len, "keep-alive"))
				conn_keep = true;
		} else if (is_request && http1_ieq(h->name, h->name_len, "expect")) {
			if (http1_ieq(h->value, h->value_len, "100-continue"))
				m->expect_continue = true;
		}
	}
	m->keep_alive = m->minor_version >= 1 ? !conn_close : (conn_keep && !conn_close);
	m->content_length = 0;
	if (bodyless) {
		m->body_kind = HTTP1_BODY_NONE; /* 1xx/204/304: framing headers don't apply */
	} else if (te_seen) {
		if (cl_seen || (is_request && m->minor_version == 0))
			return HTTP1_EBADREQ;
		if (is_request && te_other)
			return HTTP1_ETECODING;
		if (te_chunked && !te_other) {
			m->body_kind = HTTP1_BODY_CHUNKED;
		} else {
			/* response with a coding we can't frame: read until close */
			m->body_kind = HTTP1_BODY_EOF;
			m->keep_alive = false;
		}
	} else if (cl_seen) {
		m->body_kind = HTTP1_BODY_LENGTH;
		m->content_length = cl;
	} else if (is_request) {
		m->body_kind = HTTP1_BODY_NONE;
	} else {
		m->body_kind = HTTP1_BODY_EOF;
		m->keep_alive = false;
	}
	return 0;
}

static void http1_msg_reset(struct http1_msg *m)
{
	m->minor_version = 1;
	m->num_headers = 0;
	m->body_kind = HTTP1_BODY_NONE;
	m->content_length = 0;
	m->keep_alive = false;
	m->expect_continue = false;
}

static unsigned http1_max_headers(const struct http1_limits *lim, const struct http1_msg *m)
{
	unsigned max = m->max_headers_in;
	if (lim->max_headers < max)
		max = lim->max_headers;
	return max;
}

int http1_parse_request(const char *buf, size_t len, size_t last_len, const struct http1_limits *lim,
			struct http1_request *req)
{
	struct http1_limits def;
	if (!lim) {
		http1_limits_default(&def);
		lim = &def;
	}
	http1_msg_reset(&req->m);
	size_t s;
	int head = http1_head_bounds(buf, len, last_len, lim->max_header_bytes, &s);
	if (head < 0)
		return head;
	const char *p = buf + s, *end = buf + head - 2; /* end: the blank line */
	const char *line_end = memchr(p, '\r', (size_t)(end - p));
	if (!line_end || line_end[1] != '\n')
		return HTTP1_EBADREQ;
	/* method SP target SP HTTP/1.x */
	const char *m0 = p;
	while (p < line_end && http1_is_tchar((unsigned char)*p))
		p++;
	if (p == m0 || p == line_end || *p != ' ')
		return HTTP1_EBADREQ;
	req->method = m0;
	req->method_len = (size_t)(p - m0);
	const char *t0 = ++p;
	while (p < line_end && (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f)
		p++;
	if (p == t0 || p == line_end || *p != ' ')
		return HTTP1_EBADREQ;
	req->target = t0;
	req->target_len = (size_t)(p - t0);
	p++;
	if (line_end - p != 8)
		return (line_end - p > 8 && memcmp(p, "HTTP/", 5) == 0) ? HTTP1_EVERSION : HTTP1_EBADREQ;
	int rc = http1_parse_version(p, &req->m.minor_version);
	if (rc)
		return rc;
	if (req->target_len > lim->max_target)
		return HTTP1_EURI;
	rc = http1_parse_headers(line_end + 2, end, http1_max_headers(lim, &req->m), &req->m);
	if (rc)
		return rc;
	rc = http1_framing(&req->m, true, false);
	if (rc)
		return rc;
	if (req->m.body_kind == HTTP1_BODY_LENGTH && req->m.content_length > lim->max_body)
		return HTTP1_EBODYSIZE;
	if (req->m.body_kind == HTTP1_BODY_NONE && lim->require_length &&
	    (http1_ieq(req->method, req->method_len, "POST") ||
	     http1_ieq(req->method, req->method_len, "PUT") ||
	     http1_ieq(req->method, req->method_len, "PATCH")))
		return HTTP1_ELENGTH;
	return head;
}

int http1_parse_response(const char *buf, size_t len, size_t last_len, const struct http1_limits *lim,
			 struct http1_response *resp)
{
	struct http1_limits def;
	if (!lim) {
		http1_limits_default(&def);
		lim = &def;
	}
	http1_msg_reset(&resp->m);
	size_t s;
	int head = http1_head_bounds(buf, len, last_len, lim->max_header_bytes, &s);
	if (head < 0)
		return head;
	const char *p = buf + s, *end = buf + head - 2;
	const char *line_end = memchr(p, '\r', (size_t)(end - p));
	if (!line_end || line_end[1] != '\n')
		return HTTP1_ESTATUS;
	/* HTTP/1.x SP 3DIGIT [SP reason] */
	if (line_end - p < 12 || p[8] != ' ')
		return HTTP1_ESTATUS;
	int rc = http1_parse_version(p, &resp->m.minor_version);
	if (rc)
		return rc == HTTP1_EVERSION ? rc : HTTP1_ESTATUS;
	int st = 0;
	for (int i = 9; i < 12; i++) {
		if (p[i] < '0' || p[i] > '9')
			return HTTP1_ESTATUS;
		st = st * 10 + (p[i] - '0');
	}
	if (st < 100)
		return HTTP1_ESTATUS;
	resp->status = st;
	p += 12;
	if (p < line_end && *p != ' ')
		return HTTP1_ESTATUS;
	if (p < line_end)
		p++;
	for (const char *q = p; q < line_end; q++)
		if (!http1_is_value_char((unsigned char)*q))
			return HTTP1_ESTATUS;
	resp->reason = p;
	resp->reason_len = (size_t)(line_end - p);
	rc = http1_parse_headers(line_end + 2, end, http1_max_headers(lim, &resp->m), &resp->m);
	if (rc)
		return rc;
	bool bodyless = st < 200 || st == 204 || st == 304;
	rc = http1_framing(&resp->m, false, bodyless);
	if (rc)
		return rc;
	if (st < 200)
		resp->m.keep_alive = true; /* interim: the real response follows */
	if (resp->m.body_kind == HTTP1_BODY_LENGTH && resp->m.content_length > lim->max_body) {
		return HTTP1_EBODYSIZE;
	}
	return head;
}
