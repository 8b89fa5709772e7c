/* Pump bytes between h2 glue objects over a socketpair (see h2_pump.h). */
#include "h2_pump.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RCAP (256 * 1024)

uint64_t h2p_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int h2p_open(struct h2p *p, struct h2_server *s, struct h2_client *c)
{
	int fds[2];

	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds))
		return -errno;
	for (int i = 0; i < 2; i++)
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	p->sfd = fds[0];
	p->cfd = fds[1];
	p->s = s;
	p->c = c;
	p->rcap = RCAP;
	p->rbuf = malloc(RCAP);
	return p->rbuf ? 0 : -ENOMEM;
}

void h2p_close(struct h2p *p)
{
	if (p->sfd >= 0)
		close(p->sfd);
	if (p->cfd >= 0)
		close(p->cfd);
	p->sfd = p->cfd = -1;
	free(p->rbuf);
	p->rbuf = NULL;
}

static bool flush_server(struct h2p *p, bool *pending)
{
	bool moved = false;
	const uint8_t *d;
	ssize_t n;

	while ((n = h2_server_out(p->s, &d)) > 0) {
		ssize_t w = write(p->sfd, d, (size_t)n);
		if (w <= 0) {
			*pending = true;
			break;
		}
		h2_server_sent(p->s, (size_t)w);
		p->bytes_s2c += (uint64_t)w;
		moved = true;
	}
	return moved;
}

static bool flush_client(struct h2p *p, bool *pending)
{
	bool moved = false;
	const uint8_t *d;
	ssize_t n;

	while ((n = h2_client_out(p->c, &d)) > 0) {
		ssize_t w = write(p->cfd, d, (size_t)n);
		if (w <= 0) {
			*pending = true;
			break;
		}
		h2_client_sent(p->c, (size_t)w);
		p->bytes_c2s += (uint64_t)w;
		moved = true;
	}
	return moved;
}

static bool read_server(struct h2p *p)
{
	if (p->srv_rc || p->srv_eof)
		return false;
	ssize_t r = read(p->sfd, p->rbuf, p->rcap);
	if (r == 0)
		p->srv_eof = true;
	if (r <= 0)
		return r == 0;
	ssize_t rc = h2_server_recv(p->s, p->rbuf, (size_t)r);
	if (rc < 0)
		p->srv_rc = rc;
	return true;
}

static bool read_client(struct h2p *p)
{
	if (p->cli_rc || p->cli_eof)
		return false;
	ssize_t r = read(p->cfd, p->rbuf, p->rcap);
	if (r == 0)
		p->cli_eof = true;
	if (r <= 0)
		return r == 0;
	ssize_t rc = h2_client_recv(p->c, p->rbuf, (size_t)r);
	if (rc < 0)
		p->cli_rc = rc;
	return true;
}

/* One round: flush both, read both. Returns whether anything moved. */
static bool round_once(struct h2p *p, bool *pending)
{
	bool moved = false;
	*pending = false;
	if (p->s)
		moved |= flush_server(p, pending);
	if (p->c)
		moved |= flush_client(p, pending);
	if (p->s)
		moved |= read_server(p);
	if (p->c)
		moved |= read_client(p);
	return moved;
}

static void wait_io(struct h2p *p, bool pending, int ms)
{
	struct pollfd pf[2];
	int n = 0;
	if (p->s && !p->srv_eof)
		pf[n++] = (struct pollfd){ p->sfd, (short)(POLLIN | (pending ? POLLOUT : 0)), 0 };
	if (p->c && !p->cli_eof)
		pf[n++] = (struct pollfd){ p->cfd, (short)(POLLIN | (pending ? POLLOUT : 0)), 0 };
	poll(pf, (nfds_t)n, ms);
}

bool h2p_run(struct h2p *p, bool (*done)(void *), void *arg, int max_ms)
{
	uint64_t end = h2p_now_ms() + (uint64_t)max_ms;
	bool pending;

	for (long round = 0; round < 10000000; round++) {
		if (done && done(arg))
			return true;
		if (round_once(p, &pending))
			continue;
		if (h2p_now_ms() >= end)
			break;
		if (!done) {
			/* Quiet: one short poll; nothing then means settled. */
			wait_io(p, pending, 20);
			if (!round_once(p, &pending))
				return true;
			continue;
		}
		wait_io(p, pending, 20);
	}
	return done ? done(arg) : false;
}

size_t h2p_write_raw(struct h2p *p, int fd, const void *buf, size_t len, int max_ms)
{
	uint64_t end = h2p_now_ms() + (uint64_t)max_ms;
	size_t off = 0;
	bool pending;

	while (off < len && h2p_now_ms() < end) {
		ssize_t w = write(fd, (const uint8_t *)buf + off, len - off);
		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN)
			break;
		/* The peer must drain: pump the glue side, then wait. */
		if (!round_once(p, &pending))
			wait_io(p, true, 10);
	}
	return off;
}

size_t h2p_read_raw(struct h2p *p, int fd, void *buf, size_t cap, int max_ms)
{
	uint64_t end = h2p_now_ms() + (uint64_t)max_ms;
	size_t got = 0;
	bool pending;

	while (got < cap) {
		ssize_t r = read(fd, (uint8_t *)buf + got, cap - got);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0 || (r < 0 && errno != EAGAIN))
			break;
		if (h2p_now_ms() >= end)
			break;
		bool moved = round_once(p, &pending);
		if (got && !moved)
			break; /* the answer came and the peer went quiet */
		if (!moved) {
			struct pollfd pf = { fd, POLLIN, 0 };
			poll(&pf, 1, 10);
		}
	}
	return got;
}
