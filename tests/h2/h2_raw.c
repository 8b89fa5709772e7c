/* h2_raw.c: see h2_raw.h. */
#include "tests/h2/h2_raw.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static ssize_t raw_send(nghttp2_session *s, const uint8_t *d, size_t n, int fl, void *ud)
{
	struct h2raw *r = ud;
	(void)s, (void)fl;
	if (!r->c || net_conn_send(r->c, d, n) < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return (ssize_t)n;
}

static ssize_t raw_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *fl,
			nghttp2_data_source *src, void *ud)
{
	struct h2raw *r = ud;
	(void)s, (void)id, (void)src;
	uint32_t total = 5 + (r->complete ? r->promise : r->give);
	if (r->sent_body >= total) {
		if (r->complete) {
			*fl |= NGHTTP2_DATA_FLAG_EOF;
			return 0;
		}
		return NGHTTP2_ERR_DEFERRED; /* and never resumed */
	}
	size_t n = 0;
	while (n < len && r->sent_body < total) {
		uint32_t at = r->sent_body++;
		buf[n++] = at == 0 ? 0 : at < 5 ? (uint8_t)(r->promise >> (8 * (4 - at))) : 'x';
	}
	if (r->complete && r->sent_body == total)
		*fl |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

static int raw_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
		      const uint8_t *value, size_t vl, uint8_t fl, void *ud)
{
	struct h2raw *r = ud;
	(void)s, (void)f, (void)fl;
	if (nl == 11 && memcmp(name, "grpc-status", 11) == 0)
		r->grpc_status = atoi((const char *)value);
	if (nl == 7 && memcmp(name, ":status", 7) == 0)
		r->http_status = atoi((const char *)value);
	(void)vl;
	return 0;
}

static int raw_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct h2raw *r = ud;
	(void)s;
	if (f->hd.type == NGHTTP2_GOAWAY)
		r->goaway = true;
	return 0;
}

static int raw_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
	struct h2raw *r = ud;
	(void)s, (void)id;
	r->stream_closed = true;
	r->close_code = code;
	return 0;
}

static void raw_open(struct net_conn *c, int st)
{
	struct h2raw *r = net_conn_udata(c);
	(void)st;
	r->opened = true;
}

static void raw_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct h2raw *r = net_conn_udata(c);
	if (nghttp2_session_mem_recv(r->s, d, n) < 0 || nghttp2_session_send(r->s) < 0)
		net_conn_abort(c);
}

static void raw_closed(struct net_conn *c, int reason)
{
	struct h2raw *r = net_conn_udata(c);
	(void)reason;
	r->closed = true;
	r->c = NULL;
}

static const struct net_conn_ops raw_ops = { raw_open, raw_data, NULL, raw_closed };

void h2raw_connect(struct h2raw *r, struct net_loop *loop, uint16_t port)
{
	nghttp2_session_callbacks *cb;
	struct sockaddr_storage sa;
	socklen_t sl;
	r->grpc_status = -1;
	ck_assert_int_eq(net_resolve("127.0.0.1", port, &sa, &sl), 0);
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, sl, &raw_ops, r, &r->c), 0);
	ck_assert_int_eq(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_send_callback(cb, raw_send);
	nghttp2_session_callbacks_set_on_header_callback(cb, raw_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, raw_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, raw_close);
	ck_assert_int_eq(nghttp2_session_client_new(&r->s, cb, r), 0);
	nghttp2_session_callbacks_del(cb);
	ck_assert_int_eq(nghttp2_submit_settings(r->s, NGHTTP2_FLAG_NONE, NULL, 0), 0);
	ck_assert_int_eq(nghttp2_session_send(r->s), 0);
}

void h2raw_call(struct h2raw *r)
{
	nghttp2_nv nv[] = {
		{ (uint8_t *)":method", (uint8_t *)"POST", 7, 4, 0 },
		{ (uint8_t *)":scheme", (uint8_t *)"http", 7, 4, 0 },
		{ (uint8_t *)":path",
		  (uint8_t *)"/opentelemetry.proto.collector.trace.v1.TraceService/Export", 5, 59, 0 },
		{ (uint8_t *)":authority", (uint8_t *)"127.0.0.1", 10, 9, 0 },
		{ (uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0 },
		{ (uint8_t *)"te", (uint8_t *)"trailers", 2, 8, 0 },
	};
	nghttp2_data_provider prd = { .read_callback = raw_body };
	ck_assert_int_gt(nghttp2_submit_request(r->s, NULL, nv, 6, &prd, NULL), 0);
	ck_assert_int_eq(nghttp2_session_send(r->s), 0);
}

void h2raw_ping(struct h2raw *r)
{
	if (!r->c)
		return;
	nghttp2_submit_ping(r->s, NGHTTP2_FLAG_NONE, NULL);
	nghttp2_session_send(r->s);
}

void h2raw_free(struct h2raw *r)
{
	nghttp2_session_del(r->s);
	r->s = NULL;
}
