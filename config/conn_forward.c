/* config/conn_forward.c: the forward connector: what one pipeline exports, the
 * pipelines that list it as a receiver get (same signal). No settings. */
#include "config/component.h"

static const struct schema_field forward_fields[] = {
	{ .name = NULL },
};

const struct component_desc conn_forward_desc = {
	.names = (const char *const[]){"forward", NULL},
	.type = SLUICE_CONN_FORWARD,
	.signals = SLUICE_SIGNALS_ALL,
	.pairs = {
		[SLUICE_SIGNAL_TRACES] = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_TRACES),
		[SLUICE_SIGNAL_LOGS] = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_LOGS),
		[SLUICE_SIGNAL_METRICS] = SLUICE_SIGNAL_BIT(SLUICE_SIGNAL_METRICS),
	},
	.fields = forward_fields,
};
