/* test_tls_peers.c: TLS on the loop against real peers -- curl POSTs over
 * HTTPS to an HTTP/1.1 server on the loop, openssl s_client, nghttp over
 * TLS with ALPN h2 to the HTTP/2 server, our gRPC client to our HTTP/2
 * server over TLS, our HTTP client to a Node https server; and the config
 * checker's messages (unreadable file, bad PEM, key not matching). */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/grpc.h"
#include "tests/net/loop_helpers.h"
#include "tests/net/tls_helpers.h"
#include "tests/check_run.h"

static bool have(const char *tool)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

START_TEST(config_check_messages)
{
	char err[256];
	struct net_tls_server_config sc = { .cert_file = tlsh_cert("server.pem"),
					    .key_file = tlsh_cert("server.key") };
	ck_assert_int_eq(net_tls_check_server(&sc, err, sizeof(err)), 0);
	/* unreadable file: named, with the system's reason */
	sc.cert_file = "/nonexistent/cert.pem";
	ck_assert_int_eq(net_tls_check_server(&sc, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "cert_file /nonexistent/cert.pem: No such file"), "%s", err);
	/* not PEM at all */
	sc.cert_file = tlsh_cert("ca.cnf");
	ck_assert_int_eq(net_tls_check_server(&sc, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "ca.cnf") && strstr(err, "cert_file"), "%s", err);
	/* a key that belongs to another certificate */
	sc.cert_file = tlsh_cert("server.pem");
	sc.key_file = tlsh_cert("other.key");
	ck_assert_int_eq(net_tls_check_server(&sc, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "other.key: does not match cert_file") && strstr(err, "server.pem"), "%s",
		      err);
	/* a server needs both */
	struct net_tls_server_config none = { 0 };
	ck_assert_int_eq(net_tls_check_server(&none, err, sizeof(err)), -EINVAL);
	/* client: a CA file that is a key; versions out of order; inline PEM */
	struct net_tls_client_config cc = { .ca_file = tlsh_cert("ca.key") };
	ck_assert_int_eq(net_tls_check_client(&cc, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "ca_file") && strstr(err, "ca.key"), "%s", err);
	cc = (struct net_tls_client_config){ .min_version = NET_TLS_1_3, .max_version = NET_TLS_1_2 };
	ck_assert_int_eq(net_tls_check_client(&cc, err, sizeof(err)), -EINVAL);
	char *pem = tlsh_slurp(tlsh_cert("ca.pem"));
	cc = (struct net_tls_client_config){ .ca_pem = pem, .cert_file = tlsh_cert("client.pem") };
	ck_assert_int_eq(net_tls_check_client(&cc, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "without key_file"), "%s", err);
	cc.key_file = tlsh_cert("client.key");
	ck_assert_msg(net_tls_check_client(&cc, err, sizeof(err)) == 0, "%s", err);
	free(pem);
	/* insecure: no context at all */
	struct net_tls *t = (struct net_tls *)1;
	cc = (struct net_tls_client_config){ .insecure = true };
	ck_assert_int_eq(net_tls_client_new(&t, &cc, NULL, err, sizeof(err)), 0);
	ck_assert_ptr_null(t);
	enum net_tls_version v;
	ck_assert_int_eq(net_tls_version_parse("1.3", &v), 0);
	ck_assert_int_eq(v, NET_TLS_1_3);
	ck_assert_int_eq(net_tls_version_parse("1.4", &v), -EINVAL);
}
END_TEST

START_TEST(curl_https_post)
{
	if (!have("curl"))
		return;
	struct net_loop *loop = th_loop_new();
	struct net_tls *t = tlsh_server_tls("server", NULL, "http/1.1");
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, t);
	net_tls_free(t);
	char cmd[600], out[64];
	snprintf(out, sizeof(out), "%s/curl.out", tlsh_certs());
	/* 300 kB body: many TLS records each way through the loop's BIO. */
	snprintf(cmd, sizeof(cmd),
		 "head -c 300000 /dev/zero > %s/body && curl -sS --cacert %s "
		 "--data-binary @%s/body https://127.0.0.1:%u/v1/traces && "
		 "curl -sS --cacert %s https://localhost:%u/echo -d hello-tls",
		 tlsh_certs(), tlsh_cert("ca.pem"), tlsh_certs(), s.port, tlsh_cert("ca.pem"), s.port);
	ck_assert_int_eq(tlsh_wait_child(loop, tlsh_spawn(cmd, out), 20000), 0);
	char *got = tlsh_slurp(out);
	ck_assert_msg(strstr(got, "got 300000 bytes alpn=http/1.1") && strstr(got, "hello-tls"), "%s", got);
	ck_assert_uint_ge(s.served, 2);
	free(got);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

/* openssl s_client with `opts` POSTs body to 127.0.0.1:port/path and
 * closes; returns what it printed (-brief: protocol, suite, the answer). */
static char *s_client_post(struct net_loop *loop, unsigned port, const char *path, const char *body,
			   const char *opts)
{
	char cmd[700], out[64];
	snprintf(out, sizeof(out), "%s/s_client.out", tlsh_certs());
	snprintf(cmd, sizeof(cmd),
		 "printf 'POST %s HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: %zu\\r\\nConnection: close"
		 "\\r\\n\\r\\n%s' | openssl s_client -connect 127.0.0.1:%u -CAfile %s -verify_return_error "
		 "%s -ign_eof -brief",
		 path, strlen(body), body, port, tlsh_cert("ca.pem"), opts);
	ck_assert_int_eq(tlsh_wait_child(loop, tlsh_spawn(cmd, out), 20000), 0);
	return tlsh_slurp(out);
}

START_TEST(openssl_s_client)
{
	struct net_loop *loop = th_loop_new();
	struct net_tls *t = tlsh_server_tls("server", NULL, "http/1.1");
	struct tlsh_h1srv s;
	tlsh_h1srv_start(&s, loop, t);
	net_tls_free(t);
	char *got = s_client_post(loop, s.port, "/v1/traces", "hello", "-alpn http/1.1");
	ck_assert_msg(strstr(got, "Protocol version: TLSv1.3"), "%s", got);
	ck_assert_msg(strstr(got, "Verification: OK"), "%s", got);
	ck_assert_msg(strstr(got, "HTTP/1.1 200") && strstr(got, "got 5 bytes alpn=http/1.1"), "%s", got);
	/* s_client lists AES-256-GCM first; the server's order wins */
	ck_assert_msg(strstr(got, "Ciphersuite: TLS_AES_128_GCM_SHA256"), "%s", got);
	free(got);
	/* ... unless the client puts ChaCha20 first (no AES instructions) */
	got = s_client_post(loop, s.port, "/", "",
			    "-ciphersuites TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
	ck_assert_msg(strstr(got, "Ciphersuite: TLS_CHACHA20_POLY1305_SHA256") && strstr(got, "HTTP/1.1 200"),
		      "%s", got);
	free(got);
	/* TLS 1.2 with an RSA certificate works too */
	t = tlsh_server_tls("rsa", NULL, "http/1.1");
	struct tlsh_h1srv s2;
	tlsh_h1srv_start(&s2, loop, t);
	net_tls_free(t);
	got = s_client_post(loop, s2.port, "/", "", "-tls1_2");
	ck_assert_msg(strstr(got, "Protocol version: TLSv1.2") && strstr(got, "HTTP/1.1 200"), "%s", got);
	ck_assert_msg(strstr(got, "Ciphersuite: ECDHE-RSA-AES128-GCM-SHA256"), "%s", got);
	free(got);
	tlsh_srv_free(&s.list);
	tlsh_srv_free(&s2.list);
	net_loop_free(loop);
}
END_TEST

START_TEST(nghttp_h2_over_tls)
{
	if (!have("nghttp"))
		return;
	struct net_loop *loop = th_loop_new();
	struct net_tls *t = tlsh_server_tls("server", NULL, "h2");
	struct tlsh_h2srv s = { 0 };
	tlsh_h2srv_start(&s, loop, t);
	net_tls_free(t);
	char cmd[400], out[64];
	snprintf(out, sizeof(out), "%s/nghttp.out", tlsh_certs());
	snprintf(cmd, sizeof(cmd), "nghttp -v -d %s https://127.0.0.1:%u/v1/traces", tlsh_cert("ca.pem"),
		 s.port);
	ck_assert_int_eq(tlsh_wait_child(loop, tlsh_spawn(cmd, out), 20000), 0);
	char *got = tlsh_slurp(out);
	ck_assert_msg(strstr(got, "The negotiated protocol: h2"), "%s", got);
	ck_assert_msg(strstr(got, ":status: 200") && strstr(got, "hello h2"), "%s", got);
	ck_assert_str_eq(s.alpn, "h2");
	free(got);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

struct call_done {
	int done, err, grpc_status;
	char msg[64];
};

static void on_call(void *ud, const struct h2_call_result *r)
{
	struct call_done *d = ud;
	d->done = 1;
	d->err = r->err;
	d->grpc_status = r->grpc_status;
	snprintf(d->msg, sizeof(d->msg), "%.*s", (int)r->msg_len, r->msg ? (const char *)r->msg : "");
}

struct gcli {
	struct h2_link link;
	int opened;
	char alpn[16];
};

static void gcli_open(struct net_conn *c, int st)
{
	struct gcli *g = net_conn_udata(c);
	(void)st;
	g->opened = 1;
	snprintf(g->alpn, sizeof(g->alpn), "%s", net_conn_alpn(c));
}
static void gcli_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct gcli *g = net_conn_udata(c);
	h2_link_recv(&g->link, d, n);
}
static void gcli_close(struct net_conn *c, int r)
{
	struct gcli *g = net_conn_udata(c);
	(void)r;
	h2_link_detach(&g->link);
}
static const struct net_conn_ops gcli_ops = { gcli_open, gcli_data, NULL, gcli_close };

START_TEST(our_grpc_client_to_our_h2_server)
{
	struct net_loop *loop = th_loop_new();
	struct net_tls *st = tlsh_server_tls("server", NULL, "h2");
	struct tlsh_h2srv s = { 0 };
	tlsh_h2srv_start(&s, loop, st);
	net_tls_free(st);
	struct net_tls *ct = tlsh_client_tls(NULL, NULL, "h2");
	struct sockaddr_storage sa;
	socklen_t sl;
	ck_assert_int_eq(net_resolve("127.0.0.1", s.port, &sa, &sl), 0);
	struct gcli g = { 0 };
	struct net_conn *c;
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, sl, &gcli_ops, &g, &c), 0);
	struct h2_client_opts o = { .authority = "127.0.0.1" };
	ck_assert_int_eq(h2_link_client(&g.link, c, &o), 0);
	ck_assert_int_eq(net_conn_start_tls(c, ct, "127.0.0.1"), 0);
	net_tls_free(ct);
	/* Calls queued before the handshake finishes go out after it. */
	struct call_done d[20] = { { 0 } };
	static uint8_t big[200000];
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 20; i++) {
		struct h2_call call = { .path = "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
					.msg = i == 19 ? big : (const uint8_t *)"ping",
					.msg_len = i == 19 ? sizeof(big) : 4,
					.done = on_call,
					.ud = &d[i] };
		ck_assert_int_gt(h2_client_call(g.link.cli, &call), 0);
	}
	h2_link_flush(&g.link);
	int all = 0;
	for (int round = 0; round < 2000 && !all; round++) {
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
		all = 1;
		for (int i = 0; i < 20; i++)
			all &= d[i].done;
	}
	ck_assert(all);
	for (int i = 0; i < 19; i++) {
		ck_assert_int_eq(d[i].err, 0);
		ck_assert_int_eq(d[i].grpc_status, 0);
		ck_assert_str_eq(d[i].msg, "ping");
	}
	ck_assert_int_eq(d[19].err, 0);
	ck_assert_str_eq(g.alpn, "h2");
	ck_assert_str_eq(s.alpn, "h2");
	h2_link_detach(&g.link);
	tlsh_srv_free(&s.list);
	net_loop_free(loop);
}
END_TEST

START_TEST(our_http_client_to_node_https)
{
	if (!have("node"))
		return;
	struct net_loop *loop = th_loop_new();
	char cmd[1200], out[64];
	snprintf(out, sizeof(out), "%s/node.out", tlsh_certs());
	snprintf(cmd, sizeof(cmd),
		 "exec node -e \"const fs=require('fs');"
		 "require('https').createServer({key:fs.readFileSync('%s'),cert:fs.readFileSync('%s'),honorCipherOrder:false},"
		 "(q,r)=>{let n=0;q.on('data',d=>n+=d.length);q.on('end',()=>r.end('node got '+n+' '+"
		 "q.socket.alpnProtocol+' '+q.socket.getCipher().name))}).listen(0,'127.0.0.1',function(){console.log('port '+"
		 "this.address().port)})\"",
		 tlsh_cert("server.key"), tlsh_cert("server.pem"));
	pid_t pid = tlsh_spawn(cmd, out);
	unsigned port = 0;
	for (int i = 0; i < 400 && !port; i++) { /* up to 20 s for node to start */
		char *got = tlsh_slurp(out);
		char *p = strstr(got, "port ");
		if (p)
			port = (unsigned)atoi(p + 5);
		free(got);
		if (!port)
			usleep(50000);
	}
	ck_assert_uint_gt(port, 0);
	struct net_tls *ct = tlsh_client_tls(NULL, NULL, "http/1.1");
	struct tlsh_h1cli k;
	static char body[100000];
	memset(body, 'b', sizeof(body));
	tlsh_h1cli_post(&k, loop, (uint16_t)port, ct, "localhost", "/v1/traces", body, sizeof(body));
	th_run_until(loop, &k.done, 20000);
	ck_assert_int_eq(k.status, 200);
	/* the server takes the client's order: ours puts AES-128-GCM first */
	ck_assert_str_eq(k.body, "node got 100000 http/1.1 TLS_AES_128_GCM_SHA256");
	/* keep-alive: a second request on the same TLS conn */
	tlsh_h1cli_again(&k, "/v1/traces", "abc", 3);
	th_run_until(loop, &k.done, 20000);
	ck_assert_str_eq(k.body, "node got 3 http/1.1 TLS_AES_128_GCM_SHA256");
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	net_tls_free(ct);
	net_loop_free(loop);
}
END_TEST

int main(void)
{
	th_require_io_uring();
	signal(SIGPIPE, SIG_IGN);
	Suite *s = suite_create("net_tls_peers");
	TCase *tc = tcase_create("peers");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, config_check_messages);
	tcase_add_test(tc, curl_https_post);
	tcase_add_test(tc, openssl_s_client);
	tcase_add_test(tc, nghttp_h2_over_tls);
	tcase_add_test(tc, our_grpc_client_to_our_h2_server);
	tcase_add_test(tc, our_http_client_to_node_https);
	suite_add_tcase(s, tc);
	return check_run(s, CK_NOFORK) ? 1 : 0;
}
