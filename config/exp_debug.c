/* config/exp_debug.c: the debug exporter (a line a batch or an item). */
#include "config/component.h"
#include "config/loader.h"
#include "config/print.h"

#include <string.h>

static void debug_init(void *settings)
{
	struct sluice_debug_exporter *d = settings;

	d->verbosity = SLUICE_VERBOSITY_BASIC;
	d->output = NULL;
}

static const char *const verbosity_names[] = { "basic", "normal", "detailed", NULL };

static int output_fn(struct schema_ctx *c, const struct ynode *v, void *dst, const char *path)
{
	if (v->kind == YN_SCALAR && !strcmp(v->text, "stdout")) {
		*(const char **)dst = NULL;
		return 0;
	}
	return schema_abs_path(c, v, dst, path);
}

static void output_print(struct printer *p, int indent, const struct schema_field *f, const void *value)
{
	const char *out = *(const char *const *)value;

	pr_str(p, indent, f->name, out ? out : "stdout");
}

static const struct schema_field debug_fields[] = {
	{ .name = "verbosity",
	  .kind = SK_ENUM,
	  .off = offsetof(struct sluice_debug_exporter, verbosity),
	  .names = verbosity_names },
	{ .name = "output",
	  .kind = SK_CUSTOM,
	  .off = offsetof(struct sluice_debug_exporter, output),
	  .fn = output_fn,
	  .print = output_print },
	{ .name = "sampling_initial", .kind = SK_REFUSE, .why = "every batch is written" },
	{ .name = "sampling_thereafter", .kind = SK_REFUSE, .why = "every batch is written" },
	{ .name = NULL },
};

const struct component_desc exp_debug_desc = {
	.names = (const char *const[]){ "debug", NULL },
	.type = SLUICE_EXP_DEBUG,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = debug_fields,
	.init = debug_init,
};
