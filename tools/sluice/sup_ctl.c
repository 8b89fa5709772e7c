/* tools/sluice/sup_ctl.c: the supervisor's side of the control socket. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/log.h"
#include "tools/sluice/ctl.h"
#include "tools/sluice/sup_priv.h"

static const char *sup_phase_word(enum sup_phase p)
{
	switch (p) {
	case SUP_STARTING:
		return "starting";
	case SUP_RUNNING:
		return "ready";
	default:
		return "stopping";
	}
}

static void sup_ctl_command(struct sup *s, int fd, const char *line)
{
	char why[160];

	if (strcmp(line, "ping") == 0) {
		dprintf(fd, "%s %d\n", sup_phase_word(s->phase), (int)getpid());
	} else if (strcmp(line, "stop") == 0) {
		if (s->n_stop_waiters < SUP_MAX_STOP_WAITERS) {
			s->stop_waiters[s->n_stop_waiters++] = fd; /* answered when drained */
			sup_begin_stop(s);
			return;
		}
		sup_begin_stop(s);
		dprintf(fd, "stopping\n");
	} else if (strncmp(line, "restart ", 8) == 0) {
		int err = sup_restart_stage(s, line + 8, why, sizeof(why));
		if (err < 0)
			dprintf(fd, "error: %s\n", err == -EINVAL || err == -EBUSY ? why : strerror(-err));
		else
			dprintf(fd, "ok\n");
	} else {
		dprintf(fd, "error: unknown command '%s' (ping, stop, restart STAGE)\n", line);
	}
	close(fd);
}

static void sup_ctl_accept(struct net_watch *w, int lfd, void *arg)
{
	struct sup *s = arg;
	char line[CTL_LINE_MAX];
	(void)w;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (ctl_read_command(fd, line, sizeof(line)) < 0) {
			close(fd);
			continue;
		}
		log_msg(LOG_DEBUG, "control: %s", line);
		sup_ctl_command(s, fd, line);
	}
}

int sup_ctl_start(struct sup *s, const char *path)
{
	snprintf(s->ctl_path, sizeof(s->ctl_path), "%s", path);
	s->ctl_fd = ctl_listen(path);
	if (s->ctl_fd < 0)
		return s->ctl_fd;
	return net_watch_add(s->loop, s->ctl_fd, sup_ctl_accept, s, &s->ctlwatch);
}

void sup_ctl_close(struct sup *s)
{
	if (s->ctl_fd >= 0) {
		close(s->ctl_fd);
		unlink(s->ctl_path);
		s->ctl_fd = -1;
	}
	for (int i = 0; i < s->n_stop_waiters; i++)
		close(s->stop_waiters[i]);
	s->n_stop_waiters = 0;
}
