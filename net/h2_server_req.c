/* Server streams and request assembly: a stream per request HEADERS,
 * header fields into an arena, the body into one buffer within the body
 * and connection limits, delivery to on_request at END_STREAM. */
#include "net/h2_server_int.h"
#include "net/grpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- streams ---- */
void h2s_body_free(struct h2_server *s, struct h2s_stream *st)
{
	s->buffered -= st->body_cap;
	free(st->body);
	st->body = NULL;
	st->body_len = st->body_cap = 0;
}

void h2s_stream_free(struct h2_server *s, struct h2s_stream *st)
{
	h2s_body_free(s, st);
	free(st->hb);
	free(st->hdrs);
	free(st->resp);
	free(st->tr);
	free(st);
}

void h2s_stream_unlink(struct h2_server *s, struct h2s_stream *st)
{
	if (st->prev)
		st->prev->next = st->next;
	else
		s->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	if (!s->streams)
		s->idle_since = h2s_now_ms();
}

int h2s_on_begin_headers(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	struct h2_server *s = ud;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct h2s_stream *st = calloc(1, sizeof(*st));
	if (!st)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	st->id = frame->hd.stream_id;
	st->start_ms = h2s_now_ms();
	st->next = s->streams;
	if (s->streams)
		s->streams->prev = st;
	s->streams = st;
	nghttp2_session_set_stream_user_data(sess, st->id, st);
	return 0;
}

/* Header arena entry: uint32 name_len, uint32 value_len, name NUL value NUL. */
static int arena_add(char **buf, size_t *len, size_t *cap, const uint8_t *name, size_t nl,
		     const uint8_t *value, size_t vl)
{
	size_t need = 8 + nl + 1 + vl + 1;
	if (*len + need > *cap) {
		size_t ncap = *cap ? *cap * 2 : 512;
		while (ncap < *len + need)
			ncap *= 2;
		char *p = realloc(*buf, ncap);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = ncap;
	}
	uint32_t l[2] = { (uint32_t)nl, (uint32_t)vl };
	char *p = *buf + *len;
	memcpy(p, l, 8);
	memcpy(p + 8, name, nl);
	p[8 + nl] = 0;
	memcpy(p + 9 + nl, value, vl);
	p[9 + nl + vl] = 0;
	*len += need;
	return 0;
}

int h2s_arena_add(char **buf, size_t *len, size_t *cap, const char *name, size_t nl, const char *value,
		  size_t vl)
{
	return arena_add(buf, len, cap, (const uint8_t *)name, nl, (const uint8_t *)value, vl);
}

static bool name_is(const uint8_t *name, size_t nl, const char *lit)
{
	return nl == strlen(lit) && memcmp(name, lit, nl) == 0;
}

int h2s_on_header(nghttp2_session *sess, const nghttp2_frame *frame, const uint8_t *name, size_t nl,
		  const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct h2_server *s = ud;
	struct h2s_stream *st = nghttp2_session_get_stream_user_data(sess, frame->hd.stream_id);
	(void)flags;

	if (!st || st->st != H2S_RECV)
		return 0;
	/* RFC 9113 6.5.2 counts 32 bytes of overhead a field. */
	st->hdr_bytes += nl + vl + 32;
	if (st->hdr_bytes > s->lim.max_header_list) {
		st->st = H2S_REFUSED;
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	if (name_is(name, nl, "content-type") && vl >= 16 && memcmp(value, "application/grpc", 16) == 0)
		st->is_grpc = true;
	if (name_is(name, nl, "content-length")) {
		uint64_t v = 0;
		for (size_t i = 0; i < vl && i < 20; i++)
			v = v * 10 + (uint64_t)(value[i] >= '0' && value[i] <= '9' ? value[i] - '0' : 0);
		if (v > s->lim.max_body)
			st->too_big = true;
		else
			st->content_length = (size_t)v;
	}
	if (arena_add(&st->hb, &st->hb_len, &st->hb_cap, name, nl, value, vl))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	st->n_fields++;
	return 0;
}

int h2s_on_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
		      void *ud)
{
	struct h2_server *s = ud;
	struct h2s_stream *st = nghttp2_session_get_stream_user_data(sess, id);
	(void)flags;

	if (!st || st->st != H2S_RECV)
		return 0;
	if (len > s->lim.max_body - st->body_len) {
		h2s_refuse_big(s, st, false);
		return 0;
	}
	if (st->body_len + len > st->body_cap) {
		size_t ncap = st->body_cap ? st->body_cap * 2 : 16384;
		if (st->content_length > ncap)
			ncap = st->content_length;
		/* A unary gRPC body is one message: its prefix tells the size,
		 * so one allocation takes it all (no realloc copies). */
		if (!st->body_cap && st->is_grpc && len >= GRPC_PREFIX_LEN) {
			size_t want = GRPC_PREFIX_LEN + ((size_t)data[1] << 24 | (size_t)data[2] << 16 |
							 (size_t)data[3] << 8 | data[4]);
			if (want > ncap)
				ncap = want;
		}
		while (ncap < st->body_len + len)
			ncap *= 2;
		if (ncap > s->lim.max_body)
			ncap = s->lim.max_body;
		if (ncap - st->body_cap > s->lim.max_buffered - s->buffered) {
			h2s_refuse_big(s, st, true);
			return 0;
		}
		uint8_t *p = realloc(st->body, ncap);
		if (!p)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		s->buffered += ncap - st->body_cap;
		st->body = p;
		st->body_cap = ncap;
	}
	memcpy(st->body + st->body_len, data, len);
	st->body_len += len;
	return 0;
}

static const char *find_field(struct h2s_stream *st, const char *name)
{
	for (size_t i = 0; i < st->n_hdrs; i++)
		if (strcmp(st->hdrs[i].name, name) == 0)
			return st->hdrs[i].value;
	return "";
}

int h2s_deliver(struct h2_server *s, struct h2s_stream *st)
{
	struct h2_request req = { .stream_id = st->id };
	size_t n = 0, np = 0;

	st->hdrs = calloc(st->n_fields ? st->n_fields : 1, sizeof(*st->hdrs));
	if (!st->hdrs)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	/* Pseudo-headers at the end of the array, regular ones first. */
	for (size_t off = 0; off < st->hb_len;) {
		uint32_t l[2];
		memcpy(l, st->hb + off, 8);
		struct h2_header h = { st->hb + off + 8, l[0], st->hb + off + 9 + l[0], l[1] };
		off += 8 + l[0] + 1 + l[1] + 1;
		if (h.name_len && h.name[0] == ':')
			st->hdrs[st->n_fields - 1 - np++] = h;
		else
			st->hdrs[n++] = h;
	}
	st->n_hdrs = n;
	for (size_t i = n; i < st->n_fields; i++) {
		const struct h2_header *h = &st->hdrs[i];
		if (strcmp(h->name, ":method") == 0)
			req.method = h->value;
		else if (strcmp(h->name, ":path") == 0)
			req.path = h->value;
		else if (strcmp(h->name, ":authority") == 0)
			req.authority = h->value;
	}
	req.method = req.method ? req.method : "";
	req.path = req.path ? req.path : "";
	req.authority = req.authority ? req.authority : "";
	req.content_type = find_field(st, "content-type");
	req.grpc_encoding = find_field(st, "grpc-encoding");
	req.grpc_timeout = find_field(st, "grpc-timeout");
	req.headers = st->hdrs;
	req.n_headers = n;
	req.body = st->body ? st->body : (const uint8_t *)"";
	req.body_len = st->body_len;
	st->st = H2S_DELIVERED;
	s->pending++;
	if (s->cbs.on_request)
		s->cbs.on_request(s->ud, s, &req);
	return 0;
}
