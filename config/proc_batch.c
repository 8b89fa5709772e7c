/* config/proc_batch.c: the batch processor (run by the batch stage; items
 * are spans, log records or metric data points by the pipeline's signal). */
#include "config/component.h"
#include "config/loader.h"

#define MSEC 1000000ull
#define SEC 1000000000ull
#define MAX_ITEMS 10000000ull

static void batch_init(void *settings)
{
	struct sluice_batch *b = settings;

	b->send_batch_size = 8192;
	b->send_batch_max_size = 0;
	b->send_batch_max_bytes = 4ull << 20;
	b->timeout_ns = 200 * MSEC;
}

enum {
	B_SIZE,
	B_MAX_SIZE,
	B_MAX_BYTES,
	B_TIMEOUT
};

static const struct schema_field batch_fields[] = {
	[B_SIZE] = { .name = "send_batch_size",
		     .kind = SK_U32,
		     .off = offsetof(struct sluice_batch, send_batch_size),
		     .max = MAX_ITEMS },
	[B_MAX_SIZE] = { .name = "send_batch_max_size",
			 .kind = SK_U32,
			 .off = offsetof(struct sluice_batch, send_batch_max_size),
			 .max = MAX_ITEMS },
	[B_MAX_BYTES] = { .name = "send_batch_max_bytes",
			  .kind = SK_SIZE,
			  .off = offsetof(struct sluice_batch, send_batch_max_bytes),
			  .min = 1024,
			  .max = 1ull << 30 },
	[B_TIMEOUT] = { .name = "timeout",
			.kind = SK_DUR,
			.off = offsetof(struct sluice_batch, timeout_ns),
			.max = 3600 * SEC },
	{ .name = "metadata_keys",
	  .kind = SK_REFUSE,
	  .why = "request metadata is not kept, so batches cannot be split by it" },
	{ .name = "metadata_cardinality_limit",
	  .kind = SK_REFUSE,
	  .why = "request metadata is not kept, so batches cannot be split by it" },
	{ .name = NULL },
};

static int batch_finish(struct schema_ctx *c, const struct ynode *v, void *obj, const char *path,
			const struct ynode *const *seen)
{
	const struct sluice_batch *b = obj;

	(void)v;
	if (b->send_batch_max_size && b->send_batch_max_size < b->send_batch_size)
		return schema_error(c, seen[B_MAX_SIZE] ? seen[B_MAX_SIZE] : seen[B_SIZE],
				    "%s: send_batch_max_size (%u) must be 0 or at least send_batch_size (%u)",
				    path, b->send_batch_max_size, b->send_batch_size);
	return 0;
}

const struct component_desc proc_batch_desc = {
	.names = (const char *const[]){ "batch", NULL },
	.type = SLUICE_PROC_BATCH,
	.signals = SLUICE_SIGNALS_ALL,
	.fields = batch_fields,
	.init = batch_init,
	.finish = batch_finish,
};
