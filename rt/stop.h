/* rt/stop.h: how a stage learns it was asked to stop (SIGTERM, SIGINT).
 *
 * The stop signals are blocked from the first instruction of main and
 * delivered through a signalfd, so a stop that arrives during start-up
 * waits instead of killing a half-started stage, and no signal handler or
 * global flag is needed:
 *   - io_uring stages watch rt_stop_fd() on their loop and call
 *     rt_stop_poll() when it is readable;
 *   - ring-waiting stages call rt_stop_check() in their loop: it reads the
 *     signalfd at most once every RT_STOP_POLL_NS, so calling it once a
 *     record costs a clock read.
 * A test drives a stage loop without signals by setting `requested`.
 */
#ifndef SLUICE_RT_STOP_H
#define SLUICE_RT_STOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "rt/clock.h"

#define RT_STOP_POLL_NS (10u * 1000u * 1000u) /* 10 ms */

struct rt_stop {
	volatile sig_atomic_t requested; /* set once a stop signal was read */
	int signo;			 /* the signal that asked (0 = none yet) */
	int fd;				 /* signalfd, -1 = none (tests) */
	uint64_t next_poll_ns;		 /* monotonic: don't read fd before */
};

/* Blocks SIGTERM, SIGINT (and SIGPIPE, ignored) in this thread and opens
 * a non-blocking close-on-exec signalfd for the first two. 0 or -errno. */
int rt_stop_init(struct rt_stop *s);
void rt_stop_close(struct rt_stop *s);

/* Reads what the signalfd holds; true once a stop was asked. */
bool rt_stop_poll(struct rt_stop *s);

/* rt_stop_poll, at most once every RT_STOP_POLL_NS. */
static inline bool rt_stop_check(struct rt_stop *s)
{
	if (s->requested)
		return true;
	if (s->fd < 0)
		return false;
	uint64_t now = rt_mono_ns();
	if (now < s->next_poll_ns)
		return false;
	s->next_poll_ns = now + RT_STOP_POLL_NS;
	return rt_stop_poll(s);
}

static inline int rt_stop_fd(const struct rt_stop *s)
{
	return s->fd;
}

#endif
