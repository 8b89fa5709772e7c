/* agg/prom.h: the Prometheus exporter's store and text exposition (the
 * Collector's prometheus exporter): OTLP metrics in (protobuf), the latest
 * state of every series kept, rendered on scrape as the Prometheus text
 * format 0.0.4 or OpenMetrics 1.0.
 *
 * Store semantics (as the Collector's accumulator):
 *   gauge, cumulative sum/histogram/summary: the point with the latest
 *     timestamp wins; delta monotonic sums and delta histograms are added
 *     up into cumulative ones (a point whose start is not the previous
 *     point's time restarts the series, or is dropped if older); delta
 *     non-monotonic sums and sums without temporality are dropped; a point
 *     flagged "no recorded value" deletes its series.
 *   Series not updated within expiration (default 5 min) are dropped.
 * Names (add_metric_suffixes, the default): namespace prefix, characters
 * outside [a-zA-Z0-9:] become separators, unit suffix (ms ->
 * _milliseconds, s -> _seconds, By -> _bytes, 1 on gauges -> _ratio,
 * x/s -> _x_per_second; units in {} give none), _total on monotonic sums.
 * Labels: data point attributes (with resource_to_telemetry: the resource's
 * first), otel_scope_name/_version, job (service.namespace/service.name),
 * instance (service.instance.id), const labels; names sanitised, values
 * as text; two attributes that sanitise to one name join with ';'.
 * target_info{job,instance,...} 1 per resource with a job or instance.
 * Exponential histograms render as histograms with only the +Inf bucket
 * (what a text scrape of a native histogram shows); scale < -4 is dropped.
 * Memory: one allocation per new series (never per point update).
 */
#ifndef SLUICE_AGG_PROM_H
#define SLUICE_AGG_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum prom_format {
	PROM_TEXT = 0,
	PROM_OPENMETRICS = 1
};

struct prom_label {
	const char *name, *value;
};

struct prom_config {
	const char *namespace_;		       /* NULL or "": none */
	const struct prom_label *const_labels; /* copied */
	uint32_t n_const_labels;
	bool resource_to_telemetry;
	bool no_metric_suffixes; /* add_metric_suffixes: false */
	uint64_t expiration_ns;	 /* 0: 5 minutes */
	uint32_t max_series;	 /* 0: 100000; more are refused */
};

struct prom_stats {
	uint64_t series, families;
	uint64_t points;	 /* stored */
	uint64_t points_dropped; /* unsupported, stale, type conflicts, too big */
	uint64_t series_expired;
	uint64_t series_refused; /* past max_series */
};

struct prom_store;

int prom_store_new(struct prom_store **out, const struct prom_config *c);
void prom_store_free(struct prom_store *s);

/* Adds an ExportMetricsServiceRequest (or MetricsData) body, or one bare
 * ResourceMetrics. Returns the data points stored (0 or more), or
 * -EBADMSG if the bytes do not parse (points before the damage stay). */
int prom_store_add_request(struct prom_store *s, const void *buf, size_t len, uint64_t now_ns);
int prom_store_add_resource_metrics(struct prom_store *s, const void *buf, size_t len, uint64_t now_ns);

/* Renders every live series (dropping expired ones first) into buf.
 * Returns the full length; when it is > cap, buf holds only the first cap
 * bytes: call again with a bigger buffer. */
size_t prom_render(struct prom_store *s, enum prom_format f, uint64_t now_ns, char *buf, size_t cap);

/* The format a scraper's Accept header asks for, and its Content-Type. */
enum prom_format prom_format_for(const char *accept);
const char *prom_content_type(enum prom_format f);

void prom_get_stats(const struct prom_store *s, struct prom_stats *st);

#endif
