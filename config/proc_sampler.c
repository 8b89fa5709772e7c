/* config/proc_sampler.c: probabilistic_sampler (traces by trace id; logs
 * by trace id, or by an attribute with attribute_source: record). */
#include "config/component.h"
#include "config/loader.h"

static void sampler_init(void *settings)
{
	struct sluice_sampler *s = settings;

	s->sampling_percentage = 100;
	s->hash_seed = 0;
	s->attribute_source = SLUICE_SOURCE_TRACE_ID;
	s->from_attribute = NULL;
	s->fail_closed = true;
}

static const char *const source_names[] = { "traceID", "record", NULL };

enum {
	S_PCT,
	S_SEED,
	S_SOURCE,
	S_FROM
};

static const struct schema_field sampler_fields[] = {
	[S_PCT] = { .name = "sampling_percentage",
		    .kind = SK_DOUBLE,
		    .off = offsetof(struct sluice_sampler, sampling_percentage),
		    .dmin = 0,
		    .dmax = 100 },
	[S_SEED] = { .name = "hash_seed",
		     .kind = SK_U32,
		     .off = offsetof(struct sluice_sampler, hash_seed),
		     .max = UINT32_MAX },
	[S_SOURCE] = { .name = "attribute_source",
		       .kind = SK_ENUM,
		       .off = offsetof(struct sluice_sampler, attribute_source),
		       .names = source_names },
	[S_FROM] = { .name = "from_attribute",
		     .kind = SK_STR,
		     .off = offsetof(struct sluice_sampler, from_attribute),
		     .flags = SF_OMIT_EMPTY },
	{ .name = "mode",
	  .kind = SK_REFUSE,
	  .why = "only the hash_seed mode is implemented (the Collector's default when hash_seed is set)" },
	{ .name = "sampling_priority",
	  .kind = SK_REFUSE,
	  .why = "a per-item priority could split a trace; the decision depends on the trace id alone" },
	{ .name = "fail_closed", .kind = SK_BOOL, .off = offsetof(struct sluice_sampler, fail_closed) },
	{ .name = "sampling_precision",
	  .kind = SK_REFUSE,
	  .why = "it applies to the modes sluice does not have" },
	{ .name = NULL },
};

static int sampler_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			  const struct ynode *const *seen)
{
	const struct sluice_sampler *s = obj;

	if (s->attribute_source == SLUICE_SOURCE_RECORD && (!s->from_attribute || !*s->from_attribute))
		return schema_error(c, seen[S_SOURCE] ? seen[S_SOURCE] : v,
				    "%s: attribute_source record needs from_attribute", path);
	if (s->from_attribute && s->attribute_source != SLUICE_SOURCE_RECORD)
		return schema_error(c, seen[S_FROM],
				    "%s: from_attribute is used only with attribute_source: record", path);
	return 0;
}

const struct component_desc proc_sampler_desc = {
	.names = (const char *const[]){ "probabilistic_sampler", NULL },
	.type = SLUICE_PROC_PROBABILISTIC_SAMPLER,
	.signals = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_TRACES) | SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_LOGS),
	.fields = sampler_fields,
	.init = sampler_init,
	.finish = sampler_finish,
};
