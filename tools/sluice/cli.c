/* tools/sluice/cli.c: start, stop, status, top, restart. */
#include "tools/sluice/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/segment.h"
#include "rt/clock.h"
#include "tools/sluice/ctl.h"
#include "rt/dirs.h"
#include "tools/sluice/report.h"
#include "tools/sluice/sup.h"

static int cli_sock(const struct cli_opts *o, char *path, size_t size)
{
	return ctl_path(o->cfg, ".sock", path, size);
}

static int cli_not_running(const struct cli_opts *o)
{
	fprintf(stderr, "sluice: instance '%s' is not running (no supervisor at %s/%s.sock)\n",
		o->cfg->instance, o->cfg->runtime_dir, o->cfg->instance);
	return SUP_EXIT_NOT_RUNNING;
}

static void cli_print_log_tail(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char line[1024];
	long lines = 0;
	while (fgets(line, sizeof(line), f))
		lines++;
	rewind(f);
	for (long i = 0; fgets(line, sizeof(line), f); i++)
		if (i >= lines - 20)
			fputs(line, stderr);
	fclose(f);
}

static int cli_start(struct cli_opts *o, const char *argv0)
{
	char sock[512], logpath[512], reply[CTL_LINE_MAX];
	(void)argv0;
	if (cli_sock(o, sock, sizeof(sock)) < 0 || ctl_path(o->cfg, ".log", logpath, sizeof(logpath)) < 0)
		return SUP_EXIT_USAGE;
	if (ctl_request(sock, "ping", reply, sizeof(reply), 2000) == 0 && reply[0]) {
		fprintf(stderr, "sluice: instance '%s' is already running (%s)\n", o->cfg->instance, reply);
		return SUP_EXIT_FAILED;
	}
	/* the log goes there before the supervisor runs its own checks */
	if (dirs_prepare(o->cfg) < 0)
		return SUP_EXIT_FAILED;
	pid_t pid = fork();
	if (pid < 0)
		return SUP_EXIT_FAILED;
	if (pid == 0) {
		setsid();
		int null = open("/dev/null", O_RDWR);
		int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (null < 0 || log < 0)
			_exit(SUP_EXIT_FAILED);
		dup2(null, 0);
		dup2(log, 1);
		dup2(log, 2);
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		self[n > 0 ? n : 0] = '\0';
		char *args[5] = { self, "run", NULL, NULL, NULL };
		if (o->config_path) {
			args[2] = "-c";
			args[3] = o->config_abs;
		}
		execv(self, args);
		_exit(SUP_EXIT_FAILED);
	}
	uint64_t deadline = rt_mono_ns() + o->cfg->start_timeout_ns + 5000000000ull;
	while (rt_mono_ns() < deadline) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr,
				"sluice: the supervisor exited during start (%s %d); its log %s ends:\n",
				WIFEXITED(status) ? "status" : "signal",
				WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), logpath);
			cli_print_log_tail(logpath);
			return SUP_EXIT_FAILED;
		}
		if (ctl_request(sock, "ping", reply, sizeof(reply), 1000) == 0 &&
		    strncmp(reply, "ready", 5) == 0) {
			printf("sluice started: instance '%s', supervisor pid %d, log %s\n", o->cfg->instance,
			       (int)pid, logpath);
			return 0;
		}
		usleep(50000);
	}
	/* the supervisor does not give up on a failing stage (the ones in
	 * front of it keep running): say that it is still there */
	fprintf(stderr,
		"sluice: not every stage is ready within the start timeout; the supervisor "
		"(pid %d) keeps running and restarting the failing one (`sluice status` shows it, "
		"`sluice stop` stops it); log %s ends:\n",
		(int)pid, logpath);
	cli_print_log_tail(logpath);
	return SUP_EXIT_FAILED;
}

static int cli_stop(struct cli_opts *o, const char *argv0)
{
	char sock[512], reply[CTL_LINE_MAX];
	(void)argv0;
	if (cli_sock(o, sock, sizeof(sock)) < 0)
		return SUP_EXIT_USAGE;
	/* Each stage may use its whole stop timeout. */
	int timeout = (int)(o->cfg->stop_timeout_ns / 1000000) * 4 + 10000;
	int err = ctl_request(sock, "stop", reply, sizeof(reply), timeout);
	if (err == -ENOENT || err == -ECONNREFUSED)
		return cli_not_running(o);
	if (err < 0) {
		fprintf(stderr, "sluice: stop: %s\n", strerror(-err));
		return SUP_EXIT_FAILED;
	}
	if (strcmp(reply, "stopped") != 0) {
		fprintf(stderr, "sluice: stop: unexpected answer '%s'\n", reply);
		return SUP_EXIT_FAILED;
	}
	if (!o->quiet)
		printf("sluice: instance '%s' stopped\n", o->cfg->instance);
	return 0;
}

static int cli_attach(struct cli_opts *o, struct segment *seg)
{
	int err = segment_attach(seg, o->cfg->instance);
	if (err == -ENOENT)
		return cli_not_running(o);
	if (err < 0) {
		fprintf(stderr, "sluice: segment /sluice.%s: %s\n", o->cfg->instance,
			segment_errmsg(seg)[0] ? segment_errmsg(seg) : strerror(-err));
		return SUP_EXIT_FAILED;
	}
	return 0;
}

static void cli_supervisor_line(struct cli_opts *o, FILE *out)
{
	char sock[512], reply[CTL_LINE_MAX];
	if (cli_sock(o, sock, sizeof(sock)) == 0 &&
	    ctl_request(sock, "ping", reply, sizeof(reply), 2000) == 0 && reply[0])
		fprintf(out, "instance %s: supervisor %s\n", o->cfg->instance, reply);
	else
		fprintf(out, "instance %s: no supervisor running (segment left from an earlier run)\n",
			o->cfg->instance);
}

static int cli_status(struct cli_opts *o, const char *argv0)
{
	struct segment seg;
	(void)argv0;
	int rc = cli_attach(o, &seg);
	if (rc != 0)
		return rc;
	cli_supervisor_line(o, stdout);
	report_status(&seg, stdout, NULL);
	bool ok = report_health(&seg, NULL);
	segment_detach(&seg);
	return ok ? 0 : SUP_EXIT_FAILED;
}

static volatile sig_atomic_t cli_interrupted;
static void cli_on_sigint(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

static int cli_top(struct cli_opts *o, const char *argv0)
{
	struct segment seg;
	(void)argv0;
	int rc = cli_attach(o, &seg);
	if (rc != 0)
		return rc;
	struct report_top *top = report_top_new(&seg);
	if (!top) {
		segment_detach(&seg);
		return SUP_EXIT_FAILED;
	}
	signal(SIGINT, cli_on_sigint);
	signal(SIGTERM, cli_on_sigint);
	bool tty = isatty(1);
	report_top_sample(top, &seg);
	for (int i = 0; o->count < 0 || i < o->count; i++) {
		usleep((useconds_t)o->interval_ms * 1000);
		if (cli_interrupted)
			break;
		report_top_sample(top, &seg);
		if (tty)
			fputs("\033[H\033[2J", stdout);
		time_t t = time(NULL);
		char when[32];
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
		printf("sluice top  %s  (every %d ms, Ctrl-C quits; rates and latency over the interval)\n",
		       when, o->interval_ms);
		cli_supervisor_line(o, stdout);
		report_status(&seg, stdout, top);
		fflush(stdout);
	}
	report_top_free(top);
	segment_detach(&seg);
	return 0;
}

static int cli_restart(struct cli_opts *o, const char *argv0)
{
	char sock[512], cmd[CTL_LINE_MAX], reply[CTL_LINE_MAX];
	(void)argv0;
	if (cli_sock(o, sock, sizeof(sock)) < 0)
		return SUP_EXIT_USAGE;
	snprintf(cmd, sizeof(cmd), "restart %s", o->args[0]);
	int err = ctl_request(sock, cmd, reply, sizeof(reply), 5000);
	if (err == -ENOENT || err == -ECONNREFUSED)
		return cli_not_running(o);
	if (err < 0 || strncmp(reply, "ok", 2) != 0) {
		fprintf(stderr, "sluice: restart: %s\n", err < 0 ? strerror(-err) : reply);
		return strstr(reply, "unknown stage") ? SUP_EXIT_USAGE : SUP_EXIT_FAILED;
	}
	printf("sluice: %s is restarting\n", o->args[0]);
	return 0;
}

static const struct cli_command cli_commands[] = {
	{ "run", 0, false, NULL,
	  "usage: sluice run [-c FILE]\n"
	  "Runs the pipeline in the foreground: validates the config, creates (or resumes)\n"
	  "the shared-memory segment, starts and supervises the four stages. SIGTERM or\n"
	  "SIGINT drain every ring downstream and stop. Logs go to stderr.\n" },
	{ "start", 0, false, cli_start,
	  "usage: sluice start [-c FILE]\n"
	  "Starts `sluice run` in the background (log in <runtime_dir>/<instance>.log) and\n"
	  "returns once every stage is ready. Exit 1 with the log's end when it cannot.\n" },
	{ "stop", 0, false, cli_stop,
	  "usage: sluice stop [-c FILE] [--quiet]\n"
	  "Ingest stops accepting, each ring drains downstream, export flushes; returns\n"
	  "when the supervisor is done. Exit 3 when the instance is not running.\n" },
	{ "status", 0, false, cli_status,
	  "usage: sluice status [-c FILE]\n"
	  "Each stage's state (\"stalled\" when records wait for it and it shows no sign\n"
	  "of life), pid, uptime, restarts, items in and out and bytes waiting for it;\n"
	  "each receiver's accepted and refused items; each pipeline's rings with their\n"
	  "fill, processors, connectors and exporters (sent, failed, retries, dead\n"
	  "letters, receipt-to-ack latency p50/p99). Exit 0 when every stage runs and\n"
	  "none is stalled or degraded, 1 otherwise, 3 when the instance is not running.\n" },
	{ "top", 0, false, cli_top,
	  "usage: sluice top [-c FILE] [--interval MS] [--count N]\n"
	  "The status view, refreshed every MS milliseconds (default 1000), with items/s\n"
	  "and the latency p50/p99 of the last interval;\n"
	  "--count stops after N refreshes. Ctrl-C quits.\n" },
	{ "restart", 1, false, cli_restart,
	  "usage: sluice restart STAGE [-c FILE]\n"
	  "Restarts one stage (ingest, process, batch, export): SIGTERM, it finishes its\n"
	  "work in hand, the supervisor starts it again. Nothing in the rings is lost.\n" },
	{ "check", 0, true, NULL,
	  "usage: sluice check -c FILE [--quiet]\n"
	  "Validates FILE and prints the effective config (every default filled in).\n"
	  "Exit 2 with FILE:LINE:COL and the reason when it is not valid. Then checks\n"
	  "the directories it names (runtime, state, dead letters, disk queues, file\n"
	  "exporters): one that another user owns or can write to, or that cannot be\n"
	  "written, is an error (exit 1); one that does not exist yet is a note.\n" },
};

const struct cli_command *cli_find(const char *name)
{
	for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}
