/* producer/ingest_main.c: the sluice-ingest binary.
 *
 *   sluice-ingest [-c FILE]
 *
 * Attaches /sluice.<instance> and serves OTLP/HTTP and OTLP/gRPC for every
 * receiver a pipeline takes from, each with its own limits and TLS, from
 * one io_uring loop; a request of signal S at receiver R is published into
 * the plan's IN ring plan_ingest_ring(R, S) (ingest_serve.h). SIGTERM/
 * SIGINT drain: stop accepting, answer the requests in flight, exit 0.
 * Exit 1 on a runtime failure, 2 on a usage or config error (a receiver's
 * certificate that does not load, a segment made for another config).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"
#include "producer/ingest_serve.h"
#include "rt/rt.h"

#ifndef INGEST_RECV_BUFS
#define INGEST_RECV_BUFS 64
#define INGEST_RECV_BUF_SIZE 65536
#endif

/* rt_alive at least once a second, also while requests wait on a full
 * ring; progress = requests answered since the last tick. */
#define INGEST_TICK_MS 500

struct ingest_tick {
	struct rt *rt;
	struct net_loop *loop;
	struct net_timer timer;
	uint64_t requests;
};

static void on_tick(struct net_timer *t, void *arg)
{
	struct ingest_tick *k = arg;
	if (k->rt->st) {
		uint64_t n = stats_get(k->rt->st, STAT_REQUESTS);
		if (n != k->requests)
			rt_progress(k->rt, n - k->requests);
		k->requests = n;
	}
	rt_alive(k->rt);
	net_timer_arm(k->loop, t, INGEST_TICK_MS);
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
	struct net_loop *loop = NULL;
	struct net_watch *stop_w = NULL;
	struct ingest_serve *sv = NULL;
	struct ingest_tick tick = { 0 };
	char err[512];
	int rc, status = 1;

	if (!rt_open(&rt, argc, argv, STAGE_INGEST,
		     "ingest stage: OTLP/HTTP and OTLP/gRPC receivers -> the plan's IN rings; SIGTERM drains",
		     &status))
		return status;
	status = 1;
	const struct sluice_config *cfg = rt.cfg;
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
	sv = calloc(1, sizeof(*sv));
	if (!sv) {
		log_msg(LOG_ERROR, "out of memory");
		goto out_loop;
	}
	if (rt.st)
		stats_set(rt.st, STAT_CONNECTIONS_OPEN, 0); /* a gauge: stale after a crash */
	rc = ingest_serve_open(sv, cfg, &rt.seg, loop, rt.st, err, sizeof(err));
	if (rc < 0) {
		log_msg(LOG_ERROR, "%s", err);
		status = rc == -EINVAL ? 2 : 1;
		free(sv);
		sv = NULL;
		goto out_loop;
	}

	tick.rt = &rt;
	tick.loop = loop;
	tick.requests = rt.st ? stats_get(rt.st, STAT_REQUESTS) : 0;
	net_timer_init(&tick.timer, on_tick, &tick);
	net_timer_arm(loop, &tick.timer, INGEST_TICK_MS);
	rt_ready(&rt);

	while (!rt.stop.requested) {
		rc = net_loop_run(loop);
		if (rc < 0) {
			log_msg(LOG_ERROR, "event loop: %s", strerror(-rc));
			goto out_serve;
		}
	}

	/* Drain: no new connections or requests; answer what is in flight. */
	rt_draining(&rt);
	ingest_serve_drain(sv);
	uint64_t until = net_loop_now_ns(loop) + cfg->stop_timeout_ns;
	while (ingest_serve_busy(sv) && net_loop_now_ns(loop) < until) {
		if (net_loop_run_once(loop, 100) < 0)
			break;
	}
	status = 0;
	log_msg(LOG_INFO, "stopped: %llu items in %llu records published",
		(unsigned long long)(rt.st ? stats_get(rt.st, STAT_SPANS_IN) : 0),
		(unsigned long long)(rt.st ? stats_get(rt.st, STAT_RECORDS_OUT) : 0));

out_serve:
	net_timer_cancel(loop, &tick.timer);
	ingest_serve_close(sv);
	free(sv);
out_loop:
	if (stop_w)
		net_watch_remove(stop_w);
	net_loop_free(loop);
	return rt_close(&rt, status);
}
