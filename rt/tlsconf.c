/* rt/tlsconf.c: config tls: blocks -> net/ TLS settings, and their check. */
#include "rt/tlsconf.h"

#include <string.h>

static enum net_tls_version rt_tls_version(enum sluice_tls_version v)
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

void rt_tls_client(const struct sluice_tls_client *c, struct net_tls_client_config *out)
{
	memset(out, 0, sizeof(*out));
	out->insecure = !c->enabled;
	out->insecure_skip_verify = c->insecure_skip_verify;
	out->ca_file = c->ca_file;
	out->ca_pem = c->ca_pem;
	out->cert_file = c->cert_file;
	out->cert_pem = c->cert_pem;
	out->key_file = c->key_file;
	out->key_pem = c->key_pem;
	out->server_name_override = c->server_name_override;
	out->min_version = rt_tls_version(c->min_version);
	out->max_version = rt_tls_version(c->max_version);
	out->include_system_ca_certs_pool = c->include_system_ca_certs_pool;
	out->reload_interval_ms = c->reload_interval_ns / 1000000u;
}

void rt_tls_server(const struct sluice_tls_server *s, struct net_tls_server_config *out)
{
	memset(out, 0, sizeof(*out));
	out->cert_file = s->cert_file;
	out->key_file = s->key_file;
	out->client_ca_file = s->client_ca_file;
	out->min_version = rt_tls_version(s->min_version);
	out->max_version = rt_tls_version(s->max_version);
	out->reload_interval_ms = s->reload_interval_ns / 1000000u;
}

static int rt_tls_report(const struct sluice_config *cfg, FILE *out, unsigned line, unsigned col,
			 const char *what, int rc, const char *why)
{
	if (rc >= 0)
		return 0;
	fprintf(out, "sluice: %s:%u:%u: %s: %s\n", cfg->path && cfg->path[0] ? cfg->path : "(config)", line,
		col, what, why);
	return 1;
}

int rt_tls_check_all(const struct sluice_config *cfg, FILE *out)
{
	char why[512], what[200];
	int bad = 0;

	for (size_t i = 0; i < cfg->n_exporters; i++) {
		const struct sluice_exporter *e = &cfg->exporters[i];
		if ((e->type != SLUICE_EXP_OTLPHTTP && e->type != SLUICE_EXP_OTLP) || !e->otlp.tls.enabled)
			continue;
		struct net_tls_client_config nc;
		rt_tls_client(&e->otlp.tls, &nc);
		why[0] = '\0';
		snprintf(what, sizeof(what), "exporters.%s.tls", e->id);
		bad += rt_tls_report(cfg, out, e->line, e->col, what,
				     net_tls_check_client(&nc, why, sizeof(why)), why);
	}
	for (size_t i = 0; i < cfg->n_receivers; i++) {
		const struct sluice_receiver *r = &cfg->receivers[i];
		const struct sluice_tls_server *tls[2] = { &r->grpc_tls, &r->http_tls };
		const bool on[2] = { r->grpc_enabled, r->http_enabled };
		for (int k = 0; k < 2; k++) {
			if (!on[k] || !tls[k]->enabled)
				continue;
			struct net_tls_server_config ns;
			rt_tls_server(tls[k], &ns);
			why[0] = '\0';
			snprintf(what, sizeof(what), "receivers.%s.protocols.%s.tls", r->id,
				 k ? "http" : "grpc");
			bad += rt_tls_report(cfg, out, r->line, r->col, what,
					     net_tls_check_server(&ns, why, sizeof(why)), why);
		}
	}
	return bad;
}
