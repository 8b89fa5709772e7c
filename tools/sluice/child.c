/* tools/sluice/child.c: spawning, reaping and the restart policy. */
#include "tools/sluice/child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt/clock.h"

const char *child_binary_name(enum stage_index stage)
{
	switch (stage) {
	case STAGE_INGEST:
		return "sluice-ingest";
	case STAGE_PROCESS:
		return "sluice-process";
	case STAGE_BATCH:
		return "sluice-batch";
	case STAGE_EXPORT:
		return "sluice-export";
	default:
		return NULL;
	}
}

int child_init(struct child *c, enum stage_index stage, const char *bin_dir)
{
	const char *name = child_binary_name(stage);

	memset(c, 0, sizeof(*c));
	c->stage = stage;
	c->pidfd = -1;
	if (!name)
		return -EINVAL;
	int n = snprintf(c->binary, sizeof(c->binary), "%s/%s", bin_dir, name);
	if (n < 0 || (size_t)n >= sizeof(c->binary))
		return -ENAMETOOLONG;
	if (access(c->binary, X_OK) != 0)
		return -ENOENT;
	return 0;
}

/* Runs in the forked child: only async-signal-safe calls until exec. */
static void child_exec(const struct child *c, const char *config_path, pid_t parent)
{
	/* The stage dies with the supervisor. SIGTERM, not SIGKILL: the stage
	 * drains what it can; the segment keeps the rest either way. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		_exit(127);
	/* Stop signals stay blocked through exec: one that arrives before the
	 * stage's rt_open waits for its signalfd (a drain), instead of
	 * killing a stage that has not started (a crash to the supervisor). */
	sigset_t stops;
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);
	sigprocmask(SIG_SETMASK, &stops, NULL);
	char *argv[4] = { (char *)c->binary, NULL, NULL, NULL };
	if (config_path) {
		argv[1] = "-c";
		argv[2] = (char *)config_path;
	}
	execv(c->binary, argv);
	_exit(127);
}

int child_spawn(struct child *c, const char *config_path, const char *wake_env, const char *log_level)
{
	/* setenv before fork: the child must not allocate between fork and exec. */
	if (setenv("SLUICE_WAKE_FDS", wake_env ? wake_env : "", 1) != 0 ||
	    setenv("SLUICE_LOG_LEVEL", log_level, 1) != 0)
		return -errno;
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_exec(c, config_path, parent);
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0) {
		int err = -errno;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return err;
	}
	c->pid = pid;
	c->pidfd = fd;
	c->started_mono_ns = rt_mono_ns();
	return 0;
}

int child_reap(struct child *c)
{
	siginfo_t si;

	if (c->pid == 0)
		return -ECHILD;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG) != 0)
		return -errno;
	if (si.si_pid == 0)
		return -EAGAIN;
	c->last_code = si.si_code;
	c->last_status = si.si_status;
	close(c->pidfd);
	c->pidfd = -1;
	c->pid = 0;
	return 0;
}

bool child_exited_cleanly(const struct child *c)
{
	return c->last_code == CLD_EXITED && c->last_status == 0;
}

const char *child_exit_text(const struct child *c, char *buf, size_t size)
{
	if (c->last_code == CLD_EXITED)
		snprintf(buf, size, "exited with status %d", c->last_status);
	else
		snprintf(buf, size, "killed by signal %d (%s)%s", c->last_status, strsignal(c->last_status),
			 c->last_code == CLD_DUMPED ? ", core dumped" : "");
	return buf;
}

enum child_verdict child_on_exit(struct child *c, const struct sluice_restart *policy, uint64_t now_ns)
{
	uint64_t ran = now_ns - c->started_mono_ns;

	c->restarts++;
	if (c->backoff_ns == 0 || ran > policy->backoff_max_ns)
		c->backoff_ns = policy->backoff_initial_ns;
	else if (c->backoff_ns < policy->backoff_max_ns / 2)
		c->backoff_ns *= 2;
	else
		c->backoff_ns = policy->backoff_max_ns;

	/* Keep the crash times that fall inside the window, newest last. */
	unsigned kept = 0;
	for (unsigned i = 0; i < c->history_len; i++)
		if (now_ns - c->history[i] <= policy->window_ns)
			c->history[kept++] = c->history[i];
	if (kept == CHILD_HISTORY) {
		memmove(c->history, c->history + 1, (CHILD_HISTORY - 1) * sizeof(c->history[0]));
		kept--;
	}
	c->history[kept++] = now_ns;
	c->history_len = kept;
	if (kept <= policy->max_restarts)
		return CHILD_RESTART;
	c->backoff_ns = policy->backoff_max_ns;
	return CHILD_CRASH_LOOP;
}

int child_signal(struct child *c, int sig)
{
	if (c->pidfd < 0)
		return -ESRCH;
	if (syscall(SYS_pidfd_send_signal, c->pidfd, sig, NULL, 0) != 0)
		return -errno;
	return 0;
}
