/* Config -> transport and delivery options, for one exporter of one
 * pipeline. */
#include "exporter/xbuild.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/log.h"
#include "exporter/grpcx.h"
#include "exporter/localx.h"
#include "exporter/otlphttp.h"
#include "exporter/paths.h"
#include "rt/clock.h"

#define XTLS_LOG_EVERY_NS (10ull * 1000000000ull)

enum codec xbuild_codec(enum sluice_compression c)
{
	switch (c) {
	case SLUICE_COMPRESSION_GZIP:
		return CODEC_GZIP;
	case SLUICE_COMPRESSION_ZSTD:
		return CODEC_ZSTD;
	case SLUICE_COMPRESSION_DEFLATE:
		return CODEC_DEFLATE;
	case SLUICE_COMPRESSION_ZLIB:
		return CODEC_ZLIB;
	case SLUICE_COMPRESSION_SNAPPY:
		return CODEC_SNAPPY;
	default:
		return CODEC_NONE;
	}
}

static enum net_tls_version tls_version(enum sluice_tls_version v)
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

void xbuild_tls_config(const struct sluice_tls_client *t, struct net_tls_client_config *out)
{
	*out = (struct net_tls_client_config){
		.insecure_skip_verify = t->insecure_skip_verify,
		.ca_file = t->ca_file,
		.ca_pem = t->ca_pem,
		.cert_file = t->cert_file,
		.cert_pem = t->cert_pem,
		.key_file = t->key_file,
		.key_pem = t->key_pem,
		.server_name_override = t->server_name_override,
		.min_version = tls_version(t->min_version),
		.max_version = tls_version(t->max_version),
		.include_system_ca_certs_pool = t->include_system_ca_certs_pool,
		.reload_interval_ms = t->reload_interval_ns / 1000000ull,
	};
}

void xbuild_retry(const struct sluice_retry *r, struct retry_policy *p)
{
	p->enabled = r->enabled;
	p->initial_ms = (uint32_t)(r->initial_interval_ns / 1000000ULL);
	p->max_interval_ms = (uint32_t)(r->max_interval_ns / 1000000ULL);
	uint64_t me = r->max_elapsed_time_ns / 1000000ULL;
	p->max_elapsed_ms = me > UINT32_MAX ? UINT32_MAX : (uint32_t)me;
	p->multiplier = r->multiplier;
	p->randomization = r->randomization_factor;
}

/* A handshake with the backend failed: counted always, logged now and
 * then (the retries of one batch would otherwise repeat it). */
static void xtls_fail(void *arg, const char *side, const char *reason, const char *detail)
{
	struct xtls_watch *w = arg;
	(void)side;
	if (w->st) {
		stats_add(w->st, STAT_EXPORT_TLS_FAILURES, 1);
		if (!strcmp(reason, "expired") || !strcmp(reason, "hostname") ||
		    !strcmp(reason, "unknown_ca") || !strcmp(reason, "verify"))
			stats_add(w->st, STAT_EXPORT_TLS_VERIFY_FAILURES, 1);
	}
	uint64_t now = rt_mono_ns();
	if (w->log_ns && now - w->log_ns < XTLS_LOG_EVERY_NS) {
		w->unlogged++;
		return;
	}
	log_msg(LOG_WARN,
		"exporter %s: TLS handshake with %s failed (%s): %s; the export is "
		"retried, then dead-lettered%s",
		w->label, w->endpoint, reason, detail,
		w->unlogged ? " (and more failures since the last line)" : "");
	w->log_ns = now;
	w->unlogged = 0;
}

static int tls_for(const struct xbuild_ctx *x, const struct sluice_tls_client *tc, const char *alpn,
		   const char *label, const char *endpoint, struct net_tls **out, char *err, size_t errlen)
{
	struct net_tls_client_config c;
	xbuild_tls_config(tc, &c);
	int rc = net_tls_client_new(out, &c, alpn, err, errlen);
	if (rc < 0 || !*out)
		return rc;
	struct xtls_watch *w = x->new_watch ? x->new_watch(x->watch_arg) : NULL;
	if (w) {
		snprintf(w->label, sizeof(w->label), "%s", label);
		snprintf(w->endpoint, sizeof(w->endpoint), "%s", endpoint);
		w->st = x->st;
		net_tls_set_fail_hook(*out, xtls_fail, w);
	}
	return 0;
}

/* Exporter e's dead-letter directory for pipeline pl, for every exporter
 * type: <dead_letter_dir (otlp, otlphttp; config/ sets its default) or
 * the default <state_dir>/<instance>/deadletter/<id>>/<pipeline>. */
static int deadletter_dir(const struct sluice_config *cfg, const struct sluice_exporter *e,
			  const struct sluice_pipeline *pl, char *out, size_t cap)
{
	char dir[4096];
	const char *set = e->type == SLUICE_EXP_OTLPHTTP || e->type == SLUICE_EXP_OTLP
				  ? e->otlp.dead_letter_dir
				  : NULL;
	if (set)
		snprintf(dir, sizeof(dir), "%s", set);
	else if (export_path_deadletter(dir, sizeof(dir), cfg->state_dir, cfg->instance, e->id) < 0)
		return -ENAMETOOLONG;
	return export_path_pipeline(out, cap, dir, pl->id);
}

static int build_otlp(const struct xbuild_ctx *x, const struct sluice_pipeline *pl,
		      const struct sluice_exporter *e, void **t, const struct transport_ops **ops,
		      struct dexp_opts *o, struct xbuild_bufs *b, char *err, size_t errlen)
{
	const struct sluice_otlp_exporter *c = &e->otlp;
	const struct sluice_url *u = &c->urls[pl->signal];
	struct xheader hdrs[SLUICE_MAX_HEADERS];
	unsigned nh = 0;
	if (!u->text) {
		snprintf(err, errlen, "exporter %s: no endpoint for %s (set endpoint or %s_endpoint)", e->id,
			 config_signal_name(pl->signal), config_signal_name(pl->signal));
		return -EINVAL;
	}
	for (size_t i = 0; i < c->n_headers && nh < SLUICE_MAX_HEADERS; i++) /* the loader's limit */
		hdrs[nh++] = (struct xheader){ c->headers[i].name, c->headers[i].value };
	xbuild_retry(&c->retry_on_failure, &o->retry);
	o->concurrency = c->sending_queue.enabled ? c->sending_queue.num_consumers : 1;
	if (c->sending_queue.enabled && c->sending_queue.storage) {
		char dir[4096];
		if (export_path_diskq(dir, sizeof(dir), c->sending_queue.storage, e->id) < 0 ||
		    export_path_pipeline(b->storage, sizeof(b->storage), dir, pl->id) < 0)
			goto too_long;
		snprintf(b->storage_old, sizeof(b->storage_old), "%s", dir);
		o->storage = b->storage;
		o->storage_old = b->storage_old;
		o->storage_max_bytes = c->sending_queue.storage_max_bytes;
	}
	enum codec codec = xbuild_codec(c->compression);
	int level = c->compression_level ? c->compression_level : CODEC_LEVEL_DEFAULT;
	uint32_t tmo = (uint32_t)(c->timeout_ns / 1000000ULL);
	struct net_tls *tls = NULL;
	bool use_tls = e->type == SLUICE_EXP_OTLPHTTP ? u->tls : c->tls.enabled;
	int rc = 0;
	if (use_tls && (rc = tls_for(x, &c->tls, e->type == SLUICE_EXP_OTLPHTTP ? "http/1.1" : "h2", b->label,
				     u->text, &tls, err, errlen)) < 0)
		return rc;
	if (e->type == SLUICE_EXP_OTLPHTTP) {
		struct otlphttp_opts ho = {
			.endpoint = u->text,
			.path = u->path,
			.signal = (enum otlp_signal)pl->signal,
			.server_name = c->tls.server_name_override,
			.headers = hdrs,
			.n_headers = nh,
			.compression = codec,
			.compression_level = level,
			.timeout_ms = tmo,
			.connections = c->connections ? c->connections : 1,
			.stats = x->st,
			.tls = tls,
		};
		rc = otlphttp_new(x->loop, &ho, t, ops, err, errlen);
	} else {
		struct grpcx_opts go = {
			.host = u->host,
			.port = u->port,
			.signal = (enum otlp_signal)pl->signal,
			.server_name = c->tls.server_name_override,
			.headers = hdrs,
			.n_headers = nh,
			.compression = codec,
			.compression_level = level,
			.timeout_ms = tmo,
			.max_streams = c->max_concurrent_streams,
			.stats = x->st,
			.tls = tls,
		};
		rc = grpcx_new(x->loop, &go, t, ops, err, errlen);
	}
	net_tls_free(tls); /* the transport holds its own reference */
	return rc;
too_long:
	snprintf(err, errlen, "exporter %s: a directory path is too long", e->id);
	return -ENAMETOOLONG;
}

static int build_local(const struct xbuild_ctx *x, const struct sluice_pipeline *pl,
		       const struct sluice_exporter *e, void **t, const struct transport_ops **ops, char *err,
		       size_t errlen)
{
	enum otlp_signal sig = (enum otlp_signal)pl->signal;
	switch (e->type) {
	case SLUICE_EXP_DEBUG: {
		struct debugx_opts d = {
			.verbosity = (enum debugx_verbosity)e->debug.verbosity,
			.output = e->debug.output,
			.signal = sig,
			.name = e->id,
		};
		return debugx_new(&d, t, ops, err, errlen);
	}
	case SLUICE_EXP_FILE: {
		struct filex_opts f = {
			.path = e->file.path,
			.signal = sig,
			.format = e->file.format == SLUICE_FILE_PROTO ? FILEX_PROTO : FILEX_JSON,
			.rotation = e->file.rotation,
			.max_bytes = e->file.rotation_max_bytes,
			.max_backups = e->file.rotation_max_backups,
			.share = x->file_for ? x->file_for(x->arg, e) : NULL,
		};
		return filex_new(&f, t, ops, err, errlen);
	}
	case SLUICE_EXP_PROMETHEUS: {
		if (pl->signal != SLUICE_SIGNAL_METRICS) {
			snprintf(err, errlen, "exporter %s: serves metrics pipelines only, not %s", e->id,
				 pl->id);
			return -EINVAL;
		}
		struct promx *p = x->promx_for ? x->promx_for(x->arg, e, err, errlen) : NULL;
		if (!p)
			return -EINVAL;
		return promx_transport(p, t, ops);
	}
	default:
		snprintf(err, errlen, "exporter %s: unknown exporter type", e->id);
		return -EINVAL;
	}
}

int xbuild_exporter(const struct xbuild_ctx *x, size_t p, const struct sluice_exporter *e, void **t,
		    const struct transport_ops **ops, struct dexp_opts *o, struct xbuild_bufs *b, char *err,
		    size_t errlen)
{
	const struct sluice_config *cfg = x->cfg;
	const struct sluice_pipeline *pl = &cfg->pipelines[p];
	unsigned uses = 0;
	for (size_t k = 0; k < cfg->n_pipelines; k++)
		for (size_t i = 0; i < cfg->pipelines[k].n_exporters; i++)
			uses += cfg->pipelines[k].exporters[i] == e;
	if (uses > 1)
		snprintf(b->label, sizeof(b->label), "%s (%s)", e->id, pl->id);
	else
		snprintf(b->label, sizeof(b->label), "%s", e->id);
	*o = (struct dexp_opts){ .name = e->id, .label = b->label, .concurrency = 1 };
	retry_policy_default(&o->retry);
	if (deadletter_dir(cfg, e, pl, b->deadletter, sizeof(b->deadletter)) < 0) {
		snprintf(err, errlen, "exporter %s: the dead-letter path is too long", e->id);
		return -ENAMETOOLONG;
	}
	o->deadletter = b->deadletter;
	if (e->type == SLUICE_EXP_OTLPHTTP || e->type == SLUICE_EXP_OTLP)
		return build_otlp(x, pl, e, t, ops, o, b, err, errlen);
	return build_local(x, pl, e, t, ops, err, errlen);
}
