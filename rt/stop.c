/* rt/stop.c: stop signals through a signalfd. */
#include "rt/stop.h"

#include <errno.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

int rt_stop_init(struct rt_stop *s)
{
	sigset_t set;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	/* a peer that closes mid-write is an error on that connection, not
	 * a reason for the stage to die */
	signal(SIGPIPE, SIG_IGN);
	s->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return s->fd < 0 ? -errno : 0;
}

void rt_stop_close(struct rt_stop *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

bool rt_stop_poll(struct rt_stop *s)
{
	struct signalfd_siginfo si;

	while (s->fd >= 0 && read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		s->requested = 1;
		if (!s->signo)
			s->signo = (int)si.ssi_signo;
	}
	return s->requested;
}
