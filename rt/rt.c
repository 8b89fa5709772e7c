/* rt/rt.c: stage start-up and shutdown, the same way for every stage. */
#include "rt/rt.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/log.h"

int rt_attach(struct segment *seg, const char *instance, unsigned wait_ms)
{
	uint64_t deadline = rt_mono_ns() + (uint64_t)wait_ms * 1000000ull;
	int rc;

	for (;;) {
		rc = segment_attach(seg, instance);
		/* absent or half-formatted: its creator is still at work */
		if ((rc != -ENOENT && rc != -EAGAIN) || rt_mono_ns() >= deadline)
			return rc;
		usleep(10000);
	}
}

static bool rt_usage(const char *prog, const char *about, int code, int *exit_code)
{
	fprintf(code ? stderr : stdout, "usage: %s [-c FILE]\n  %s\n", prog, about);
	*exit_code = code;
	return false;
}

static bool rt_fail(struct rt *rt, int code, int *exit_code)
{
	*exit_code = rt_close(rt, code);
	return false;
}

bool rt_open(struct rt *rt, int argc, char **argv, enum stage_index stage, const char *about, int *exit_code)
{
	struct config_error cerr;
	int opt, rc;

	memset(rt, 0, sizeof(*rt));
	rt->stage = stage;
	rt->stop.fd = -1;
	/* first: a stop that arrives from here on waits in the signalfd */
	if ((rc = rt_stop_init(&rt->stop)) < 0) {
		log_msg(LOG_ERROR, "signalfd: %s", strerror(-rc));
		*exit_code = 1;
		return false;
	}
	optind = 1;
	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		if (opt != 'c') {
			rt_stop_close(&rt->stop);
			return rt_usage(argv[0], about, opt == 'h' ? 0 : 2, exit_code);
		}
		rt->config_path = optarg;
	}
	if (optind < argc) {
		rt_stop_close(&rt->stop);
		return rt_usage(argv[0], about, 2, exit_code);
	}
	if (config_load(rt->config_path, &rt->cfg, &cerr) < 0) {
		log_msg(LOG_ERROR, "%s", cerr.msg);
		return rt_fail(rt, 2, exit_code);
	}
	rc = rt_attach(&rt->seg, rt->cfg->instance, RT_ATTACH_WAIT_MS);
	if (rc < 0) {
		log_msg(LOG_ERROR, "attach /sluice.%s: %s", rt->cfg->instance,
			segment_errmsg(&rt->seg)[0] ? segment_errmsg(&rt->seg) : strerror(-rc));
		return rt_fail(rt, 1, exit_code);
	}
	rt->attached = true;
	if ((rc = segment_wake_import(&rt->seg, NULL)) < 0) {
		log_msg(LOG_ERROR, "%s: %s", SEG_WAKE_ENV, segment_errmsg(&rt->seg));
		return rt_fail(rt, 2, exit_code);
	}
	rt->st = segment_stats(&rt->seg, stage);
	if (!rt->st) {
		log_msg(LOG_ERROR, "segment /sluice.%s has no stats block for the %s stage",
			rt->cfg->instance, stats_stage_name(stage));
		return rt_fail(rt, 1, exit_code);
	}
	atomic_store(&rt->st->pid, (int32_t)getpid());
	atomic_store(&rt->st->state, (uint32_t)STAGE_STATE_STARTING);
	*exit_code = 0;
	return true;
}

void rt_ready(struct rt *rt)
{
	if (rt->st)
		stats_stage_start(rt->st);
}

void rt_alive(struct rt *rt)
{
	if (rt->st) {
		stats_heartbeat(rt->st);
		stats_alive(rt->st, rt_mono_ns());
	}
}

void rt_progress(struct rt *rt, uint64_t n)
{
	if (rt->st)
		stats_progress(rt->st, n, rt_mono_ns());
}

void rt_draining(struct rt *rt)
{
	if (rt->st)
		atomic_store(&rt->st->state, (uint32_t)STAGE_STATE_DRAINING);
	log_msg(LOG_INFO, "%s: draining", rt->stop.signo ? strsignal(rt->stop.signo) : "stop");
}

int rt_close(struct rt *rt, int code)
{
	if (rt->st)
		atomic_store_explicit(&rt->st->state, code ? STAGE_STATE_FAILED : STAGE_STATE_STOPPED,
				      memory_order_release);
	if (rt->attached) {
		segment_wake_close(&rt->seg);
		segment_detach(&rt->seg);
	}
	config_free(rt->cfg);
	rt_stop_close(&rt->stop);
	memset(rt, 0, sizeof(*rt));
	rt->stop.fd = -1;
	return code;
}
