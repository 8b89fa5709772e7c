/* tools/gen/gen_grpc.c: OTLP/gRPC senders: `streams` unary calls in flight on
 * each h2c connection, every stream slot with its own request body. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "net/grpc.h"
#include "net/h2.h"
#include "net/h2_link.h"
#include "net/tls.h"
#include "tools/gen/gen.h"

struct gen_grpc_conn;

struct gen_stream {
	struct gen_grpc_conn *gc;
	struct gen_body body;
	bool busy;
	uint64_t first_id, sent_ns;
};

struct gen_grpc_conn {
	struct gen *g;
	struct h2_link h2l; /* h2l.c / h2l.cli: NULL while down */
	bool connected;
	struct net_timer reconnect;
	struct gen_stream *streams;
};

static const struct net_conn_ops gen_grpc_ops;

/* Hand nghttp2's pending output to the socket. */
static void gen_grpc_flush(struct gen_grpc_conn *gc)
{
	if (gc->h2l.cli)
		h2_link_flush(&gc->h2l);
}

static void gen_grpc_done(void *ud, const struct h2_call_result *res)
{
	struct gen_stream *s = ud;
	struct gen *g = s->gc->g;
	enum gen_outcome oc = GEN_FAILED;
	if (res->err == 0 && res->grpc_status == 0)
		oc = GEN_ACKED;
	else if (res->err == 0 && (res->grpc_status == 8 || res->grpc_status == 14))
		oc = GEN_REFUSED; /* RESOURCE_EXHAUSTED, UNAVAILABLE */
	else if (g->n.failed_req < 3)
		log_msg(LOG_WARN, "gRPC call failed: err %d grpc-status %d %s", res->err, res->grpc_status,
			res->grpc_message ? res->grpc_message : "");
	s->busy = false;
	g->inflight--;
	gen_record(g, oc, s->first_id, s->body.req.n_spans, s->sent_ns);
}

static void gen_grpc_send(struct gen_stream *s)
{
	struct gen_grpc_conn *gc = s->gc;
	struct gen *g = gc->g;
	if (s->busy || !gc->connected || g->stopping || h2_client_closing(gc->h2l.cli) ||
	    h2_client_slots(gc->h2l.cli) == 0 || !gen_may_send(g))
		return;
	s->first_id = gen_take_ids(g, s->body.req.n_spans);
	s->sent_ns = net_loop_now_ns(g->loop);
	if (gen_body_make(g, &s->body, s->first_id) < 0) {
		g->stopping = true;
		return;
	}
	struct h2_call call = {
		.path = g->sd->grpc_method,
		.msg = s->body.out,
		.msg_len = s->body.out_len,
		.compressed = g->o.codec != CODEC_NONE,
		.encoding = codec_name(g->o.codec),
		.timeout_ns = 30000000000ull,
		.done = gen_grpc_done,
		.ud = s,
	};
	int32_t id = h2_client_call(gc->h2l.cli, &call);
	if (id < 0) {
		g->tokens += 1; /* give the token back */
		return;
	}
	s->busy = true;
	g->inflight++;
	g->n.sent_req++;
	g->n.sent_spans += s->body.req.n_spans;
}

static void gen_grpc_kick_conn(struct gen_grpc_conn *gc)
{
	for (uint32_t i = 0; i < gc->g->o.streams; i++)
		gen_grpc_send(&gc->streams[i]);
	gen_grpc_flush(gc);
}

static void gen_grpc_connect(struct gen_grpc_conn *gc)
{
	char authority[300];
	snprintf(authority, sizeof(authority), "%s:%u", gc->g->o.host, gc->g->o.port);
	struct h2_client_opts o = { .authority = authority };
	struct net_conn *c;
	if (net_connect(gc->g->loop, (struct sockaddr *)&gc->g->sa, gc->g->salen, &gen_grpc_ops, gc, &c) <
	    0) {
		net_timer_arm(gc->g->loop, &gc->reconnect, 100);
		return;
	}
	if (h2_link_client(&gc->h2l, c, &o) < 0 || net_conn_start_tls(c, gc->g->tls, gc->g->o.host) < 0) {
		h2_link_detach(&gc->h2l);
		net_conn_abort(c); /* on_close re-arms the reconnect */
		return;
	}
	gen_grpc_flush(gc);
}

static void gen_grpc_reconnect_due(struct net_timer *t, void *arg)
{
	(void)t;
	struct gen_grpc_conn *gc = arg;
	if (!gc->g->stopping)
		gen_grpc_connect(gc);
}

static void gen_grpc_on_open(struct net_conn *c, int status)
{
	struct gen_grpc_conn *gc = net_conn_udata(c);
	if (status == 0) {
		gc->connected = true;
		gen_grpc_kick_conn(gc);
	}
}

static void gen_grpc_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct gen_grpc_conn *gc = net_conn_udata(c);
	if (gc->h2l.c != c || h2_link_recv(&gc->h2l, data, len) < 0)
		return;
	gen_grpc_kick_conn(gc);
}

static void gen_grpc_on_close(struct net_conn *c, int reason)
{
	struct gen_grpc_conn *gc = net_conn_udata(c);
	if (reason < 0 && *net_conn_error(c) && gc->g->conn_errors_logged++ < 3)
		log_msg(LOG_WARN, "gRPC connection: %s", net_conn_error(c));
	gc->connected = false;
	/* Fails every call in flight (their answers are lost). */
	h2_link_detach(&gc->h2l);
	if (!gc->g->stopping)
		net_timer_arm(gc->g->loop, &gc->reconnect, 100);
}

static const struct net_conn_ops gen_grpc_ops = {
	.on_open = gen_grpc_on_open,
	.on_data = gen_grpc_on_data,
	.on_close = gen_grpc_on_close,
};

int gen_grpc_start(struct gen *g)
{
	struct gen_grpc_conn *cs = calloc(g->o.connections, sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	g->senders = cs;
	for (uint32_t i = 0; i < g->o.connections; i++) {
		struct gen_grpc_conn *gc = &cs[i];
		gc->g = g;
		net_timer_init(&gc->reconnect, gen_grpc_reconnect_due, gc);
		gc->streams = calloc(g->o.streams, sizeof(*gc->streams));
		if (!gc->streams)
			return -ENOMEM;
		for (uint32_t k = 0; k < g->o.streams; k++) {
			gc->streams[k].gc = gc;
			int err = gen_body_init(g, &gc->streams[k].body, g->next_id ^ (i * 131 + k));
			if (err < 0)
				return err;
		}
		gen_grpc_connect(gc);
	}
	return 0;
}

void gen_grpc_kick(struct gen *g)
{
	struct gen_grpc_conn *cs = g->senders;
	for (uint32_t i = 0; i < g->o.connections; i++) {
		if (!cs[i].h2l.c)
			continue;
		if (g->stopping && h2_client_inflight(cs[i].h2l.cli) == 0) {
			net_conn_close(cs[i].h2l.c);
			continue;
		}
		gen_grpc_kick_conn(&cs[i]);
	}
}

void gen_grpc_free(struct gen *g)
{
	struct gen_grpc_conn *cs = g->senders;
	if (!cs)
		return;
	for (uint32_t i = 0; i < g->o.connections; i++) {
		h2_link_detach(&cs[i].h2l);
		for (uint32_t k = 0; cs[i].streams && k < g->o.streams; k++)
			gen_body_free(&cs[i].streams[k].body);
		free(cs[i].streams);
	}
	free(cs);
	g->senders = NULL;
}
