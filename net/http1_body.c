/* http1_body.c: body framing as a byte-at-a-time state machine for chunk
 * lines and trailers, with bulk copies for data. Because framing only ever
 * removes bytes, the output can trail the input in the same buffer
 * (memmove), which lets a server decode a chunked body in place. */
#include "net/http1.h"

#include <string.h>

enum {
	B_SIZE,	   /* hex digits of a chunk size */
	B_EXT_BWS, /* whitespace after the size: only ';' or CR may follow */
	B_EXT,	   /* chunk extension, up to CR */
	B_SIZE_LF, /* LF after the size line */
	B_DATA,	   /* chunk data */
	B_DATA_CR, /* CR after the data */
	B_DATA_LF, /* LF after the data */
	B_TRAILER, /* start of a trailer line (or the final empty line) */
	B_TRAILER_LINE,
	B_TRAILER_LF, /* LF ending a trailer line */
	B_FINAL_LF,   /* LF of the final empty line */
	B_DONE,
};

#define HTTP1_CHUNK_LINE_MAX 4096 /* size line incl. extensions */
#define HTTP1_TRAILER_MAX 8192	  /* all trailer lines together */

void http1_body_init(struct http1_body *b, const struct http1_msg *m, uint64_t max_body)
{
	memset(b, 0, sizeof(*b));
	b->kind = m->body_kind;
	b->max = max_body ? max_body : UINT64_MAX;
	b->remaining = m->body_kind == HTTP1_BODY_LENGTH ? m->content_length : 0;
	b->state = B_SIZE;
	if (b->kind == HTTP1_BODY_NONE || (b->kind == HTTP1_BODY_LENGTH && b->remaining == 0))
		b->state = B_DONE;
}

uint64_t http1_body_total(const struct http1_body *b)
{
	return b->total;
}

int http1_body_eof(const struct http1_body *b)
{
	return (b->kind == HTTP1_BODY_EOF || b->state == B_DONE) ? 1 : HTTP1_PARTIAL;
}

static int http1_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Copy up to n body bytes; returns bytes copied. */
static size_t http1_copy(struct http1_body *b, const char *in, size_t avail, uint64_t n, char *out,
			 size_t room)
{
	size_t k = avail < room ? avail : room;
	if (n < k)
		k = (size_t)n;
	if (k && out != in)
		memmove(out, in, k);
	b->total += k;
	return k;
}

static int http1_chunk_byte(struct http1_body *b, unsigned char c)
{
	int h;
	switch (b->state) {
	case B_SIZE:
		h = http1_hex(c);
		if (h >= 0) {
			if (b->line >= 16)
				return HTTP1_ECHUNK; /* more than 64 bits */
			b->remaining = b->remaining * 16 + (uint64_t)h;
			b->line++;
			return 0;
		}
		if (b->line == 0)
			return HTTP1_ECHUNK;
		if (b->remaining > b->max - b->total)
			return HTTP1_EBODYSIZE;
		if (c == '\r')
			b->state = B_SIZE_LF;
		else if (c == ';')
			b->state = B_EXT;
		else if (c == ' ' || c == '\t')
			b->state = B_EXT_BWS;
		else
			return HTTP1_ECHUNK;
		return 0;
	case B_EXT_BWS:
		if (c == '\r')
			b->state = B_SIZE_LF;
		else if (c == ';')
			b->state = B_EXT;
		else if ((c != ' ' && c != '\t') || ++b->line > HTTP1_CHUNK_LINE_MAX)
			return HTTP1_ECHUNK;
		return 0;
	case B_EXT:
		if (c == '\r')
			b->state = B_SIZE_LF;
		else if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f)
			return HTTP1_ECHUNK;
		else if (++b->line > HTTP1_CHUNK_LINE_MAX)
			return HTTP1_ECHUNK;
		return 0;
	case B_SIZE_LF:
		if (c != '\n')
			return HTTP1_ECHUNK;
		b->line = 0;
		b->state = b->remaining ? B_DATA : B_TRAILER;
		return 0;
	case B_DATA_CR:
		if (c != '\r')
			return HTTP1_ECHUNK;
		b->state = B_DATA_LF;
		return 0;
	case B_DATA_LF:
		if (c != '\n')
			return HTTP1_ECHUNK;
		b->state = B_SIZE;
		b->remaining = 0;
		b->line = 0;
		return 0;
	case B_TRAILER:
		if (c == '\r') {
			b->state = B_FINAL_LF;
			return 0;
		}
		b->state = B_TRAILER_LINE;
		/* fall through */
	case B_TRAILER_LINE:
		if (++b->line > HTTP1_TRAILER_MAX)
			return HTTP1_EHDRSIZE;
		if (c == '\r')
			b->state = B_TRAILER_LF;
		else if (c == '\n' || (c < 0x20 && c != '\t') || c == 0x7f)
			return HTTP1_ECHUNK;
		return 0;
	case B_TRAILER_LF:
		if (c != '\n')
			return HTTP1_ECHUNK;
		b->state = B_TRAILER;
		return 0;
	case B_FINAL_LF:
		if (c != '\n')
			return HTTP1_ECHUNK;
		b->state = B_DONE;
		return 0;
	default:
		return HTTP1_ECHUNK;
	}
}

int http1_body_decode(struct http1_body *b, const char *in, size_t in_len, size_t *consumed, char *out,
		      size_t out_cap, size_t *produced)
{
	size_t i = 0, o = 0;
	int rc = 0;
	switch (b->kind) {
	case HTTP1_BODY_NONE:
		break;
	case HTTP1_BODY_LENGTH: {
		size_t k = http1_copy(b, in, in_len, b->remaining, out, out_cap);
		i = o = k;
		b->remaining -= k;
		if (b->remaining == 0)
			b->state = B_DONE;
		break;
	}
	case HTTP1_BODY_EOF: {
		if (in_len > b->max - b->total) {
			rc = HTTP1_EBODYSIZE;
			break;
		}
		i = o = http1_copy(b, in, in_len, UINT64_MAX, out, out_cap);
		break;
	}
	case HTTP1_BODY_CHUNKED:
		while (i < in_len && b->state != B_DONE) {
			if (b->state == B_DATA) {
				size_t k = http1_copy(b, in + i, in_len - i, b->remaining, out + o,
						      out_cap - o);
				if (k == 0)
					break; /* output full */
				i += k;
				o += k;
				b->remaining -= k;
				if (b->remaining == 0)
					b->state = B_DATA_CR;
				continue;
			}
			rc = http1_chunk_byte(b, (unsigned char)in[i]);
			if (rc < 0)
				break;
			i++;
		}
		break;
	}
	*consumed = i;
	*produced = o;
	if (rc < 0)
		return rc;
	return b->state == B_DONE ? 1 : 0;
}
