/* sluice-export: the export stage. Reads ring 2 and delivers every batch to
 * every configured exporter (exporter/deliver.h), on one io_uring loop.
 *
 *   sluice-export [-c FILE]
 *
 * Exit: 0 clean stop (SIGTERM/SIGINT: drain, then exit), 1 fatal runtime
 * error, 2 usage or config error. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"
#include "exporter/deliver.h"
#include "exporter/grpcx.h"
#include "exporter/localx.h"
#include "exporter/otlphttp.h"
#include "net/loop.h"
#include "rt/rt.h"

struct app {
	struct rt rt;
	const struct sluice_config *cfg;
	struct ring ring;
	struct stage_stats *st;
	struct net_loop *loop;
	struct deliver d;
	struct net_watch *ring_w, *sig_w;
	struct net_timer tick;
	bool draining;
	uint64_t drain_deadline_ns;
	int exit_code;
};

static void retry_from_cfg(struct retry_policy *p, const struct sluice_retry *r)
{
	p->enabled = r->enabled;
	p->initial_ms = (uint32_t)(r->initial_interval_ns / 1000000ULL);
	p->max_interval_ms = (uint32_t)(r->max_interval_ns / 1000000ULL);
	uint64_t me = r->max_elapsed_time_ns / 1000000ULL;
	p->max_elapsed_ms = me > UINT32_MAX ? UINT32_MAX : (uint32_t)me;
	p->multiplier = r->multiplier;
	p->randomization = r->randomization_factor;
}

static int add_exporter(struct app *A, const struct sluice_exporter *e)
{
	char err[512] = "";
	void *t = NULL;
	const struct transport_ops *ops = NULL;
	struct dexp_opts o = { .name = e->id, .concurrency = 1 };
	retry_policy_default(&o.retry);
	int rc;
	switch (e->type) {
	case SLUICE_EXP_OTLPHTTP:
	case SLUICE_EXP_OTLP: {
		const struct sluice_otlp_exporter *x = &e->otlp;
		struct xheader hdrs[32];
		unsigned nh = 0;
		for (size_t i = 0; i < x->n_headers && nh < 30; i++)
			hdrs[nh++] = (struct xheader){ x->headers[i].name, x->headers[i].value };
		retry_from_cfg(&o.retry, &x->retry_on_failure);
		o.concurrency = x->sending_queue.enabled ? x->sending_queue.num_consumers : 1;
		if (x->sending_queue.enabled && x->sending_queue.storage) {
			o.storage = x->sending_queue.storage;
			o.storage_max_bytes = x->sending_queue.storage_max_bytes;
		}
		o.deadletter = x->dead_letter_dir;
		char ep[400];
		snprintf(ep, sizeof(ep), strchr(x->host, ':') ? "http://[%s]:%u" : "http://%s:%u",
			 x->host, x->port);
		uint32_t tmo = (uint32_t)(x->timeout_ns / 1000000ULL);
		if (e->type == SLUICE_EXP_OTLPHTTP) {
			struct otlphttp_opts ho = {
				.endpoint = ep, .traces_path = x->path, .headers = hdrs, .n_headers = nh,
				.compression = x->compression == SLUICE_COMPRESSION_GZIP ? CODEC_GZIP : CODEC_NONE,
				.compression_level = CODEC_LEVEL_DEFAULT, .timeout_ms = tmo,
				.connections = x->connections ? x->connections : 1, .stats = A->st,
			};
			rc = otlphttp_new(A->loop, &ho, &t, &ops, err, sizeof(err));
		} else {
			struct grpcx_opts go = {
				.host = x->host, .port = x->port, .headers = hdrs, .n_headers = nh,
				.compression = x->compression == SLUICE_COMPRESSION_GZIP ? CODEC_GZIP : CODEC_NONE,
				.compression_level = CODEC_LEVEL_DEFAULT, .timeout_ms = tmo,
				.max_streams = x->max_concurrent_streams, .stats = A->st,
			};
			rc = grpcx_new(A->loop, &go, &t, &ops, err, sizeof(err));
		}
		break;
	}
	case SLUICE_EXP_DEBUG:
		rc = debugx_new((enum debugx_verbosity)e->debug.verbosity, e->debug.output,
				&t, &ops, err, sizeof(err));
		break;
	case SLUICE_EXP_FILE: {
		struct filex_opts fo = {
			.path = e->file.path, .rotation = e->file.rotation,
			.max_bytes = e->file.rotation_max_bytes, .max_backups = e->file.rotation_max_backups,
		};
		rc = filex_new(&fo, &t, &ops, err, sizeof(err));
		break;
	}
	default:
		snprintf(err, sizeof(err), "unknown exporter type");
		rc = -EINVAL;
	}
	if (rc < 0) {
		log_msg(LOG_ERROR, "exporter %s: %s", e->id, err[0] ? err : strerror(-rc));
		return rc;
	}
	if (e->type == SLUICE_EXP_DEBUG || e->type == SLUICE_EXP_FILE) {
		char dl[4096];
		snprintf(dl, sizeof(dl), "%s/%s/deadletter/%s", A->cfg->state_dir, A->cfg->instance, e->id);
		for (char *p = dl + strlen(dl) - strlen(e->id); *p; p++)
			if (*p == '/')
				*p = '_';
		o.deadletter = dl;
		rc = deliver_add(&A->d, &o, ops, t);
	} else {
		rc = deliver_add(&A->d, &o, ops, t);
	}
	if (rc < 0) {
		ops->free(t);
		log_msg(LOG_ERROR, "exporter %s: %s", e->id, strerror(-rc));
	}
	return rc;
}

static void check_done(struct app *A)
{
	if (!A->draining)
		return;
	bool done = A->d.ring_empty && deliver_drained(&A->d, true);
	if (!done && net_loop_now_ns(A->loop) >= A->drain_deadline_ns) {
		log_msg(LOG_WARN, "drain time is up with %u batches unacknowledged; they stay in the ring",
			window_count(&A->d.w));
		done = true;
	}
	if (done)
		net_loop_stop(A->loop);
}

static void pump(struct app *A)
{
	if (deliver_pump(&A->d) < 0) {
		A->exit_code = 1;
		net_loop_stop(A->loop);
		return;
	}
	check_done(A);
}

static void on_ring(struct net_watch *w, int fd, void *arg)
{
	(void)w;
	ring_fd_drain(fd);
	pump(arg);
}

static void on_tick(struct net_timer *t, void *arg)
{
	struct app *A = arg;
	if (A->st)
		stats_heartbeat(A->st);
	pump(A);
	/* with an eventfd, the tick is only a heartbeat and a safety net */
	net_timer_arm(A->loop, t, A->d.arm_fd ? 200 : 1);
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
		     "export stage: ring 2 -> every configured exporter; SIGTERM drains ring 2", &rc))
		return rc;
	A.cfg = A.rt.cfg;
	A.st = A.rt.st;
	A.exit_code = 1;
	if ((rc = segment_ring(&A.rt.seg, RING_BATCH_EXPORT, &A.ring)) < 0) {
		log_msg(LOG_ERROR, "ring %d: %s", RING_BATCH_EXPORT, strerror(-rc));
		goto out_seg;
	}
	char err[256] = "";
	if ((rc = net_loop_new(&A.loop, NULL, err, sizeof(err))) < 0) {
		log_msg(LOG_ERROR, "%s", err[0] ? err : strerror(-rc));
		goto out_seg;
	}
	uint32_t wcap = 64;
	for (size_t i = 0; i < A.cfg->pipeline.n_exporters; i++) {
		const struct sluice_exporter *e = A.cfg->pipeline.exporters[i];
		if ((e->type == SLUICE_EXP_OTLPHTTP || e->type == SLUICE_EXP_OTLP) &&
		    e->otlp.sending_queue.queue_size > wcap)
			wcap = e->otlp.sending_queue.queue_size;
	}
	if ((rc = deliver_init(&A.d, A.loop, &A.ring, A.st, wcap)) < 0)
		goto out_loop;
	for (size_t i = 0; i < A.cfg->pipeline.n_exporters; i++)
		if (add_exporter(&A, A.cfg->pipeline.exporters[i]) < 0) {
			A.exit_code = 2;
			goto out_deliver;
		}
	if (net_watch_add(A.loop, rt_stop_fd(&A.rt.stop), on_signal, &A, &A.sig_w) < 0) {
		log_msg(LOG_ERROR, "watch the stop signals failed");
		goto out_deliver;
	}
	if (ring_data_fd(&A.ring) >= 0 &&
	    net_watch_add(A.loop, ring_data_fd(&A.ring), on_ring, &A, &A.ring_w) < 0) {
		log_msg(LOG_ERROR, "watch ring eventfd failed");
		goto out_deliver;
	}
	net_timer_init(&A.tick, on_tick, &A);
	net_timer_arm(A.loop, &A.tick, 1);
	rt_ready(&A.rt);
	log_msg(LOG_INFO, "exporting ring 2 of /sluice.%s to %zu exporter(s)%s", A.cfg->instance,
		A.cfg->pipeline.n_exporters, ring_data_fd(&A.ring) >= 0 ? "" : " (polling: no eventfd)");
	A.exit_code = 0;
	pump(&A);
	rc = net_loop_run(A.loop);
	if (rc < 0) {
		log_msg(LOG_ERROR, "event loop: %s", strerror(-rc));
		A.exit_code = 1;
	}
	if (A.exit_code == 0)
		log_msg(LOG_INFO, "stopped: %llu spans sent",
			A.st ? (unsigned long long)stats_get(A.st, STAT_EXPORT_SENT_SPANS) : 0ULL);
out_deliver:
	net_timer_cancel(A.loop, &A.tick);
	deliver_free(&A.d);
out_loop:
	net_loop_free(A.loop);
out_seg:
	if (A.st) { /* the loop closed our connections without callbacks */
		stats_set(A.st, STAT_CONNECTIONS_OPEN, 0);
		stats_set(A.st, STAT_EXPORT_INFLIGHT, 0);
	}
	return rt_close(&A.rt, A.exit_code);
}
