/* tests/h2/h2_pump.h: drive an h2_server and an h2_client (or a raw peer)
 * over a nonblocking AF_UNIX socketpair with plain read/write/poll, in one
 * thread. Every run is bounded in rounds and in time. */
#ifndef SLUICE_TESTS_H2_PUMP_H
#define SLUICE_TESTS_H2_PUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/h2.h"

struct h2p {
	struct h2_server *s; /* NULL: the server side is raw (test reads sfd) */
	struct h2_client *c; /* NULL: the client side is raw (test writes cfd) */
	int sfd, cfd;
	ssize_t srv_rc, cli_rc; /* first negative recv result, else 0 */
	bool srv_eof, cli_eof;	/* the peer closed */
	uint64_t bytes_c2s, bytes_s2c;
	uint8_t *rbuf;
	size_t rcap;
};

/* Socketpair with both ends nonblocking. Returns 0 or -errno. */
int h2p_open(struct h2p *p, struct h2_server *s, struct h2_client *c);
/* Close both fds (not the server/client objects). */
void h2p_close(struct h2p *p);
/* Pump until done(arg) is true (returns true) or max_ms passed (returns
 * done(arg)); done NULL: until nothing moved for a quiet poll. */
bool h2p_run(struct h2p *p, bool (*done)(void *arg), void *arg, int max_ms);
/* Write all of buf to a raw fd within max_ms (pumping the server while it
 * blocks). Returns bytes written. */
size_t h2p_write_raw(struct h2p *p, int fd, const void *buf, size_t len, int max_ms);
/* Read what is available on a raw fd into buf (nonblocking, bounded wait
 * of max_ms for the first byte). Returns bytes read, 0 on EOF/nothing. */
size_t h2p_read_raw(struct h2p *p, int fd, void *buf, size_t cap, int max_ms);
uint64_t h2p_now_ms(void);

#endif
