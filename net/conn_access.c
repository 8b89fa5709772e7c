/* conn_access.c: what a connection's users may read or set of it (the
 * accessors of net/loop.h); how a connection works is in loop_conn.c. */
#include "net/loop_int.h"

size_t net_conn_out_pending(const struct net_conn *c)
{
	return c->out_pending;
}

void *net_conn_udata(const struct net_conn *c)
{
	return c->udata;
}
void net_conn_set_udata(struct net_conn *c, void *udata)
{
	c->udata = udata;
}
struct net_loop *net_conn_loop(const struct net_conn *c)
{
	return c->loop;
}
int net_conn_fd(const struct net_conn *c)
{
	return c->fd;
}
int net_conn_paused(const struct net_conn *c)
{
	return (c->flags & C_PAUSED) != 0;
}
