/* Client calls: the request (headers, prefix + message sent without a
 * copy into nghttp2), the response collected per stream (headers,
 * trailers, body within max_response), and the one completion. */
#include "net/h2_client_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct h2c_call *h2c_find(struct h2_client *c, int32_t id)
{
	for (struct h2c_call *k = c->calls; k; k = k->next)
		if (k->id == id)
			return k;
	return NULL;
}

void h2c_call_free(struct h2_client *c, struct h2c_call *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		c->calls = k->next;
	if (k->next)
		k->next->prev = k->prev;
	c->open--;
	free(k->gmsg);
	free(k->details);
	free(k->body);
	free(k);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Build the result from what the stream collected and run done once. */
void h2c_finish(struct h2_client *c, struct h2c_call *k, int err, uint32_t code)
{
	struct h2_call_result r = { .stream_id = k->id,
				    .err = err,
				    .h2_error = code,
				    .grpc_status = -1,
				    .grpc_message = "",
				    .retry_delay_ns = -1,
				    .content_type = "" };

	if (k->finished)
		return;
	k->finished = true;
	c->unfinished--;
	r.retry_safe = code == NGHTTP2_REFUSED_STREAM || (c->goaway && k->id > c->goaway_last_id);
	if (err == 0) {
		r.http_status = k->http_status;
		r.grpc_status = k->grpc_status;
		r.content_type = k->ctype;
		if (k->gmsg) {
			ssize_t n = grpc_status_msg_decode(k->gmsg, k->gmsg_len, k->gmsg, k->gmsg_len);
			k->gmsg[n > 0 ? n : 0] = 0;
			r.grpc_message = k->gmsg;
		}
		if (k->details) {
			struct grpc_details d;
			uint8_t *scratch = malloc(k->details_len + 1);
			if (scratch && grpc_details_bin_decode(k->details, k->details_len, scratch,
							       k->details_len + 1, &d) == 0)
				r.retry_delay_ns = d.retry_delay_ns;
			free(scratch);
		}
		if (k->body_len >= GRPC_PREFIX_LEN && k->body[0] <= 1 &&
		    be32(k->body + 1) <= k->body_len - GRPC_PREFIX_LEN) {
			r.msg = k->body + GRPC_PREFIX_LEN;
			r.msg_len = be32(k->body + 1);
			r.msg_compressed = k->body[0] == GRPC_FLAG_COMPRESSED;
		}
	}
	k->done(k->ud, &r);
}

void h2c_fail_all(struct h2_client *c, int err)
{
	for (struct h2c_call *k = c->calls; k; k = k->next)
		h2c_finish(c, k, err, NGHTTP2_NO_ERROR);
}

static char *dup_bytes(const uint8_t *p, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = 0;
	}
	return s;
}

static bool name_is(const uint8_t *name, size_t nl, const char *lit)
{
	return nl == strlen(lit) && memcmp(name, lit, nl) == 0;
}

int h2c_on_header(nghttp2_session *sess, const nghttp2_frame *frame, const uint8_t *name, size_t nl,
		  const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct h2c_call *k = nghttp2_session_get_stream_user_data(sess, frame->hd.stream_id);
	(void)flags, (void)ud;

	if (!k || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	if (name_is(name, nl, ":status")) {
		int v = 0;
		for (size_t i = 0; i < vl && i < 3; i++)
			v = v * 10 + (value[i] - '0');
		k->http_status = v;
	} else if (name_is(name, nl, "grpc-status")) {
		k->grpc_status = grpc_status_parse((const char *)value, vl);
		if (k->grpc_status < 0)
			k->grpc_status = GRPC_STATUS_UNKNOWN;
	} else if (name_is(name, nl, "grpc-message") && !k->gmsg) {
		if (!(k->gmsg = dup_bytes(value, vl)))
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		k->gmsg_len = vl;
	} else if (name_is(name, nl, "grpc-status-details-bin") && !k->details) {
		if (!(k->details = dup_bytes(value, vl)))
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		k->details_len = vl;
	} else if (name_is(name, nl, "content-type")) {
		size_t n = vl < sizeof(k->ctype) - 1 ? vl : sizeof(k->ctype) - 1;
		memcpy(k->ctype, value, n);
		k->ctype[n] = 0;
	}
	return 0;
}

int h2c_on_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
		      void *ud)
{
	struct h2_client *c = ud;
	struct h2c_call *k = nghttp2_session_get_stream_user_data(sess, id);
	(void)flags;

	if (!k || k->finished || k->too_big)
		return 0;
	if (len > c->o.max_response - k->body_len) {
		k->too_big = true;
		h2c_finish(c, k, -EMSGSIZE, NGHTTP2_NO_ERROR);
		nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
		return 0;
	}
	if (k->body_len + len > k->body_cap) {
		size_t ncap = k->body_cap ? k->body_cap * 2 : 4096;
		while (ncap < k->body_len + len)
			ncap *= 2;
		uint8_t *p = realloc(k->body, ncap);
		if (!p)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		k->body = p;
		k->body_cap = ncap;
	}
	memcpy(k->body + k->body_len, data, len);
	k->body_len += len;
	return 0;
}

/* Request body: the 5-byte prefix, then the caller's message. DATA
 * payload is not copied into nghttp2 (NO_COPY): send_body writes it
 * straight from the caller's message into the output buffer. */
ssize_t h2c_read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
		      nghttp2_data_source *src, void *ud)
{
	struct h2c_call *k = src->ptr;
	size_t total = GRPC_PREFIX_LEN + k->msg_len;
	(void)sess, (void)id, (void)ud, (void)buf;

	/* A cancelled call's message may already be gone: never touch it. */
	if (k->finished)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	size_t n = total - k->sent < length ? total - k->sent : length;
	k->sent += n;
	*flags |= NGHTTP2_DATA_FLAG_NO_COPY;
	if (k->sent == total)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

int h2c_send_body(nghttp2_session *sess, nghttp2_frame *frame, const uint8_t *hd, size_t length,
		  nghttp2_data_source *src, void *ud)
{
	struct h2_client *c = ud;
	struct h2c_call *k = src->ptr;
	const uint8_t *a = NULL, *b = NULL;
	size_t al = 0, bl = 0;
	(void)sess, (void)frame;

	if (k->finished)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (k->copied < GRPC_PREFIX_LEN) {
		a = k->prefix + k->copied;
		al = GRPC_PREFIX_LEN - k->copied;
		al = al < length ? al : length;
	}
	if (length > al) {
		b = k->msg + (k->copied + al - GRPC_PREFIX_LEN);
		bl = length - al;
	}
	int rc = h2_out_frame(&c->out, hd, 9, a, al, b, bl);
	if (rc == 0)
		k->copied += length;
	return rc;
}

int32_t h2_client_call(struct h2_client *c, const struct h2_call *call)
{
	nghttp2_nv nv[8 + H2C_MAX_METADATA];
	char tmo[16];
	size_t n = 0;

	if (c->fail_rc || c->goaway || c->freeing)
		return -ENOTCONN;
	if (!call->path || !call->done || call->n_metadata > H2C_MAX_METADATA || call->msg_len > UINT32_MAX ||
	    (call->msg_len && !call->msg))
		return -EINVAL;
	if (h2_client_slots(c) == 0)
		return -EAGAIN;
	struct h2c_call *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->done = call->done;
	k->ud = call->ud;
	k->msg = call->msg;
	k->msg_len = call->msg_len;
	k->grpc_status = -1;
	grpc_frame_prefix(k->prefix, call->compressed, (uint32_t)call->msg_len);

	nv[n++] = h2_out_nv1(":method", "POST", 4);
	nv[n++] = h2_out_nv1(":scheme", "http", 4);
	nv[n++] = h2_out_nv1(":path", call->path, strlen(call->path));
	nv[n++] = h2_out_nv1(":authority", c->authority, strlen(c->authority));
	nv[n++] = h2_out_nv1("content-type", "application/grpc", 16);
	nv[n++] = h2_out_nv1("te", "trailers", 8);
	if (call->compressed) {
		const char *enc = call->encoding ? call->encoding : "gzip";
		nv[n++] = h2_out_nv1("grpc-encoding", enc, strlen(enc));
	}
	if (call->timeout_ns) {
		ssize_t tl = grpc_timeout_format(tmo, sizeof(tmo), call->timeout_ns);
		if (tl > 0)
			nv[n++] = h2_out_nv1("grpc-timeout", tmo, (size_t)tl);
	}
	n += h2_out_nv(nv + n, H2C_MAX_METADATA, call->metadata, call->n_metadata);

	nghttp2_data_provider prd = { .source.ptr = k, .read_callback = h2c_read_body };
	int32_t id = nghttp2_submit_request(c->sess, NULL, nv, n, &prd, k);
	if (id < 0) {
		free(k);
		return id == NGHTTP2_ERR_NOMEM			   ? -ENOMEM
		       : id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE ? -ENOTCONN
								   : -EINVAL;
	}
	k->id = id;
	k->next = c->calls;
	if (c->calls)
		c->calls->prev = k;
	c->calls = k;
	c->open++;
	c->unfinished++;
	return id;
}

int h2_client_cancel(struct h2_client *c, int32_t id, int err)
{
	struct h2c_call *k = h2c_find(c, id);

	if (!k || k->finished)
		return -ENOENT;
	h2c_finish(c, k, err ? err : -ECANCELED, NGHTTP2_CANCEL);
	nghttp2_submit_rst_stream(c->sess, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
	return 0;
}
