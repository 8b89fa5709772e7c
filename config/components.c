/* config/components.c: the component registry (the only list of types)
 * and the section walk every kind shares. */
#include "config/component.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/arena.h"
#include "config/print.h"

static const struct component_desc *const receiver_types[] = { &recv_otlp_desc, NULL };
static const struct component_desc *const processor_types[] = { &proc_filter_desc,
								&proc_sampler_desc,
								&proc_attributes_desc,
								&proc_resource_desc,
								&proc_span_desc,
								&proc_batch_desc,
								NULL };
static const struct component_desc *const exporter_types[] = { &exp_otlphttp_desc,   &exp_otlp_desc,
							       &exp_debug_desc,	     &exp_file_desc,
							       &exp_prometheus_desc, NULL };
static const struct component_desc *const connector_types[] = { &conn_forward_desc, &conn_routing_desc,
								&conn_spanmetrics_desc, NULL };

/* Where each kind lives in the config and in its component struct. */
struct kind_info {
	const char *section, *kind;
	const struct component_desc *const *types;
	size_t size;	 /* one component */
	size_t off_type; /* its enum type (SIZE_MAX: none, receivers) */
	size_t off_line, off_col, off_settings;
	size_t cfg_items, cfg_count; /* the array and count in struct sluice_config */
};

#define KIND(sec, k, tbl, T, typ, settings, arr, cnt)                                                      \
	{                                                                                                  \
		sec, k, tbl, sizeof(struct T), typ, offsetof(struct T, line), offsetof(struct T, col),     \
			settings, offsetof(struct sluice_config, arr), offsetof(struct sluice_config, cnt) \
	}

static const struct kind_info kinds[COMPONENT_KINDS] = {
	[COMPONENT_RECEIVER] = KIND("receivers", "receiver", receiver_types, sluice_receiver, SIZE_MAX, 0,
				    receivers, n_receivers),
	[COMPONENT_PROCESSOR] = KIND("processors", "processor", processor_types, sluice_processor,
				     offsetof(struct sluice_processor, type),
				     offsetof(struct sluice_processor, filter), processors, n_processors),
	[COMPONENT_EXPORTER] = KIND("exporters", "exporter", exporter_types, sluice_exporter,
				    offsetof(struct sluice_exporter, type),
				    offsetof(struct sluice_exporter, otlp), exporters, n_exporters),
	[COMPONENT_CONNECTOR] = KIND("connectors", "connector", connector_types, sluice_connector,
				     offsetof(struct sluice_connector, type),
				     offsetof(struct sluice_connector, routing), connectors, n_connectors),
};

/* Every component struct starts with its id. */
_Static_assert(offsetof(struct sluice_receiver, id) == 0, "id first");
_Static_assert(offsetof(struct sluice_processor, id) == 0, "id first");
_Static_assert(offsetof(struct sluice_exporter, id) == 0, "id first");
_Static_assert(offsetof(struct sluice_connector, id) == 0, "id first");

static const struct component_desc *find_type(enum component_kind k, const char *id, size_t tlen)
{
	for (const struct component_desc *const *d = kinds[k].types; *d; d++)
		for (const char *const *n = (*d)->names; *n; n++)
			if (strlen(*n) == tlen && !strncmp(*n, id, tlen))
				return *d;
	return NULL;
}

const struct component_desc *component_desc_of(enum component_kind k, const char *id)
{
	const char *slash = strchr(id, '/');

	return find_type(k, id, slash ? (size_t)(slash - id) : strlen(id));
}

/* Splits a key "type" or "type/name" and finds the type. */
static int key_type(struct schema_ctx *c, const struct ynode *key, enum component_kind k,
		    const struct component_desc **out)
{
	const char *slash, *kind = kinds[k].kind;
	size_t tlen;

	if (key->kind != YN_SCALAR)
		return schema_error(c, key, "expected a %s id (\"type\" or \"type/name\"), got %s", kind,
				    yamltree_kind_name(key->kind));
	slash = strchr(key->text, '/');
	tlen = slash ? (size_t)(slash - key->text) : key->len;
	if (slash && !slash[1])
		return schema_error(c, key, "%s id \"%.80s\" has an empty name after \"/\"", kind, key->text);
	*out = find_type(k, key->text, tlen);
	if (*out)
		return 0;

	char list[240] = "";
	size_t used = 0;
	for (const struct component_desc *const *d = kinds[k].types; *d && used < sizeof(list); d++) {
		for (const char *const *n = (*d)->names; *n && used < sizeof(list); n++) {
			int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *n);
			if (w < 0)
				break;
			used += (size_t)w;
		}
	}
	return schema_error(c, key, "unknown %s type \"%.*s\" in \"%.80s\" (supported: %s)", kind,
			    (int)(tlen > 60 ? 60 : tlen), key->text, key->text, list);
}

static void set_header(const struct kind_info *ki, char *obj, const struct component_desc *d, const char *id,
		       unsigned line, unsigned col)
{
	if (d->init) /* first: a receiver's settings are the whole struct */
		d->init(obj + ki->off_settings);
	*(const char **)obj = id;
	if (ki->off_type != SIZE_MAX)
		*(int *)(obj + ki->off_type) = d->type;
	*(unsigned *)(obj + ki->off_line) = line;
	*(unsigned *)(obj + ki->off_col) = col;
}

int components_parse(struct schema_ctx *c, const struct ynode *map, enum component_kind k,
		     struct sluice_config *cfg)
{
	const struct kind_info *ki = &kinds[k];
	const struct ynode *seen[SCHEMA_MAX_FIELDS];
	char **items = (char **)((char *)cfg + ki->cfg_items);
	size_t *count = (size_t *)((char *)cfg + ki->cfg_count);
	char path[256];
	int rc = schema_expect_map(c, map, ki->section);

	if (rc < 0 || map->kind == YN_NULL)
		return rc;
	if (map->n / 2 > 256)
		return schema_error(c, map, "%s: more than 256 defined", ki->section);
	*items = arena_calloc(c->a, map->n / 2 + 1, ki->size);
	if (!*items)
		return -ENOMEM;
	for (size_t i = 0; i < map->n; i += 2) {
		const struct ynode *key = map->items[i], *v = map->items[i + 1];
		const struct component_desc *d;
		char *obj = *items + *count * ki->size;

		rc = key_type(c, key, k, &d);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < *count; j++)
			if (!strcmp(*(const char **)(*items + j * ki->size), key->text))
				return schema_error(c, key, "duplicate key \"%s\" in %s", key->text,
						    ki->section);
		set_header(ki, obj, d, key->text, key->line, key->col);
		schema_path(path, sizeof(path), ki->section, key->text);
		rc = schema_map(c, v, d->fields, obj + ki->off_settings, path, seen);
		if (rc == 0 && d->finish)
			rc = d->finish(c, v, obj + ki->off_settings, path, seen);
		if (rc < 0)
			return rc;
		(*count)++;
	}
	return 0;
}

int component_add_default(struct schema_ctx *c, struct sluice_config *cfg, enum component_kind k,
			  const char *id)
{
	const struct kind_info *ki = &kinds[k];
	char **items = (char **)((char *)cfg + ki->cfg_items);
	size_t *count = (size_t *)((char *)cfg + ki->cfg_count);
	const struct component_desc *d = component_desc_of(k, id);
	char *grown = arena_calloc(c->a, *count + 1, ki->size);

	if (!grown || !d)
		return -ENOMEM;
	if (*count)
		memcpy(grown, *items, *count * ki->size);
	set_header(ki, grown + *count * ki->size, d, id, 0, 0);
	*items = grown;
	return (int)(*count)++;
}

void components_print(struct printer *p, const struct sluice_config *cfg, enum component_kind k)
{
	const struct kind_info *ki = &kinds[k];
	const char *items = *(const char *const *)((const char *)cfg + ki->cfg_items);
	size_t count = *(const size_t *)((const char *)cfg + ki->cfg_count);

	pr_line(p, 0, "%s:%s\n", ki->section, count ? "" : " {}");
	for (size_t i = 0; i < count; i++) {
		const char *obj = items + i * ki->size;
		const char *id = *(const char *const *)obj;

		const struct component_desc *d = component_desc_of(k, id);

		schema_print_map(p, 1, id, d->fields, obj + ki->off_settings);
		if (d->note)
			d->note(p, 2, obj + ki->off_settings);
	}
}

bool component_connector_pair(int type, enum sluice_signal in, enum sluice_signal out)
{
	for (const struct component_desc *const *d = connector_types; *d; d++)
		if ((*d)->type == type)
			return ((*d)->pairs[in] & SLUICE_SIGNAL_BIT(out)) != 0;
	return false;
}

const char *component_signals_text(unsigned signals, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int s = 0; s < SLUICE_SIGNAL_COUNT && used < size; s++) {
		if (!(signals & SLUICE_SIGNAL_BIT(s)))
			continue;
		int w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
				 config_signal_name((enum sluice_signal)s));
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

static const char *type_name(enum component_kind k, int type)
{
	for (const struct component_desc *const *d = kinds[k].types; *d; d++)
		if ((*d)->type == type)
			return (*d)->names[0];
	return "?";
}

const char *config_processor_type_name(enum sluice_processor_type t)
{
	return type_name(COMPONENT_PROCESSOR, (int)t);
}

const char *config_exporter_type_name(enum sluice_exporter_type t)
{
	return type_name(COMPONENT_EXPORTER, (int)t);
}

const char *config_connector_type_name(enum sluice_connector_type t)
{
	return type_name(COMPONENT_CONNECTOR, (int)t);
}

const char *config_signal_name(enum sluice_signal s)
{
	static const char *const names[] = { "traces", "logs", "metrics" };

	return (unsigned)s < SLUICE_SIGNAL_COUNT ? names[s] : "?";
}
