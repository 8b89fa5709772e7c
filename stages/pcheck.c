/* stages/pcheck.c: process_check, the process stage's own refusals made
 * before anything starts. The config loader checks shapes and types; a
 * few limits and compilations only the chains and routing tables meet
 * (attribute keys a chain can track, routes a table can hold, conditions
 * compiled for their context). Met first inside a running stage, they
 * would make it exit on every restart. */
#include <errno.h>
#include <stdio.h>

#include "stages/process_priv.h"

static int refuse(const struct sluice_config *cfg, unsigned line, unsigned col, const char *what,
		  const char *id, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s:%u:%u: %s %s: %s", cfg->path && cfg->path[0] ? cfg->path : "(config)", line,
		 col, what, id, why);
	return -EINVAL;
}

int process_check(const struct sluice_config *cfg, char *err, size_t errlen)
{
	char why[256];

	for (size_t q = 0; q < cfg->n_pipelines; q++) {
		const struct sluice_pipeline *x = &cfg->pipelines[q];
		struct sigchain *c = sigchain_new(x->signal, x->processors, x->n_processors, why,
						  sizeof(why));

		if (!c)
			return refuse(cfg, x->line, x->col, "pipeline", x->id, why, err, errlen);
		sigchain_free(c);
	}
	for (size_t k = 0; k < cfg->n_connectors; k++) {
		const struct sluice_connector *c = &cfg->connectors[k];
		struct route_conn *r;

		if (c->type != SLUICE_CONN_ROUTING || !cfg->plan->connectors[k].from)
			continue;
		if (route_new(&r, cfg, k, &route_access_wire, why, sizeof(why)) < 0)
			return refuse(cfg, c->line, c->col, "connector", c->id, why, err, errlen);
		route_free(r);
	}
	return 0;
}
