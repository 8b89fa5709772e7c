/* tools/sluice/sup.c: the supervisor's event loop and stage lifecycle. */
#include "tools/sluice/sup.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/log.h"
#include "config/plan.h"
#include "net/loop.h"
#include "rt/clock.h"
#include "shm/segment.h"
#include "tools/sluice/child.h"
#include "tools/sluice/ctl.h"
#include "rt/dirs.h"
#include "tools/sluice/httpd.h"
#include "tools/sluice/sup_priv.h"

static void sup_stop_next(struct sup *s);

/* Order of the drain: upstream first, so "input ring empty" is final. */
static const enum stage_index sup_stop_order[] = { STAGE_INGEST, STAGE_PROCESS, STAGE_BATCH, STAGE_EXPORT };

void sup_set_stage_state(struct sup *s, enum stage_index st, enum stage_state state)
{
	struct stage_stats *ss = segment_stats(&s->seg, st);
	struct stall_region *sr = stall_region_get(&s->seg);

	if (sr) /* a stage that is not running is not stalled: its state says why */
		atomic_store(&sr->stalled_since[st], 0);
	atomic_store(&ss->state, (uint32_t)state);
	if (state != STAGE_STATE_RUNNING && state != STAGE_STATE_STARTING && state != STAGE_STATE_DRAINING)
		atomic_store(&ss->pid, 0);
}

static bool sup_rings_empty(struct sup *s, uint64_t *used_total)
{
	uint64_t total = 0;
	for (uint32_t i = 0; i < segment_nrings(&s->seg); i++) {
		struct ring r;
		if (segment_ring(&s->seg, i, &r) == 0)
			total += ring_used(&r);
	}
	*used_total = total;
	return total == 0;
}

static void sup_finish(struct sup *s)
{
	uint64_t used;
	s->phase = SUP_DONE;
	bool state = false;
	for (uint32_t i = 0; i < s->layout.n_spanmetrics; i++)
		state |= segment_aux(&s->seg, s->layout.p.aux[i].name, NULL) != NULL;
	if (sup_rings_empty(s, &used) && state) {
		log_msg(LOG_INFO,
			"pipeline stopped; every ring was empty, segment %s kept for its "
			"span-metrics state (cumulative series continue at the next run)",
			s->seg.name);
	} else if (used == 0) {
		segment_unlink(s->cfg->instance);
		log_msg(LOG_INFO, "pipeline stopped; every ring was empty, segment %s removed", s->seg.name);
	} else {
		log_msg(LOG_WARN,
			"pipeline stopped with %" PRIu64 " bytes still in the rings; segment %s "
			"kept, the next `sluice run` resumes from it",
			used, s->seg.name);
	}
	for (int i = 0; i < s->n_stop_waiters; i++) {
		dprintf(s->stop_waiters[i], "stopped\n");
		close(s->stop_waiters[i]);
	}
	s->n_stop_waiters = 0;
	net_loop_stop(s->loop);
}

static void sup_restart_due(struct net_timer *t, void *arg)
{
	struct sup_stage *ps = arg;
	(void)t;
	if (ps->sup->phase == SUP_DONE || ps->child.pid != 0)
		return;
	sup_spawn(ps->sup, ps->child.stage);
}

static void sup_kill_due(struct net_timer *t, void *arg)
{
	struct sup *s = arg;
	(void)t;
	struct sup_stage *ps = &s->stage[sup_stop_order[s->stop_index]];
	if (ps->child.pid != 0) {
		log_msg(LOG_WARN,
			"%s did not drain within the stop timeout; killing it "
			"(its input stays in the ring)",
			child_binary_name(ps->child.stage));
		child_signal(&ps->child, SIGKILL);
	}
}

static void sup_on_pidfd(struct net_watch *w, int fd, void *arg)
{
	struct sup_stage *ps = arg;
	struct sup *s = ps->sup;
	char why[128];
	(void)fd;
	(void)w;

	if (child_reap(&ps->child) != 0)
		return;
	net_watch_remove(ps->watch);
	ps->watch = NULL;
	enum stage_index st = ps->child.stage;
	child_exit_text(&ps->child, why, sizeof(why));
	bool planned = ps->stopping;
	ps->stopping = false;

	if (planned && (s->phase != SUP_STOPPING || sup_stop_order[s->stop_index] == st)) {
		sup_set_stage_state(s, st,
				    child_exited_cleanly(&ps->child) ? STAGE_STATE_STOPPED
								     : STAGE_STATE_FAILED);
		log_msg(child_exited_cleanly(&ps->child) ? LOG_INFO : LOG_WARN, "%s %s",
			child_binary_name(st), why);
		if (s->phase == SUP_STOPPING) {
			net_timer_cancel(s->loop, &s->kill_timer);
			s->stop_index++;
			sup_stop_next(s);
		} else if (s->phase != SUP_DONE) {
			sup_spawn(s, st); /* `sluice restart STAGE` */
		}
		return;
	}

	sup_set_stage_state(s, st, STAGE_STATE_FAILED);
	if (s->phase == SUP_STOPPING && st != sup_stop_order[s->stop_index]) {
		/* Already stopped ones stay down; a stage still due to drain is
		 * restarted so its input ring empties. */
		bool downstream = false;
		for (size_t i = s->stop_index; i < 4; i++)
			downstream |= sup_stop_order[i] == st;
		if (!downstream)
			return;
	}
	enum child_verdict v = child_on_exit(&ps->child, &s->cfg->restart, rt_mono_ns());
	atomic_store(&segment_stats(&s->seg, st)->restarts, ps->child.restarts);
	if (v == CHILD_CRASH_LOOP && s->phase == SUP_STOPPING) {
		/* A stage still due to drain keeps dying: leave its input in the
		 * ring (the segment is kept) and let the drain move on past it. */
		log_msg(LOG_ERROR, "%s %s while the pipeline stops; its input stays in the ring",
			child_binary_name(st), why);
		return;
	}
	/* The limit is per stage and never stops the others: ingest keeps
	 * answering (429/503 once its ring is full) while a stage behind it
	 * crash-loops, and the stage gets its chance every backoff_max. */
	char delay[32];
	config_format_duration(ps->child.backoff_ns, delay, sizeof(delay));
	bool entering = v == CHILD_CRASH_LOOP && !ps->crash_loop;
	ps->crash_loop = v == CHILD_CRASH_LOOP;
	if (entering) {
		char win[32];
		config_format_duration(s->cfg->restart.window_ns, win, sizeof(win));
		log_msg(LOG_ERROR,
			"%s %s; it crashed %u times within %s (restart.max_restarts "
			"is %u): it is restarted every %s from now on and reported failed; the "
			"stages in front of it keep running",
			child_binary_name(st), why, ps->child.history_len, win, s->cfg->restart.max_restarts,
			delay);
	} else {
		log_msg(LOG_WARN, "%s %s; restarting in %s (restart %" PRIu64 "%s)", child_binary_name(st),
			why, delay, ps->child.restarts, ps->crash_loop ? ", crash loop" : "");
	}
	net_timer_arm(s->loop, &ps->restart_timer, ps->child.backoff_ns / 1000000);
}

void sup_spawn(struct sup *s, enum stage_index st)
{
	struct sup_stage *ps = &s->stage[st];
	struct stage_stats *ss = segment_stats(&s->seg, st);
	char level[16];

	snprintf(level, sizeof(level), "%s", log_level_name((enum log_level)s->cfg->log_level));
	for (char *p = level; *p; p++)
		*p = (char)(*p | 0x20);
	atomic_store(&ss->state, (uint32_t)STAGE_STATE_STARTING);
	int err = child_spawn(&ps->child, s->config_path, s->wake_env, level);
	if (err < 0) {
		log_msg(LOG_ERROR, "cannot start %s: %s", ps->child.binary, strerror(-err));
		sup_set_stage_state(s, st, STAGE_STATE_FAILED);
		net_timer_arm(s->loop, &ps->restart_timer, s->cfg->restart.backoff_max_ns / 1000000);
		return;
	}
	atomic_store(&ss->pid, ps->child.pid);
	ps->ready_logged = false;
	stall_watch_reset(&ps->stall, ss, rt_mono_ns());
	err = net_watch_add(s->loop, ps->child.pidfd, sup_on_pidfd, ps, &ps->watch);
	if (err < 0)
		log_msg(LOG_ERROR, "cannot watch %s: %s", ps->child.binary, strerror(-err));
	log_msg(LOG_DEBUG, "started %s pid %d", child_binary_name(st), (int)ps->child.pid);
}

/* Records wait in a ring this stage reads: every ring of the kind it
 * consumes (ingest reads none). */
bool sup_input_pending(struct sup *s, enum stage_index st)
{
	static const enum seg_ring_kind reads[] = {
		[STAGE_PROCESS] = SEG_RING_IN, [STAGE_BATCH] = SEG_RING_MID, [STAGE_EXPORT] = SEG_RING_OUT
	};
	if (st != STAGE_PROCESS && st != STAGE_BATCH && st != STAGE_EXPORT)
		return false;
	for (uint32_t i = 0; i < segment_nrings(&s->seg); i++) {
		struct ring r;
		if (segment_ring_kind(&s->seg, i) == reads[st] && segment_ring(&s->seg, i, &r) == 0 &&
		    ring_used(&r) > 0)
			return true;
	}
	return false;
}

static void sup_stop_next(struct sup *s)
{
	while (s->stop_index < 4) {
		struct sup_stage *ps = &s->stage[sup_stop_order[s->stop_index]];
		bool waiting = net_timer_armed(&ps->restart_timer);
		net_timer_cancel(s->loop, &ps->restart_timer);
		if (ps->child.pid == 0 && waiting && sup_input_pending(s, ps->child.stage)) {
			/* It crashed and waits for its restart, with input left:
			 * start it now and drain it once it runs. */
			sup_spawn(s, ps->child.stage);
			ps->drain_when_ready = ps->child.pid != 0;
		}
		if (ps->child.pid == 0) {
			s->stop_index++;
			continue;
		}
		log_msg(LOG_INFO, "draining %s", child_binary_name(ps->child.stage));
		ps->stopping = true;
		if (!ps->drain_when_ready)
			child_signal(&ps->child, SIGTERM);
		net_timer_arm(s->loop, &s->kill_timer, s->cfg->stop_timeout_ns / 1000000);
		return;
	}
	sup_finish(s);
}

void sup_begin_stop(struct sup *s)
{
	if (s->phase == SUP_STOPPING || s->phase == SUP_DONE)
		return;
	log_msg(LOG_INFO, "stopping: ingest stops accepting, every ring drains downstream");
	s->phase = SUP_STOPPING;
	s->stop_index = 0;
	atomic_store(&s->self->state, (uint32_t)STAGE_STATE_DRAINING);
	sup_stop_next(s);
}

int sup_restart_stage(struct sup *s, const char *name, char *why, size_t size)
{
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		if (strcmp(name, stats_stage_name((enum stage_index)st)) != 0)
			continue;
		struct sup_stage *ps = &s->stage[st];
		if (s->phase != SUP_RUNNING && s->phase != SUP_STARTING) {
			snprintf(why, size, "the pipeline is stopping");
			return -EBUSY;
		}
		if (ps->child.pid == 0) {
			net_timer_cancel(s->loop, &ps->restart_timer);
			sup_spawn(s, (enum stage_index)st);
			return 0;
		}
		log_msg(LOG_INFO, "restarting %s on request", child_binary_name((enum stage_index)st));
		ps->stopping = true;
		return child_signal(&ps->child, SIGTERM);
	}
	snprintf(why, size, "unknown stage '%s' (ingest, process, batch, export)", name);
	return -EINVAL;
}

static void sup_on_signal(struct net_watch *w, int fd, void *arg)
{
	struct sup *s = arg;
	struct signalfd_siginfo si;
	(void)w;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_msg(LOG_INFO, "SIGHUP ignored: restart the pipeline to load a new config");
			continue;
		}
		log_msg(LOG_INFO, "got %s", strsignal((int)si.ssi_signo));
		sup_begin_stop(s);
	}
}

int sup_wake_setup(struct sup *s)
{
	int err = segment_wake_create(&s->seg);

	if (err == 0)
		err = segment_wake_env(&s->seg, s->wake_env, sizeof(s->wake_env));
	if (err < 0)
		log_msg(LOG_ERROR, "cannot create the ring eventfds: %s", strerror(-err));
	return err;
}

static int sup_setup_signals(struct sup *s)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return -errno;
	return net_watch_add(s->loop, s->sigfd, sup_on_signal, s, &s->sigwatch);
}

static int sup_start(struct sup *s, const char *bin_dir)
{
	char path[512], err_text[256];
	int err, holder = 0;

	/* before anything is written there: a directory someone else owns or
	 * can write to would let them replace the socket, lock or log */
	if ((err = dirs_prepare(s->cfg)) < 0)
		return err;
	if ((err = ctl_path(s->cfg, ".lock", path, sizeof(path))) < 0 ||
	    (s->lock_fd = ctl_lock(path, &holder)) < 0) {
		err = err < 0 ? err : s->lock_fd;
		if (err == -EWOULDBLOCK)
			log_msg(LOG_ERROR, "instance '%s' is already run by pid %d (lock %s)",
				s->cfg->instance, holder, path);
		else
			log_msg(LOG_ERROR, "cannot take the lock %s: %s", path, strerror(-err));
		return err == -EWOULDBLOCK ? -EEXIST : err;
	}
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct sup_stage *ps = &s->stage[st];
		ps->sup = s;
		err = child_init(&ps->child, (enum stage_index)st, bin_dir);
		if (err < 0) {
			log_msg(LOG_ERROR, "stage binary %s: %s", ps->child.binary, strerror(-err));
			return err;
		}
		net_timer_init(&ps->restart_timer, sup_restart_due, ps);
	}
	if ((err = net_loop_new(&s->loop, NULL, err_text, sizeof(err_text))) < 0) {
		log_msg(LOG_ERROR, "%s", err_text);
		return err;
	}
	if ((err = sup_layout_build(s->cfg, &s->layout, err_text, sizeof(err_text))) < 0) {
		log_msg(LOG_ERROR, "%s", err_text);
		return err;
	}
	if ((err = sup_seg_open(s)) < 0 || (err = sup_wake_setup(s)) < 0)
		return err;
	struct stall_region *sr = stall_region_get(&s->seg);
	if (sr) /* a resumed segment: this config's timeout, nothing stalled yet */
		stall_region_format(sr, s->cfg->stall_timeout_ns);
	s->self = segment_stats(&s->seg, STAGE_SUPERVISOR);
	stats_stage_start(s->self);
	atomic_store(&s->self->state, (uint32_t)STAGE_STATE_STARTING);
	if ((err = sup_setup_signals(s)) < 0) {
		log_msg(LOG_ERROR, "signals: %s", strerror(-err));
		return err;
	}
	if ((err = ctl_path(s->cfg, ".sock", path, sizeof(path))) < 0 || (err = sup_ctl_start(s, path)) < 0) {
		log_msg(LOG_ERROR, "control socket %s: %s", path, strerror(-err));
		return err;
	}
	if ((err = httpd_start(&s->httpd, s->loop, &s->seg, &s->cfg->metrics_address)) < 0) {
		log_msg(LOG_ERROR, "metrics endpoint %s: %s", s->cfg->metrics_address.text, strerror(-err));
		return err;
	}
	/* Downstream first, so every ring has its consumer when data arrives. */
	for (int st = STAGE_EXPORT; st >= STAGE_INGEST; st--)
		sup_spawn(s, (enum stage_index)st);
	net_timer_init(&s->tick, sup_tick, s);
	net_timer_init(&s->kill_timer, sup_kill_due, s);
	net_timer_arm(s->loop, &s->tick, SUP_TICK_MS);
	log_msg(LOG_INFO, "sluice %s supervising instance '%s' (segment %s, metrics http://%s:%u/metrics)",
		SLUICE_VERSION, s->cfg->instance, s->seg.name, s->cfg->metrics_address.host,
		net_listener_port(s->httpd.listener));
	return 0;
}

static void sup_cleanup(struct sup *s)
{
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct sup_stage *ps = &s->stage[st];
		if (ps->child.pid != 0) {
			child_signal(&ps->child, SIGKILL);
			while (child_reap(&ps->child) == -EAGAIN)
				usleep(1000);
		}
	}
	sup_ctl_close(s);
	httpd_close(&s->httpd);
	if (s->loop)
		net_loop_free(s->loop);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->seg.base) {
		if (s->self) { /* NULL when the start failed before it was set */
			atomic_store(&s->self->state, (uint32_t)STAGE_STATE_STOPPED);
			atomic_store(&s->self->pid, 0);
		}
		segment_wake_close(&s->seg);
		segment_detach(&s->seg);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	sup_layout_free(&s->layout);
}

int sup_run(const struct sluice_config *cfg, const char *config_path, const char *bin_dir)
{
	struct sup *s = calloc(1, sizeof(*s));
	if (!s)
		return SUP_EXIT_FAILED;
	s->cfg = cfg;
	s->config_path = config_path;
	s->lock_fd = s->sigfd = s->ctl_fd = -1;
	s->exit_code = SUP_EXIT_OK;
	int rc = sup_start(s, bin_dir);
	if (rc == 0) {
		rc = net_loop_run(s->loop);
		if (rc < 0) {
			log_msg(LOG_ERROR, "event loop failed: %s", strerror(-rc));
			s->exit_code = SUP_EXIT_FAILED;
		}
	} else {
		s->exit_code = SUP_EXIT_FAILED;
	}
	int code = s->exit_code;
	sup_cleanup(s);
	free(s);
	return code;
}
