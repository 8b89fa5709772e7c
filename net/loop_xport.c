/* loop_xport.c: the loop's side of transports (net/transport.h) -- starting
 * a conn's transport, handing plaintext to the user, failing with a reason,
 * re-pumping -- and the FIFO of handshakes waiting for the turn's CPU
 * budget. The plain-TCP path never comes here. */
#include "net/loop_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- transports (net/transport.h) ---- */

void loop_conn_started(struct net_conn *c)
{
	if (c->xp) {
		c->xp->start(c);
	} else {
		c->flags |= C_USER;
		if (c->ops->on_open)
			c->ops->on_open(c, 0);
	}
	if (!(c->flags & C_DEAD))
		loop_conn_start_recv(c);
}

void net_conn_set_transport(struct net_conn *c, const struct net_transport_ops *xp, void *state)
{
	c->xp = xp;
	c->xs = state;
}

void *net_conn_transport_state(const struct net_conn *c)
{
	return c->xs;
}
bool net_conn_user_owned(const struct net_conn *c)
{
	return (c->flags & C_USER) != 0;
}
const char *net_conn_error(const struct net_conn *c)
{
	return c->why ? c->why : "";
}

void net_conn_deliver(struct net_conn *c, const uint8_t *data, size_t len)
{
	if (!(c->flags & (C_DEAD | C_CLOSING)))
		c->ops->on_data(c, data, len);
}

void net_conn_opened(struct net_conn *c)
{
	if (c->flags & C_DEAD)
		return;
	c->flags |= C_USER;
	if (c->ops->on_open)
		c->ops->on_open(c, 0);
}

void net_conn_fail(struct net_conn *c, int reason, const char *why)
{
	if (c->flags & C_DEAD)
		return;
	free(c->why);
	c->why = why ? strdup(why) : NULL;
	if (!c->seg_count || (c->flags & C_CONNECTING)) {
		loop_conn_finalize(c, reason);
		return;
	}
	/* Let the alert go out (bounded by the idle timeout), then close. */
	c->close_reason = reason;
	c->flags |= C_CLOSING;
	loop_conn_cancel_recv(c);
}

void net_conn_repump(struct net_conn *c)
{
	if (c->flags & C_DEAD)
		return;
	c->flags |= C_REPUMP;
	loop_conn_pend(c);
}

/* ---- the handshake queue: FIFO of conns waiting for CPU budget ---- */

void loop_conn_hs_unlink(struct net_conn *c)
{
	struct net_loop *loop = c->loop;
	if (!(c->flags & C_HSWAIT))
		return;
	c->flags &= ~C_HSWAIT;
	if (c->hs_prev)
		c->hs_prev->hs_next = c->hs_next;
	else
		loop->hs_head = c->hs_next;
	if (c->hs_next)
		c->hs_next->hs_prev = c->hs_prev;
	else
		loop->hs_tail = c->hs_prev;
	c->hs_prev = c->hs_next = NULL;
}

void net_conn_defer_handshake(struct net_conn *c)
{
	struct net_loop *loop = c->loop;
	if (c->flags & (C_HSWAIT | C_DEAD))
		return;
	c->flags |= C_HSWAIT;
	c->hs_prev = loop->hs_tail;
	c->hs_next = NULL;
	if (loop->hs_tail)
		loop->hs_tail->hs_next = c;
	else
		loop->hs_head = c;
	loop->hs_tail = c;
	loop->stats.handshake_deferrals++;
}

void loop_conn_run_handshakes(struct net_loop *loop)
{
	while (loop->hs_head && (!loop->hs_stepped || loop->hs_spent_ns < loop->hs_budget_ns)) {
		struct net_conn *c = loop->hs_head;
		loop_conn_hs_unlink(c);
		loop->hs_serving = c;
		if (!(c->flags & C_DEAD))
			c->xp->input(c, NULL, 0);
		loop->hs_serving = NULL;
		if (c->flags & C_HSWAIT)
			break; /* deferred again: the budget is spent */
	}
}
