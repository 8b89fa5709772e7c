/* agg/agg_config.c: spanmetrics connector settings -> struct agg_params. */
#include "agg/agg_config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int refuse(char *err, size_t errlen, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
	return -ENOTSUP;
}

static int exclude_bit(const char *name, uint32_t *bits)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} known[] = {
		{ "service.name", AGG_EXCLUDE_SERVICE_NAME },
		{ "span.name", AGG_EXCLUDE_SPAN_NAME },
		{ "span.kind", AGG_EXCLUDE_SPAN_KIND },
		{ "status.code", AGG_EXCLUDE_STATUS_CODE },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (!strcmp(name, known[i].name)) {
			*bits |= known[i].bit;
			return 0;
		}
	}
	return -EINVAL;
}

int agg_config_from(const struct sluice_spanmetrics *sm, struct agg_config *out, char *err, size_t errlen)
{
	struct agg_params *p = &out->params;

	memset(out, 0, sizeof(*out));
	if (sm->n_calls_dimensions || sm->n_histogram_dimensions)
		return refuse(err, errlen,
			      "calls_dimensions and histogram.dimensions are not supported "
			      "by sluice: every dimension applies to both metrics (list it under dimensions)");
	if (sm->add_resource_attributes)
		return refuse(err, errlen,
			      "add_resource_attributes is not supported by sluice: the "
			      "metrics' resource holds service.name and resource_metrics_key_attributes");
	if (sm->n_dimensions > AGG_DIMS_MAX)
		return refuse(err, errlen, "more than 16 dimensions");
	if (sm->n_resource_metrics_key_attributes > AGG_RES_KEYS_MAX)
		return refuse(err, errlen, "more than 16 resource_metrics_key_attributes");
	if (sm->n_buckets > AGG_BOUNDS_MAX)
		return refuse(err, errlen, "more than 63 explicit histogram buckets");

	p->namespace_ = sm->namespace_;
	for (size_t i = 0; i < sm->n_dimensions; i++) {
		p->dims[i].name = sm->dimensions[i].name;
		p->dims[i].default_value = sm->dimensions[i].default_value;
	}
	p->n_dims = (uint32_t)sm->n_dimensions;
	for (size_t i = 0; i < sm->n_exclude_dimensions; i++) {
		if (exclude_bit(sm->exclude_dimensions[i], &p->exclude) < 0) {
			if (err && errlen)
				snprintf(err, errlen,
					 "exclude_dimensions: \"%s\" is not one of service.name, "
					 "span.name, span.kind, status.code",
					 sm->exclude_dimensions[i]);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < sm->n_resource_metrics_key_attributes; i++)
		p->resource_keys[i] = sm->resource_metrics_key_attributes[i];
	p->n_resource_keys = (uint32_t)sm->n_resource_metrics_key_attributes;
	p->unit = sm->histogram_unit == SLUICE_UNIT_S ? AGG_UNIT_S : AGG_UNIT_MS;
	p->hist = sm->histogram_disable ? AGG_HIST_DISABLED
		  : sm->exponential	? AGG_HIST_EXPONENTIAL
					: AGG_HIST_EXPLICIT;
	if (sm->n_buckets) {
		/* config holds ns; the histogram counts in its unit */
		double per_unit = p->unit == AGG_UNIT_S ? 1e9 : 1e6;
		for (size_t i = 0; i < sm->n_buckets; i++)
			out->bounds[i] = (double)sm->buckets_ns[i] / per_unit;
		p->bounds = out->bounds;
		p->n_bounds = (uint32_t)sm->n_buckets;
	}
	p->expo_max_size = sm->exponential_max_size;
	p->delta = sm->temporality == SLUICE_TEMPORALITY_DELTA;
	p->delta_cache_size = sm->metric_timestamp_cache_size;
	p->expiration_ns = sm->metrics_expiration_ns;
	p->cardinality_limit = sm->aggregation_cardinality_limit;
	p->exemplars = sm->exemplars_enabled;
	p->exemplars_max = sm->exemplars_max_per_data_point;
	p->max_series = AGG_CONFIG_MAX_SERIES;
	return agg_params_check(p, err, errlen);
}

int agg_config_region_name(const struct sluice_connector *c, char *buf, size_t size)
{
	return snprintf(buf, size, "spanmetrics:%s", c->id);
}
