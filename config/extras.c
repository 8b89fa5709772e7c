/* config/extras.c: our own `sluice:` section (instance, rings, restart
 * policy, directories) and the environment-dependent defaults. */
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/arena.h"

#define MSEC 1000000ull
#define SEC 1000000000ull
#define RING_MIN (64ull << 10)
#define RING_MAX (16ull << 30)
#define RING_DEFAULT (64ull << 20)

int extras_abs_path(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	const char *s;
	int rc;

	if (v->kind == YN_NULL)
		return 0;
	rc = schema_str(c, v, path, &s);
	if (rc < 0)
		return rc;
	if (s[0] != '/')
		return schema_error(c, v, "%s: expected an absolute path, got \"%.80s\"", path, s);
	if (strlen(s) > 1024)
		return schema_error(c, v, "%s: path longer than 1024 bytes", path);
	*(const char **)dst = s;
	return 0;
}

static int instance_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	const char *s;
	int rc;

	if (v->kind == YN_NULL)
		return 0;
	rc = schema_str(c, v, path, &s);
	if (rc < 0)
		return rc;
	size_t n = strlen(s);
	if (!n || n > CONFIG_INSTANCE_MAX ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n || s[0] == '.')
		return schema_error(c, v, "%s: expected 1 to %d of A-Z a-z 0-9 _ . - (not starting with .), got \"%.60s\"",
				    path, CONFIG_INSTANCE_MAX, s);
	*(const char **)dst = s;
	return 0;
}

static int later_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)c, (void)v, (void)dst, (void)path;
	return 0; /* handled after the walk, in a fixed order */
}

static const struct schema_field restart_fields[] = {
	{.name = "backoff_initial", .kind = SK_DUR, .off = offsetof(struct sluice_restart, backoff_initial_ns),
	 .min = MSEC, .max = 3600 * SEC},
	{.name = "backoff_max", .kind = SK_DUR, .off = offsetof(struct sluice_restart, backoff_max_ns), .min = MSEC,
	 .max = 24 * 3600 * SEC},
	{.name = "max_restarts", .kind = SK_U32, .off = offsetof(struct sluice_restart, max_restarts),
	 .max = 1000000},
	{.name = "window", .kind = SK_DUR, .off = offsetof(struct sluice_restart, window_ns), .min = SEC,
	 .max = 7 * 24 * 3600 * SEC},
	{.name = NULL},
};

static int restart_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	struct sluice_restart *r = dst;
	int rc = schema_map(c, v, restart_fields, r, path, NULL);

	if (rc == 0 && r->backoff_initial_ns > r->backoff_max_ns)
		return schema_error(c, v, "%s: backoff_initial is greater than backoff_max", path);
	return rc;
}

enum { X_INSTANCE, X_RING_BYTES, X_RINGS };

static const struct schema_field extras_fields[] = {
	[X_INSTANCE] = {.name = "instance", .kind = SK_CUSTOM, .off = offsetof(struct sluice_config, instance),
			.fn = instance_fn},
	[X_RING_BYTES] = {.name = "ring_bytes", .kind = SK_CUSTOM, .fn = later_fn},
	[X_RINGS] = {.name = "rings", .kind = SK_CUSTOM, .fn = later_fn},
	{.name = "restart", .kind = SK_CUSTOM, .off = offsetof(struct sluice_config, restart), .fn = restart_fn},
	{.name = "stop_timeout", .kind = SK_DUR, .off = offsetof(struct sluice_config, stop_timeout_ns),
	 .min = 100 * MSEC, .max = 3600 * SEC},
	{.name = "start_timeout", .kind = SK_DUR, .off = offsetof(struct sluice_config, start_timeout_ns),
	 .min = 100 * MSEC, .max = 3600 * SEC},
	{.name = "runtime_dir", .kind = SK_CUSTOM, .off = offsetof(struct sluice_config, runtime_dir),
	 .fn = extras_abs_path},
	{.name = "state_dir", .kind = SK_CUSTOM, .off = offsetof(struct sluice_config, state_dir),
	 .fn = extras_abs_path},
	{.name = "bin_dir", .kind = SK_CUSTOM, .off = offsetof(struct sluice_config, bin_dir), .fn = extras_abs_path},
	{.name = NULL},
};

static int ring_size(struct schema_ctx *c, const struct ynode *v, const char *path, uint64_t *out)
{
	uint64_t n;
	int rc;

	if (v->kind == YN_NULL)
		return 0;
	rc = schema_size(c, v, path, RING_MIN, RING_MAX, &n);
	if (rc < 0)
		return rc;
	if (n & (n - 1))
		return schema_error(c, v, "%s: %s is not a power of two (e.g. 32MiB, 64MiB, 128MiB)", path, v->text);
	*out = n;
	return 0;
}

static int rings_parse(struct schema_ctx *c, const struct ynode *ring_bytes, const struct ynode *rings,
		       struct sluice_config *cfg)
{
	static const char *const names[] = {"ingest_process", "process_batch", "batch_export"};
	uint64_t *slot[3] = {&cfg->rings.ingest_process, &cfg->rings.process_batch, &cfg->rings.batch_export};
	uint64_t all = RING_DEFAULT;
	char p[128];
	int rc;

	if (ring_bytes && (rc = ring_size(c, ring_bytes, "sluice.ring_bytes", &all)) < 0)
		return rc;
	for (int i = 0; i < 3; i++) {
		*slot[i] = all;
		c->at_rings[i] = ring_bytes;
	}
	if (!rings)
		return 0;
	rc = schema_expect_map(c, rings, "sluice.rings");
	if (rc < 0 || rings->kind == YN_NULL)
		return rc;
	for (size_t i = 0; i < rings->n; i += 2) {
		const struct ynode *k = rings->items[i];
		int which = -1;

		for (int j = 0; j < 3; j++)
			if (k->kind == YN_SCALAR && !strcmp(k->text, names[j]))
				which = j;
		if (which < 0)
			return schema_error(c, k, "unknown key \"%.80s\" in sluice.rings (expected one of: ingest_process, process_batch, batch_export)",
					    k->kind == YN_SCALAR ? k->text : "?");
		for (size_t j = 0; j < i; j += 2)
			if (!strcmp(rings->items[j]->text, k->text))
				return schema_error(c, k, "duplicate key \"%s\" in sluice.rings", k->text);
		snprintf(p, sizeof(p), "sluice.rings.%s", names[which]);
		c->at_rings[which] = rings->items[i + 1];
		rc = ring_size(c, rings->items[i + 1], p, slot[which]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* $VAR + suffix when VAR is set to an absolute path, else NULL. */
static const char *env_dir(struct schema_ctx *c, const char *var, const char *suffix)
{
	const char *v = getenv(var);

	if (!v || v[0] != '/')
		return NULL;
	return arena_printf(c->a, "%s%s", v, suffix);
}

static int default_dirs(struct schema_ctx *c, struct sluice_config *cfg)
{
	unsigned uid = (unsigned)getuid();

	if (!cfg->runtime_dir) {
		if (uid == 0)
			cfg->runtime_dir = "/run/sluice";
		else if (!(cfg->runtime_dir = env_dir(c, "XDG_RUNTIME_DIR", "/sluice")))
			cfg->runtime_dir = arena_printf(c->a, "/tmp/sluice-%u", uid);
	}
	if (!cfg->state_dir) {
		if (uid == 0)
			cfg->state_dir = "/var/lib/sluice";
		else if (!(cfg->state_dir = env_dir(c, "XDG_STATE_HOME", "/sluice")) &&
			 !(cfg->state_dir = env_dir(c, "HOME", "/.local/state/sluice")))
			cfg->state_dir = arena_printf(c->a, "/tmp/sluice-%u/state", uid);
	}
	return cfg->runtime_dir && cfg->state_dir ? 0 : -ENOMEM;
}

int extras_parse(struct schema_ctx *c, const struct ynode *map, struct sluice_config *cfg)
{
	const struct ynode *seen[SCHEMA_MAX_FIELDS] = {0};
	int rc;

	cfg->instance = "default";
	cfg->restart = (struct sluice_restart){
		.backoff_initial_ns = 100 * MSEC, .backoff_max_ns = 10 * SEC, .max_restarts = 5, .window_ns = 60 * SEC};
	cfg->stop_timeout_ns = 30 * SEC;
	cfg->start_timeout_ns = 10 * SEC;
	if (map) {
		rc = schema_map(c, map, extras_fields, cfg, "sluice", seen);
		if (rc < 0)
			return rc;
	}
	rc = rings_parse(c, seen[X_RING_BYTES], seen[X_RINGS], cfg);
	if (rc < 0)
		return rc;
	return default_dirs(c, cfg);
}
