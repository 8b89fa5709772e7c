/* tests/producer/ingest_proc.c: see ingest_proc.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "net/h2.h"
#include "tests/producer/ingest_proc.h"
#include "tests/producer/ingest_testlib.h"

const char *ip_ingest_bin(void)
{
	return INGEST_BIN;
}
const char *ip_source_dir(void)
{
	return INGEST_SRC_DIR;
}

static void ip_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int ip_exec(struct ingest_proc *ip)
{
	char wake[256];
	if (segment_wake_env(&ip->seg, wake, sizeof(wake)) < 0)
		return -ENOSPC;
	unlink(ip->log);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(ip->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
		/* Die with the test: a failed assertion exits the test process
		 * without running its cleanup. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setenv(SEG_WAKE_ENV, wake, 1);
		setenv("SLUICE_LOG_LEVEL", "debug", 1);
		execl(ip_ingest_bin(), "sluice-ingest", "-c", ip->cfg, (char *)NULL);
		_exit(127);
	}
	ip->pid = pid;
	ip->http = ip->grpc = 0;
	/* Wait for "serving N listeners" (bounded), then read the ports of
	 * every "listening on HOST:PORT receiver=ID" line. */
	bool serving = false;
	for (int i = 0; i < 400 && !serving; i++) {
		char buf[8192];
		FILE *f = fopen(ip->log, "r");
		if (f) {
			ip->nrecv = 0;
			while (fgets(buf, sizeof(buf), f)) {
				char addr[128], id[64];
				char *p = strstr(buf, "listening on ");
				if (strstr(buf, "serving ") && strstr(buf, " listeners"))
					serving = true;
				if (!p || sscanf(p, "listening on %127s receiver=%63s", addr, id) != 2)
					continue;
				char *colon = strrchr(addr, ':');
				unsigned port = colon ? (unsigned)atoi(colon + 1) : 0;
				unsigned r;
				for (r = 0; r < ip->nrecv && strcmp(ip->recv[r].id, id) != 0; r++)
					;
				if (r == ip->nrecv && r < IP_MAX_RECV) {
					memset(&ip->recv[r], 0, sizeof(ip->recv[r]));
					snprintf(ip->recv[r].id, sizeof(ip->recv[r].id), "%s", id);
					ip->nrecv++;
				}
				if (r < IP_MAX_RECV) {
					if (strstr(buf, "OTLP/gRPC"))
						ip->recv[r].grpc = (uint16_t)port;
					else
						ip->recv[r].http = (uint16_t)port;
				}
			}
			fclose(f);
		}
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			ip->pid = 0;
			return -ECHILD;
		}
		if (!serving)
			ip_sleep_ms(25);
	}
	if (ip->nrecv > 0) {
		ip->http = ip->recv[0].http;
		ip->grpc = ip->recv[0].grpc;
	}
	return serving ? 0 : -ETIMEDOUT;
}

/* Processes started and not yet destroyed, so a test that fails an
 * assertion (exit) still removes its segment and files. */
static struct ingest_proc *ip_live[8];

static void ip_cleanup_all(void)
{
	for (int i = 0; i < 8; i++)
		if (ip_live[i])
			ip_destroy(ip_live[i]);
}

static uint32_t ip_seg_kind(enum plan_stat_kind k)
{
	switch (k) {
	case PLAN_STAT_RECEIVER:
		return SEG_COMP_RECEIVER;
	case PLAN_STAT_PROCESSOR:
		return SEG_COMP_PROCESSOR;
	case PLAN_STAT_EXPORTER:
		return SEG_COMP_EXPORTER;
	default:
		return SEG_COMP_CONNECTOR;
	}
}

/* The segment the supervisor would make for this plan. */
static int ip_make_segment(struct ingest_proc *ip, uint64_t ring_cap)
{
	const struct sluice_plan *plan = ip->config->plan;
	static struct segment_params sp;
	static struct segment_component_params comp[PLAN_MAX_STATS];
	memset(&sp, 0, sizeof(sp));
	sp.nrings = plan->n_rings;
	sp.topology = plan->fingerprint;
	for (uint32_t i = 0; i < plan->n_rings; i++) {
		const struct plan_ring *r = &plan->rings[i];
		sp.ring_capacity[i] = r->kind == PLAN_RING_IN ? ring_cap : 65536;
		sp.ring_name[i] = r->name;
		sp.ring_kind[i] = (uint32_t)r->kind + SEG_RING_IN;
		sp.ring_signal[i] = (uint32_t)r->signal + 1;
	}
	for (uint32_t i = 0; i < plan->n_stats; i++) {
		const struct plan_stat *st = &plan->stats[i];
		comp[i] = (struct segment_component_params){
			.kind = ip_seg_kind(st->kind),
			.signal = (uint32_t)st->signal + 1,
			.pipeline = st->pipeline < 0 ? SEG_NONE : (uint32_t)st->pipeline,
			.name = st->component_id,
			.pipeline_name = st->pipeline_id,
			.transport = plan_transport_name(st->transport),
		};
	}
	sp.ncomponents = plan->n_stats;
	sp.components = comp;
	int rc = segment_create(&ip->seg, ip->inst, &sp);
	if (rc < 0) {
		fprintf(stderr, "segment_create: %s\n", segment_errmsg(&ip->seg));
		return rc;
	}
	if ((rc = segment_wake_create(&ip->seg)) < 0)
		return rc;
	for (uint32_t i = 0; i < plan->n_rings; i++)
		if ((rc = segment_ring(&ip->seg, i, &ip->rings[i])) < 0)
			return rc;
	return segment_ring(&ip->seg, 0, &ip->ring);
}

int ip_start_yaml(struct ingest_proc *ip, uint64_t ring_cap, const char *yaml)
{
	static int counter;
	memset(ip, 0, sizeof(*ip));
	if (counter == 0)
		atexit(ip_cleanup_all);
	for (int i = 0; i < 8; i++) {
		if (!ip_live[i]) {
			ip_live[i] = ip;
			break;
		}
	}
	/* ingtest-<runner>-<test process>-<n>: Check runs each test in a child
	 * that a failed assertion ends without cleanup, so the runner removes
	 * what its children left (ip_cleanup_runner). */
	snprintf(ip->inst, sizeof(ip->inst), "ingtest-%d-%d-%d", (int)getppid(), (int)getpid(), counter++);
	snprintf(ip->cfg, sizeof(ip->cfg), "/tmp/%s.yaml", ip->inst);
	snprintf(ip->log, sizeof(ip->log), "/tmp/%s.log", ip->inst);
	segment_unlink(ip->inst);
	FILE *f = fopen(ip->cfg, "w");
	if (!f)
		return -errno;
	fprintf(f, "%ssluice:\n  instance: %s\n", yaml, ip->inst);
	fclose(f);
	struct config_error cerr;
	int rc = config_load(ip->cfg, &ip->config, &cerr);
	if (rc < 0) {
		fprintf(stderr, "test config: %s\n", cerr.msg);
		return rc;
	}
	ip->stats = NULL;
	if ((rc = ip_make_segment(ip, ring_cap)) < 0)
		return rc;
	ip->stats = segment_stats(&ip->seg, STAGE_INGEST);
	return ip_exec(ip);
}

int ip_start(struct ingest_proc *ip, uint64_t ring_cap, const char *extra)
{
	char yaml[4096];
	snprintf(yaml, sizeof(yaml),
		 "receivers:\n"
		 "  otlp:\n"
		 "    protocols:\n"
		 "      grpc:\n"
		 "        endpoint: 127.0.0.1:0\n"
		 "      http:\n"
		 "        endpoint: 127.0.0.1:0\n"
		 "%s"
		 "exporters:\n"
		 "  debug:\n"
		 "service:\n"
		 "  pipelines:\n"
		 "    traces:\n"
		 "      receivers: [otlp]\n"
		 "      exporters: [debug]\n",
		 extra ? extra : "");
	return ip_start_yaml(ip, ring_cap, yaml);
}

struct ring *ip_ring(struct ingest_proc *ip, const char *name)
{
	int i = ip->config ? plan_ring_find(ip->config->plan, name) : -1;
	return i < 0 ? NULL : &ip->rings[i];
}

uint16_t ip_port(const struct ingest_proc *ip, const char *receiver, bool grpc)
{
	for (unsigned r = 0; r < ip->nrecv; r++)
		if (strcmp(ip->recv[r].id, receiver) == 0)
			return grpc ? ip->recv[r].grpc : ip->recv[r].http;
	return 0;
}

struct seg_component *ip_stat(struct ingest_proc *ip, const char *receiver, enum plan_transport t,
			      enum otlp_signal sig)
{
	if (!ip->config)
		return NULL;
	for (size_t r = 0; r < ip->config->n_receivers; r++) {
		if (strcmp(ip->config->receivers[r].id, receiver) != 0)
			continue;
		int i = plan_receiver_stat(ip->config->plan, r, t, (enum sluice_signal)sig);
		return i < 0 ? NULL : segment_component(&ip->seg, (uint32_t)i);
	}
	return NULL;
}

int ip_restart(struct ingest_proc *ip)
{
	return ip_exec(ip);
}

int ip_wait(struct ingest_proc *ip, unsigned ms)
{
	if (ip->pid <= 0)
		return -ECHILD;
	for (unsigned i = 0; i <= ms / 10; i++) {
		int st;
		pid_t r = waitpid(ip->pid, &st, WNOHANG);
		if (r == ip->pid) {
			ip->pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		ip_sleep_ms(10);
	}
	kill(ip->pid, SIGKILL);
	waitpid(ip->pid, NULL, 0);
	ip->pid = 0;
	return -ETIMEDOUT;
}

int ip_stop(struct ingest_proc *ip)
{
	if (ip->pid <= 0)
		return -ECHILD;
	kill(ip->pid, SIGTERM);
	return ip_wait(ip, 20000);
}

void ip_destroy(struct ingest_proc *ip)
{
	for (int i = 0; i < 8; i++)
		if (ip_live[i] == ip)
			ip_live[i] = NULL;
	if (ip->pid > 0)
		ip_stop(ip);
	segment_wake_close(&ip->seg);
	segment_detach(&ip->seg);
	segment_unlink(ip->inst);
	config_free(ip->config);
	ip->config = NULL;
	unlink(ip->cfg);
	unlink(ip->log);
}

void ip_cleanup_runner(void)
{
	char prefix[64], path[512];
	int n = snprintf(prefix, sizeof(prefix), "ingtest-%d-", (int)getpid());
	static const char *const dirs[2] = { "/dev/shm", "/tmp" };
	for (int d = 0; d < 2; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *e;
		if (!dir)
			continue;
		while ((e = readdir(dir))) {
			const char *name = e->d_name;
			if (d == 0 && strncmp(name, "sluice.", 7) == 0)
				name += 7;
			if (strncmp(name, prefix, (size_t)n) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], e->d_name);
			unlink(path);
		}
		closedir(dir);
	}
}

void ip_dump_log(const struct ingest_proc *ip)
{
	char buf[4096];
	FILE *f = fopen(ip->log, "r");
	if (!f)
		return;
	fprintf(stderr, "---- %s ----\n", ip->log);
	while (fgets(buf, sizeof(buf), f))
		fputs(buf, stderr);
	fclose(f);
}

int ip_run(char *const argv[], unsigned timeout_ms)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	for (unsigned i = 0; i <= timeout_ms / 10; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		ip_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -ETIMEDOUT;
}

/* ---- a blocking unary gRPC call through net/h2's client ---- */

struct ip_call {
	struct ip_grpc_result *res;
	bool done;
};

static void ip_call_done(void *ud, const struct h2_call_result *r)
{
	struct ip_call *c = ud;
	c->done = true;
	c->res->err = r->err;
	c->res->http_status = r->http_status;
	c->res->grpc_status = r->grpc_status;
	snprintf(c->res->message, sizeof(c->res->message), "%s", r->grpc_message ? r->grpc_message : "");
	c->res->retry_delay_ns = r->retry_delay_ns;
	c->res->msg_len = r->msg ? r->msg_len : 0;
}

static int ip_h2_flush(struct h2_client *h, int fd)
{
	const uint8_t *p;
	ssize_t n;
	while ((n = h2_client_out(h, &p)) > 0) {
		if (tl_write_all(fd, p, (size_t)n) < 0)
			return -EPIPE;
		h2_client_sent(h, (size_t)n);
	}
	return 0;
}

int ip_grpc_call(uint16_t port, const char *path, const void *msg, size_t len, bool compressed,
		 struct ip_grpc_result *res)
{
	memset(res, 0, sizeof(*res));
	res->grpc_status = -1;
	res->retry_delay_ns = -1;
	int fd = tl_connect(port);
	if (fd < 0)
		return fd;
	struct h2_client_opts o = { .authority = "127.0.0.1" };
	struct h2_client *h = h2_client_new(&o);
	struct ip_call st = { res, false };
	struct h2_call call = {
		.path = path,
		.msg = msg,
		.msg_len = len,
		.compressed = compressed,
		.done = ip_call_done,
		.ud = &st,
	};
	int rc = h2_client_call(h, &call);
	if (rc < 0)
		goto out;
	rc = 0;
	for (int i = 0; i < 10000 && !st.done; i++) {
		uint8_t buf[16384];
		if (ip_h2_flush(h, fd) < 0)
			break;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		if (h2_client_recv(h, buf, (size_t)n) < 0)
			break;
	}
	if (!st.done)
		rc = -ECONNRESET;
out:
	h2_client_free(h);
	close(fd);
	return rc;
}
