/* tls_helpers.c: see tls_helpers.h. */
#include "tests/net/tls_helpers.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/grpc.h"
#include "net/http1.h"

static char certs_dir[64];

static void tlsh_cleanup(void)
{
	char cmd[128];
	if (certs_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", certs_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", certs_dir);
	}
}

const char *tlsh_certs(void)
{
	if (certs_dir[0])
		return certs_dir;
	snprintf(certs_dir, sizeof(certs_dir), "/tmp/sluice-certs-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(certs_dir));
	const char *src = getenv("SLUICE_SOURCE_DIR");
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "%s/tests/net/make_certs.sh %s", src ? src : ".", certs_dir);
	ck_assert_msg(system(cmd) == 0, "make_certs.sh failed (is openssl installed?)");
	atexit(tlsh_cleanup);
	return certs_dir;
}

const char *tlsh_cert(const char *name)
{
	static char bufs[8][160];
	static unsigned next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", tlsh_certs(), name);
	return b;
}

struct net_tls *tlsh_server_tls(const char *name, const char *client_ca, const char *alpn)
{
	char cert[160], key[160], ca[160], err[256];
	snprintf(cert, sizeof(cert), "%s/%s.pem", tlsh_certs(), name);
	snprintf(key, sizeof(key), "%s/%s.key", tlsh_certs(), name);
	snprintf(ca, sizeof(ca), "%s/%s.pem", tlsh_certs(), client_ca ? client_ca : "");
	struct net_tls_server_config sc = { .cert_file = cert,
					    .key_file = key,
					    .client_ca_file = client_ca ? ca : NULL };
	struct net_tls *t = NULL;
	ck_assert_msg(net_tls_server_new(&t, &sc, alpn, err, sizeof(err)) == 0, "%s", err);
	return t;
}

struct net_tls *tlsh_client_tls(const char *ca, const char *cert, const char *alpn)
{
	char caf[160], cf[160], kf[160], err[256];
	snprintf(caf, sizeof(caf), "%s/%s.pem", tlsh_certs(), ca ? ca : "ca");
	snprintf(cf, sizeof(cf), "%s/%s.pem", tlsh_certs(), cert ? cert : "");
	snprintf(kf, sizeof(kf), "%s/%s.key", tlsh_certs(), cert ? cert : "");
	struct net_tls_client_config cc = { .ca_file = caf,
					    .cert_file = cert ? cf : NULL,
					    .key_file = cert ? kf : NULL };
	struct net_tls *t = NULL;
	ck_assert_msg(net_tls_client_new(&t, &cc, alpn, err, sizeof(err)) == 0, "%s", err);
	return t;
}

void tlsh_count(void *arg, const char *side, const char *reason, const char *detail)
{
	struct tlsh_fails *f = arg;
	f->n++;
	snprintf(f->side, sizeof(f->side), "%s", side);
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	snprintf(f->detail, sizeof(f->detail), "%s", detail);
}

struct tlsh_conn {
	struct tlsh_conn *next, *prev, **head;
	bool h2;
};

static void conn_link(struct tlsh_conn *k, struct tlsh_conn **head)
{
	k->head = head;
	k->next = *head;
	if (*head)
		(*head)->prev = k;
	*head = k;
}

static void conn_unlink(struct tlsh_conn *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		*k->head = k->next;
	if (k->next)
		k->next->prev = k->prev;
}

/* ---- HTTP/1.1 server ---- */

struct h1c {
	struct tlsh_conn k; /* first */
	struct tlsh_h1srv *s;
	char *in;
	size_t len, cap;
};

static void h1s_open(struct net_conn *c, int status)
{
	struct tlsh_h1srv *s = net_conn_udata(c);
	(void)status;
	struct h1c *h = calloc(1, sizeof(*h));
	ck_assert_ptr_nonnull(h);
	h->s = s;
	conn_link(&h->k, &s->list);
	s->conns++;
	net_conn_peer_name(c, s->last_cn, sizeof(s->last_cn));
	net_conn_set_udata(c, h);
}

static void h1s_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct h1c *h = net_conn_udata(c);
	if (h->len + n > h->cap) {
		h->cap = (h->len + n) * 2;
		h->in = realloc(h->in, h->cap);
		ck_assert_ptr_nonnull(h->in);
	}
	memcpy(h->in + h->len, d, n);
	h->len += n;
	for (;;) {
		struct http1_request r;
		struct http1_header hd[32];
		r.m.headers = hd;
		r.m.max_headers_in = 32;
		int head = http1_parse_request(h->in, h->len, 0, NULL, &r);
		if (head == HTTP1_PARTIAL)
			return;
		ck_assert_int_gt(head, 0);
		size_t blen = r.m.body_kind == HTTP1_BODY_LENGTH ? (size_t)r.m.content_length : 0;
		if (h->len - (size_t)head < blen)
			return;
		char body[8192], out[9000];
		int bl;
		if (r.target_len == 5 && memcmp(r.target, "/echo", 5) == 0)
			bl = snprintf(body, sizeof(body), "%.*s", (int)(blen < 4000 ? blen : 4000),
				      h->in + head);
		else
			bl = snprintf(body, sizeof(body), "got %zu bytes alpn=%s", blen,
				      net_conn_alpn(c)[0] ? net_conn_alpn(c) : "-");
		ssize_t ol = http1_format_response(out, sizeof(out), 200, NULL, 0, body, (size_t)bl,
						   r.m.keep_alive ? 0 : HTTP1_F_CLOSE);
		ck_assert_int_gt(ol, 0);
		net_conn_send(c, out, (size_t)ol);
		h->s->served++;
		size_t used = (size_t)head + blen;
		memmove(h->in, h->in + used, h->len - used);
		h->len -= used;
		if (!r.m.keep_alive) {
			net_conn_close(c);
			return;
		}
	}
}

static void h1s_close(struct net_conn *c, int reason)
{
	(void)reason;
	struct h1c *h = net_conn_udata(c);
	conn_unlink(&h->k);
	free(h->in);
	free(h);
}

static const struct net_conn_ops h1s_ops = { h1s_open, h1s_data, NULL, h1s_close };

void tlsh_h1srv_start(struct tlsh_h1srv *s, struct net_loop *loop, struct net_tls *tls)
{
	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &h1s_ops, s, &s->l), 0);
	net_listener_set_tls(s->l, tls);
	s->port = net_listener_port(s->l);
}

/* ---- HTTP/2 server ---- */

struct h2c {
	struct tlsh_conn k; /* first */
	struct tlsh_h2srv *s;
	struct h2_link link;
};

static void h2s_request(void *ud, struct h2_server *hs, const struct h2_request *req)
{
	struct h2c *h = ud;
	h->s->served++;
	if (strncmp(req->content_type, "application/grpc", 16) == 0) {
		const uint8_t *msg;
		size_t ml;
		bool comp;
		ck_assert_int_eq(grpc_frame_unary(req->body, req->body_len, &msg, &ml, &comp), 0);
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_OK, NULL,
				       ml ? msg : (const uint8_t *)"", ml, -1);
	} else {
		static const struct h2_header ct = { "content-type", 12, "text/plain", 10 };
		struct h2_response r = { 200, &ct, 1, (const uint8_t *)"hello h2\n", 9, NULL, 0 };
		h2_server_respond(hs, req->stream_id, &r);
	}
}

static void h2s_open(struct net_conn *c, int status)
{
	struct tlsh_h2srv *s = net_conn_udata(c);
	(void)status;
	struct h2c *h = calloc(1, sizeof(*h));
	ck_assert_ptr_nonnull(h);
	h->s = s;
	h->k.h2 = true;
	conn_link(&h->k, &s->list);
	snprintf(s->alpn, sizeof(s->alpn), "%s", net_conn_alpn(c));
	struct h2_server_cbs cbs = { .on_request = h2s_request };
	ck_assert_int_eq(h2_link_server(&h->link, c, &s->lim, &cbs, h), 0);
	net_conn_set_udata(c, h);
	h2_link_flush(&h->link);
}

static void h2s_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct h2c *h = net_conn_udata(c);
	h2_link_recv(&h->link, d, n);
}

static void h2s_close(struct net_conn *c, int reason)
{
	(void)reason;
	struct h2c *h = net_conn_udata(c);
	conn_unlink(&h->k);
	h2_link_detach(&h->link);
	free(h);
}

void tlsh_srv_free(struct tlsh_conn **list)
{
	while (*list) {
		struct tlsh_conn *k = *list;
		conn_unlink(k);
		if (k->h2)
			h2_link_detach(&((struct h2c *)k)->link);
		else
			free(((struct h1c *)k)->in);
		free(k);
	}
}

static const struct net_conn_ops h2s_ops = { h2s_open, h2s_data, NULL, h2s_close };

void tlsh_h2srv_start(struct tlsh_h2srv *s, struct net_loop *loop, struct net_tls *tls)
{
	struct h2_server_limits lim = s->lim;
	memset(s, 0, sizeof(*s));
	s->lim = lim;
	ck_assert_int_eq(net_listen(loop, "127.0.0.1", 0, 0, &h2s_ops, s, &s->l), 0);
	net_listener_set_tls(s->l, tls);
	s->port = net_listener_port(s->l);
}

/* ---- HTTP/1.1 client ---- */

static void h1k_open(struct net_conn *c, int status)
{
	struct tlsh_h1cli *k = net_conn_udata(c);
	(void)status;
	k->opened = true;
	snprintf(k->alpn, sizeof(k->alpn), "%s", net_conn_alpn(c));
}

static void h1k_data(struct net_conn *c, const uint8_t *d, size_t n)
{
	struct tlsh_h1cli *k = net_conn_udata(c);
	if (k->in_len + n > sizeof(k->in))
		n = sizeof(k->in) - k->in_len;
	memcpy(k->in + k->in_len, d, n);
	k->in_len += n;
	struct http1_response r;
	struct http1_header hd[32];
	memset(&r, 0, sizeof(r));
	r.m.headers = hd;
	r.m.max_headers_in = 32;
	int head = http1_parse_response(k->in, k->in_len, 0, NULL, &r);
	if (head <= 0)
		return;
	size_t blen = (size_t)r.m.content_length;
	if (k->in_len - (size_t)head < blen)
		return;
	k->status = r.status;
	k->body_len = blen < sizeof(k->body) - 1 ? blen : sizeof(k->body) - 1;
	memcpy(k->body, k->in + head, k->body_len);
	k->body[k->body_len] = 0;
	k->in_len = 0;
	k->done = true;
}

static void h1k_close(struct net_conn *c, int reason)
{
	struct tlsh_h1cli *k = net_conn_udata(c);
	k->close_reason = reason;
	snprintf(k->error, sizeof(k->error), "%s", net_conn_error(c));
	k->done = true;
	k->c = NULL;
}

static const struct net_conn_ops h1k_ops = { h1k_open, h1k_data, NULL, h1k_close };

void tlsh_h1cli_again(struct tlsh_h1cli *k, const char *path, const void *body, size_t len)
{
	char head[512];
	k->done = false;
	k->status = 0;
	ssize_t hl = http1_format_request_head(head, sizeof(head), "POST", path, "127.0.0.1", NULL, 0, len,
					       0);
	ck_assert_int_gt(hl, 0);
	ck_assert_int_eq(net_conn_send(k->c, head, (size_t)hl), 0);
	if (len)
		ck_assert_int_eq(net_conn_send(k->c, body, len), 0);
}

void tlsh_h1cli_post(struct tlsh_h1cli *k, struct net_loop *loop, uint16_t port, struct net_tls *tls,
		     const char *server_name, const char *path, const void *body, size_t len)
{
	struct sockaddr_storage sa;
	socklen_t sl;
	memset(k, 0, sizeof(*k));
	ck_assert_int_eq(net_resolve("127.0.0.1", port, &sa, &sl), 0);
	ck_assert_int_eq(net_connect(loop, (struct sockaddr *)&sa, sl, &h1k_ops, k, &k->c), 0);
	ck_assert_int_eq(net_conn_start_tls(k->c, tls, server_name), 0);
	tlsh_h1cli_again(k, path, body, len);
}

/* ---- child processes ---- */

pid_t tlsh_spawn(const char *cmd, const char *outfile)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* the tests run without forking (CK_NOFORK): a failed assertion
		 * ends the test program before its kill(), and the tool (a node
		 * server, say) must not outlive it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		int fd = open(outfile, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

int tlsh_wait_child(struct net_loop *loop, pid_t pid, int max_ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t end = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + (uint64_t)max_ms;
	for (;;) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		ck_assert_int_ge(net_loop_run_once(loop, 10), 0);
	}
}

char *tlsh_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(buf);
	if (f) {
		size_t n = fread(buf, 1, (1 << 20) - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	return buf;
}
