/* OTLP/gRPC client: one h2c connection, multiplexed unary calls.
 *
 * A send is compressed first, then started (or queued for a stream slot):
 * bodies of XC_MIN bytes and more on the compression worker
 * (exporter/xcompress.h) while the loop goes on, smaller ones inline. Until
 * its compression is done an attempt is in neither the queue nor the h2
 * client, so the connection (which may drop and come back meanwhile) never
 * sees it; the worker owns the call's buffer (gz) until then. Each attempt
 * keeps its own buffer, which the h2 client reads by reference until the
 * call's done. The transport is freed only from the stage's teardown,
 * never from inside a completion. */
#include "exporter/grpcx_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc.h"
#include "net/tls.h"

static void gx_on_data(struct net_conn *c, const uint8_t *data, size_t len);
static void gx_on_close(struct net_conn *c, int reason);
static const struct net_conn_ops gx_ops = { .on_data = gx_on_data, .on_close = gx_on_close };
static void gx_pump(struct grpcx *g);

static void gx_flush(struct grpcx *g)
{
	if (g->link.cli)
		h2_link_flush(&g->link);
}

static void gx_done(void *ud, const struct h2_call_result *res)
{
	struct gcall *k = ud;
	struct attempt *a = k->a;
	k->a = NULL;
	net_timer_cancel(k->g->loop, &k->deadline);
	if (!a)
		return;
	char reason[240];
	struct outcome o = { .hint_ms = -1, .reason = reason };
	if (res->err) {
		o.cls = RETRY_AGAIN;
		snprintf(reason, sizeof(reason), "grpc: no answer (%s)",
			 res->err == -ETIMEDOUT ? "deadline exceeded"
			 : k->g->conn_err[0]	? k->g->conn_err
						: strerror(-res->err));
	} else if (res->grpc_status < 0) {
		o.status = res->http_status;
		o.cls = res->http_status == 200 ? RETRY_AGAIN : retry_class_http(res->http_status);
		if (o.cls == RETRY_OK)
			o.cls = RETRY_PERMANENT;
		snprintf(reason, sizeof(reason), "grpc: http status %d without grpc-status",
			 res->http_status);
	} else {
		o.status = res->grpc_status;
		o.cls = retry_class_grpc(res->grpc_status, res->retry_delay_ns >= 0);
		if (res->retry_delay_ns >= 0)
			o.hint_ms = res->retry_delay_ns / 1000000;
		snprintf(reason, sizeof(reason), "grpc status %d %s%s%.160s", res->grpc_status,
			 grpc_status_name(res->grpc_status), res->grpc_message[0] ? ": " : "",
			 res->grpc_message);
		if (o.cls == RETRY_OK && res->msg && !res->msg_compressed) {
			const char *m;
			size_t ml;
			int64_t rej = otlp_partial_rejected(res->msg, res->msg_len, &m, &ml);
			if (rej > 0) {
				o.rejected = (uint64_t)rej;
				snprintf(reason, sizeof(reason), "partial success: %.*s",
					 (int)(ml > 160 ? 160 : ml), m ? m : "");
			}
		}
	}
	deliver_complete(a, &o);
}

static void gx_deadline(struct net_timer *t, void *arg)
{
	(void)t;
	struct gcall *k = arg;
	struct grpcx *g = k->g;
	if (k->a && g->link.cli && h2_client_cancel(g->link.cli, k->stream, -ETIMEDOUT) == 0) {
		gx_flush(g);
		gx_pump(g);
	}
}

static struct gcall *gx_ctx(struct grpcx *g, struct attempt *a)
{
	if (a->tctx)
		return a->tctx;
	struct gcall **nc = realloc(g->calls, (g->ncalls + 1) * sizeof(*nc));
	if (!nc)
		return NULL;
	g->calls = nc;
	struct gcall *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->g = g;
	net_timer_init(&k->deadline, gx_deadline, k);
	g->calls[g->ncalls++] = k;
	a->tctx = k;
	return k;
}

static int gx_connect(struct grpcx *g)
{
	struct h2_client_opts o = { .authority = g->authority, .max_concurrent = g->max_streams };
	struct net_conn *c;
	int rc = net_connect(g->loop, (struct sockaddr *)&g->sa, g->salen, &gx_ops, g, &c);
	if (rc < 0)
		return rc;
	if (g->stats) {
		stats_add(g->stats, STAT_CONNECTIONS_TOTAL, 1);
		stats_add(g->stats, STAT_CONNECTIONS_OPEN, 1);
	}
	rc = h2_link_client(&g->link, c, &o);
	if (rc == 0)
		rc = net_conn_start_tls(c, g->tls, g->host);
	if (rc < 0) {
		h2_link_detach(&g->link);
		net_conn_abort(c); /* on_close finds no link: nothing to fail */
		return rc;
	}
	gx_flush(g);
	return 0;
}

static void gx_fail(struct attempt *a, const char *why)
{
	struct outcome o = { .cls = RETRY_AGAIN, .hint_ms = -1, .reason = why };
	deliver_complete(a, &o);
}

/* Starts a call now for a whose body is ready (compressed into its
 * gcall's gz, or sent as is); false when no stream is free (caller
 * queues). */
static bool gx_start(struct grpcx *g, struct attempt *a)
{
	if (!g->link.cli) {
		int rc = gx_connect(g);
		if (rc < 0) {
			char why[120];
			snprintf(why, sizeof(why), "grpc connect: %s", strerror(-rc));
			gx_fail(a, why);
			return true;
		}
	}
	if (h2_client_closing(g->link.cli) || h2_client_slots(g->link.cli) == 0)
		return false;
	struct gcall *k = a->tctx;
	bool comp = g->comp != CODEC_NONE;
	struct h2_call call = {
		.path = g->method,
		.metadata = g->md,
		.n_metadata = g->nmd,
		.msg = comp ? k->gz : a->body,
		.msg_len = comp ? k->gzlen : a->len,
		.compressed = comp,
		.encoding = codec_name(g->comp),
		.timeout_ns = (uint64_t)g->timeout_ms * 1000000ULL,
		.done = gx_done,
		.ud = k,
	};
	int32_t id = h2_client_call(g->link.cli, &call);
	if (id == -EAGAIN || id == -ENOTCONN)
		return false;
	if (id < 0) {
		gx_fail(a, "grpc call could not start");
		return true;
	}
	k->a = a;
	k->stream = id;
	net_timer_arm(g->loop, &k->deadline, g->timeout_ms + 50);
	gx_flush(g);
	return true;
}

static void gx_pump(struct grpcx *g)
{
	while (g->wq_len) {
		struct attempt *a = g->wq[g->wq_head];
		if (g->link.cli && (h2_client_closing(g->link.cli) || h2_client_slots(g->link.cli) == 0))
			return;
		g->wq_head = (g->wq_head + 1) % g->wq_cap;
		g->wq_len--;
		if (!gx_start(g, a)) { /* put it back at the front */
			g->wq_head = (g->wq_head + g->wq_cap - 1) % g->wq_cap;
			g->wq_len++;
			return;
		}
	}
}

/* a's body is ready: start it, or queue it behind the others. */
static int gx_ready(struct grpcx *g, struct attempt *a)
{
	if (!g->wq_len && gx_start(g, a))
		return 0;
	if (g->wq_len == g->wq_cap) {
		unsigned nc = g->wq_cap ? g->wq_cap * 2 : 64;
		struct attempt **nq = malloc(nc * sizeof(*nq));
		if (!nq)
			return -ENOMEM;
		for (unsigned i = 0; i < g->wq_len; i++)
			nq[i] = g->wq[(g->wq_head + i) % g->wq_cap];
		free(g->wq);
		g->wq = nq;
		g->wq_cap = nc;
		g->wq_head = 0;
	}
	g->wq[(g->wq_head + g->wq_len++) % g->wq_cap] = a;
	return 0;
}

/* a's body is compressed (on the worker or inline): on to the stream. */
void grpcx_compressed(struct xcomp_job *job)
{
	struct attempt *a = job->arg;
	struct gcall *k = a->tctx;
	k->compressing = false;
	if (job->result < 0) {
		gx_fail(a, job->result == -ENOMEM ? "out of memory for compression" : "compression failed");
		return;
	}
	k->gzlen = (size_t)job->result;
	if (gx_ready(k->g, a) < 0)
		gx_fail(a, "out of memory");
}

static int gx_send(void *tp, struct attempt *a)
{
	struct grpcx *g = tp;
	struct gcall *k = gx_ctx(g, a);
	if (!k) {
		gx_fail(a, "out of memory");
		return 0;
	}
	/* The engine sends an attempt again only after its outcome, so no
	 * job of it is out now and k->job and k->gz are free. Were one out,
	 * its end starts the call: a call never starts twice. */
	if (k->compressing)
		return 0;
	if (g->comp == CODEC_NONE)
		return gx_ready(g, a);
	k->job = (struct xcomp_job){ .in = a->body,
				     .len = a->len,
				     .out = &k->gz,
				     .cap = &k->gzcap,
				     .codec = g->comp,
				     .level = g->level,
				     .arg = a };
	/* done runs only from the loop, so the flag is set in time */
	k->compressing = xcomp_start(g->xc, &g->cx, &k->job);
	if (!k->compressing)
		grpcx_compressed(&k->job);
	return 0;
}

static void gx_on_data(struct net_conn *c, const uint8_t *data, size_t len)
{
	struct grpcx *g = net_conn_udata(c);
	if (!g || g->link.c != c) {
		net_conn_abort(c);
		return;
	}
	h2_link_recv(&g->link, data, len);
	gx_pump(g);
}

static void gx_on_close(struct net_conn *c, int reason)
{
	struct grpcx *g = net_conn_udata(c);
	if (!g)
		return;
	if (g->stats)
		stats_add(g->stats, STAT_CONNECTIONS_OPEN, (uint64_t)-1);
	if (g->link.c != c)
		return;
	const char *why = net_conn_error(c);
	if (*why)
		snprintf(g->conn_err, sizeof(g->conn_err), "%s", why);
	else if (reason < 0)
		snprintf(g->conn_err, sizeof(g->conn_err), "%s", strerror(-reason));
	h2_link_detach(&g->link); /* fails every call in flight: retryable */
	g->conn_err[0] = 0;
	gx_pump(g);
}

static void gx_free(void *tp)
{
	struct grpcx *g = tp;
	if (!g)
		return;
	xcomp_free(g->xc); /* joined: no job touches a gz or a body below any more */
	if (g->link.c)
		net_conn_set_udata(g->link.c, NULL);
	for (unsigned i = 0; i < g->ncalls; i++) {
		g->calls[i]->a = NULL;
		net_timer_cancel(g->loop, &g->calls[i]->deadline);
	}
	h2_link_detach(&g->link);
	net_tls_free(g->tls);
	for (unsigned i = 0; i < g->ncalls; i++) {
		free(g->calls[i]->gz);
		free(g->calls[i]);
	}
	codec_ctx_free(&g->cx);
	free(g->calls);
	free(g->wq);
	free(g->strs);
	free(g);
}

const struct transport_ops grpcx_tops = { .send = gx_send, .free = gx_free };
