/* exporter/grpcx_int.h: the OTLP/gRPC transport's insides, shared by
 * grpcx.c (calls on the connection: start, queue, complete, fail) and
 * grpcx_new.c (options into a transport); no other caller. */
#ifndef SLUICE_EXPORTER_GRPCX_INT_H
#define SLUICE_EXPORTER_GRPCX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "exporter/grpcx.h"
#include "exporter/xcompress.h"
#include "net/codec.h"
#include "net/h2.h"
#include "net/h2_link.h"
#include "net/loop.h"

#define GX_MAX_MD 32

struct gcall {
	struct grpcx *g;
	struct attempt *a; /* while its call is on a stream */
	int32_t stream;
	struct net_timer deadline;
	uint8_t *gz; /* the attempt's compressed body */
	size_t gzcap, gzlen;
	struct xcomp_job job; /* its compression */
	bool compressing;     /* job is with the worker: gz is not ours */
};

struct grpcx {
	struct net_loop *loop;
	struct stage_stats *stats;
	struct sockaddr_storage sa;
	socklen_t salen;
	char authority[300];
	const char *method; /* the signal's /...Service/Export path */
	struct h2_header md[GX_MAX_MD];
	unsigned nmd;
	char *strs;
	enum codec comp;
	int level;
	uint32_t timeout_ms, max_streams;
	char host[256];	     /* for TLS: SNI and verification */
	struct net_tls *tls; /* NULL: h2c */
	struct h2_link link; /* link.c / link.cli: NULL when down */
	char conn_err[200];  /* why the conn died, while its calls fail */
	struct codec_ctx cx;
	struct xcomp *xc;     /* compression worker; NULL: compress inline */
	struct gcall **calls; /* one per attempt ever seen, owned here */
	unsigned ncalls;
	struct attempt **wq;
	unsigned wq_head, wq_len, wq_cap;
};

/* The transport's operations (grpcx.c), and where the worker hands back a
 * compressed body (grpcx.c; xcomp_new's callback). */
extern const struct transport_ops grpcx_tops;
void grpcx_compressed(struct xcomp_job *job);

#endif
