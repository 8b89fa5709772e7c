/* sluice-export: the export stage. Reads every OUT ring of the plan (one a
 * pipeline with a real exporter) and delivers each batch to every
 * exporter of that pipeline (exporter/xstage.h), on one io_uring loop.
 *
 *   sluice-export [-c FILE]
 *
 * Exit: 0 clean stop (SIGTERM/SIGINT: drain, then exit), 1 fatal runtime
 * error, 2 usage or config error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/log.h"
#include "config/plan.h"
#include "exporter/xstage.h"
#include "net/loop.h"
#include "rt/rt.h"

struct app {
	struct rt rt;
	const struct sluice_config *cfg;
	struct stage_stats *st;
	struct net_loop *loop;
	struct xstage x;
	struct net_watch *sig_w;
	struct net_timer tick;
	bool draining;
	bool polling; /* an OUT ring without an eventfd: tick often */
	uint64_t drain_deadline_ns;
	uint64_t alive_ns;
	int exit_code;
};

static void check_done(void *arg)
{
	struct app *A = arg;
	if (!A->draining)
		return;
	bool done = xstage_drained(&A->x);
	if (!done && net_loop_now_ns(A->loop) >= A->drain_deadline_ns) {
		log_msg(LOG_WARN, "drain time is up with %u batches unacknowledged; they stay in their rings",
			xstage_unfinished(&A->x));
		done = true;
	}
	if (done)
		net_loop_stop(A->loop);
}

static void pump(struct app *A)
{
	int n = xstage_pump(&A->x);
	if (n < 0) {
		A->exit_code = 1;
		net_loop_stop(A->loop);
		return;
	}
	if (n > 0)
		rt_progress(&A->rt, (uint64_t)n);
	check_done(A);
}

static void on_tick(struct net_timer *t, void *arg)
{
	struct app *A = arg;
	uint64_t now = net_loop_now_ns(A->loop);
	if (now - A->alive_ns >= 200000000ull) { /* a sign of life 5 times a second */
		rt_alive(&A->rt);
		if (A->st)
			stats_heartbeat(A->st);
		A->alive_ns = now;
	}
	pump(A);
	/* with eventfds, the tick is only a heartbeat and a safety net */
	net_timer_arm(A->loop, t, A->polling ? 1 : 200);
}

static void on_signal(struct net_watch *w, int fd, void *arg)
{
	(void)w, (void)fd;
	struct app *A = arg;
	if (rt_stop_poll(&A->rt.stop) && !A->draining) {
		A->draining = true;
		uint64_t limit = A->cfg->stop_timeout_ns ? A->cfg->stop_timeout_ns : 30000000000ULL;
		A->drain_deadline_ns = net_loop_now_ns(A->loop) + limit / 10 * 9;
		rt_draining(&A->rt);
	}
	pump(A);
}

int main(int argc, char **argv)
{
	struct app A;
	int rc;
	memset(&A, 0, sizeof(A));
	if (!rt_open(&A.rt, argc, argv, STAGE_EXPORT,
		     "export stage: every pipeline's OUT ring -> its exporters; SIGTERM drains them", &rc))
		return rc;
	A.cfg = A.rt.cfg;
	A.st = A.rt.st;
	A.exit_code = 1;
	char err[256] = "";
	if ((rc = net_loop_new(&A.loop, NULL, err, sizeof(err))) < 0) {
		log_msg(LOG_ERROR, "%s", err[0] ? err : strerror(-rc));
		goto out;
	}
	A.x.after_pump = check_done;
	A.x.arg = &A;
	if ((rc = xstage_open(&A.x, A.cfg, &A.rt.seg, A.st, A.loop)) < 0) {
		A.exit_code = rc == -EINVAL ? 2 : 1;
		goto out_stage;
	}
	for (unsigned i = 0; i < A.x.neng; i++)
		A.polling |= !A.x.eng[i].w;
	if (net_watch_add(A.loop, rt_stop_fd(&A.rt.stop), on_signal, &A, &A.sig_w) < 0) {
		log_msg(LOG_ERROR, "watch the stop signals failed");
		goto out_stage;
	}
	net_timer_init(&A.tick, on_tick, &A);
	net_timer_arm(A.loop, &A.tick, 1);
	rt_ready(&A.rt);
	A.exit_code = 0;
	pump(&A);
	rc = net_loop_run(A.loop);
	if (rc < 0) {
		log_msg(LOG_ERROR, "event loop: %s", strerror(-rc));
		A.exit_code = 1;
	}
	if (A.x.fatal)
		A.exit_code = 1;
	if (A.exit_code == 0)
		log_msg(LOG_INFO, "stopped: %llu items sent",
			A.st ? (unsigned long long)stats_get(A.st, STAT_EXPORT_SENT_SPANS) : 0ULL);
	net_timer_cancel(A.loop, &A.tick);
out_stage:
	xstage_close(&A.x);
	net_loop_free(A.loop);
	xstage_free(&A.x);
out:
	if (A.st) { /* the loop closed our connections without callbacks */
		stats_set(A.st, STAT_CONNECTIONS_OPEN, 0);
		stats_set(A.st, STAT_EXPORT_INFLIGHT, 0);
	}
	return rt_close(&A.rt, A.exit_code);
}
