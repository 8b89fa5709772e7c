/* h2c client connection over nghttp2 for unary gRPC calls: requests are
 * multiplexed streams; each call collects its response headers, body and
 * trailers and completes exactly once through its done callback. */
#include "net/h2.h"
#include "net/h2_out.h"
#include "net/grpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_METADATA 32
#define MAX_FRAME (64 * 1024)

struct h2c_call {
	struct h2c_call *prev, *next;
	int32_t id;
	bool finished;          /* done already ran */
	bool got_end;           /* END_STREAM received */
	bool too_big;
	h2_call_done_fn done;
	void *ud;
	const uint8_t *msg;
	size_t msg_len;
	size_t sent;            /* of prefix + msg, promised to DATA frames */
	size_t copied;          /* of prefix + msg, written to the output */
	uint8_t prefix[GRPC_PREFIX_LEN];
	int http_status;
	int grpc_status;
	char *gmsg;             /* raw grpc-message, then decoded in place */
	size_t gmsg_len;
	char *details;          /* raw grpc-status-details-bin */
	size_t details_len;
	char ctype[64];
	uint8_t *body;
	size_t body_len, body_cap;
};

struct h2_client {
	nghttp2_session *sess;
	struct h2_client_opts o;
	char *authority;
	struct h2_out out;
	struct h2c_call *calls;
	uint32_t open;          /* calls not yet freed (streams in nghttp2) */
	uint32_t unfinished;    /* calls whose done has not run */
	int fail_rc;
	bool goaway;
	bool freeing;
	int32_t goaway_last_id;
	char err[160];
	char lib_err[128];
};

static struct h2c_call *find(struct h2_client *c, int32_t id)
{
	for (struct h2c_call *k = c->calls; k; k = k->next)
		if (k->id == id)
			return k;
	return NULL;
}

static void call_free(struct h2_client *c, struct h2c_call *k)
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
static void finish(struct h2_client *c, struct h2c_call *k, int err, uint32_t code)
{
	struct h2_call_result r = {.stream_id = k->id, .err = err, .h2_error = code,
				   .grpc_status = -1, .grpc_message = "", .retry_delay_ns = -1,
				   .content_type = ""};

	if (k->finished)
		return;
	k->finished = true;
	c->unfinished--;
	r.retry_safe = code == NGHTTP2_REFUSED_STREAM ||
		       (c->goaway && k->id > c->goaway_last_id);
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

static void fail_all(struct h2_client *c, int err)
{
	for (struct h2c_call *k = c->calls; k; k = k->next)
		finish(c, k, err, NGHTTP2_NO_ERROR);
}

static void fail(struct h2_client *c, int rc, uint32_t code, const char *fmt, const char *arg)
{
	if (c->fail_rc)
		return;
	c->fail_rc = rc;
	snprintf(c->err, sizeof(c->err), fmt, arg);
	if (code != UINT32_MAX)
		nghttp2_session_terminate_session(c->sess, code);
	fail_all(c, -ECONNRESET);
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

static int on_header(nghttp2_session *sess, const nghttp2_frame *frame, const uint8_t *name,
		     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
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

static int on_data_chunk(nghttp2_session *sess, uint8_t flags, int32_t id,
			 const uint8_t *data, size_t len, void *ud)
{
	struct h2_client *c = ud;
	struct h2c_call *k = nghttp2_session_get_stream_user_data(sess, id);
	(void)flags;

	if (!k || k->finished || k->too_big)
		return 0;
	if (len > c->o.max_response - k->body_len) {
		k->too_big = true;
		finish(c, k, -EMSGSIZE, NGHTTP2_NO_ERROR);
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
			finish(c, k, 0, NGHTTP2_NO_ERROR);
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
		finish(c, k, 0, code);
	else if (code != NGHTTP2_NO_ERROR || !k->got_end)
		finish(c, k, -ECONNRESET, code);
	else
		finish(c, k, -EPROTO, code);
	call_free(c, k);
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
	struct h2c_call *k = find(c, frame->hd.stream_id);
	if (!k)
		return 0;
	finish(c, k, -ECONNRESET, NGHTTP2_REFUSED_STREAM);
	call_free(c, k);
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
	return peer_max_frame < MAX_FRAME ? peer_max_frame : MAX_FRAME;
}

/* Request body: the 5-byte prefix, then the caller's message. DATA
 * payload is not copied into nghttp2 (NO_COPY): send_body writes it
 * straight from the caller's message into the output buffer. */
static ssize_t read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t length,
			 uint32_t *flags, nghttp2_data_source *src, void *ud)
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

static int send_body(nghttp2_session *sess, nghttp2_frame *frame, const uint8_t *hd,
		     size_t length, nghttp2_data_source *src, void *ud)
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
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, on_not_send);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_error_callback2(cb, on_error);
	nghttp2_session_callbacks_set_data_source_read_length_callback(cb, read_length);
	nghttp2_session_callbacks_set_send_data_callback(cb, send_body);
	if (nghttp2_session_client_new(&c->sess, cb, c))
		goto fail;
	nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, c->o.stream_window},
		{NGHTTP2_SETTINGS_MAX_FRAME_SIZE, MAX_FRAME},
		{NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 64 * 1024},
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
	fail_all(c, -ECONNRESET);
	while (c->calls)
		call_free(c, c->calls);
	nghttp2_session_del(c->sess);
	h2_out_free(&c->out);
	free(c->authority);
	free(c);
}

uint32_t h2_client_slots(const struct h2_client *c)
{
	uint32_t lim = c->o.max_concurrent;
	uint32_t peer = nghttp2_session_get_remote_settings(
		c->sess, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
	if (peer < lim)
		lim = peer;
	return c->open >= lim ? 0 : lim - c->open;
}

uint32_t h2_client_inflight(const struct h2_client *c)
{
	return c->unfinished;
}

int32_t h2_client_call(struct h2_client *c, const struct h2_call *call)
{
	nghttp2_nv nv[8 + MAX_METADATA];
	char tmo[16];
	size_t n = 0;

	if (c->fail_rc || c->goaway || c->freeing)
		return -ENOTCONN;
	if (!call->path || !call->done || call->n_metadata > MAX_METADATA ||
	    call->msg_len > UINT32_MAX || (call->msg_len && !call->msg))
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
	if (call->compressed)
		nv[n++] = h2_out_nv1("grpc-encoding", "gzip", 4);
	if (call->timeout_ns) {
		ssize_t tl = grpc_timeout_format(tmo, sizeof(tmo), call->timeout_ns);
		if (tl > 0)
			nv[n++] = h2_out_nv1("grpc-timeout", tmo, (size_t)tl);
	}
	n += h2_out_nv(nv + n, MAX_METADATA, call->metadata, call->n_metadata);

	nghttp2_data_provider prd = {.source.ptr = k, .read_callback = read_body};
	int32_t id = nghttp2_submit_request(c->sess, NULL, nv, n, &prd, k);
	if (id < 0) {
		free(k);
		return id == NGHTTP2_ERR_NOMEM ? -ENOMEM : id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE
								 ? -ENOTCONN : -EINVAL;
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
	struct h2c_call *k = find(c, id);

	if (!k || k->finished)
		return -ENOENT;
	finish(c, k, err ? err : -ECANCELED, NGHTTP2_CANCEL);
	nghttp2_submit_rst_stream(c->sess, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
	return 0;
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
