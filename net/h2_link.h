/* net/h2_link.h: one HTTP/2 session (net/h2.h, server or client) bound to
 * one loop conn (plain TCP or TLS, net/loop.h + net/tls.h). The only code
 * that moves HTTP/2 bytes between a session and a socket.
 *
 *   struct h2_link     embed it in your connection state; zero-init
 *   h2_link_server()   bind an accepted conn to a new h2_server
 *   h2_link_client()   bind a conn from net_connect to a new h2_client
 *   h2_link_recv()     call from on_data: feeds the session, then flushes
 *   h2_link_flush()    call after anything that queues output (respond,
 *                      call, cancel, shutdown): writes what the session
 *                      has (copied into the conn's queue), closes the conn
 *                      once the session is over (a server: closing; a
 *                      client: closing with no call in flight), and keeps
 *                      the server's read/idle deadline timer armed
 *   h2_link_detach()   call from on_close: stops the timer, frees the
 *                      session (the server's on_abort / the client's done
 *                      callbacks run inside, as h2_*_free says)
 *
 * Sessions stay reachable as link->srv / link->cli for h2_server_respond,
 * h2_client_call and friends.
 */
#ifndef SLUICE_NET_H2_LINK_H
#define SLUICE_NET_H2_LINK_H

#include <stdbool.h>
#include <sys/types.h>

#include "net/h2.h"
#include "net/loop.h"

struct h2_link {
	struct net_conn *c;
	struct h2_server *srv; /* exactly one of srv / cli is set */
	struct h2_client *cli;
	struct net_timer timer; /* server read / idle deadlines */
	bool closing;		/* the conn is being closed */
};

/* 0, or -ENOMEM (nothing was bound: abort the conn). */
int h2_link_server(struct h2_link *l, struct net_conn *c, const struct h2_server_limits *lim,
		   const struct h2_server_cbs *cbs, void *ud);
int h2_link_client(struct h2_link *l, struct net_conn *c, const struct h2_client_opts *o);
/* Returns what h2_*_recv returned (len, or -EPROTO & co; the conn is then
 * closing). */
ssize_t h2_link_recv(struct h2_link *l, const uint8_t *data, size_t len);
/* true once the link is closing its conn. */
bool h2_link_flush(struct h2_link *l);
void h2_link_detach(struct h2_link *l);

#endif
