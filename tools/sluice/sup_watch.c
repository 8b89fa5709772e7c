/* tools/sluice/sup_watch.c: what the supervisor checks every SUP_TICK_MS:
 * readiness and the start timeout, stalled stages (tools/sluice/stall.h),
 * and once a second the rings' control blocks (segment_check): a damaged
 * one cannot be skipped like a corrupt record, so the segment is set aside
 * and the pipeline starts again on a fresh one. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/log.h"
#include "rt/clock.h"
#include "tools/sluice/sup_priv.h"

#define SUP_CHECK_EVERY_NS 1000000000ull

static void sup_stall_publish(struct sup *s, enum stage_index st, uint64_t since, bool restarted)
{
	struct stall_region *r = stall_region_get(&s->seg);

	if (!r)
		return;
	atomic_store_explicit(&r->stalled_since[st], since, memory_order_relaxed);
	if (restarted)
		atomic_fetch_add_explicit(&r->stall_restarts[st], 1, memory_order_relaxed);
}

static void sup_watch_stall(struct sup *s, struct sup_stage *ps, struct stage_stats *ss, uint64_t now)
{
	enum stage_index st = ps->child.stage;
	uint64_t timeout = s->cfg->stall_timeout_ns;
	char t[32];

	config_format_duration(timeout, t, sizeof(t));
	switch (stall_watch_check(&ps->stall, ss, sup_input_pending(s, st), timeout, now)) {
	case STALL_NEW:
		sup_stall_publish(s, st, ps->stall.life_ns, false);
		log_msg(LOG_WARN,
			"%s is stalled: records wait in its input rings and it has shown no "
			"sign of life for %s%s",
			stats_stage_name(st), t,
			s->cfg->restart_stalled ? "; it is restarted if it stays so for as long again"
						: " (sluice.restart_stalled is off)");
		break;
	case STALL_OVER:
		sup_stall_publish(s, st, 0, false);
		log_msg(LOG_INFO, "%s is alive again", stats_stage_name(st));
		break;
	case STALL_RESTART:
		if (!s->cfg->restart_stalled || (s->phase != SUP_RUNNING && s->phase != SUP_STARTING))
			break;
		sup_stall_publish(s, st, ps->stall.life_ns, true);
		log_msg(LOG_ERROR,
			"%s stayed stalled for another %s: killing it (SIGKILL) and "
			"restarting it; its input stays in the ring",
			stats_stage_name(st), t);
		child_signal(&ps->child, SIGKILL);
		break;
	default:
		break;
	}
}

/* Every stage down at once, the damaged segment aside, a fresh one, every
 * stage up again. */
static void sup_reseat(struct sup *s, const char *why)
{
	log_msg(LOG_ERROR,
		"segment %s is damaged: %s; stopping every stage to start again on a "
		"fresh segment",
		s->seg.name, why);
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct sup_stage *ps = &s->stage[st];
		net_timer_cancel(s->loop, &ps->restart_timer);
		if (ps->child.pid == 0)
			continue;
		net_watch_remove(ps->watch);
		ps->watch = NULL;
		child_signal(&ps->child, SIGKILL);
		while (child_reap(&ps->child) == -EAGAIN)
			usleep(1000);
		ps->stopping = ps->drain_when_ready = false;
	}
	segment_wake_close(&s->seg);
	segment_detach(&s->seg);
	if (sup_seg_set_aside(s, why) < 0 || sup_seg_create(s) < 0 || sup_wake_setup(s) < 0) {
		log_msg(LOG_ERROR, "cannot start on a fresh segment; stopping");
		s->exit_code = 1;
		s->phase = SUP_DONE;
		net_loop_stop(s->loop);
		return;
	}
	s->self = segment_stats(&s->seg, STAGE_SUPERVISOR);
	stats_stage_start(s->self);
	s->phase = SUP_STARTING;
	for (int st = STAGE_EXPORT; st >= STAGE_INGEST; st--)
		sup_spawn(s, (enum stage_index)st);
}

void sup_tick(struct net_timer *t, void *arg)
{
	struct sup *s = arg;
	uint64_t now = rt_mono_ns();
	bool all = true;
	char why[300];

	stats_heartbeat(s->self);
	if (now >= s->next_check_ns && (s->phase == SUP_RUNNING || s->phase == SUP_STARTING)) {
		s->next_check_ns = now + SUP_CHECK_EVERY_NS;
		if (sup_seg_damaged(s, why, sizeof(why)) < 0) {
			sup_reseat(s, why);
			if (s->phase != SUP_DONE) /* the stages just started: look next tick */
				net_timer_arm(s->loop, t, SUP_TICK_MS);
			return;
		}
	}
	for (int st = STAGE_INGEST; st <= STAGE_EXPORT; st++) {
		struct sup_stage *ps = &s->stage[st];
		struct stage_stats *ss = segment_stats(&s->seg, (enum stage_index)st);
		bool running = ps->child.pid != 0 && atomic_load(&ss->pid) == ps->child.pid &&
			       atomic_load(&ss->state) == STAGE_STATE_RUNNING;
		all &= running;
		if (running && ps->drain_when_ready) {
			ps->drain_when_ready = false;
			child_signal(&ps->child, SIGTERM);
		}
		if (running && !ps->ready_logged) {
			ps->ready_logged = true;
			log_msg(LOG_DEBUG, "%s ready (pid %d)", child_binary_name(ps->child.stage),
				(int)ps->child.pid);
		}
		if (running)
			sup_watch_stall(s, ps, ss, now);
		if (!running && ps->child.pid != 0 && !ps->stopping &&
		    now - ps->child.started_mono_ns > s->cfg->start_timeout_ns) {
			log_msg(LOG_ERROR, "%s not ready after the start timeout; killing it",
				child_binary_name(ps->child.stage));
			child_signal(&ps->child, SIGKILL);
			ps->child.started_mono_ns = now;
		}
	}
	if (all && s->phase == SUP_STARTING) {
		s->phase = SUP_RUNNING;
		atomic_store(&s->self->state, (uint32_t)STAGE_STATE_RUNNING);
		log_msg(LOG_INFO, "pipeline ready: 4 stages running, %u rings (instance %s)",
			segment_nrings(&s->seg), s->cfg->instance);
	}
	net_timer_arm(s->loop, t, SUP_TICK_MS);
}
