/* loop_listen.c: TCP listeners with multishot accept, and address
 * resolution. An accept error that ends the multishot (EMFILE, ENFILE,
 * ENOMEM) is retried after a short delay instead of spinning. */
#include "net/loop_int.h"
#include "net/tls.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOOP_ACCEPT_RETRY_MS 100

int net_resolve(const char *host, uint16_t port, struct sockaddr_storage *sa, socklen_t *salen)
{
	struct addrinfo hints, *res = NULL;
	char svc[8];
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (host ? 0 : AI_PASSIVE);
	snprintf(svc, sizeof(svc), "%u", (unsigned)port);
	int rc = getaddrinfo(host, svc, &hints, &res);
	if (rc != 0)
		return rc == EAI_SYSTEM ? -errno : (rc == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH);
	if (res->ai_addrlen > sizeof(*sa)) {
		freeaddrinfo(res);
		return -EINVAL;
	}
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*salen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void listener_arm(struct net_listener *l)
{
	struct io_uring_sqe *sqe = loop_sqe(l->loop);
	if (!sqe) {
		net_timer_arm(l->loop, &l->retry, LOOP_ACCEPT_RETRY_MS);
		return;
	}
	io_uring_prep_multishot_accept(sqe, l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, loop_udata(l, LOOP_OP_ACCEPT));
	l->armed = true;
}

static void listener_retry(struct net_timer *t, void *arg)
{
	struct net_listener *l = arg;
	(void)t;
	if (!l->closed && !l->armed)
		listener_arm(l);
}

static void listener_free(struct net_listener *l)
{
	struct net_loop *loop = l->loop;
	if (l->prev)
		l->prev->next = l->next;
	else
		loop->listeners = l->next;
	if (l->next)
		l->next->prev = l->prev;
	net_timer_cancel(loop, &l->retry);
	net_tls_free(l->tls);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}

void loop_listener_on_accept(struct net_listener *l, struct io_uring_cqe *cqe)
{
	bool more = cqe->flags & IORING_CQE_F_MORE;
	if (!more)
		l->armed = false;
	if (cqe->res >= 0) {
		if (l->closed) {
			close(cqe->res);
		} else {
			struct net_conn *c = loop_conn_new(l->loop, cqe->res, l->ops, l->udata);
			if (!c) {
				close(cqe->res);
			} else if (l->tls && tls_conn_attach_server(c, l->tls) < 0) {
				net_conn_abort(c); /* never handed to the user: no on_close */
			} else {
				loop_conn_started(c);
			}
		}
	}
	if (l->closed) {
		if (!l->armed)
			listener_free(l);
		return;
	}
	if (!more)
		net_timer_arm(l->loop, &l->retry, cqe->res < 0 ? LOOP_ACCEPT_RETRY_MS : 0);
}

int net_listen(struct net_loop *loop, const char *host, uint16_t port, unsigned flags,
	       const struct net_conn_ops *ops, void *udata, struct net_listener **out)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	int rc = net_resolve(host, port, &sa, &salen);
	if (rc < 0)
		return rc;
	int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if ((flags & NET_LISTEN_REUSEPORT) && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, 1024) < 0)
		goto fail;
	salen = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) < 0)
		goto fail;
	struct net_listener *l = calloc(1, sizeof(*l));
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	l->loop = loop;
	l->fd = fd;
	l->ops = ops;
	l->udata = udata;
	l->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
						 : ((struct sockaddr_in *)&sa)->sin_port);
	net_timer_init(&l->retry, listener_retry, l);
	l->next = loop->listeners;
	if (l->next)
		l->next->prev = l;
	loop->listeners = l;
	listener_arm(l);
	if (out)
		*out = l;
	return 0;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

uint16_t net_listener_port(const struct net_listener *l)
{
	return l->port;
}

void net_listener_close(struct net_listener *l)
{
	if (l->closed)
		return;
	l->closed = true;
	net_timer_cancel(l->loop, &l->retry);
	if (!l->armed) {
		listener_free(l);
		return;
	}
	struct io_uring_sqe *sqe = loop_sqe(l->loop);
	if (sqe) {
		io_uring_prep_cancel64(sqe, loop_udata(l, LOOP_OP_ACCEPT), 0);
		io_uring_sqe_set_data64(sqe, 0);
	}
	/* Stop the kernel queueing new connections for us right away. */
	shutdown(l->fd, SHUT_RDWR);
}

void loop_listener_free_all(struct net_loop *loop)
{
	while (loop->listeners)
		listener_free(loop->listeners);
}
