/* config/exp_prometheus.c: the prometheus exporter (serves the metrics of
 * its pipelines on /metrics; metrics pipelines only). */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

#define SEC 1000000000ull

#define P struct sluice_prometheus_exporter

static void prom_init(void *settings)
{
	P *p = settings;

	p->metric_expiration_ns = 300 * SEC;
	p->add_metric_suffixes = true;
}

static int labels_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	P *p = (P *)((char *)dst - offsetof(P, const_labels));

	return config_headers(c, v, path, false, &p->const_labels, &p->n_const_labels);
}

static void labels_print(struct printer *pr, int indent, const struct schema_field *f, const void *value)
{
	const P *p = (const P *)((const char *)value - offsetof(P, const_labels));

	config_headers_print(pr, indent, f->name, p->const_labels, p->n_const_labels);
}

static const struct schema_field conversion_fields[] = {
	{ .name = "enabled", .kind = SK_BOOL, .off = offsetof(P, resource_to_telemetry) },
	{ .name = NULL },
};

enum {
	P_ENDPOINT
};

static const struct schema_field prom_fields[] = {
	[P_ENDPOINT] = { .name = "endpoint",
			 .kind = SK_CUSTOM,
			 .off = offsetof(P, endpoint),
			 .fn = receivers_endpoint,
			 .print = receivers_endpoint_print },
	{ .name = "namespace", .kind = SK_STR, .off = offsetof(P, namespace_), .flags = SF_OMIT_EMPTY },
	{ .name = "const_labels",
	  .kind = SK_CUSTOM,
	  .off = offsetof(P, const_labels),
	  .fn = labels_fn,
	  .print = labels_print },
	{ .name = "resource_to_telemetry_conversion", .kind = SK_MAP, .sub = conversion_fields },
	{ .name = "metric_expiration",
	  .kind = SK_DUR,
	  .off = offsetof(P, metric_expiration_ns),
	  .min = SEC,
	  .max = 30 * 24 * 3600 * SEC },
	{ .name = "add_metric_suffixes", .kind = SK_BOOL, .off = offsetof(P, add_metric_suffixes) },
	{ .name = "send_timestamps", .kind = SK_BOOL, .off = offsetof(P, send_timestamps) },
	{ .name = "enable_open_metrics", .kind = SK_BOOL, .off = offsetof(P, enable_open_metrics) },
	{ .name = "tls",
	  .kind = SK_REFUSE,
	  .why = "the metrics endpoint serves plain HTTP (scrape it over loopback)" },
	{ .name = "without_scope_info", .kind = SK_REFUSE, .why = "scope labels are always written" },
	{ .name = NULL },
};

static int prom_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		       const struct ynode *const *seen)
{
	const P *p = obj;

	(void)seen;
	if (!p->endpoint.text)
		return schema_error(c, v, "%s: \"endpoint\" is required (host:port to serve /metrics on)",
				    path);
	if (p->namespace_ && !*p->namespace_)
		return schema_error(c, v, "%s: \"namespace\" must not be empty", path);
	return 0;
}
#undef P

const struct component_desc exp_prometheus_desc = {
	.names = (const char *const[]){ "prometheus", NULL },
	.type = SLUICE_EXP_PROMETHEUS,
	.signals = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_METRICS),
	.fields = prom_fields,
	.init = prom_init,
	.finish = prom_finish,
};
