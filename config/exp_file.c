/* config/exp_file.c: the file exporter (OTLP/JSON lines, or length-framed protobuf). */
#include "config/component.h"
#include "config/loader.h"

#define MIB (1ull << 20)

static void file_init(void *settings)
{
	struct sluice_file_exporter *f = settings;

	f->rotation_max_bytes = 100 * MIB;
	f->rotation_max_backups = 100;
}

#define FX struct sluice_file_exporter
static const struct schema_field rotation_fields[] = {
	{ .name = "max_megabytes",
	  .kind = SK_U64,
	  .off = offsetof(FX, rotation_max_bytes),
	  .min = 1,
	  .max = 1000000,
	  .scale = MIB },
	{ .name = "max_backups", .kind = SK_U32, .off = offsetof(FX, rotation_max_backups), .max = 100000 },
	{ .name = "max_days", .kind = SK_REFUSE, .why = "rotated files are kept by count (max_backups)" },
	{ .name = "localtime", .kind = SK_REFUSE, .why = "rotated file names are not time-stamped" },
	{ .name = NULL },
};

static const char *const format_names[] = { "json", "proto", NULL };

static const struct schema_field file_fields[] = {
	{ .name = "path", .kind = SK_PATH, .off = offsetof(FX, path) },
	{ .name = "rotation",
	  .kind = SK_MAP,
	  .sub = rotation_fields,
	  .flags = SF_PRESENCE,
	  .off2 = offsetof(FX, rotation) },
	{ .name = "format", .kind = SK_ENUM, .off = offsetof(FX, format), .names = format_names },
	{ .name = "compression", .kind = SK_REFUSE, .why = "the file is written uncompressed" },
	{ .name = "flush_interval", .kind = SK_REFUSE, .why = "every batch is written when it arrives" },
	{ .name = "append", .kind = SK_REFUSE, .why = "the file is always appended to" },
	{ .name = "group_by", .kind = SK_REFUSE, .why = "one file an exporter" },
	{ .name = NULL },
};
#undef FX

static int file_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
		       const struct ynode *const *seen)
{
	(void)seen;
	if (!((struct sluice_file_exporter *)obj)->path)
		return schema_error(c, v, "%s: \"path\" is required", path);
	return 0;
}

const struct component_desc exp_file_desc = {
	.names = (const char *const[]){ "file", NULL },
	.type = SLUICE_EXP_FILE,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = file_fields,
	.init = file_init,
	.finish = file_finish,
};
