/* tests/net/tls_helpers.h: what the TLS tests share -- certificates made
 * with the openssl command (make_certs.sh), an HTTP/1.1 server and an
 * HTTP/2 server on the loop (either plain or TLS), a small HTTP/1.1 client,
 * and child processes (curl, openssl, nghttp, node) run while the loop
 * runs, bounded in time. */
#ifndef SLUICE_TESTS_NET_TLS_HELPERS_H
#define SLUICE_TESTS_NET_TLS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "net/h2_link.h"
#include "net/loop.h"
#include "net/tls.h"

/* The directory with every certificate (made once a process). */
const char *tlsh_certs(void);
/* tlsh_certs() + "/" + name, in one of 8 rotating static buffers. */
const char *tlsh_cert(const char *name);

/* A server context from the test certificates (name: "server", "rsa",
 * "expired", ...); client_ca: NULL or a cert name (mTLS). */
struct net_tls *tlsh_server_tls(const char *name, const char *client_ca, const char *alpn);
/* A client context trusting ca (NULL: the test CA); cert: NULL or a cert
 * name presented to the server. */
struct net_tls *tlsh_client_tls(const char *ca, const char *cert, const char *alpn);

/* Failures counted by a fail hook (net_tls_set_fail_hook(t, tlsh_count, &f)). */
struct tlsh_fails {
	unsigned n;
	char side[16], reason[32], detail[256];
};
void tlsh_count(void *arg, const char *side, const char *reason, const char *detail);

/* HTTP/1.1 server: answers every request "200 got <n> bytes alpn=<x>";
 * a request to /echo gets its body back. */
struct tlsh_conn;
struct tlsh_h1srv {
	struct tlsh_conn *list; /* open conns (freed by tlsh_srv_free) */
	struct net_listener *l;
	uint16_t port;
	unsigned served, conns;
	char last_cn[128];
};
void tlsh_h1srv_start(struct tlsh_h1srv *s, struct net_loop *loop, struct net_tls *tls);

/* HTTP/2 server (h2_link): gRPC calls get their message back with status
 * OK; other requests "200 hello h2". */
struct tlsh_h2srv {
	struct tlsh_conn *list;
	struct net_listener *l;
	uint16_t port;
	unsigned served;
	char alpn[16];
	struct h2_server_limits lim;
};
void tlsh_h2srv_start(struct tlsh_h2srv *s, struct net_loop *loop, struct net_tls *tls);

/* Free the state of conns still open (net_loop_free runs no callbacks):
 * call before net_loop_free. */
void tlsh_srv_free(struct tlsh_conn **list);

/* HTTP/1.1 client: POST body to path, read one answer. */
struct tlsh_h1cli {
	struct net_conn *c;
	int status; /* 0 until an answer came */
	char body[4096];
	size_t body_len;
	int done; /* answered or closed */
	int close_reason;
	char error[256]; /* net_conn_error at close */
	char alpn[16];
	bool opened;
	char in[8192];
	size_t in_len;
};
/* Connect to 127.0.0.1:port with tls (NULL: plain) and POST. */
void tlsh_h1cli_post(struct tlsh_h1cli *k, struct net_loop *loop, uint16_t port, struct net_tls *tls,
		     const char *server_name, const char *path, const void *body, size_t len);
/* Send another request on the same conn (after done with a status). */
void tlsh_h1cli_again(struct tlsh_h1cli *k, const char *path, const void *body, size_t len);

/* Run `sh -c cmd` with stdout+stderr to outfile; returns the pid. */
pid_t tlsh_spawn(const char *cmd, const char *outfile);
/* Run the loop until the child exits (max_ms, then kill it). Returns its
 * exit status, or -1 if it had to be killed. */
int tlsh_wait_child(struct net_loop *loop, pid_t pid, int max_ms);
/* The whole file (malloc'd, NUL-terminated; "" if absent). */
char *tlsh_slurp(const char *path);

#endif
