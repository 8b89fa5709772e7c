/* exporter/otlphttp_int.h: the otlphttp transport's insides, shared by
 * otlphttp.c (the pool of connections, the wait queue, setup and
 * teardown) and otlphttp_conn.c (one connection's request/answer state
 * machine); no other caller. */
#ifndef SLUICE_EXPORTER_OTLPHTTP_INT_H
#define SLUICE_EXPORTER_OTLPHTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exporter/otlphttp.h"
#include "exporter/xcompress.h"
#include "net/codec.h"
#include "net/http1.h"
#include "net/loop.h"

#define HC_RBUF 16384 /* response head + start of body */
#define HC_KEEP 1024  /* response body bytes kept for reasons/partial */
#define HX_MAX_HDRS 32

enum hc_state {
	HC_DOWN = 0,
	HC_OPEN,
	HC_CLOSING
};

struct hconn {
	struct httpx *t;
	struct net_conn *c;
	enum hc_state state;
	struct attempt *a; /* request in progress, NULL = idle */
	bool timed_out;
	bool head_done;
	size_t rlen, last_len;
	int status;
	int64_t hint_ms;
	bool keep_alive, is_proto;
	struct http1_body body;
	size_t klen;
	struct net_timer tmo;
	uint32_t served;  /* answers received on this connection */
	bool fresh_try;	  /* this request already moved to a fresh connection */
	bool restart;	  /* move it once the old send is released */
	bool ref_pending; /* the body is queued by reference */
	bool have_out;	  /* outcome waiting for that send to finish */
	struct outcome out;
	char out_reason[240];
	uint8_t *gz; /* this connection's compressed body */
	size_t gzcap;
	struct xcomp_job job; /* its compression, when on the worker */
	bool compressing;     /* job is with the worker: gz is not ours */
	char rbuf[HC_RBUF];
	uint8_t keep[HC_KEEP];
};

struct httpx {
	struct net_loop *loop;
	struct stage_stats *stats;
	struct sockaddr_storage sa;
	socklen_t salen;
	char hostport[300];
	char host[256];	     /* for TLS: SNI and verification (server_name) */
	struct net_tls *tls; /* NULL: plain http */
	char path[512];
	struct http1_header hdrs[HX_MAX_HDRS];
	unsigned nh;
	char *strs; /* copies of header names/values */
	enum codec comp;
	int level;
	uint32_t timeout_ms;
	struct hconn *conns;
	unsigned nconn;
	struct attempt **wq; /* FIFO of attempts waiting for a connection */
	unsigned wq_head, wq_len, wq_cap;
	struct codec_ctx cx;
	struct xcomp *xc; /* compression worker; NULL: compress inline */
};

/* otlphttp.c: hc (idle again) takes the oldest attempt waiting for a
 * connection, if any and hc is not closing. */
void hx_next(struct httpx *t, struct hconn *hc);

/* otlphttp_conn.c */
/* Sends a on hc, which is idle (hc->a NULL) and not closing: compresses
 * the body (on the worker or inline), connects if hc is down, writes the
 * request; the outcome goes to deliver_complete, then hc takes the next
 * waiting attempt. */
void hc_start(struct hconn *hc, struct attempt *a);
/* hc->tmo's callback: the request took longer than timeout_ms. */
void hc_timeout(struct net_timer *tm, void *arg);
/* The worker's done callback (t->xc): a connection's body is compressed. */
void hc_compressed(struct xcomp_job *job);

#endif
