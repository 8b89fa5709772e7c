/* sluice-sink's OTLP/gRPC side: h2c server (net/h2.h) on the loop. The
 * method names the signal (TraceService, LogsService, MetricsService
 * Export); another method, or a signal not taken (--signals), is
 * UNIMPLEMENTED, as a Collector without that service answers. */
#include "tools/sink/sink.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc.h"
#include "net/h2.h"
#include "net/h2_link.h"

struct gsc {
	struct sink_link link; /* first */
	struct sink *s;
	struct h2_link h2l; /* the conn and its h2_server */
	bool dead;
};

static void gsc_flush(struct gsc *g)
{
	if (!g->dead && h2_link_flush(&g->h2l))
		g->dead = true;
}

static void gsc_request(void *ud, struct h2_server *hs, const struct h2_request *req)
{
	struct gsc *g = ud;
	struct sink *s = g->s;
	const struct otlp_signal_desc *sd = otlp_signal_by_grpc_path(req->path, strlen(req->path));
	if (!sd || !(s->signals & (1u << sd->signal))) {
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_UNIMPLEMENTED,
				       "sink: unknown service or method", NULL, 0, -1);
		return;
	}
	bool authorized = !s->req_name;
	for (size_t i = 0; i < req->n_headers && !authorized; i++)
		authorized = sink_has_required(s, req->headers[i].name, req->headers[i].name_len,
					       req->headers[i].value, req->headers[i].value_len);
	if (!authorized) {
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_UNAUTHENTICATED,
				       "sink: missing or wrong --require-header metadata", NULL, 0, -1);
		return;
	}
	const uint8_t *msg;
	size_t len;
	bool comp;
	if (grpc_frame_unary(req->body, req->body_len, &msg, &len, &comp) < 0) {
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_INTERNAL, "sink: bad framing", NULL, 0,
				       -1);
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
			h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_INTERNAL,
					       "sink: bad compressed message", NULL, 0, -1);
			return;
		}
		msg = s->scratch;
		len = (size_t)n;
	}
	bool valid;
	struct sink_step st = sink_take(s, (int)sd->signal, msg, len, &valid, "grpc");
	if (!valid) {
		char why[160];
		snprintf(why, sizeof(why), "sink: not a valid %s", sd->request_name);
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_INVALID_ARGUMENT, why, NULL, 0, -1);
		return;
	}
	switch (st.act) {
	case SINK_OK:
	case SINK_PARTIAL: {
		uint8_t pb[64];
		size_t n = sink_reply_export(SINK_FMT_PROTO, (int)sd->signal,
					     st.act == SINK_PARTIAL ? st.partial : 0, pb, sizeof(pb));
		h2_server_respond_grpc(hs, req->stream_id, GRPC_STATUS_OK, NULL, n ? pb : (const uint8_t *)"",
				       n, -1);
		break;
	}
	case SINK_CODE: {
		int code = sink_grpc_code_for(st.code);
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
	.on_open = gsc_on_open,
	.on_data = gsc_on_data,
	.on_close = gsc_on_close,
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
