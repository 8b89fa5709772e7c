/* sluice-sink's OTLP/gRPC side: h2c server (net/h2.h) on the loop. */
#include "tools/sink/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc.h"
#include "net/h2.h"
#include "net/h2_link.h"

#define GS_PATH "/opentelemetry.proto.collector.trace.v1.TraceService/Export"

struct gsc {
	struct sink_link link; /* first */
	struct sink *s;
	struct h2_link h2l;    /* the conn and its h2_server */
	bool dead;
};

static void gsc_flush(struct gsc *g)
{
	if (!g->dead && h2_link_flush(&g->h2l))
		g->dead = true;
}

/* HTTP status of the schedule -> the gRPC code a server would use. */
static int grpc_code_for(int http)
{
	switch (http) {
	case 400: return GRPC_STATUS_INVALID_ARGUMENT;
	case 401: return GRPC_STATUS_UNAUTHENTICATED;
	case 403: return GRPC_STATUS_PERMISSION_DENIED;
	case 404: return GRPC_STATUS_UNIMPLEMENTED;
	case 429: return GRPC_STATUS_RESOURCE_EXHAUSTED;
	case 502: case 503: case 504: return GRPC_STATUS_UNAVAILABLE;
	default: return GRPC_STATUS_INTERNAL;
	}
}

static void gsc_request(void *ud, struct h2_server *hs, const struct h2_request *req)
{
	struct gsc *g = ud;
	struct sink *s = g->s;
	if (strcmp(req->path, GS_PATH) != 0) {
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_UNIMPLEMENTED, "sink: traces only",
				       NULL, 0, -1);
		return;
	}
	const uint8_t *msg;
	size_t len;
	bool comp;
	if (grpc_frame_unary(req->body, req->body_len, &msg, &len, &comp) < 0) {
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_INTERNAL, "sink: bad framing",
				       NULL, 0, -1);
		return;
	}
	if (comp) {
		int codec = codec_from_name(req->grpc_encoding, strlen(req->grpc_encoding));
		if (codec <= CODEC_NONE) {
			h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_UNIMPLEMENTED,
					       "sink: unknown grpc-encoding", NULL, 0, -1);
			return;
		}
		long n = sink_decode(s, codec, msg, len);
		if (n < 0) {
			h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_INTERNAL, "sink: bad compressed message",
					       NULL, 0, -1);
			return;
		}
		msg = s->scratch;
		len = (size_t)n;
	}
	bool valid;
	struct sink_step st = sink_take(s, msg, len, &valid, "grpc");
	if (!valid) {
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_INVALID_ARGUMENT,
				       "sink: not a valid ExportTraceServiceRequest", NULL, 0, -1);
		return;
	}
	switch (st.act) {
	case SINK_OK:
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_OK, NULL, (const uint8_t *)"", 0, -1);
		break;
	case SINK_PARTIAL: {
		uint8_t pb[64], *p = pb + 2;
		*p++ = 0x08;
		uint64_t v = st.partial;
		while (v >= 0x80) {
			*p++ = (uint8_t)(v | 0x80);
			v >>= 7;
		}
		*p++ = (uint8_t)v;
		*p++ = 0x12;
		*p++ = 12;
		memcpy(p, "sink partial", 12);
		p += 12;
		pb[0] = 0x0a;
		pb[1] = (uint8_t)(p - pb - 2);
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_OK, NULL, pb, (size_t)(p - pb), -1);
		break;
	}
	case SINK_CODE: {
		int code = grpc_code_for(st.code);
		int64_t delay = st.retry_after >= 0 ? (int64_t)st.retry_after * 1000000000LL : -1;
		h2_server_respond_grpc(hs, req->stream_id, code, "sink: refused on purpose", NULL, 0, delay);
		break;
	}
	case SINK_CLOSE:
		g->dead = true;
		net_conn_abort(g->h2l.c);
		break;
	case SINK_STALL:
		break; /* never answered; the client's deadline cancels it */
	}
}

static void gsc_free(struct sink_link *l)
{
	struct gsc *g = (struct gsc *)l;
	sink_link_del(l);
	g->dead = true;
	h2_link_detach(&g->h2l);
	free(g);
}

static void gsc_on_open(struct net_conn *c, int status)
{
	(void)status;
	struct sink *s = net_conn_udata(c);
	struct gsc *g = calloc(1, sizeof(*g));
	struct h2_server_cbs cbs = { .on_request = gsc_request };
	struct h2_server_limits lim = { .max_body = s->max_body + 16 };
	if (!g || h2_link_server(&g->h2l, c, &lim, &cbs, g) < 0) {
		if (g)
			h2_link_detach(&g->h2l);
		free(g);
		net_conn_set_udata(c, NULL);
		net_conn_abort(c);
		return;
	}
	g->s = s;
	g->link.free = gsc_free;
	sink_link_add(s, &g->link);
	s->conns++;
	net_conn_set_udata(c, g);
	gsc_flush(g);
}

static void gsc_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct gsc *g = net_conn_udata(c);
	if (!g || g->dead)
		return;
	h2_link_recv(&g->h2l, data, len);
	if (g->h2l.closing)
		g->dead = true;
}

static void gsc_on_close(struct net_conn *c, int reason)
{
	(void)reason;
	struct gsc *g = net_conn_udata(c);
	if (!g)
		return;
	gsc_free(&g->link);
}

static const struct net_conn_ops gsc_ops = {
	.on_open = gsc_on_open, .on_data = gsc_on_data, .on_close = gsc_on_close,
};

int sink_grpc_listen(struct sink *s, const char *host, uint16_t port, uint16_t *bound)
{
	struct net_listener *l;
	int rc = net_listen(s->loop, host, port, 0, &gsc_ops, s, &l);
	if (rc < 0)
		return rc;
	net_listener_set_tls(l, s->tls_grpc);
	*bound = net_listener_port(l);
	return 0;
}
