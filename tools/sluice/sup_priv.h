/* tools/sluice/sup_priv.h: the supervisor's state, shared by sup.c
 * (lifecycle) and sup_ctl.c (control socket). Not an API. */
#ifndef SLUICE_TOOLS_SUP_PRIV_H
#define SLUICE_TOOLS_SUP_PRIV_H

#include <stdbool.h>

#include "net/loop.h"
#include "shm/segment.h"
#include "tools/sluice/child.h"
#include "tools/sluice/httpd.h"

#define SUP_MAX_STOP_WAITERS 8

enum sup_phase { SUP_STARTING, SUP_RUNNING, SUP_STOPPING, SUP_DONE };

struct sup;

struct sup_stage {
	struct sup *sup;
	struct child child;
	struct net_watch *watch;      /* on the pidfd */
	struct net_timer restart_timer;
	bool stopping;                /* we sent SIGTERM: its exit is planned */
	bool ready_logged;
	bool drain_when_ready;        /* started during the stop: SIGTERM once RUNNING */
	bool crash_loop;              /* over restart.max_restarts: restarted every backoff_max */
};

struct sup {
	const struct sluice_config *cfg;
	const char *config_path;
	struct segment seg;
	struct stage_stats *self;     /* the supervisor's stats block */
	struct net_loop *loop;
	struct sup_stage stage[4];    /* indexed by enum stage_index */
	enum sup_phase phase;
	size_t stop_index;            /* position in the drain order */
	struct net_timer tick, kill_timer;
	int lock_fd, sigfd, ctl_fd;
	struct net_watch *sigwatch, *ctlwatch;
	int stop_waiters[SUP_MAX_STOP_WAITERS];
	int n_stop_waiters;
	struct httpd httpd;
	char wake_env[256];
	char ctl_path[512];
	bool resumed;
	int exit_code;
};

void sup_begin_stop(struct sup *s);
int sup_restart_stage(struct sup *s, const char *name, char *why, size_t size);
int sup_ctl_start(struct sup *s, const char *path);
void sup_ctl_close(struct sup *s);

#endif
