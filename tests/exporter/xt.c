/* Helpers for the export stage tests (see xt.h). */
#include "xt.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <check.h>

#include "config/config.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "shm/hist.h"
#include "shm/ring.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest Req;
typedef Opentelemetry__Proto__Trace__V1__ResourceSpans RS;
typedef Opentelemetry__Proto__Trace__V1__ScopeSpans SS;
typedef Opentelemetry__Proto__Trace__V1__Span Span;
typedef Opentelemetry__Proto__Common__V1__KeyValue KV;
typedef Opentelemetry__Proto__Common__V1__AnyValue AV;

void xt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

bool xt_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return true;
#endif
#endif
	return false;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char p[1024];
			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			rm_rf(p);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

void xt_init(struct xt_env *e, const char *tag)
{
	memset(e, 0, sizeof(*e));
	static int n;
	snprintf(e->dir, sizeof(e->dir), "/tmp/xt-%d-%s", (int)getpid(), tag);
	rm_rf(e->dir);
	ck_assert_int_eq(mkdir(e->dir, 0700), 0);
	snprintf(e->instance, sizeof(e->instance), "xt%d_%d", (int)getpid(), n++);
	snprintf(e->stop_timeout, sizeof(e->stop_timeout), "20s");
	snprintf(e->sink_bodies, sizeof(e->sink_bodies), "%s/sink.bodies", e->dir);
	snprintf(e->sink_log, sizeof(e->sink_log), "%s/sink.log", e->dir);
	snprintf(e->sink_ports, sizeof(e->sink_ports), "%s/sink.ports", e->dir);
	e->next_seq = 1;
}

void xt_setup(struct xt_env *e, const char *tag, uint64_t ring2_cap)
{
	xt_init(e, tag);
	segment_unlink(e->instance);
	struct segment_params p = { 0 };
	p.nrings = RING_PIPELINE_COUNT;
	p.ring_capacity[0] = p.ring_capacity[1] = 64 * 1024;
	p.ring_capacity[2] = ring2_cap;
	/* the latency histograms the supervisor would make (shm/hist.h): the
	 * export stage observes its ring and (for any plan slot up to 7) its
	 * exporters. XT_NO_HIST=1 leaves them out (bench_export A/B). */
	struct hist_spec hs[3 + 2 * 8];
	uint32_t nh = 0;
	for (uint32_t r = 0; r < 3; r++)
		hs[nh++] = (struct hist_spec){ HIST_RING_AGE, r };
	for (uint32_t k = 0; k < 8; k++) {
		hs[nh++] = (struct hist_spec){ HIST_RECEIPT_TO_ACK, k };
		hs[nh++] = (struct hist_spec){ HIST_EXPORT_DURATION, k };
	}
	bool with_hist = !getenv("XT_NO_HIST");
	if (with_hist) {
		p.naux = 1;
		p.aux[0] = (struct segment_aux_params){ HIST_REGION_NAME, hist_region_size(nh) };
	}
	xt_done_reserve(&p, ring2_cap);
	ck_assert_msg(segment_create(&e->seg, e->instance, &p) == 0, "segment_create: %s",
		      segment_errmsg(&e->seg));
	if (with_hist) {
		uint64_t hsize = 0;
		void *hmem = segment_aux(&e->seg, HIST_REGION_NAME, &hsize);
		ck_assert_ptr_nonnull(hmem);
		ck_assert_int_eq(hist_region_format(hmem, hsize, hs, nh), 0);
	}
	ck_assert_int_eq(segment_wake_create(&e->seg), 0);
	char env[256];
	ck_assert_int_gt(segment_wake_env(&e->seg, env, sizeof(env)), 0);
	setenv(SEG_WAKE_ENV, env, 1);
	ck_assert_int_eq(segment_ring(&e->seg, RING_BATCH_EXPORT, &e->ring), 0);
}

int xt_stop(pid_t *pid, int sig)
{
	if (*pid <= 0)
		return -1;
	kill(*pid, sig);
	int st = 0;
	/* bounded: 30 s, then SIGKILL */
	for (int i = 0; i < 3000; i++) {
		pid_t r = waitpid(*pid, &st, WNOHANG);
		if (r == *pid) {
			*pid = 0;
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		xt_msleep(10);
	}
	kill(*pid, SIGKILL);
	waitpid(*pid, &st, 0);
	*pid = 0;
	return -1;
}

void xt_teardown(struct xt_env *e)
{
	xt_stop(&e->export_pid, SIGKILL);
	xt_stop(&e->sink_pid, SIGKILL);
	if (e->seg.base) {
		segment_wake_close(&e->seg);
		segment_detach(&e->seg);
	}
	segment_unlink(e->instance);
	config_free(e->cfg);
	e->cfg = NULL;
	if (!getenv("XT_KEEP"))
		rm_rf(e->dir);
}

struct xt_body xt_make_body(uint32_t batch, uint32_t n)
{
	struct xt_body b = { 0 };
	Req req = OPENTELEMETRY__PROTO__COLLECTOR__TRACE__V1__EXPORT_TRACE_SERVICE_REQUEST__INIT;
	RS rs = OPENTELEMETRY__PROTO__TRACE__V1__RESOURCE_SPANS__INIT;
	SS ss = OPENTELEMETRY__PROTO__TRACE__V1__SCOPE_SPANS__INIT;
	Opentelemetry__Proto__Resource__V1__Resource res = OPENTELEMETRY__PROTO__RESOURCE__V1__RESOURCE__INIT;
	Opentelemetry__Proto__Common__V1__InstrumentationScope scope =
		OPENTELEMETRY__PROTO__COMMON__V1__INSTRUMENTATION_SCOPE__INIT;
	KV svc = OPENTELEMETRY__PROTO__COMMON__V1__KEY_VALUE__INIT;
	AV svcv = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__INIT;
	KV *rattrs[1] = { &svc };
	RS *rsp[1] = { &rs };
	SS *ssp[1] = { &ss };
	svc.key = "service.name";
	svcv.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	svcv.string_value = "xt-service";
	svc.value = &svcv;
	res.n_attributes = 1;
	res.attributes = rattrs;
	rs.resource = &res;
	scope.name = "xt";
	ss.scope = &scope;
	req.n_resource_spans = 1;
	req.resource_spans = rsp;
	rs.n_scope_spans = 1;
	rs.scope_spans = ssp;

	Span *spans = calloc(n, sizeof(*spans));
	Span **sp = calloc(n, sizeof(*sp));
	uint8_t *ids = calloc(n, 24);
	char(*names)[32] = calloc(n, 32);
	KV *attrs = calloc(n, sizeof(*attrs));
	AV *vals = calloc(n, sizeof(*vals));
	KV **ap = calloc(n, sizeof(*ap));
	ck_assert(spans && sp && ids && names && attrs && vals && ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	for (uint32_t i = 0; i < n; i++) {
		Span *s = &spans[i];
		opentelemetry__proto__trace__v1__span__init(s);
		uint8_t *tid = ids + 24 * i, *sid = tid + 16;
		for (int k = 0; k < 16; k++)
			tid[k] = (uint8_t)(0xA0 + k + batch);
		uint64_t id = ((uint64_t)batch << 32) | i;
		for (int k = 0; k < 8; k++)
			sid[k] = (uint8_t)(id >> (56 - 8 * k));
		s->trace_id.data = tid;
		s->trace_id.len = 16;
		s->span_id.data = sid;
		s->span_id.len = 8;
		snprintf(names[i], 32, "op-%u-%u", batch, i);
		s->name = names[i];
		s->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
		s->start_time_unix_nano = now - 1000000;
		s->end_time_unix_nano = now;
		opentelemetry__proto__common__v1__key_value__init(&attrs[i]);
		opentelemetry__proto__common__v1__any_value__init(&vals[i]);
		attrs[i].key = "http.status_code";
		vals[i].value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
		vals[i].int_value = 200 + (i % 3);
		attrs[i].value = &vals[i];
		ap[i] = &attrs[i];
		s->n_attributes = 1;
		s->attributes = &ap[i];
		sp[i] = s;
	}
	ss.n_spans = n;
	ss.spans = sp;
	b.len = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(
		&req);
	b.data = malloc(b.len ? b.len : 1);
	ck_assert_ptr_nonnull(b.data);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(&req, b.data);
	b.spans = n;
	free(spans);
	free(sp);
	free(ids);
	free(names);
	free(attrs);
	free(vals);
	free(ap);
	return b;
}

void xt_body_free(struct xt_body *b)
{
	free(b->data);
	b->data = NULL;
}

int xt_publish(struct xt_env *e, struct xt_body *b, int timeout_ms)
{
	return xt_publish_flags(e, b, timeout_ms, RECORD_F_REQUEST);
}

int xt_publish_flags(struct xt_env *e, struct xt_body *b, int timeout_ms, uint16_t flags)
{
	struct record *r;
	int rc = ring_reserve(&e->ring, (uint32_t)b->len, &r, (int64_t)timeout_ms * 1000000LL);
	if (rc < 0)
		return rc;
	b->seq = e->next_seq++;
	r->seq = b->seq;
	r->flags = flags;
	r->items = b->spans;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	r->ingest_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	memcpy(record_payload(r), b->data, b->len);
	ring_publish(&e->ring);
	return 0;
}

static const char *build_dir(void)
{
	const char *d = getenv("SLUICE_BUILD_DIR");
	return d ? d : ".";
}

pid_t xt_spawn(char *const argv[], const char *out, const char *err, void (*setup)(void))
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (setup)
			setup();
		int fo = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int fe = open(err, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fo >= 0)
			dup2(fo, 1);
		if (fe >= 0)
			dup2(fe, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

uint16_t xt_free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	return ntohs(a.sin_port);
}

void xt_sink_start(struct xt_env *e, const char *const *args)
{
	char bin[512];
	if (getenv("XT_SINK_BIN"))
		snprintf(bin, sizeof(bin), "%s", getenv("XT_SINK_BIN"));
	else
		snprintf(bin, sizeof(bin), "%s/bin/sluice-sink", build_dir());
	char haddr[32], gaddr[32];
	snprintf(haddr, sizeof(haddr), "127.0.0.1:%u", e->http_port);
	snprintf(gaddr, sizeof(gaddr), "127.0.0.1:%u", e->grpc_port);
	const char *argv[40] = { bin,		"--http",      haddr,	   "--grpc",	   gaddr,
				 "--port-file", e->sink_ports, "--bodies", e->sink_bodies, "--log",
				 e->sink_log };
	int n = 11;
	for (int i = 0; args && args[i] && n < 38; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	unlink(e->sink_ports);
	char out[300], err[300];
	snprintf(out, sizeof(out), "%s/sink.out", e->dir);
	snprintf(err, sizeof(err), "%s/sink.err", e->dir);
	e->sink_pid = xt_spawn((char *const *)argv, out, err, NULL);
	for (int i = 0; i < 1000; i++) { /* 10 s */
		size_t len;
		char *t = xt_slurp(e->sink_ports, &len);
		if (t) {
			unsigned hp = 0, gp = 0;
			sscanf(t, "http=%u grpc=%u", &hp, &gp);
			free(t);
			e->http_port = (uint16_t)hp;
			e->grpc_port = (uint16_t)gp;
			return;
		}
		xt_msleep(10);
	}
	ck_abort_msg("sluice-sink did not start");
}

void xt_subst(char *out, size_t cap, const char *in, const struct xt_env *e)
{
	size_t o = 0;
	while (*in && o + 64 < cap) {
		if (!strncmp(in, "%INSTANCE%", 10)) {
			o += (size_t)snprintf(out + o, cap - o, "%s", e->instance);
			in += 10;
			continue;
		}
		if (!strncmp(in, "%HTTP%", 6)) {
			o += (size_t)snprintf(out + o, cap - o, "%u", e->http_port);
			in += 6;
		} else if (!strncmp(in, "%GRPC%", 6)) {
			o += (size_t)snprintf(out + o, cap - o, "%u", e->grpc_port);
			in += 6;
		} else if (!strncmp(in, "%DIR%", 5)) {
			o += (size_t)snprintf(out + o, cap - o, "%s", e->dir);
			in += 5;
		} else {
			out[o++] = *in++;
		}
	}
	out[o] = 0;
}

void xt_export_start(struct xt_env *e, const char *exporters_yaml, const char *ids)
{
	char body[8192], yaml[12288], path[300];
	xt_subst(body, sizeof(body), exporters_yaml, e);
	snprintf(yaml, sizeof(yaml),
		 "receivers:\n  otlp:\n    protocols:\n      http:\n        endpoint: 127.0.0.1:0\n"
		 "exporters:\n%s"
		 "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [%s]\n"
		 "sluice:\n  instance: %s\n  state_dir: %s/state\n  stop_timeout: %s\n",
		 body, ids, e->instance, e->dir, e->stop_timeout[0] ? e->stop_timeout : "20s");
	snprintf(path, sizeof(path), "%s/export.yaml", e->dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(yaml, f);
	fclose(f);
	xt_done_format_ids(e, ids);
	xt_export_exec(e);
}

void xt_export_exec(struct xt_env *e)
{
	char bin[512], out[300], err[300], path[300];
	if (getenv("XT_EXPORT_BIN"))
		snprintf(bin, sizeof(bin), "%s", getenv("XT_EXPORT_BIN"));
	else
		snprintf(bin, sizeof(bin), "%s/bin/sluice-export", build_dir());
	snprintf(path, sizeof(path), "%s/export.yaml", e->dir);
	snprintf(out, sizeof(out), "%s/export.out", e->dir);
	snprintf(err, sizeof(err), "%s/export.log", e->dir);
	char *argv[] = { bin, "-c", path, NULL };
	e->export_pid = xt_spawn(argv, out, err, e->export_setup);
}

uint64_t xt_sink_spans(const struct xt_env *e)
{
	struct xt_logline *l;
	size_t n = xt_read_log(e->sink_log, &l);
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(l[i].answer, "ok") || !strncmp(l[i].answer, "partial", 7))
			s += l[i].spans;
	free(l);
	return s;
}

bool xt_wait_spans(const struct xt_env *e, uint64_t n, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	while (now_ms() < end) {
		if (xt_sink_spans(e) >= n)
			return true;
		xt_msleep(20);
	}
	return xt_sink_spans(e) >= n;
}

bool xt_wait_ring_empty(struct xt_env *e, int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	do {
		if (ring_used(&e->ring) == 0)
			return true;
		xt_msleep(10);
	} while (now_ms() < end);
	return ring_used(&e->ring) == 0;
}

bool xt_wait_running(struct xt_env *e, int timeout_ms)
{
	struct stage_stats *st = segment_stats(&e->seg, STAGE_EXPORT);
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	do {
		if (atomic_load(&st->pid) == e->export_pid && atomic_load(&st->state) == STAGE_STATE_RUNNING)
			return true;
		xt_msleep(5);
	} while (now_ms() < end);
	return false;
}

void xt_check_exact(struct xt_env *e, const struct xt_body *sent, uint32_t batches, uint32_t per,
		    bool bytes_equal)
{
	struct xt_body *got;
	size_t n = xt_read_bodies(e->sink_bodies, &got);
	ck_assert_uint_eq(n, batches);
	uint32_t *counts = calloc((size_t)batches * per, sizeof(*counts));
	ck_assert(xt_count_spans(got, n, batches, per, counts));
	for (size_t i = 0; i < (size_t)batches * per; i++)
		ck_assert_msg(counts[i] == 1, "span %zu arrived %u times", i, counts[i]);
	for (size_t i = 0; bytes_equal && i < n; i++) {
		bool found = false;
		for (uint32_t b = 0; b < batches && !found; b++)
			found = sent[b].len == got[i].len && !memcmp(sent[b].data, got[i].data, got[i].len);
		ck_assert_msg(found, "received body %zu is not one that was sent", i);
	}
	free(counts);
	xt_bodies_free(got, n);
}
