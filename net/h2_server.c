/* h2c server connection over nghttp2: preface check (and the HTTP/1.x
 * answer), session setup, rapid-reset protection, error reporting, the
 * byte pump. Requests are assembled in h2_server_req.c, answers built in
 * h2_server_resp.c. */
#include "net/h2_server_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN (sizeof(preface) - 1)

static const char http1_answer_body[] = "This port speaks HTTP/2 only (OTLP/gRPC, h2c with prior knowledge); "
					"send OTLP/HTTP requests to the OTLP/HTTP endpoint.\n";

static void fail(struct h2_server *s, int rc, uint32_t h2_code, const char *fmt, const char *arg)
{
	if (s->fail_rc)
		return;
	s->fail_rc = rc;
	snprintf(s->err, sizeof(s->err), fmt, arg);
	if (h2_code != UINT32_MAX)
		nghttp2_session_terminate_session(s->sess, h2_code);
}

static void count_reset(struct h2_server *s)
{
	uint64_t now = h2s_now_ms();

	if (now - s->rst_start >= s->lim.rst_window_ms) {
		s->rst_start = now;
		s->rst_count = 0;
	}
	if (++s->rst_count > s->lim.rst_max) {
		char why[64];
		snprintf(why, sizeof(why), "%u RST_STREAM in %u ms", s->rst_count, s->lim.rst_window_ms);
		fail(s, -EPROTO, NGHTTP2_ENHANCE_YOUR_CALM, "rapid reset flood (%s): GOAWAY", why);
	}
}

static int on_frame_recv(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	struct h2_server *s = ud;
	struct h2s_stream *st;

	switch (frame->hd.type) {
	case NGHTTP2_RST_STREAM:
		count_reset(s);
		return 0;
	case NGHTTP2_GOAWAY:
		s->peer_goaway = true;
		return 0;
	case NGHTTP2_HEADERS:
	case NGHTTP2_DATA:
		break;
	default:
		return 0;
	}
	st = nghttp2_session_get_stream_user_data(sess, frame->hd.stream_id);
	if (!st || st->st != H2S_RECV || s->fail_rc)
		return 0;
	if (st->too_big) {
		h2s_refuse_big(s, st, false);
		return 0;
	}
	if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
		return h2s_deliver(s, st);
	return 0;
}

static int on_stream_close(nghttp2_session *sess, int32_t id, uint32_t code, void *ud)
{
	struct h2_server *s = ud;
	struct h2s_stream *st = nghttp2_session_get_stream_user_data(sess, id);
	(void)code;

	if (!st)
		return 0;
	nghttp2_session_set_stream_user_data(sess, id, NULL);
	h2s_stream_unlink(s, st);
	if (st->st == H2S_DELIVERED) {
		s->pending--;
		if (s->cbs.on_abort)
			s->cbs.on_abort(s->ud, s, id);
	}
	h2s_stream_free(s, st);
	return 0;
}

/* nghttp2 found a connection error and is sending GOAWAY: remember why. */
static int on_frame_send(nghttp2_session *sess, const nghttp2_frame *frame, void *ud)
{
	struct h2_server *s = ud;

	if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR)
		fail(s, -EPROTO, UINT32_MAX, "HTTP/2 protocol error: %s",
		     s->lib_err[0] ? s->lib_err : nghttp2_http2_strerror(frame->goaway.error_code));
	return h2s_on_frame_send(sess, frame, ud);
}

static int on_error(nghttp2_session *sess, int code, const char *msg, size_t len, void *ud)
{
	struct h2_server *s = ud;
	(void)sess;
	(void)code;
	if (len >= sizeof(s->lib_err))
		len = sizeof(s->lib_err) - 1;
	memcpy(s->lib_err, msg, len);
	s->lib_err[len] = 0;
	return 0;
}

static ssize_t on_send(nghttp2_session *sess, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct h2_server *s = ud;
	(void)sess;
	(void)flags;
	return h2_out_write(&s->out, data, len);
}

static void set_defaults(struct h2_server_limits *l)
{
	if (!l->max_concurrent_streams)
		l->max_concurrent_streams = 100;
	if (!l->max_header_list)
		l->max_header_list = 16 * 1024;
	if (!l->max_body)
		l->max_body = 16 * 1024 * 1024;
	if (!l->conn_window)
		l->conn_window = 16 * 1024 * 1024;
	if (!l->stream_window)
		l->stream_window = 4 * 1024 * 1024;
	if (!l->rst_max)
		l->rst_max = 200;
	if (!l->rst_window_ms)
		l->rst_window_ms = 1000;
	if (!l->max_buffered)
		l->max_buffered = l->max_body * 2 > 32u << 20 ? l->max_body * 2 : 32u << 20;
	if (l->max_buffered < l->max_body)
		l->max_buffered = l->max_body;
	if (l->conn_window > INT32_MAX)
		l->conn_window = INT32_MAX;
	if (l->stream_window > INT32_MAX)
		l->stream_window = INT32_MAX;
}

struct h2_server *h2_server_new(const struct h2_server_limits *lim, const struct h2_server_cbs *cbs, void *ud)
{
	struct h2_server *s = calloc(1, sizeof(*s));
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_option *opt = NULL;

	if (!s)
		return NULL;
	if (lim)
		s->lim = *lim;
	set_defaults(&s->lim);
	if (cbs)
		s->cbs = *cbs;
	s->ud = ud;
	h2_out_init(&s->out, s->lim.out_cap);
	if (nghttp2_session_callbacks_new(&cb) || nghttp2_option_new(&opt))
		goto fail;
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, h2s_on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, h2s_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2s_on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_error_callback2(cb, on_error);
	nghttp2_session_callbacks_set_data_source_read_length_callback(cb, h2s_read_length);
	/* Our own reset counting decides; nghttp2's is the backstop. */
	nghttp2_option_set_max_settings(opt, 64);
	if (nghttp2_session_server_new2(&s->sess, cb, s, opt))
		goto fail;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, s->lim.max_concurrent_streams },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, s->lim.stream_window },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, s->lim.max_header_list },
		{ NGHTTP2_SETTINGS_MAX_FRAME_SIZE, H2S_MAX_FRAME },
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
	};
	if (nghttp2_submit_settings(s->sess, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) ||
	    h2_out_window(s->sess, s->lim.conn_window))
		goto fail;
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	s->rst_start = s->idle_since = h2s_now_ms();
	return s;
fail:
	nghttp2_session_callbacks_del(cb);
	nghttp2_option_del(opt);
	h2_server_free(s);
	return NULL;
}

void h2_server_free(struct h2_server *s)
{
	if (!s)
		return;
	while (s->streams) {
		struct h2s_stream *st = s->streams;
		h2s_stream_unlink(s, st);
		if (st->st == H2S_DELIVERED && s->cbs.on_abort)
			s->cbs.on_abort(s->ud, s, st->id);
		h2s_stream_free(s, st);
	}
	nghttp2_session_del(s->sess);
	h2_out_free(&s->out);
	free(s);
}

/* Decide what a connection that did not open with the HTTP/2 preface is:
 * an HTTP/1.x request line starts with an upper-case method and a space. */
static bool looks_http1(const uint8_t *head, size_t head_len, const uint8_t *in, size_t len)
{
	uint8_t b[16];
	size_t n = 0;

	for (size_t i = 0; i < head_len && n < sizeof(b); i++)
		b[n++] = head[i];
	for (size_t i = 0; i < len && n < sizeof(b); i++)
		b[n++] = in[i];
	for (size_t i = 0; i < n; i++) {
		if (b[i] == ' ')
			return i > 0;
		if (b[i] < 'A' || b[i] > 'Z')
			return false;
	}
	return false;
}

static void answer_http1(struct h2_server *s)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg),
			 "HTTP/1.1 505 HTTP Version Not Supported\r\n"
			 "Content-Type: text/plain\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n%s",
			 sizeof(http1_answer_body) - 1, http1_answer_body);
	s->http1 = true;
	h2_out_raw(&s->out, msg, (size_t)n);
	fail(s, -EPROTONOSUPPORT, UINT32_MAX, "%s", "client spoke HTTP/1.x on the HTTP/2 (gRPC) port");
}

ssize_t h2_server_recv(struct h2_server *s, const uint8_t *in, size_t len)
{
	if (s->fail_rc)
		return s->fail_rc;
	if (s->head_len < PREFACE_LEN) {
		size_t i = 0;
		for (; i < len && s->head_len < PREFACE_LEN; i++) {
			if (in[i] != (uint8_t)preface[s->head_len]) {
				if (looks_http1((const uint8_t *)preface, s->head_len, in + i, len - i))
					answer_http1(s);
				else
					fail(s, -EPROTO, NGHTTP2_PROTOCOL_ERROR, "%s",
					     "not an HTTP/2 client preface");
				return s->fail_rc;
			}
			s->head_len++;
		}
	}
	ssize_t rv = nghttp2_session_mem_recv(s->sess, in, len);
	if (rv == NGHTTP2_ERR_NOMEM || rv == NGHTTP2_ERR_CALLBACK_FAILURE) {
		fail(s, -ENOMEM, NGHTTP2_INTERNAL_ERROR, "%s", "out of memory");
		return s->fail_rc;
	}
	if (rv < 0)
		fail(s, -EPROTO, NGHTTP2_PROTOCOL_ERROR, "HTTP/2 error: %s", nghttp2_strerror((int)rv));
	/* A connection error nghttp2 found shows once its GOAWAY is
	 * serialized (on_frame_send). With no view outstanding, serialize now
	 * so this call can report it; otherwise h2_server_closing will. */
	if (!s->fail_rc && s->head_len == PREFACE_LEN && h2_out_empty(&s->out)) {
		const uint8_t *d;
		if (h2_out_fill(&s->out, s->sess, &d) == -ENOMEM)
			fail(s, -ENOMEM, NGHTTP2_INTERNAL_ERROR, "%s", "out of memory");
	}
	return s->fail_rc ? s->fail_rc : (ssize_t)len;
}

ssize_t h2_server_out(struct h2_server *s, const uint8_t **data)
{
	/* Nothing goes out before the client proved it speaks HTTP/2, so an
	 * HTTP/1.x client reads a clean HTTP/1.1 answer. */
	bool h2 = s->head_len == PREFACE_LEN || (s->fail_rc && !s->http1);
	return h2_out_fill(&s->out, h2 ? s->sess : NULL, data);
}

void h2_server_sent(struct h2_server *s, size_t n)
{
	h2_out_sent(&s->out, n);
}

bool h2_server_closing(const struct h2_server *s)
{
	if (s->fail_rc)
		return true;
	return !nghttp2_session_want_read(s->sess) && !nghttp2_session_want_write(s->sess);
}

const char *h2_server_error(const struct h2_server *s)
{
	return s->fail_rc ? s->err : "";
}

void h2_server_shutdown(struct h2_server *s)
{
	if (s->shutting || s->fail_rc)
		return;
	s->shutting = true;
	nghttp2_submit_goaway(s->sess, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(s->sess),
			      NGHTTP2_NO_ERROR, NULL, 0);
}

uint32_t h2_server_pending(const struct h2_server *s)
{
	return s->pending;
}

int64_t h2_server_next_deadline(const struct h2_server *s)
{
	if (!s->lim.read_timeout_ms && !s->lim.idle_timeout_ms)
		return -1;
	uint64_t best = UINT64_MAX;
	if (s->lim.read_timeout_ms)
		for (const struct h2s_stream *st = s->streams; st; st = st->next)
			if (st->st == H2S_RECV && st->start_ms + s->lim.read_timeout_ms < best)
				best = st->start_ms + s->lim.read_timeout_ms;
	if (s->lim.idle_timeout_ms && !s->streams && !s->shutting && !s->fail_rc)
		if (s->idle_since + s->lim.idle_timeout_ms < best)
			best = s->idle_since + s->lim.idle_timeout_ms;
	if (best == UINT64_MAX)
		return -1;
	uint64_t now = h2s_now_ms();
	return best > now ? (int64_t)(best - now) : 0;
}

unsigned h2_server_tick(struct h2_server *s)
{
	uint64_t now = h2s_now_ms();
	unsigned n = 0;
	if (s->fail_rc)
		return 0;
	if (s->lim.read_timeout_ms) {
		for (struct h2s_stream *st = s->streams; st; st = st->next)
			if (st->st == H2S_RECV && now - st->start_ms >= s->lim.read_timeout_ms) {
				h2s_refuse_late(s, st);
				n++;
			}
	}
	if (s->lim.idle_timeout_ms && !s->streams && now - s->idle_since >= s->lim.idle_timeout_ms)
		h2_server_shutdown(s);
	return n;
}
