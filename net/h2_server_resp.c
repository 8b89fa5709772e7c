/* Server answers: headers, a copied body, and trailers submitted when the
 * body's last byte goes out; the gRPC shorthand; refusals by limit. */
#include "net/h2_server_int.h"
#include "net/grpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 32
#define GRPC_MSG_MAX 512 /* longer grpc-message texts are cut */

ssize_t h2s_read_length(nghttp2_session *sess, uint8_t type, int32_t id, int32_t conn_win, int32_t stream_win,
			uint32_t peer_max_frame, void *ud)
{
	(void)sess, (void)type, (void)id, (void)conn_win, (void)stream_win, (void)ud;
	return peer_max_frame < H2S_MAX_FRAME ? peer_max_frame : H2S_MAX_FRAME;
}

static size_t arena_nv(const char *arena, size_t len, nghttp2_nv *nv, size_t cap)
{
	size_t n = 0;

	for (size_t off = 0; off < len && n < cap; n++) {
		uint32_t l[2];
		memcpy(l, arena + off, 8);
		nv[n] = (nghttp2_nv){ (uint8_t *)(uintptr_t)(arena + off + 8),
				      (uint8_t *)(uintptr_t)(arena + off + 9 + l[0]), l[0], l[1],
				      NGHTTP2_NV_FLAG_NONE };
		off += 8 + l[0] + 1 + l[1] + 1;
	}
	return n;
}

static ssize_t read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
			 nghttp2_data_source *src, void *ud)
{
	struct h2s_stream *st = src->ptr;
	size_t n = st->resp_len - st->resp_off;
	(void)ud;

	if (n > length)
		n = length;
	if (n)
		memcpy(buf, st->resp + st->resp_off, n);
	st->resp_off += n;
	if (st->resp_off == st->resp_len) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		if (st->n_tr) {
			nghttp2_nv nv[MAX_FIELDS];
			size_t k = arena_nv(st->tr, st->tr_len, nv, MAX_FIELDS);
			if (nghttp2_submit_trailer(sess, id, nv, k) == 0)
				*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
		}
	}
	return (ssize_t)n;
}

static void drop_request(struct h2_server *s, struct h2s_stream *st)
{
	h2s_body_free(s, st);
	free(st->hdrs);
	free(st->hb);
	st->hdrs = NULL;
	st->hb = NULL;
	st->hb_len = st->hb_cap = 0;
}

/* The one place responses are submitted. prefix (5 bytes) goes before body. */
static int submit(struct h2_server *s, struct h2s_stream *st, int status, const nghttp2_nv *hdrs, size_t nh,
		  const uint8_t *prefix, const uint8_t *body, size_t blen, const struct h2_header *tr,
		  size_t ntr)
{
	nghttp2_nv nv[MAX_FIELDS + 1];
	char code[8];

	if (status < 100 || status > 999 || nh > MAX_FIELDS || ntr > MAX_FIELDS)
		return -EINVAL;
	snprintf(code, sizeof(code), "%d", status);
	nv[0] = h2_out_nv1(":status", code, 3);
	memcpy(nv + 1, hdrs, nh * sizeof(*hdrs));

	size_t total = blen + (prefix ? GRPC_PREFIX_LEN : 0);
	if (total) {
		st->resp = malloc(total);
		if (!st->resp)
			return -ENOMEM;
		if (prefix)
			memcpy(st->resp, prefix, GRPC_PREFIX_LEN);
		if (blen)
			memcpy(st->resp + total - blen, body, blen);
		st->resp_len = total;
	}
	for (size_t i = 0; i < ntr; i++) {
		if (h2s_arena_add(&st->tr, &st->tr_len, &st->tr_cap, tr[i].name, tr[i].name_len, tr[i].value,
				  tr[i].value_len))
			return -ENOMEM;
		st->n_tr++;
	}
	nghttp2_data_provider prd = { .source.ptr = st, .read_callback = read_body };
	int rc = nghttp2_submit_response(s->sess, st->id, nv, nh + 1, total || ntr ? &prd : NULL);
	if (rc)
		return rc == NGHTTP2_ERR_NOMEM ? -ENOMEM : -EINVAL;
	if (st->st == H2S_DELIVERED)
		s->pending--;
	st->st = H2S_ANSWERED;
	drop_request(s, st);
	return 0;
}

static struct h2s_stream *delivered(struct h2_server *s, int32_t id)
{
	if (id <= 0)
		return NULL;
	struct h2s_stream *st = nghttp2_session_get_stream_user_data(s->sess, id);
	return st && st->st == H2S_DELIVERED ? st : NULL;
}

int h2_server_respond(struct h2_server *s, int32_t id, const struct h2_response *r)
{
	struct h2s_stream *st = delivered(s, id);
	nghttp2_nv nv[MAX_FIELDS];

	if (!st)
		return -ENOENT;
	if (r->n_headers > MAX_FIELDS)
		return -EINVAL;
	size_t nh = h2_out_nv(nv, MAX_FIELDS, r->headers, r->n_headers);
	return submit(s, st, r->status, nv, nh, NULL, r->body, r->body_len, r->trailers, r->n_trailers);
}

/* Trailer fields of a gRPC answer, built in the caller's buffers. */
struct grpc_tr {
	char status[12], msg[GRPC_MSG_MAX * 3], details[1024];
	struct h2_header h[3];
	size_t n;
};

static void grpc_trailers(struct grpc_tr *t, int grpc_status, const char *text, int64_t retry_delay_ns)
{
	int n = snprintf(t->status, sizeof(t->status), "%d", grpc_status);
	t->h[0] = (struct h2_header){ "grpc-status", 11, t->status, (size_t)n };
	t->n = 1;
	size_t tl = text ? strlen(text) : 0;
	if (tl > GRPC_MSG_MAX)
		tl = GRPC_MSG_MAX;
	if (text) {
		ssize_t m = grpc_status_msg_encode(t->msg, sizeof(t->msg), text, tl);
		if (m >= 0)
			t->h[t->n++] = (struct h2_header){ "grpc-message", 12, t->msg, (size_t)m };
	}
	if (retry_delay_ns >= 0) {
		ssize_t d = grpc_details_bin_encode(t->details, sizeof(t->details), grpc_status,
						    text ? text : "", tl, retry_delay_ns);
		if (d >= 0)
			t->h[t->n++] = (struct h2_header){ "grpc-status-details-bin", 23, t->details,
							   (size_t)d };
	}
}

int h2_server_respond_grpc(struct h2_server *s, int32_t id, int grpc_status, const char *grpc_message,
			   const uint8_t *msg, size_t msg_len, int64_t retry_delay_ns)
{
	struct h2s_stream *st = delivered(s, id);
	struct grpc_tr t;
	nghttp2_nv nv[4];

	if (!st)
		return -ENOENT;
	if (msg_len > UINT32_MAX || (msg_len && !msg))
		return -EINVAL;
	grpc_trailers(&t, grpc_status, grpc_message, retry_delay_ns);
	nv[0] = h2_out_nv1("content-type", "application/grpc", 16);
	if (!msg) {
		/* Trailers-only: one HEADERS frame with END_STREAM. */
		size_t nh = 1 + h2_out_nv(nv + 1, 3, t.h, t.n);
		return submit(s, st, 200, nv, nh, NULL, NULL, 0, NULL, 0);
	}
	uint8_t prefix[GRPC_PREFIX_LEN];
	grpc_frame_prefix(prefix, false, (uint32_t)msg_len);
	return submit(s, st, 200, nv, 1, prefix, msg, msg_len, t.h, t.n);
}

void h2s_refuse_big(struct h2_server *s, struct h2s_stream *st, bool conn_budget)
{
	char text[160];
	struct grpc_tr t;
	nghttp2_nv nv[4];
	size_t nh = 0;

	/* Too big never fits: not retryable. A full connection budget is
	 * momentary: RetryInfo makes RESOURCE_EXHAUSTED retryable (OTLP). */
	if (conn_budget)
		snprintf(text, sizeof(text),
			 "server busy: this connection holds too much request "
			 "data (limit %zu bytes); retry later",
			 s->lim.max_buffered);
	else
		snprintf(text, sizeof(text), "request body exceeds the limit of %zu bytes", s->lim.max_body);
	h2s_body_free(s, st);
	if (st->is_grpc) {
		grpc_trailers(&t, GRPC_STATUS_RESOURCE_EXHAUSTED, text, conn_budget ? 1000000000ll : -1);
		nv[0] = h2_out_nv1("content-type", "application/grpc", 16);
		nh = 1 + h2_out_nv(nv + 1, 3, t.h, t.n);
	}
	submit(s, st, st->is_grpc ? 200 : conn_budget ? 503 : 413, nv, nh, NULL, NULL, 0, NULL, 0);
	/* h2s_on_frame_send resets the stream once the answer is out: a
	 * RST_STREAM queued now could overtake it. */
	st->st = H2S_REFUSED;
}
void h2s_refuse_late(struct h2_server *s, struct h2s_stream *st)
{
	char text[96];
	struct grpc_tr t;
	nghttp2_nv nv[4];
	size_t nh = 0;

	snprintf(text, sizeof(text), "request not received within %u ms", s->lim.read_timeout_ms);
	h2s_body_free(s, st);
	if (st->is_grpc) {
		grpc_trailers(&t, GRPC_STATUS_DEADLINE_EXCEEDED, text, -1);
		nv[0] = h2_out_nv1("content-type", "application/grpc", 16);
		nh = 1 + h2_out_nv(nv + 1, 3, t.h, t.n);
	}
	submit(s, st, st->is_grpc ? 200 : 408, nv, nh, NULL, NULL, 0, NULL, 0);
	st->st = H2S_REFUSED; /* reset once the answer is out (h2s_on_frame_send) */
}

int h2s_on_frame_send(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	(void)ud;
	if (frame->hd.type != NGHTTP2_HEADERS || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	struct h2s_stream *st = nghttp2_session_get_stream_user_data(sess, frame->hd.stream_id);
	/* The client is still sending a body we refused: stop it (RFC 9113
	 * 8.1: a complete response, then RST_STREAM NO_ERROR). */
	if (st && st->st == H2S_REFUSED &&
	    !nghttp2_session_get_stream_remote_close(sess, frame->hd.stream_id))
		nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
	return 0;
}
