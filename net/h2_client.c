/* h2c client connection over nghttp2 for unary gRPC calls: session setup,
 * stream close and GOAWAY handling, error reporting, the byte pump. Calls
 * themselves (request, response collection, completion) are in
 * h2_client_call.c. */
#include "net/h2_client_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(struct h2_client *c, int rc, uint32_t code, const char *fmt, const char *arg)
{
	if (c->fail_rc)
		return;
	c->fail_rc = rc;
	snprintf(c->err, sizeof(c->err), fmt, arg);
	if (code != UINT32_MAX)
		nghttp2_session_terminate_session(c->sess, code);
	h2c_fail_all(c, -ECONNRESET);
}

static int on_frame_recv(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	struct h2_client *c = ud;

	if (frame->hd.type == NGHTTP2_GOAWAY) {
		c->goaway = true;
		c->goaway_last_id = frame->goaway.last_stream_id;
		if (!c->err[0])
			snprintf(c->err, sizeof(c->err), "server sent GOAWAY (%s)",
				 nghttp2_http2_strerror(frame->goaway.error_code));
		return 0;
	}
	if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
	    (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
		int32_t id = frame->hd.stream_id;
		struct h2c_call *k = nghttp2_session_get_stream_user_data(sess, id);
		if (!k)
			return 0;
		k->got_end = true;
		/* The answer is complete: the call is over even if the server
		 * answered before reading our whole body (e.g. refused it). Stop
		 * sending it; nothing touches the message after done. */
		if (k->http_status && !k->finished) {
			h2c_finish(c, k, 0, NGHTTP2_NO_ERROR);
			if (!nghttp2_session_get_stream_local_close(sess, id))
				nghttp2_submit_rst_stream(sess, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR);
		}
	}
	return 0;
}

static int on_stream_close(nghttp2_session *sess, int32_t id, uint32_t code, void *ud)
{
	struct h2_client *c = ud;
	struct h2c_call *k = nghttp2_session_get_stream_user_data(sess, id);

	if (!k)
		return 0;
	nghttp2_session_set_stream_user_data(sess, id, NULL);
	if (k->got_end && k->http_status)
		h2c_finish(c, k, 0, code);
	else if (code != NGHTTP2_NO_ERROR || !k->got_end)
		h2c_finish(c, k, -ECONNRESET, code);
	else
		h2c_finish(c, k, -EPROTO, code);
	h2c_call_free(c, k);
	return 0;
}

/* A request that never left (GOAWAY, cancelled before its HEADERS went
 * out): no stream was opened, so no close callback will come. */
static int on_not_send(nghttp2_session *sess, const nghttp2_frame *frame, int lib_err, void *ud)
{
	struct h2_client *c = ud;
	(void)sess, (void)lib_err;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct h2c_call *k = h2c_find(c, frame->hd.stream_id);
	if (!k)
		return 0;
	h2c_finish(c, k, -ECONNRESET, NGHTTP2_REFUSED_STREAM);
	h2c_call_free(c, k);
	return 0;
}

/* nghttp2 found a connection error and is sending GOAWAY: fail the calls. */
static int on_frame_send(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	struct h2_client *c = ud;
	(void)sess;

	if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR)
		fail(c, -EPROTO, UINT32_MAX, "HTTP/2 protocol error: %s",
		     c->lib_err[0] ? c->lib_err : nghttp2_http2_strerror(frame->goaway.error_code));
	return 0;
}

static int on_error(nghttp2_session *sess, int code, const char *msg, size_t len, void *ud)
{
	struct h2_client *c = ud;
	(void)sess, (void)code;
	if (len >= sizeof(c->lib_err))
		len = sizeof(c->lib_err) - 1;
	memcpy(c->lib_err, msg, len);
	c->lib_err[len] = 0;
	return 0;
}

static ssize_t on_send(nghttp2_session *sess, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct h2_client *c = ud;
	(void)sess, (void)flags;
	return h2_out_write(&c->out, data, len);
}

static ssize_t read_length(nghttp2_session *sess, uint8_t type, int32_t id, int32_t conn_win,
			   int32_t stream_win, uint32_t peer_max_frame, void *ud)
{
	(void)sess, (void)type, (void)id, (void)conn_win, (void)stream_win, (void)ud;
	return peer_max_frame < H2C_MAX_FRAME ? peer_max_frame : H2C_MAX_FRAME;
}

struct h2_client *h2_client_new(const struct h2_client_opts *o)
{
	struct h2_client *c = calloc(1, sizeof(*c));
	nghttp2_session_callbacks *cb = NULL;

	if (!c)
		return NULL;
	if (o)
		c->o = *o;
	if (!c->o.max_concurrent)
		c->o.max_concurrent = 100;
	if (!c->o.conn_window || c->o.conn_window > INT32_MAX)
		c->o.conn_window = 16 * 1024 * 1024;
	if (!c->o.stream_window || c->o.stream_window > INT32_MAX)
		c->o.stream_window = 4 * 1024 * 1024;
	if (!c->o.max_response)
		c->o.max_response = 4 * 1024 * 1024;
	c->authority = strdup(c->o.authority ? c->o.authority : "localhost");
	h2_out_init(&c->out, c->o.out_cap);
	if (!c->authority || nghttp2_session_callbacks_new(&cb))
		goto fail;
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2c_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2c_on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, on_not_send);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_error_callback2(cb, on_error);
	nghttp2_session_callbacks_set_data_source_read_length_callback(cb, read_length);
	nghttp2_session_callbacks_set_send_data_callback(cb, h2c_send_body);
	if (nghttp2_session_client_new(&c->sess, cb, c))
		goto fail;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, c->o.stream_window },
		{ NGHTTP2_SETTINGS_MAX_FRAME_SIZE, H2C_MAX_FRAME },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 64 * 1024 },
	};
	if (nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) ||
	    h2_out_window(c->sess, c->o.conn_window))
		goto fail;
	nghttp2_session_callbacks_del(cb);
	return c;
fail:
	nghttp2_session_callbacks_del(cb);
	h2_client_free(c);
	return NULL;
}

void h2_client_free(struct h2_client *c)
{
	if (!c)
		return;
	c->freeing = true;
	h2c_fail_all(c, -ECONNRESET);
	while (c->calls)
		h2c_call_free(c, c->calls);
	nghttp2_session_del(c->sess);
	h2_out_free(&c->out);
	free(c->authority);
	free(c);
}

uint32_t h2_client_slots(const struct h2_client *c)
{
	uint32_t lim = c->o.max_concurrent;
	uint32_t peer = nghttp2_session_get_remote_settings(c->sess, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
	if (peer < lim)
		lim = peer;
	return c->open >= lim ? 0 : lim - c->open;
}

uint32_t h2_client_inflight(const struct h2_client *c)
{
	return c->unfinished;
}

ssize_t h2_client_recv(struct h2_client *c, const uint8_t *in, size_t len)
{
	if (c->fail_rc)
		return c->fail_rc;
	ssize_t rv = nghttp2_session_mem_recv(c->sess, in, len);
	if (rv == NGHTTP2_ERR_NOMEM || rv == NGHTTP2_ERR_CALLBACK_FAILURE)
		fail(c, -ENOMEM, NGHTTP2_INTERNAL_ERROR, "%s", "out of memory");
	else if (rv < 0)
		fail(c, -EPROTO, NGHTTP2_PROTOCOL_ERROR, "HTTP/2 error: %s", nghttp2_strerror((int)rv));
	/* As in the server: serialize a pending GOAWAY now if no view is
	 * outstanding, so a connection error is reported by this call. */
	if (!c->fail_rc && h2_out_empty(&c->out)) {
		const uint8_t *d;
		if (h2_out_fill(&c->out, c->sess, &d) == -ENOMEM)
			fail(c, -ENOMEM, NGHTTP2_INTERNAL_ERROR, "%s", "out of memory");
	}
	return c->fail_rc ? c->fail_rc : (ssize_t)len;
}

ssize_t h2_client_out(struct h2_client *c, const uint8_t **data)
{
	return h2_out_fill(&c->out, c->sess, data);
}

void h2_client_sent(struct h2_client *c, size_t n)
{
	h2_out_sent(&c->out, n);
}

bool h2_client_closing(const struct h2_client *c)
{
	return c->fail_rc || c->goaway ||
	       (!nghttp2_session_want_read(c->sess) && !nghttp2_session_want_write(c->sess));
}

const char *h2_client_error(const struct h2_client *c)
{
	return c->err;
}
