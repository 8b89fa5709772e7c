/* producer/ingest_grpc.c: OTLP/gRPC connections (see ingest_grpc.h).
 *
 * The method path picks the signal, the signal the route (IN ring and
 * receiver x grpc x signal stats slot).
 *
 * net/h2 turns bytes into whole requests and answers into bytes; this file
 * moves bytes between it and the loop and turns each Export call into an
 * ingest_prepare + ingest_submit. A call that waits for ring space gets a
 * small struct igrpc_call (one allocation a waiting call, not a span);
 * other streams of the same connection go on meanwhile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"
#include "net/grpc.h"
#include "net/h2_link.h"
#include "producer/ingest_grpc.h"

struct igrpc_call {
	struct igrpc_conn *gc;
	int32_t stream_id;
	struct igrpc_call *next, *prev;
	struct ingest_wait wait;
};

struct igrpc_conn {
	struct igrpc_server *srv;
	struct h2_link link; /* the conn and its h2_server */
	struct igrpc_conn *next, *prev;
	struct igrpc_call *calls; /* waiting for ring space */
	bool closing;
};

static void igrpc_count(struct igrpc_conn *gc, enum stat_counter c, uint64_t n)
{
	if (gc->srv->ig->stats)
		stats_add(gc->srv->ig->stats, c, n);
}

/* Write what h2 has queued; close once h2 is done. */
static void igrpc_flush(struct igrpc_conn *gc)
{
	if (!gc->closing && h2_link_flush(&gc->link)) {
		gc->closing = true;
		const char *why = h2_server_error(gc->link.srv);
		if (why && *why)
			log_msg(LOG_DEBUG, "grpc connection closing: %s", why);
	}
}

static void igrpc_answer(struct igrpc_conn *gc, int32_t id, int st, const char *msg)
{
	int64_t retry = (int64_t)gc->srv->o.retry_after_s * 1000000000ll;
	static const uint8_t empty[1];
	switch (st) {
	case INGEST_OK:
		h2_server_respond_grpc(gc->link.srv, id, GRPC_STATUS_OK, NULL, empty, 0, -1);
		return;
	case INGEST_EINVALID:
		h2_server_respond_grpc(gc->link.srv, id, GRPC_STATUS_INVALID_ARGUMENT, msg, NULL, 0, -1);
		break;
	case INGEST_ETOOBIG:
		h2_server_respond_grpc(gc->link.srv, id, GRPC_STATUS_RESOURCE_EXHAUSTED,
				       msg ? msg : "request larger than the pipeline can hold", NULL, 0, -1);
		break;
	case INGEST_EENCODING:
		h2_server_respond_grpc(gc->link.srv, id, GRPC_STATUS_UNIMPLEMENTED, msg, NULL, 0, -1);
		break;
	case INGEST_EFULL:
		h2_server_respond_grpc(gc->link.srv, id, GRPC_STATUS_RESOURCE_EXHAUSTED,
				       "pipeline full, retry later", NULL, 0, retry);
		break;
	case INGEST_EDRAIN:
		h2_server_respond_grpc(gc->link.srv, id, GRPC_STATUS_UNAVAILABLE, "shutting down", NULL, 0,
				       retry);
		break;
	default:
		h2_server_respond_grpc(gc->link.srv, id, GRPC_STATUS_INTERNAL, msg ? msg : "internal error",
				       NULL, 0, -1);
		break;
	}
	igrpc_count(gc, STAT_REQUESTS_FAILED, 1);
}

/* The signal of a method path this receiver serves, or NULL with the
 * answer's message in err (grpc-go's words for an unregistered service or
 * method, which is what the Collector answers). */
static const struct otlp_signal_desc *igrpc_method(const struct igrpc_server *srv, const char *path,
						   char *err, size_t errlen)
{
	const struct otlp_signal_desc *sd = otlp_signal_by_grpc_path(path, strlen(path));
	if (sd && srv->o.routes[sd->signal].out)
		return sd;
	const char *svc = path[0] == '/' ? path + 1 : path;
	const char *slash = strrchr(svc, '/');
	size_t svc_len = slash ? (size_t)(slash - svc) : strlen(svc);
	for (int s = 0; s < OTLP_SIGNAL_COUNT; s++) {
		const struct otlp_signal_desc *d = otlp_signal_get((enum otlp_signal)s);
		if (srv->o.routes[s].out && strlen(d->grpc_service) == svc_len &&
		    memcmp(d->grpc_service, svc, svc_len) == 0) {
			snprintf(err, errlen, "unknown method %.100s for service %s", slash ? slash + 1 : "",
				 d->grpc_service);
			return NULL;
		}
	}
	snprintf(err, errlen, "unknown service %.*s", (int)(svc_len < 200 ? svc_len : 200), svc);
	return NULL;
}

static void igrpc_unlink(struct igrpc_call *call)
{
	struct igrpc_conn *gc = call->gc;
	if (call->prev)
		call->prev->next = call->next;
	else
		gc->calls = call->next;
	if (call->next)
		call->next->prev = call->prev;
}

static void igrpc_on_published(struct ingest_wait *w, int status)
{
	struct igrpc_call *call = w->arg;
	struct igrpc_conn *gc = call->gc;
	igrpc_unlink(call);
	igrpc_answer(gc, call->stream_id, status, NULL);
	ingest_wait_release(&call->wait);
	free(call);
	igrpc_flush(gc);
}

static void igrpc_on_request(void *ud, struct h2_server *s, const struct h2_request *req)
{
	struct igrpc_conn *gc = ud;
	struct ingest *ig = gc->srv->ig;
	const uint8_t *msg;
	size_t mlen;
	bool compressed;
	char err[400];
	int codec = CODEC_NONE;

	igrpc_count(gc, STAT_REQUESTS, 1);
	igrpc_count(gc, STAT_BYTES_IN, req->body_len);
	if (strncmp(req->content_type, "application/grpc", 16) != 0) {
		static const struct h2_header ct = { "content-type", 12, "text/plain", 10 };
		static const char body[] = "content-type must be application/grpc\n";
		struct h2_response r = { 415, &ct, 1, (const uint8_t *)body, sizeof(body) - 1, NULL, 0 };
		h2_server_respond(s, req->stream_id, &r);
		igrpc_count(gc, STAT_REQUESTS_FAILED, 1);
		return;
	}
	const struct otlp_signal_desc *sd = igrpc_method(gc->srv, req->path, err, sizeof(err));
	if (!sd) {
		log_msg(LOG_DEBUG, "%s grpc: %s", gc->srv->o.receiver, err);
		igrpc_answer(gc, req->stream_id, INGEST_EENCODING, err);
		return;
	}
	if (grpc_frame_unary(req->body, req->body_len, &msg, &mlen, &compressed) < 0) {
		igrpc_answer(gc, req->stream_id, INGEST_EINVALID,
			     "request is not one length-prefixed gRPC message");
		return;
	}
	if (compressed) {
		codec = codec_from_name(req->grpc_encoding, strlen(req->grpc_encoding));
		if (codec <= CODEC_NONE) {
			snprintf(err, sizeof(err),
				 "grpc-encoding \"%.100s\" not supported (gzip, deflate, zlib, zstd, snappy, identity)",
				 req->grpc_encoding);
			igrpc_answer(gc, req->stream_id, INGEST_EENCODING, err);
			return;
		}
	}
	const struct ingest_route *rt = &gc->srv->o.routes[sd->signal];
	struct ingest_body b = { sd->signal, INGEST_FMT_PROTO, codec, gc->srv->o.max_msg, msg, mlen };
	struct ingest_msg m;
	int rc = ingest_prepare(ig, &b, &m, err, sizeof(err));
	if (rc != INGEST_OK) {
		igrpc_answer(gc, req->stream_id, rc, err);
		return;
	}
	struct igrpc_call *call = calloc(1, sizeof(*call));
	if (!call) {
		igrpc_answer(gc, req->stream_id, INGEST_EINTERNAL, "out of memory");
		return;
	}
	rc = ingest_submit(rt, &m, &call->wait, igrpc_on_published, call);
	if (rc == 1) {
		call->gc = gc;
		call->stream_id = req->stream_id;
		call->next = gc->calls;
		if (gc->calls)
			gc->calls->prev = call;
		gc->calls = call;
		return;
	}
	free(call);
	igrpc_answer(gc, req->stream_id, rc, NULL);
}

static void igrpc_on_abort(void *ud, struct h2_server *s, int32_t stream_id)
{
	(void)s;
	struct igrpc_conn *gc = ud;
	for (struct igrpc_call *call = gc->calls; call; call = call->next) {
		if (call->stream_id == stream_id) {
			igrpc_unlink(call);
			ingest_wait_cancel(&call->wait);
			free(call);
			return;
		}
	}
}

static void igrpc_on_open(struct net_conn *c, int status)
{
	struct igrpc_server *srv = net_conn_udata(c);
	if (status < 0)
		return;
	struct igrpc_conn *gc = calloc(1, sizeof(*gc));
	struct h2_server_cbs cbs = { igrpc_on_request, igrpc_on_abort };
	if (!gc || h2_link_server(&gc->link, c, &srv->lim, &cbs, gc) < 0) {
		if (gc)
			h2_link_detach(&gc->link);
		free(gc);
		net_conn_set_udata(c, NULL);
		net_conn_abort(c);
		return;
	}
	gc->srv = srv;
	gc->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = gc;
	srv->conns = gc;
	srv->nconns++;
	net_conn_set_udata(c, gc);
	net_conn_set_idle_timeout(c, srv->o.idle_timeout_ms);
	if (srv->ig->stats) {
		stats_add(srv->ig->stats, STAT_CONNECTIONS_TOTAL, 1);
		stats_add(srv->ig->stats, STAT_CONNECTIONS_OPEN, 1);
	}
	if (srv->draining)
		h2_server_shutdown(gc->link.srv);
	igrpc_flush(gc);
}

static void igrpc_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct igrpc_conn *gc = net_conn_udata(c);
	if (!gc || gc->closing)
		return;
	ssize_t rc = h2_link_recv(&gc->link, data, len);
	if (rc < 0 && rc != -EPROTO && rc != -EPROTONOSUPPORT)
		log_msg(LOG_WARN, "grpc connection: %s", strerror((int)-rc));
	if (rc < 0 && !gc->closing) {
		gc->closing = true;
		log_msg(LOG_DEBUG, "grpc connection closing: %s", h2_server_error(gc->link.srv));
	}
}

static void igrpc_on_close(struct net_conn *c, int reason)
{
	(void)reason;
	struct igrpc_conn *gc = net_conn_udata(c);
	if (!gc)
		return;
	struct igrpc_server *srv = gc->srv;
	h2_link_detach(&gc->link); /* on_abort cancels waiting calls */
	while (gc->calls) {
		struct igrpc_call *call = gc->calls;
		igrpc_unlink(call);
		ingest_wait_cancel(&call->wait);
		free(call);
	}
	if (gc->prev)
		gc->prev->next = gc->next;
	else
		srv->conns = gc->next;
	if (gc->next)
		gc->next->prev = gc->prev;
	srv->nconns--;
	if (srv->ig->stats) {
		uint64_t open = stats_get(srv->ig->stats, STAT_CONNECTIONS_OPEN);
		stats_set(srv->ig->stats, STAT_CONNECTIONS_OPEN, open ? open - 1 : 0);
	}
	free(gc);
}

const struct net_conn_ops igrpc_conn_ops = {
	.on_open = igrpc_on_open,
	.on_data = igrpc_on_data,
	.on_close = igrpc_on_close,
};

void igrpc_server_init(struct igrpc_server *srv, struct ingest *ig, const struct igrpc_opts *o)
{
	memset(srv, 0, sizeof(*srv));
	srv->ig = ig;
	srv->o = *o;
	if (!srv->o.receiver)
		srv->o.receiver = "otlp";
	srv->lim.max_body = (size_t)o->max_msg + GRPC_PREFIX_LEN;
	srv->lim.max_concurrent_streams = o->max_streams;
	/* A stream whose request does not arrive whole in time is answered
	 * DEADLINE_EXCEEDED and reset; a conn with no stream for the idle
	 * time gets GOAWAY (half-sent streams must not hold memory). */
	srv->lim.read_timeout_ms = o->read_timeout_ms;
	srv->lim.idle_timeout_ms = o->idle_timeout_ms;
}

void igrpc_server_drain(struct igrpc_server *srv)
{
	srv->draining = true;
	struct igrpc_conn *next;
	for (struct igrpc_conn *gc = srv->conns; gc; gc = next) {
		next = gc->next;
		h2_server_shutdown(gc->link.srv);
		igrpc_flush(gc);
	}
}
