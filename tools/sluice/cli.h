/* tools/sluice/cli.h: the operator commands that talk to a running
 * supervisor (start, stop, status, top, restart), and the command table
 * main.c dispatches with. */
#ifndef SLUICE_TOOLS_CLI_H
#define SLUICE_TOOLS_CLI_H

#include <limits.h>
#include <stdbool.h>

#include "config/config.h"

struct cli_opts {
	const char *config_path;   /* -c as given, NULL = defaults */
	char config_abs[PATH_MAX]; /* realpath of it */
	struct sluice_config *cfg;
	char bin_dir[PATH_MAX];
	bool help, quiet;
	int interval_ms, count; /* top */
	char **args;		/* positional arguments after options */
	int nargs;
};

struct cli_command {
	const char *name;
	int nargs;
	bool needs_config_flag;
	int (*fn)(struct cli_opts *o, const char *argv0);
	const char *help;
};

const struct cli_command *cli_find(const char *name);

#endif
