/* producer/ingest_serve.c: the plan's rings, receivers and listeners for
 * one sluice-ingest (see ingest_serve.h).
 *
 * Why the segment check: ingest writes where the plan says, by ring index.
 * A segment made for another config (or by a supervisor that does not know
 * the plan yet and made the three rings of the single traces pipeline)
 * would have other rings there, and logs written into a MID ring of traces
 * would be a corruption the next stage cannot even detect. So every IN ring
 * ingest uses must carry the plan's name, except the one legacy shape that
 * is the same layout: three unnamed rings and a plan whose only IN ring is
 * ring 0.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/log.h"
#include "net/tls.h"
#include "producer/ingest_serve.h"
#include "rt/clock.h"

static int serve_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int serve_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Is segment ring idx the plan's ring idx? */
static int serve_check_ring(struct segment *seg, const struct sluice_plan *plan, uint32_t idx, char *err,
			    size_t errlen)
{
	const char *want = plan->rings[idx].name, *have = segment_ring_name(seg, idx);
	char legacy[16];
	if (idx >= segment_nrings(seg))
		return serve_fail(
			err, errlen, -EINVAL,
			"segment %s has %u rings, the plan needs ring %u (%s): it was made for another config",
			seg->name, segment_nrings(seg), idx, want);
	if (segment_topology(seg) != 0 && segment_topology(seg) != plan->fingerprint)
		return serve_fail(
			err, errlen, -EINVAL,
			"segment %s was made for another plan (topology %016llx, this config's %016llx)",
			seg->name, (unsigned long long)segment_topology(seg),
			(unsigned long long)plan->fingerprint);
	if (strcmp(have, want) == 0)
		return 0;
	snprintf(legacy, sizeof(legacy), "ring%u", idx);
	if (segment_topology(seg) == 0 && idx == 0 && plan->n_in == 1 && strcmp(have, legacy) == 0)
		return 0;
	return serve_fail(
		err, errlen, -EINVAL,
		"segment %s ring %u is \"%s\", this config's plan has \"%s\" there: it was made for another config",
		seg->name, idx, have, want);
}

/* The IN ring for (receiver, signal), set up on first use; NULL when no
 * pipeline of that signal takes from the receiver. */
static int serve_out(struct ingest_serve *s, const struct sluice_config *cfg, struct segment *seg, size_t r,
		     int sig, struct ingest_ring **out, char *err, size_t errlen)
{
	const struct sluice_plan *plan = cfg->plan;
	int idx = plan_ingest_ring(plan, r, (enum sluice_signal)sig);
	int rc;
	*out = NULL;
	if (idx < 0)
		return 0;
	if ((uint32_t)idx >= PLAN_MAX_RINGS || plan->rings[idx].kind != PLAN_RING_IN ||
	    (int)plan->rings[idx].signal != sig)
		return serve_fail(err, errlen, -EINVAL, "plan: ring %d is not an IN ring of %s", idx,
				  config_signal_name((enum sluice_signal)sig));
	if (!s->used[idx]) {
		if ((rc = serve_check_ring(seg, plan, (uint32_t)idx, err, errlen)) < 0)
			return rc;
		if ((rc = segment_ring(seg, (uint32_t)idx, &s->rings[idx])) < 0)
			return serve_fail(err, errlen, rc, "ring %d (%s): %s", idx, plan->rings[idx].name,
					  strerror(-rc));
		rc = ingest_ring_init(&s->outs[idx], &s->ig, &s->rings[idx], (enum otlp_signal)sig,
				      plan->rings[idx].name);
		if (rc < 0)
			return serve_fail(err, errlen, rc, "ring %d (%s): watch its space: %s", idx,
					  plan->rings[idx].name, strerror(-rc));
		s->used[idx] = true;
		log_msg(LOG_INFO, "publishing %s into ring %d %s from seq %llu",
			config_signal_name((enum sluice_signal)sig), idx, plan->rings[idx].name,
			(unsigned long long)s->outs[idx].last_seq);
	}
	*out = &s->outs[idx];
	return 0;
}

/* The receiver x transport x signal counters, when the segment has the
 * plan's component slots (a segment made without them: none). */
static struct seg_component *serve_stat(const struct sluice_plan *plan, struct segment *seg, size_t r,
					enum plan_transport t, int sig)
{
	int i = plan_receiver_stat(plan, r, t, (enum sluice_signal)sig);
	if (i < 0 || (uint32_t)i >= plan->n_stats)
		return NULL;
	struct seg_component *k = segment_component(seg, (uint32_t)i);
	if (!k || k->kind != SEG_COMP_RECEIVER ||
	    strncmp(k->name, plan->stats[i].component_id, SEG_NAME_SIZE - 1) != 0)
		return NULL;
	return k;
}

static enum net_tls_version serve_tls_version(enum sluice_tls_version v)
{
	switch (v) {
	case SLUICE_TLS_1_0:
		return NET_TLS_1_0;
	case SLUICE_TLS_1_1:
		return NET_TLS_1_1;
	case SLUICE_TLS_1_2:
		return NET_TLS_1_2;
	case SLUICE_TLS_1_3:
		return NET_TLS_1_3;
	default:
		return NET_TLS_VERSION_DEFAULT;
	}
}

static void serve_on_tls_fail(void *arg, const char *side, const char *reason, const char *detail)
{
	struct ingest_tls_fail *f = arg;
	uint64_t now = rt_mono_ns();
	(void)side;
	if (f->st)
		stats_add(f->st, STAT_TLS_HANDSHAKE_FAILURES, 1);
	f->since_log++;
	/* One line every 10 s at most: a scanner or a misconfigured client
	 * fleet must not flood the log. */
	if (f->logged_ns == 0 || now - f->logged_ns >= 10000000000ull) {
		log_msg(LOG_WARN,
			"%s %s: TLS handshake failed (%s): %s (%llu failures since the last such line)",
			f->receiver, f->proto, reason, detail && *detail ? detail : "-",
			(unsigned long long)f->since_log);
		f->logged_ns = now;
		f->since_log = 0;
	}
}

/* Listen for one receiver's protocol; TLS when its block says so. */
static int serve_listen(struct ingest_serve *s, struct net_loop *loop, const struct sluice_receiver *r,
			bool grpc, void *srv, struct stage_stats *st, char *err, size_t errlen)
{
	const struct sluice_endpoint *ep = grpc ? &r->grpc_endpoint : &r->http_endpoint;
	const struct sluice_tls_server *tc = grpc ? &r->grpc_tls : &r->http_tls;
	const char *what = grpc ? "OTLP/gRPC" : "OTLP/HTTP";
	struct net_listener *l;
	struct net_tls *tls = NULL;
	int rc;

	if (s->nls >= INGEST_MAX_LISTENERS)
		return serve_fail(err, errlen, -EINVAL, "more than %d listeners", INGEST_MAX_LISTENERS);
	if (tc->enabled) {
		struct net_tls_server_config sc = {
			.cert_file = tc->cert_file,
			.key_file = tc->key_file,
			.client_ca_file = tc->client_ca_file,
			.min_version = serve_tls_version(tc->min_version),
			.max_version = serve_tls_version(tc->max_version),
			.reload_interval_ms = rt_ms_ceil(tc->reload_interval_ns),
		};
		char terr[256];
		rc = net_tls_server_new(&tls, &sc, grpc ? "h2" : "http/1.1", terr, sizeof(terr));
		if (rc < 0)
			return serve_fail(err, errlen, -EINVAL, "receivers.%s.protocols.%s.tls: %s", r->id,
					  grpc ? "grpc" : "http", terr);
		struct ingest_tls_fail *f = &s->fail[s->nls];
		*f = (struct ingest_tls_fail){ st, r->id, grpc ? "grpc" : "http", 0, 0 };
		net_tls_set_fail_hook(tls, serve_on_tls_fail, f);
	}
	rc = net_listen(loop, ep->host, ep->port, 0, grpc ? &igrpc_conn_ops : &ihttp_conn_ops, srv, &l);
	if (rc < 0) {
		net_tls_free(tls);
		return serve_fail(err, errlen, rc, "listen %s (%s, receiver %s): %s", ep->text, what, r->id,
				  strerror(-rc));
	}
	if (tls) {
		net_listener_set_tls(l, tls);
		net_tls_free(tls); /* the listener holds its own reference */
	}
	s->ls[s->nls++] = l;
	log_msg(LOG_INFO, "%s listening on %s:%u receiver=%s tls=%s%s", what, ep->host, net_listener_port(l),
		r->id, tc->enabled ? "on" : "off", tc->enabled && tc->client_ca_file ? " mtls=on" : "");
	return 0;
}

/* Routes, servers and listeners of receiver r (nothing when no pipeline
 * takes from it). */
static int serve_receiver(struct ingest_serve *s, const struct sluice_config *cfg, struct segment *seg,
			  struct net_loop *loop, struct stage_stats *st, size_t r, char *err, size_t errlen)
{
	const struct sluice_receiver *rc = &cfg->receivers[r];
	struct ingest_ring *outs[OTLP_SIGNAL_COUNT];
	bool any = false;
	int e;

	for (int sig = 0; sig < OTLP_SIGNAL_COUNT; sig++) {
		if ((e = serve_out(s, cfg, seg, r, sig, &outs[sig], err, errlen)) < 0)
			return e;
		any |= outs[sig] != NULL;
	}
	if (!any)
		return 0;
	uint32_t retry_s = (uint32_t)((rc->retry_after_ns + 999999999) / 1000000000);
	uint64_t wait_ms = rt_ms_ceil(rc->ring_full_wait_ns);
	if (retry_s == 0)
		retry_s = 1;
	if (wait_ms == 0)
		wait_ms = 1; /* 0 means "the default" to the core: 1 ms is "do not wait" */
	if (rc->http_enabled) {
		if (s->nhttp >= CONFIG_MAX_RECEIVERS)
			return serve_fail(err, errlen, -EINVAL, "more than %d receivers",
					  CONFIG_MAX_RECEIVERS);
		struct ihttp_opts o = {
			.receiver = rc->id,
			.max_body = rc->http_max_request_body_size,
			.read_timeout_ms = rt_ms_ceil(rc->http_read_timeout_ns),
			.idle_timeout_ms = rt_ms_ceil(rc->http_idle_timeout_ns),
			.retry_after_s = retry_s,
		};
		for (int sig = 0; sig < OTLP_SIGNAL_COUNT; sig++) {
			o.paths[sig] = rc->http_url_paths[sig];
			o.routes[sig] = (struct ingest_route){
				outs[sig],
				outs[sig] ? serve_stat(cfg->plan, seg, r, PLAN_TRANSPORT_HTTP, sig) : NULL,
				wait_ms
			};
		}
		struct ihttp_server *hs = &s->http[s->nhttp++];
		ihttp_server_init(hs, &s->ig, &o);
		if ((e = serve_listen(s, loop, rc, false, hs, st, err, errlen)) < 0)
			return e;
	}
	if (rc->grpc_enabled) {
		if (s->ngrpc >= CONFIG_MAX_RECEIVERS)
			return serve_fail(err, errlen, -EINVAL, "more than %d receivers",
					  CONFIG_MAX_RECEIVERS);
		/* gRPC has no read_timeout key of its own (the Collector's has
		 * keepalive only): the receiver's read and idle timeouts bound
		 * half-sent streams and idle HTTP/2 connections too. */
		struct igrpc_opts o = {
			.receiver = rc->id,
			.max_msg = rc->grpc_max_recv_msg_size,
			.max_streams = rc->grpc_max_concurrent_streams,
			.read_timeout_ms = rt_ms_ceil(rc->http_read_timeout_ns),
			.idle_timeout_ms = rt_ms_ceil(rc->http_idle_timeout_ns),
			.retry_after_s = retry_s,
		};
		for (int sig = 0; sig < OTLP_SIGNAL_COUNT; sig++)
			o.routes[sig] = (struct ingest_route){
				outs[sig],
				outs[sig] ? serve_stat(cfg->plan, seg, r, PLAN_TRANSPORT_GRPC, sig) : NULL,
				wait_ms
			};
		struct igrpc_server *gs = &s->grpc[s->ngrpc++];
		igrpc_server_init(gs, &s->ig, &o);
		if ((e = serve_listen(s, loop, rc, true, gs, st, err, errlen)) < 0)
			return e;
	}
	return 0;
}

int ingest_serve_open(struct ingest_serve *s, const struct sluice_config *cfg, struct segment *seg,
		      struct net_loop *loop, struct stage_stats *st, char *err, size_t errlen)
{
	int rc = 0;
	memset(s, 0, sizeof(*s));
	ingest_init(&s->ig, st, loop, NULL);
	for (size_t r = 0; r < cfg->n_receivers && rc == 0; r++)
		rc = serve_receiver(s, cfg, seg, loop, st, r, err, errlen);
	if (rc == 0 && s->nls == 0)
		rc = serve_fail(err, errlen, -EINVAL,
				"no receiver to serve: no pipeline takes from a receiver with a protocol");
	if (rc < 0) {
		ingest_serve_close(s);
		return rc;
	}
	log_msg(LOG_INFO, "serving %u listeners", s->nls);
	return 0;
}

void ingest_serve_drain(struct ingest_serve *s)
{
	for (unsigned i = 0; i < s->nls; i++)
		net_listener_close(s->ls[i]);
	s->nls = 0;
	for (unsigned i = 0; i < s->nhttp; i++)
		ihttp_server_drain(&s->http[i]);
	for (unsigned i = 0; i < s->ngrpc; i++)
		igrpc_server_drain(&s->grpc[i]);
}

bool ingest_serve_busy(const struct ingest_serve *s)
{
	if (s->ig.waiting > 0)
		return true;
	for (unsigned i = 0; i < s->nhttp; i++)
		if (s->http[i].nconns > 0)
			return true;
	for (unsigned i = 0; i < s->ngrpc; i++)
		if (s->grpc[i].nconns > 0)
			return true;
	return false;
}

void ingest_serve_close(struct ingest_serve *s)
{
	for (unsigned i = 0; i < s->nls; i++)
		net_listener_close(s->ls[i]);
	s->nls = 0;
	ingest_drain(&s->ig);
	ingest_free(&s->ig);
}
