/* config/config.c: config_load and friends: read the file, build the YAML
 * tree, run the section parsers in dependency order, check across them. */
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/arena.h"
#include "config/component.h"
#include "config/loader.h"
#include "config/yamltree.h"

static int top_later(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)c, (void)v, (void)dst, (void)path;
	return 0;
}

static int top_unsupported(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)dst;
	if (v->kind == YN_NULL || ((v->kind == YN_MAP || v->kind == YN_SEQ) && v->n == 0))
		return 0;
	return schema_error(c, v, "%s: not supported by sluice (remove this section)", path);
}

enum {
	TOP_RECEIVERS,
	TOP_PROCESSORS,
	TOP_EXPORTERS,
	TOP_CONNECTORS,
	TOP_SERVICE,
	TOP_SLUICE
};

static const struct schema_field top_fields[] = {
	[TOP_RECEIVERS] = { .name = "receivers", .kind = SK_CUSTOM, .fn = top_later },
	[TOP_PROCESSORS] = { .name = "processors", .kind = SK_CUSTOM, .fn = top_later },
	[TOP_EXPORTERS] = { .name = "exporters", .kind = SK_CUSTOM, .fn = top_later },
	[TOP_CONNECTORS] = { .name = "connectors", .kind = SK_CUSTOM, .fn = top_later },
	[TOP_SERVICE] = { .name = "service", .kind = SK_CUSTOM, .fn = top_later },
	[TOP_SLUICE] = { .name = "sluice", .kind = SK_CUSTOM, .fn = top_later },
	{ .name = "extensions", .kind = SK_CUSTOM, .fn = top_unsupported },
	{ .name = NULL },
};

static int load_tree(struct schema_ctx *c, const struct ynode *root, struct sluice_config *cfg)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS] = { 0 };
	int rc;

	if (root && (rc = schema_map(c, root, top_fields, NULL, "", seen)) < 0)
		return rc;
	/* order matters: components before the pipeline that names them,
	 * sluice (rings, dirs) before the checks that use them */
	static const int order[] = { TOP_RECEIVERS, TOP_PROCESSORS, TOP_EXPORTERS, TOP_CONNECTORS };
	for (int k = 0; k < COMPONENT_KINDS; k++)
		if (seen[order[k]] &&
		    (rc = components_parse(c, seen[order[k]], (enum component_kind)k, cfg)) < 0)
			return rc;
	c->at_processors = seen[TOP_PROCESSORS];
	if ((rc = extras_parse(c, seen[TOP_SLUICE], cfg)) < 0)
		return rc;
	if ((rc = service_parse(c, seen[TOP_SERVICE], cfg)) < 0)
		return rc;
	return service_finish(c, cfg);
}

int config_load_buffer(const char *name, const char *data, size_t len, struct sluice_config **out,
		       struct config_error *err)
{
	struct config_error scratch;
	struct arena *a;
	struct sluice_config *cfg;
	struct ynode *root;
	int rc;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (!name)
		name = "<config>";
	if (len > CONFIG_MAX_FILE_BYTES) {
		snprintf(err->msg, sizeof(err->msg), "%s: larger than %u bytes", name, CONFIG_MAX_FILE_BYTES);
		return -EFBIG;
	}
	a = arena_new();
	if (!a)
		goto nomem;
	cfg = arena_alloc(a, sizeof(*cfg));
	if (!cfg)
		goto nomem;
	cfg->arena_ = a;
	cfg->path = arena_strdup(a, name);
	if (!cfg->path)
		goto nomem;
	struct schema_ctx c = { .a = a, .file = cfg->path, .err = err, .src = data, .src_len = len };
	rc = yamltree_parse(a, cfg->path, data, len, &root, err);
	if (rc == 0)
		rc = load_tree(&c, root, cfg);
	if (rc < 0) {
		if (rc == -ENOMEM)
			snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
		arena_free(a);
		return rc;
	}
	*out = cfg;
	return 0;
nomem:
	arena_free(a);
	snprintf(err->msg, sizeof(err->msg), "%s: out of memory", name);
	return -ENOMEM;
}

int config_load(const char *path, struct sluice_config **out, struct config_error *err)
{
	struct config_error scratch;
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, rc;

	if (!err)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	if (!path) {
		rc = config_load_buffer("", "", 0, out, err);
		return rc;
	}
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "%s: cannot open: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err->msg, sizeof(err->msg), "%s: stat: %s", path, strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		snprintf(err->msg, sizeof(err->msg), "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > (off_t)CONFIG_MAX_FILE_BYTES) {
		rc = -EFBIG;
		snprintf(err->msg, sizeof(err->msg), "%s: larger than %u bytes", path, CONFIG_MAX_FILE_BYTES);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			snprintf(err->msg, sizeof(err->msg), "%s: read: %s", path, strerror(-rc));
			goto out;
		}
		if (r == 0)
			break; /* shrank while reading: use what is there */
		got += (size_t)r;
	}
	rc = config_load_buffer(path, buf, got, out, err);
out:
	free(buf);
	close(fd);
	return rc;
}

void config_free(struct sluice_config *cfg)
{
	if (cfg)
		arena_free(cfg->arena_);
}

const struct sluice_processor *config_processor(const struct sluice_config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->n_processors; i++)
		if (!strcmp(cfg->processors[i].id, id))
			return &cfg->processors[i];
	return NULL;
}

const struct sluice_exporter *config_exporter(const struct sluice_config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->n_exporters; i++)
		if (!strcmp(cfg->exporters[i].id, id))
			return &cfg->exporters[i];
	return NULL;
}

const struct sluice_connector *config_connector(const struct sluice_config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->n_connectors; i++)
		if (!strcmp(cfg->connectors[i].id, id))
			return &cfg->connectors[i];
	return NULL;
}

const struct sluice_pipeline *config_pipeline(const struct sluice_config *cfg, const char *id)
{
	for (size_t i = 0; i < cfg->n_pipelines; i++)
		if (!strcmp(cfg->pipelines[i].id, id))
			return &cfg->pipelines[i];
	return NULL;
}
