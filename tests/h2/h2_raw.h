/* tests/h2/h2_raw.h: a deliberately rude HTTP/2 client on the loop, made
 * with nghttp2 directly: it opens gRPC streams whose body never completes
 * (HEADERS, then one DATA frame whose gRPC prefix promises `promise` bytes
 * and carries a few), or sends only PINGs. For the server timeout tests and
 * the half-sent-streams benchmark. */
#ifndef SLUICE_TESTS_H2_RAW_H
#define SLUICE_TESTS_H2_RAW_H

#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/loop.h"

struct h2raw {
	nghttp2_session *s;
	struct net_conn *c;
	uint32_t promise; /* gRPC message length the prefix announces */
	uint32_t give;	  /* bytes of it actually sent (then stall) */
	bool complete;	  /* send the whole message (a well-behaved call) */
	int grpc_status;  /* -1 until a grpc-status came */
	int http_status;
	bool stream_closed;
	uint32_t close_code; /* the stream's RST_STREAM / close error code */
	bool goaway, closed, opened;
	uint32_t sent_body;
};

/* Connect to 127.0.0.1:port. */
void h2raw_connect(struct h2raw *r, struct net_loop *loop, uint16_t port);
/* Open one gRPC Export stream (see promise / give / complete). */
void h2raw_call(struct h2raw *r);
/* Send a PING. */
void h2raw_ping(struct h2raw *r);
void h2raw_free(struct h2raw *r);

#endif
