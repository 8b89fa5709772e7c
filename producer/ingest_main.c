/* producer/ingest_main.c: the sluice-ingest binary.
 *
 *   sluice-ingest [-c FILE]
 *
 * Attaches /sluice.<instance>, publishes into ring 0 (ingest -> process),
 * serves OTLP/HTTP and OTLP/GRPC on the receivers of the traces pipeline
 * from one io_uring loop. SIGTERM/SIGINT drain: stop accepting, answer the
 * requests in flight, exit 0. Exit 1 on a runtime failure, 2 on a usage or
 * config error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"
#include "producer/ingest_grpc.h"
#include "producer/ingest_http.h"
#include "rt/rt.h"

#ifndef INGEST_RECV_BUFS
#define INGEST_RECV_BUFS 64
#define INGEST_RECV_BUF_SIZE 65536
#endif

#define INGEST_MAX_LISTENERS (2 * CONFIG_MAX_RECEIVERS)

static void on_heartbeat(struct net_timer *t, void *arg)
{
	struct ingest *ig = arg;
	if (ig->stats)
		stats_heartbeat(ig->stats);
	net_timer_arm(ig->loop, t, 1000);
}

struct stop_watch {
	struct rt *rt;
	struct net_loop *loop;
};

/* The stop signal's signalfd became readable: leave the loop to drain. */
static void on_stop(struct net_watch *w, int fd, void *arg)
{
	struct stop_watch *sw = arg;
	(void)w, (void)fd;
	if (rt_stop_poll(&sw->rt->stop))
		net_loop_stop(sw->loop);
}

int main(int argc, char **argv)
{
	struct rt rt;
	struct ring ring;
	struct net_loop *loop = NULL;
	struct net_listener *ls[INGEST_MAX_LISTENERS];
	struct net_watch *stop_w = NULL;
	unsigned nls = 0;
	struct ingest ig;
	struct ihttp_server hs;
	struct igrpc_server gs;
	struct stage_stats *st = NULL;
	struct net_timer hb;
	char err[256];
	int rc, status = 1;

	net_timer_init(&hb, on_heartbeat, &ig);
	if (!rt_open(&rt, argc, argv, STAGE_INGEST,
		     "ingest stage: OTLP/HTTP and OTLP/gRPC receivers -> ring 0; SIGTERM drains", &status))
		return status;
	status = 1;
	const struct sluice_config *cfg = rt.cfg;
	if ((rc = segment_ring(&rt.seg, RING_INGEST_PROCESS, &ring)) < 0) {
		log_msg(LOG_ERROR, "ring %d: %s", RING_INGEST_PROCESS, strerror(-rc));
		return rt_close(&rt, 1);
	}
	/* Receive buffers: OTLP requests are 100 KB and more; 64 KiB buffers
	 * (the loopback segment size) take a request in a few receives
	 * instead of many 16 KiB ones, for the same 4 MiB. */
	struct net_loop_opts lopts = { .buf_count = INGEST_RECV_BUFS, .buf_size = INGEST_RECV_BUF_SIZE };
	rc = net_loop_new(&loop, &lopts, err, sizeof(err));
	if (rc < 0) {
		log_msg(LOG_ERROR, "%s", err);
		return rt_close(&rt, 1);
	}
	struct stop_watch sw = { &rt, loop };
	if ((rc = net_watch_add(loop, rt_stop_fd(&rt.stop), on_stop, &sw, &stop_w)) < 0) {
		log_msg(LOG_ERROR, "watch the stop signals: %s", strerror(-rc));
		goto out_loop;
	}

	const struct sluice_receiver *r0 = cfg->pipeline.receivers[0];
	struct ingest_limits lim;
	ingest_limits_default(&lim);
	lim.max_decoded = r0->http_max_request_body_size > r0->grpc_max_recv_msg_size ?
			  r0->http_max_request_body_size : r0->grpc_max_recv_msg_size;
	lim.wait_ms = rt_ms_ceil(r0->ring_full_wait_ns);
	lim.retry_after_s = (uint32_t)((r0->retry_after_ns + 999999999) / 1000000000);
	if (lim.retry_after_s == 0)
		lim.retry_after_s = 1;
	st = rt.st;
	rc = ingest_init(&ig, &ring, st, loop, &lim);
	if (rc < 0) {
		log_msg(LOG_ERROR, "ingest init: %s", strerror(-rc));
		goto out_loop;
	}
	ihttp_server_init(&hs, &ig, r0->http_max_request_body_size, rt_ms_ceil(r0->http_read_timeout_ns),
			  rt_ms_ceil(r0->http_idle_timeout_ns));
	igrpc_server_init(&gs, &ig, r0->grpc_max_recv_msg_size, r0->grpc_max_concurrent_streams,
			  rt_ms_ceil(r0->http_read_timeout_ns), rt_ms_ceil(r0->http_idle_timeout_ns));

	for (size_t i = 0; i < cfg->pipeline.n_receivers; i++) {
		const struct sluice_receiver *r = cfg->pipeline.receivers[i];
		for (int proto = 0; proto < 2; proto++) {
			bool on = proto == 0 ? r->http_enabled : r->grpc_enabled;
			const struct sluice_endpoint *ep = proto == 0 ? &r->http_endpoint : &r->grpc_endpoint;
			if (!on || nls >= INGEST_MAX_LISTENERS)
				continue;
			rc = net_listen(loop, ep->host, ep->port, 0, proto == 0 ? &ihttp_conn_ops : &igrpc_conn_ops,
					proto == 0 ? (void *)&hs : (void *)&gs, &ls[nls]);
			if (rc < 0) {
				log_msg(LOG_ERROR, "listen %s (%s): %s", ep->text, proto == 0 ? "OTLP/HTTP" : "OTLP/gRPC",
					strerror(-rc));
				goto out_ingest;
			}
			log_msg(LOG_INFO, "%s listening on %s:%u", proto == 0 ? "OTLP/HTTP" : "OTLP/gRPC",
				ep->host, net_listener_port(ls[nls]));
			nls++;
		}
	}

	net_timer_arm(loop, &hb, 1000);
	if (st) {
		stats_set(st, STAT_CONNECTIONS_OPEN, 0); /* a gauge: stale after a crash */
	}
	rt_ready(&rt);
	log_msg(LOG_INFO, "publishing into ring %d of /sluice.%s from seq %llu", RING_INGEST_PROCESS,
		cfg->instance, (unsigned long long)ig.last_seq);

	while (!rt.stop.requested) {
		rc = net_loop_run(loop);
		if (rc < 0) {
			log_msg(LOG_ERROR, "event loop: %s", strerror(-rc));
			goto out_ingest;
		}
	}

	/* Drain: no new connections or requests; answer what is in flight. */
	rt_draining(&rt);
	for (unsigned i = 0; i < nls; i++)
		net_listener_close(ls[i]);
	nls = 0;
	ihttp_server_drain(&hs);
	igrpc_server_drain(&gs);
	uint64_t until = net_loop_now_ns(loop) + cfg->stop_timeout_ns;
	while ((hs.nconns > 0 || gs.nconns > 0 || ig.waiting > 0) && net_loop_now_ns(loop) < until) {
		if (net_loop_run_once(loop, 100) < 0)
			break;
	}
	ingest_drain(&ig);
	status = 0;
	log_msg(LOG_INFO, "stopped: %llu spans in %llu records published",
		(unsigned long long)(st ? stats_get(st, STAT_SPANS_IN) : 0),
		(unsigned long long)(st ? stats_get(st, STAT_RECORDS_OUT) : 0));

out_ingest:
	for (unsigned i = 0; i < nls; i++)
		net_listener_close(ls[i]);
	net_timer_cancel(loop, &hb);
	ingest_free(&ig);
out_loop:
	if (stop_w)
		net_watch_remove(stop_w);
	net_loop_free(loop);
	return rt_close(&rt, status);
}
