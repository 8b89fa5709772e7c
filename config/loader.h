/* config/loader.h (private to config/): the section parsers config.c calls
 * in order, and the helpers they share. Each returns 0 or a negative errno
 * with the error already written through the schema_ctx. */
#ifndef SLUICE_CONFIG_LOADER_H
#define SLUICE_CONFIG_LOADER_H

#include "config/config.h"
#include "config/schema.h"

/* Section parsers: fill cfg->receivers / processors / exporters (defined
 * components, file order) from the top-level mapping's value. */
int receivers_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
int processors_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
int exporters_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
/* `sluice:` extras; and the defaults that depend on the environment. */
int extras_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
/* `service:`: pipeline resolution needs the components parsed first. */
int service_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg);
/* Checks that span sections (ring sizes vs. message limits, dead-letter
 * defaults that need state_dir). */
int service_finish(struct schema_ctx *c, struct sluice_config *cfg);

void receivers_default(struct sluice_receiver *r);
void processors_default_batch(struct sluice_batch *b);
void exporters_default_debug(struct sluice_debug_exporter *d);

/* Splits a component key "type" or "type/name" and finds type in types[]
 * (NULL-terminated). kind is "receiver", "processor", "exporter". */
int component_type(struct schema_ctx *c, const struct ynode *key, const char *kind,
		   const char *const *types, int *type);

/* Matching (filter include/exclude, attributes/span include/exclude). */
int match_parse(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);
/* Regex source -> sluice_regex (POSIX form, group names), compiled once to
 * check it. need_named: at least one named group is required. */
int match_regex(struct schema_ctx *c, const struct ynode *at, const char *path, const char *src,
		bool need_named, struct sluice_regex *out);

/* Endpoint "host:port" (see config.h). */
int receivers_endpoint(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);

/* Path must be absolute. */
int extras_abs_path(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path);

#endif
