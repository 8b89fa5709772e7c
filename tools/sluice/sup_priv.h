/* tools/sluice/sup_priv.h: the supervisor's state, shared by sup.c
 * (lifecycle), sup_watch.c (the tick: readiness, stalls, a damaged
 * segment), sup_seg.c (which segment) and sup_ctl.c (control socket).
 * Not an API. */
#ifndef SLUICE_TOOLS_SUP_PRIV_H
#define SLUICE_TOOLS_SUP_PRIV_H

#include <stdbool.h>

#include "net/loop.h"
#include "shm/segment.h"
#include "tools/sluice/child.h"
#include "tools/sluice/httpd.h"
#include "tools/sluice/stall.h"
#include "tools/sluice/sup_layout.h"

#define SUP_MAX_STOP_WAITERS 8
#define SUP_TICK_MS 50

enum sup_phase {
	SUP_STARTING,
	SUP_RUNNING,
	SUP_STOPPING,
	SUP_DONE
};

struct sup;

struct sup_stage {
	struct sup *sup;
	struct child child;
	struct net_watch *watch; /* on the pidfd */
	struct net_timer restart_timer;
	bool stopping; /* we sent SIGTERM: its exit is planned */
	bool ready_logged;
	bool drain_when_ready; /* started during the stop: SIGTERM once RUNNING */
	bool crash_loop;       /* over restart.max_restarts: restarted every backoff_max */
	struct stall_watch stall;
};

struct sup {
	const struct sluice_config *cfg;
	const char *config_path;
	struct segment seg;
	struct sup_layout layout; /* what cfg->plan needs (tools/sluice/sup_layout.h) */
	struct stage_stats *self; /* the supervisor's stats block */
	struct net_loop *loop;
	struct sup_stage stage[4]; /* indexed by enum stage_index */
	enum sup_phase phase;
	size_t stop_index; /* position in the drain order */
	struct net_timer tick, kill_timer;
	int lock_fd, sigfd, ctl_fd;
	struct net_watch *sigwatch, *ctlwatch;
	int stop_waiters[SUP_MAX_STOP_WAITERS];
	int n_stop_waiters;
	struct httpd httpd;
	uint64_t next_check_ns; /* next segment_check (CLOCK_MONOTONIC) */
	char wake_env[64 * 24]; /* "ring:datafd:spacefd," for up to 64 rings */
	char ctl_path[512];
	bool resumed;
	int exit_code;
};

/* sup.c */
void sup_begin_stop(struct sup *s);
void sup_spawn(struct sup *s, enum stage_index st);
void sup_set_stage_state(struct sup *s, enum stage_index st, enum stage_state state);
bool sup_input_pending(struct sup *s, enum stage_index st);
int sup_wake_setup(struct sup *s);
int sup_restart_stage(struct sup *s, const char *name, char *why, size_t size);
/* sup_watch.c: every SUP_TICK_MS */
void sup_tick(struct net_timer *t, void *arg);

/* sup_seg.c */
int sup_seg_open(struct sup *s);
int sup_seg_set_aside(struct sup *s, const char *why);
int sup_seg_damaged(struct sup *s, char *why, size_t size); /* segment_check: 0 or -errno */
int sup_seg_create(struct sup *s);			    /* from s->layout */

/* sup_ctl.c */
int sup_ctl_start(struct sup *s, const char *path);
void sup_ctl_close(struct sup *s);

#endif
