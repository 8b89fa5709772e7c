/* config/config_print.c: the effective configuration as YAML that loads
 * back to the same values (every default written out), generated from the
 * component descriptors and the section tables (config/print.h), followed
 * by the plan as comments. */
#include "config/config.h"

#include <errno.h>
#include <stdio.h>

#include "config/component.h"
#include "config/loader.h"
#include "config/plan.h"
#include "config/print.h"

int config_print(const struct sluice_config *cfg, FILE *f)
{
	struct printer p = { .f = f };

	fprintf(f, "# sluice effective configuration%s%s\n", *cfg->path ? " of " : " (built-in defaults)",
		cfg->path);
	for (int k = 0; k < COMPONENT_KINDS; k++)
		components_print(&p, cfg, (enum component_kind)k);
	service_print(&p, cfg);
	extras_print(&p, cfg);
	if (cfg->plan && plan_print(cfg, f) < 0)
		p.failed = true;
	if (fflush(f) != 0 || ferror(f) || p.failed)
		return -EIO;
	return 0;
}
