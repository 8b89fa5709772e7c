/* h2_link.c: the byte pump between an HTTP/2 session and a loop conn. The
 * session's view is copied into the conn's output queue (net_conn_send),
 * so the session can refill at once; on a TLS conn that copy is the
 * encryption itself. */
#include "net/h2_link.h"
#include "rt/clock.h"

#include <errno.h>
#include <string.h>

/* One flush writes at most this many views: a session that keeps
 * producing (a flood of answers) yields to the loop in between. */
#define H2_LINK_VIEWS 1024

static void h2_link_timer(struct net_timer *t, void *arg)
{
	struct h2_link *l = arg;
	(void)t;
	if (l->srv && !l->closing) {
		h2_server_tick(l->srv);
		h2_link_flush(l);
	}
}

static void h2_link_arm(struct h2_link *l)
{
	if (!l->srv || l->closing)
		return;
	int64_t ms = h2_server_next_deadline(l->srv);
	if (ms < 0)
		return;
	/* Re-arm when the session's next deadline is earlier than the armed
	 * one: a stream's read deadline (read_timeout) comes after the idle
	 * deadline (idle_timeout, usually longer) was armed on the empty
	 * connection. A timer armed too early just ticks and re-arms. */
	uint64_t due = rt_mono_ns() + ((uint64_t)ms + 1) * 1000000u;
	if (net_timer_armed(&l->timer) && l->timer.deadline_ns <= due)
		return;
	net_timer_arm(net_conn_loop(l->c), &l->timer, (uint64_t)ms + 1);
}

int h2_link_server(struct h2_link *l, struct net_conn *c, const struct h2_server_limits *lim,
		   const struct h2_server_cbs *cbs, void *ud)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
	net_timer_init(&l->timer, h2_link_timer, l);
	l->srv = h2_server_new(lim, cbs, ud);
	return l->srv ? 0 : -ENOMEM;
}

int h2_link_client(struct h2_link *l, struct net_conn *c, const struct h2_client_opts *o)
{
	memset(l, 0, sizeof(*l));
	l->c = c;
	net_timer_init(&l->timer, h2_link_timer, l);
	l->cli = h2_client_new(o);
	return l->cli ? 0 : -ENOMEM;
}

bool h2_link_flush(struct h2_link *l)
{
	if (!l->c || l->closing)
		return l->closing;
	for (int i = 0; i < H2_LINK_VIEWS; i++) {
		const uint8_t *p;
		ssize_t n = l->srv ? h2_server_out(l->srv, &p) : h2_client_out(l->cli, &p);
		if (n <= 0)
			break;
		if (net_conn_send(l->c, p, (size_t)n) < 0)
			break;
		if (l->srv)
			h2_server_sent(l->srv, (size_t)n);
		else
			h2_client_sent(l->cli, (size_t)n);
	}
	bool over = l->srv ? h2_server_closing(l->srv)
			   : h2_client_closing(l->cli) && h2_client_inflight(l->cli) == 0;
	if (over) {
		l->closing = true;
		net_timer_cancel(net_conn_loop(l->c), &l->timer);
		net_conn_close(l->c);
		return true;
	}
	h2_link_arm(l);
	return false;
}

ssize_t h2_link_recv(struct h2_link *l, const uint8_t *data, size_t len)
{
	if (l->closing)
		return -EPIPE;
	ssize_t rc = l->srv ? h2_server_recv(l->srv, data, len) : h2_client_recv(l->cli, data, len);
	h2_link_flush(l);
	if (rc < 0 && !l->closing) {
		/* A client's connection error with calls still in flight: they
		 * were failed inside recv; nothing more can come. */
		l->closing = true;
		net_timer_cancel(net_conn_loop(l->c), &l->timer);
		net_conn_close(l->c);
	}
	return rc;
}

void h2_link_detach(struct h2_link *l)
{
	struct h2_server *s = l->srv;
	struct h2_client *h = l->cli;
	if (l->c)
		net_timer_cancel(net_conn_loop(l->c), &l->timer);
	l->closing = true;
	l->srv = NULL;
	l->cli = NULL;
	l->c = NULL;
	h2_server_free(s); /* callbacks inside see a detached link */
	h2_client_free(h);
}
