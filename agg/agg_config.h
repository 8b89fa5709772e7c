/* agg/agg_config.h: a spanmetrics connector's config (config/connector.h)
 * as the aggregation's parameters (agg/spanmetrics.h), in one place for the
 * supervisor (which sizes the connector's region in the segment), the
 * process stage (which attaches it) and `sluice check`.
 *
 *   struct agg_config ac;
 *   if (agg_config_from(&cfg->connectors[i].spanmetrics, &ac, err, sizeof err) < 0) ...
 *   size = agg_region_size(&ac.params);
 *
 * Refused (-ENOTSUP, with the reason in err): what the aggregation does not
 * do (per-metric extra dimensions, add_resource_attributes) and more
 * dimensions, key attributes or buckets than it holds. The region's
 * capacity is AGG_CONFIG_MAX_SERIES series (docs/bench/agg.md gives the
 * bytes). */
#ifndef SLUICE_AGG_AGG_CONFIG_H
#define SLUICE_AGG_AGG_CONFIG_H

#include <stddef.h>

#include "agg/spanmetrics.h"
#include "config/config.h"

#define AGG_CONFIG_MAX_SERIES 100000u

struct agg_config {
	struct agg_params params; /* its pointers point into the config and bounds[] */
	double bounds[AGG_BOUNDS_MAX];
};

int agg_config_from(const struct sluice_spanmetrics *sm, struct agg_config *out, char *err, size_t errlen);

/* Name of the connector's region in the segment: "spanmetrics:<id>". */
int agg_config_region_name(const struct sluice_connector *c, char *buf, size_t size);

#endif
