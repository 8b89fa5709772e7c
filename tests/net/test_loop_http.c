/* test_loop_http.c: HTTP/1.1 over the loop, both ends -- a keep-alive
 * server built from http1_parse_request + http1_body_decode, and a client
 * (the exporter's shape) that connects, POSTs with custom headers, and
 * parses the answers with http1_parse_response. Requests go one at a time,
 * then pipelined, then one with a chunked body; every answer is checked. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/http1.h"
#include "tests/net/loop_helpers.h"
#include "tests/check_run.h"

#define BUF 65536

struct srv_conn {
	char in[BUF];
	size_t len;
	int served;
};

static struct srv_conn g_srv;

/* Parse and answer every complete request in the buffer: 200 with body =
 * "<target> <api key> <body>" (body sent by reference to a static copy). */
static void srv_process(struct net_conn *c, struct srv_conn *s)
{
	static char bodies[8][1024];
	for (;;) {
		struct http1_request r;
		struct http1_header h[16];
		r.m.headers = h;
		r.m.max_headers_in = 16;
		int head = http1_parse_request(s->in, s->len, 0, NULL, &r);
		if (head == HTTP1_PARTIAL)
			return;
		if (head < 0) {
			char out[256];
			ssize_t n = http1_format_response(out, sizeof(out), http1_error_status(head), NULL, 0,
							  "", 0, HTTP1_F_CLOSE);
			net_conn_send(c, out, (size_t)n);
			net_conn_close(c);
			return;
		}
		struct http1_body b;
		http1_body_init(&b, &r.m, 1 << 20);
		char body[BUF];
		size_t cons, prod;
		int rc = http1_body_decode(&b, s->in + head, s->len - (size_t)head, &cons, body, sizeof(body),
					   &prod);
		if (rc == 0)
			return; /* body not all here yet: parse again when more comes */
		ck_assert_int_eq(rc, 1);
		const struct http1_header *key = http1_find_header(&r.m, "x-api-key");
		char *out = bodies[s->served % 8];
		int bl = snprintf(out, 1024, "%.*s %.*s %.*s", (int)r.target_len, r.target,
				  key ? (int)key->value_len : 1, key ? key->value : "-", (int)prod, body);
		char hd[256];
		struct http1_header rh[] = { { "Content-Type", 12, "text/plain", 10 } };
		ssize_t hl = http1_format_response_head(hd, sizeof(hd), 200, NULL, rh, 1, (uint64_t)bl,
							r.m.keep_alive ? 0 : HTTP1_F_CLOSE);
		ck_assert_int_eq(net_conn_send(c, hd, (size_t)hl), 0);
		ck_assert_int_eq(net_conn_send_ref(c, out, (size_t)bl, NULL, NULL), 0);
		s->served++;
		size_t used = (size_t)head + cons;
		memmove(s->in, s->in + used, s->len - used);
		s->len -= used;
		if (!r.m.keep_alive) {
			net_conn_close(c);
			return;
		}
	}
}

static void srv_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct srv_conn *s = &g_srv;
	ck_assert_uint_le(s->len + n, BUF);
	memcpy(s->in + s->len, d, n);
	s->len += n;
	srv_process(c, s);
}
static void srv_closed(struct net_conn *c, int reason)
{
	(void)c;
	(void)reason;
}
static const struct net_conn_ops http_srv = { .on_data = srv_data, .on_close = srv_closed };

struct cli {
	char in[BUF];
	size_t len, last;
	char answers[8][256];
	int n;
	int closed, reason, opened;
};

static void cli_open(struct net_conn *c, int st)
{
	struct cli *k = net_conn_udata(c);
	ck_assert_int_eq(st, 0);
	k->opened = 1;
}
static void cli_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct cli *k = net_conn_udata(c);
	memcpy(k->in + k->len, d, n);
	k->len += n;
	for (;;) {
		struct http1_response r;
		struct http1_header h[16];
		r.m.headers = h;
		r.m.max_headers_in = 16;
		int head = http1_parse_response(k->in, k->len, k->last, NULL, &r);
		k->last = k->len;
		if (head == HTTP1_PARTIAL)
			return;
		ck_assert_int_gt(head, 0);
		ck_assert_int_eq(r.m.body_kind, HTTP1_BODY_LENGTH);
		if (k->len - (size_t)head < r.m.content_length)
			return;
		if (r.status == 200) {
			size_t bl = r.m.content_length < 255 ? (size_t)r.m.content_length : 255;
			char *a = k->answers[k->n++ % 8];
			memcpy(a, k->in + head, bl);
			a[bl] = 0;
		} else
			snprintf(k->answers[k->n++ % 8], 256, "status %d", r.status);
		size_t used = (size_t)head + r.m.content_length;
		memmove(k->in, k->in + used, k->len - used);
		k->len -= used;
		k->last = 0;
	}
}
static void cli_close(struct net_conn *c, int reason)
{
	struct cli *k = net_conn_udata(c);
	k->closed = 1;
	k->reason = reason;
}
static const struct net_conn_ops http_cli = { .on_open = cli_open,
					      .on_data = cli_data,
					      .on_close = cli_close };

static void post(struct net_conn *c, const char *target, const char *key, const char *body, unsigned flags)
{
	char hd[512];
	struct http1_header h[] = { { "X-Api-Key", 9, key, strlen(key) } };
	ssize_t n = http1_format_request_head(hd, sizeof(hd), "POST", target, "127.0.0.1", h, 1, strlen(body),
					      flags);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(net_conn_send(c, hd, (size_t)n), 0);
	ck_assert_int_eq(net_conn_send(c, body, strlen(body)), 0);
}

static void wait_answers(struct net_loop *loop, struct cli *k, int n)
{
	uint64_t end = th_now_ms() + 10000;
	while (k->n < n && !k->closed && th_now_ms() < end)
		ck_assert_int_ge(net_loop_run_once(loop, 20), 0);
	ck_assert_int_eq(k->n, n);
}

START_TEST(test_client_server_keepalive)
{
	struct net_loop *loop = th_loop_new();
	memset(&g_srv, 0, sizeof(g_srv));
	struct net_listener *l;
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &http_srv, NULL, &l), 0);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", net_listener_port(l), &sa, &salen), 0);
	static struct cli k;
	memset(&k, 0, sizeof(k));
	struct net_conn *c;
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, salen, &http_cli, &k, &c), 0);
	/* queued before the connect completes: sent once it does */
	post(c, "/v1/traces", "k1", "first", 0);
	wait_answers(loop, &k, 1);
	ck_assert(k.opened);
	ck_assert_str_eq(k.answers[0], "/v1/traces k1 first");
	/* two pipelined requests in one go */
	post(c, "/a", "k2", "second", 0);
	post(c, "/b", "k3", "third", 0);
	wait_answers(loop, &k, 3);
	ck_assert_str_eq(k.answers[1], "/a k2 second");
	ck_assert_str_eq(k.answers[2], "/b k3 third");
	/* chunked body, written by hand, in pieces */
	const char *chunked = "POST /c HTTP/1.1\r\nX-Api-Key: k4\r\nTransfer-Encoding: chunked\r\n\r\n"
			      "4\r\nchun\r\n";
	ck_assert_int_eq(net_conn_send(c, chunked, strlen(chunked)), 0);
	th_run_for(loop, 30);
	ck_assert_int_eq(k.n, 3); /* server waits for the rest of the body */
	ck_assert_int_eq(net_conn_send(c, "3;x=y\r\nked\r\n0\r\n\r\n", 17), 0);
	wait_answers(loop, &k, 4);
	ck_assert_str_eq(k.answers[3], "/c k4 chunked");
	/* Connection: close -> the server answers and hangs up */
	post(c, "/last", "k5", "bye", HTTP1_F_CLOSE);
	wait_answers(loop, &k, 5);
	ck_assert_str_eq(k.answers[4], "/last k5 bye");
	ck_assert(th_run_until(loop, &k.closed, 5000));
	ck_assert_int_eq(k.reason, 0);
	ck_assert_int_eq(g_srv.served, 5);
	net_listener_close(l);
	net_loop_free(loop);
}
END_TEST

START_TEST(test_server_rejects_bad_request)
{
	struct net_loop *loop = th_loop_new();
	memset(&g_srv, 0, sizeof(g_srv));
	struct net_listener *l;
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &http_srv, NULL, &l), 0);
	struct sockaddr_storage sa;
	socklen_t salen;
	ck_assert_int_eq(net_resolve("127.0.0.1", net_listener_port(l), &sa, &salen), 0);
	static struct cli k;
	memset(&k, 0, sizeof(k));
	struct net_conn *c;
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, salen, &http_cli, &k, &c), 0);
	const char *bad = "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx";
	ck_assert_int_eq(net_conn_send(c, bad, strlen(bad)), 0);
	ck_assert(th_run_until(loop, &k.closed, 5000));
	ck_assert_int_eq(k.n, 1);
	ck_assert_str_eq(k.answers[0], "status 400");
	ck_assert_int_eq(k.reason, 0);
	net_listener_close(l);
	net_loop_free(loop);
}
END_TEST

int main(void)
{
	th_require_io_uring();
	Suite *s = suite_create("net_loop_http");
	TCase *tc = tcase_create("http");
	tcase_add_test(tc, test_client_server_keepalive);
	tcase_add_test(tc, test_server_rejects_bad_request);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
