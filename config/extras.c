/* config/extras.c: our own `sluice:` section (instance, rings, restart
 * policy, directories) and the environment-dependent defaults. */
#include "config/loader.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/arena.h"
#include "config/print.h"

#define MSEC 1000000ull
#define SEC 1000000000ull
#define RING_MIN (64ull << 10)
#define RING_MAX (16ull << 30)
#define RING_DEFAULT (64ull << 20)

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
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n ||
	    s[0] == '.')
		return schema_error(
			c, v,
			"%s: expected 1 to %d of A-Z a-z 0-9 _ . - (not starting with .), got \"%.60s\"",
			path, CONFIG_INSTANCE_MAX, s);
	*(const char **)dst = s;
	return 0;
}

static int later_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	(void)c, (void)v, (void)dst, (void)path;
	return 0; /* handled after the walk, in a fixed order */
}

#define RS struct sluice_restart
static const struct schema_field restart_fields[] = {
	{ .name = "backoff_initial",
	  .kind = SK_DUR,
	  .off = offsetof(RS, backoff_initial_ns),
	  .min = MSEC,
	  .max = 3600 * SEC },
	{ .name = "backoff_max",
	  .kind = SK_DUR,
	  .off = offsetof(RS, backoff_max_ns),
	  .min = MSEC,
	  .max = 24 * 3600 * SEC },
	{ .name = "max_restarts", .kind = SK_U32, .off = offsetof(RS, max_restarts), .max = 1000000 },
	{ .name = "window",
	  .kind = SK_DUR,
	  .off = offsetof(RS, window_ns),
	  .min = SEC,
	  .max = 7 * 24 * 3600 * SEC },
	{ .name = NULL },
};
#undef RS

static int restart_check(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			 const struct ynode *const *seen)
{
	const struct sluice_restart *r = obj;

	(void)seen;
	if (r->backoff_initial_ns > r->backoff_max_ns)
		return schema_error(c, v, "%s: backoff_initial is greater than backoff_max", path);
	return 0;
}

static void instance_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	pr_str(p, indent, f->name, *(const char *const *)value);
}

static void rings_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const struct sluice_rings *r = value;

	pr_line(p, indent, "%s:\n", f->name);
	pr_size(p, indent + 1, "ingest_process", r->ingest_process);
	pr_size(p, indent + 1, "process_batch", r->process_batch);
	pr_size(p, indent + 1, "batch_export", r->batch_export);
}

static void bin_dir_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const char *dir = *(const char *const *)value;

	if (dir)
		pr_str(p, indent, f->name, dir);
	else
		pr_line(p, indent, "# %s: (unset: the directory of the sluice binary)\n", f->name);
}

static int bin_dir_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	return schema_abs_path(c, v, dst, path);
}

#define CF struct sluice_config
enum {
	X_INSTANCE,
	X_RING_BYTES,
	X_RINGS
};

static const struct schema_field extras_fields[] = {
	[X_INSTANCE] = { .name = "instance",
			 .kind = SK_CUSTOM,
			 .off = offsetof(CF, instance),
			 .fn = instance_fn,
			 .print = instance_print },
	[X_RING_BYTES] = { .name = "ring_bytes", .kind = SK_CUSTOM, .fn = later_fn },
	[X_RINGS] = { .name = "rings",
		      .kind = SK_CUSTOM,
		      .off = offsetof(CF, rings),
		      .fn = later_fn,
		      .print = rings_print },
	{ .name = "restart",
	  .kind = SK_MAP,
	  .off = offsetof(CF, restart),
	  .sub = restart_fields,
	  .check = restart_check },
	{ .name = "stop_timeout",
	  .kind = SK_DUR,
	  .off = offsetof(CF, stop_timeout_ns),
	  .min = 100 * MSEC,
	  .max = 3600 * SEC },
	{ .name = "start_timeout",
	  .kind = SK_DUR,
	  .off = offsetof(CF, start_timeout_ns),
	  .min = 100 * MSEC,
	  .max = 3600 * SEC },
	{ .name = "stall_timeout",
	  .kind = SK_DUR,
	  .off = offsetof(CF, stall_timeout_ns),
	  .max = 24 * 3600 * SEC },
	{ .name = "restart_stalled", .kind = SK_BOOL, .off = offsetof(CF, restart_stalled) },
	{ .name = "runtime_dir", .kind = SK_PATH, .off = offsetof(CF, runtime_dir) },
	{ .name = "state_dir", .kind = SK_PATH, .off = offsetof(CF, state_dir) },
	{ .name = "bin_dir",
	  .kind = SK_CUSTOM,
	  .off = offsetof(CF, bin_dir),
	  .fn = bin_dir_fn,
	  .print = bin_dir_print },
	{ .name = NULL },
};
#undef CF

void extras_print(struct printer *p, const struct sluice_config *cfg)
{
	schema_print_map(p, 0, "sluice", extras_fields, cfg);
}

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
		return schema_error(c, v, "%s: %s is not a power of two (e.g. 32MiB, 64MiB, 128MiB)", path,
				    v->text);
	*out = n;
	return 0;
}

static int rings_parse(struct schema_ctx *c, const struct ynode *ring_bytes, const struct ynode *rings,
		       struct sluice_config *cfg)
{
	static const char *const names[] = { "ingest_process", "process_batch", "batch_export" };
	uint64_t *slot[3] = { &cfg->rings.ingest_process, &cfg->rings.process_batch,
			      &cfg->rings.batch_export };
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
			return schema_error(
				c, k,
				"unknown key \"%.80s\" in sluice.rings (expected one of: ingest_process, process_batch, batch_export)",
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
	const struct ynode *seen[SCHEMA_MAX_FIELDS] = { 0 };
	int rc;

	cfg->instance = "default";
	cfg->restart = (struct sluice_restart){ .backoff_initial_ns = 100 * MSEC,
						.backoff_max_ns = 10 * SEC,
						.max_restarts = 5,
						.window_ns = 60 * SEC };
	cfg->stop_timeout_ns = 30 * SEC;
	cfg->start_timeout_ns = 10 * SEC;
	cfg->stall_timeout_ns = 10 * SEC;
	cfg->restart_stalled = true;
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
