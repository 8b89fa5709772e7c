/* config/plan_print.c: the plan's accessors, its stats slots' label sets
 * and its summary for `sluice check`. */
#include "config/plan.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

int plan_ingest_ring(const struct sluice_plan *p, size_t receiver, enum sluice_signal signal)
{
	if (receiver >= p->n_receivers_ || (unsigned)signal >= SLUICE_SIGNAL_COUNT)
		return -1;
	return p->ingest_[receiver * SLUICE_SIGNAL_COUNT + (size_t)signal];
}

int plan_receiver_stat(const struct sluice_plan *p, size_t receiver, enum plan_transport t,
		       enum sluice_signal signal)
{
	if (receiver >= p->n_receivers_ || (unsigned)signal >= SLUICE_SIGNAL_COUNT ||
	    (t != PLAN_TRANSPORT_GRPC && t != PLAN_TRANSPORT_HTTP))
		return -1;
	return p->receiver_stats_[(receiver * 2 + (size_t)(t - 1)) * SLUICE_SIGNAL_COUNT + (size_t)signal];
}

int plan_ring_find(const struct sluice_plan *p, const char *name)
{
	for (uint32_t i = 0; i < p->n_rings; i++)
		if (!strcmp(p->rings[i].name, name))
			return (int)i;
	return -1;
}

const char *plan_ring_kind_name(enum plan_ring_kind k)
{
	return k == PLAN_RING_IN ? "in" : k == PLAN_RING_MID ? "mid" : k == PLAN_RING_OUT ? "out" : "?";
}

const char *plan_transport_name(enum plan_transport t)
{
	return t == PLAN_TRANSPORT_GRPC ? "grpc" : t == PLAN_TRANSPORT_HTTP ? "http" : "";
}

/* A label value as the Prometheus text format wants it: \ " and newline escaped. */
static size_t escaped(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		const char *rep = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
		size_t len = rep ? 2 : 1;

		if (n + len < size)
			memcpy(out + n, rep ? rep : s, len);
		n += len;
	}
	if (size)
		out[n < size ? n : size - 1] = '\0';
	return n;
}

int plan_stat_labels(const struct plan_stat *s, char *buf, size_t size)
{
	static const char *const kind[] = { "receiver", "processor", "exporter", "connector" };
	char id[256], extra[256];
	const char *key = s->kind == PLAN_STAT_RECEIVER ? "transport" : "pipeline";

	escaped(id, sizeof(id), s->component_id);
	escaped(extra, sizeof(extra),
		s->kind == PLAN_STAT_RECEIVER ? plan_transport_name(s->transport) : s->pipeline_id);
	return snprintf(buf, size, "%s=\"%s\",%s=\"%s\"", kind[s->kind], id, key, extra);
}

int plan_print(const struct sluice_config *cfg, FILE *f)
{
	const struct sluice_plan *p = cfg->plan;

	fprintf(f, "# plan: %u rings, %u component stats slots, fingerprint %016" PRIx64 "\n", p->n_rings,
		p->n_stats, p->fingerprint);
	for (uint32_t i = 0; i < p->n_rings; i++) {
		const struct plan_ring *r = &p->rings[i];
		char cap[32];

		config_format_size(r->capacity, cap, sizeof(cap));
		fprintf(f, "#   ring %u %s (%s, %s)", i, r->name, config_signal_name(r->signal), cap);
		for (uint32_t s = 0; s < r->n_sources; s++) {
			const struct plan_source *src = &r->sources[s];
			fprintf(f, "%s%s", s ? ", " : " <- ",
				src->kind == PLAN_SOURCE_RING ? p->rings[src->index].name
							      : cfg->connectors[src->index].id);
		}
		fputc('\n', f);
	}
	for (size_t r = 0; r < cfg->n_receivers; r++)
		for (int s = 0; s < SLUICE_SIGNAL_COUNT; s++) {
			int ring = plan_ingest_ring(p, r, (enum sluice_signal)s);
			if (ring >= 0)
				fprintf(f, "#   receiver %s, %s -> %s\n", cfg->receivers[r].id,
					config_signal_name((enum sluice_signal)s), p->rings[ring].name);
		}
	for (size_t i = 0; i < cfg->n_pipelines; i++) {
		const struct plan_pipeline *pp = &p->pipelines[i];

		for (uint32_t e = 0; e < pp->n_edges; e++) {
			fprintf(f, "#   pipeline %s -> %s ->", cfg->pipelines[i].id,
				cfg->connectors[pp->edges[e].connector].id);
			for (size_t q = 0; q < cfg->n_pipelines; q++)
				if (pp->edges[e].targets >> q & 1)
					fprintf(f, " %s", cfg->pipelines[q].id);
			fputc('\n', f);
		}
	}
	return ferror(f) ? -EIO : 0;
}
