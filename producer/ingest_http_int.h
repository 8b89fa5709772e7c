/* producer/ingest_http_int.h: private to the OTLP/HTTP receiver
 * (ingest_http.c: connections and parsing; ingest_http_reply.c: answers). */
#ifndef SLUICE_PRODUCER_INGEST_HTTP_INT_H
#define SLUICE_PRODUCER_INGEST_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http1.h"
#include "producer/ingest_http.h"

#define IHTTP_MAX_HEADERS 64
#define IHTTP_HEAD_MAX 16384
#define IHTTP_KEEP_BUF (1u << 20) /* receive buffer kept between requests */

struct ihttp_conn {
	struct ihttp_server *srv;
	struct net_conn *c;
	struct ihttp_conn *next, *prev;
	uint8_t *in; /* received, not yet consumed bytes */
	size_t len, cap;
	size_t last_len;	  /* for incremental head parsing */
	size_t head_len;	  /* 0 until the head is complete */
	size_t body_in, body_out; /* chunked: decode positions in `in` */
	struct http1_request req;
	struct http1_header hdrs[IHTTP_MAX_HEADERS];
	struct http1_body body;
	enum ingest_fmt fmt;
	int codec;	      /* enum codec of the body */
	enum otlp_signal sig; /* from the path */
	bool in_request;      /* bytes of a request seen, no answer yet */
	bool waiting;	      /* queued for ring space */
	bool closing;	      /* answered with Connection: close */
	struct ingest_wait wait;
	struct net_timer timer; /* read timeout of the current request */
};

/* Add n to a stage counter (when there are stats). */
void ihttp_count(struct ihttp_conn *hc, enum stat_counter c, uint64_t n);
/* Send a whole response. close: add Connection: close and close after it.
 * Counts the request (and a failure unless status is 200). */
void ihttp_respond(struct ihttp_conn *hc, int status, const uint8_t *body, size_t blen, bool close);
/* Answer status with a google.rpc.Status body (grpc_code, msg) in the
 * request's encoding. */
void ihttp_fail(struct ihttp_conn *hc, int status, int grpc_code, const char *msg, bool close);
/* Answer an ingest_submit / done status (INGEST_OK: the signal's empty
 * Export*ServiceResponse). */
void ihttp_answer_status(struct ihttp_conn *hc, int st);

#endif
