/* tools/sluice/main.c: the `sluice` command: supervisor and operator CLI. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "agg/agg_config.h"
#include "config/log.h"
#include "rt/tlsconf.h"
#include "tools/sluice/cli.h"
#include "rt/dirs.h"
#include "stages/process.h"
#include "tools/sluice/sup.h"

static const char usage_text[] =
	"usage: sluice COMMAND [options]\n"
	"\n"
	"commands:\n"
	"  run     [-c FILE]         run the pipeline in the foreground (systemd, containers)\n"
	"  start   [-c FILE]         run it in the background; returns when every stage is ready\n"
	"  stop    [-c FILE]         drain every ring downstream, then stop\n"
	"  status  [-c FILE]         each stage: state, pid, uptime, restarts, spans, ring fill\n"
	"  top     [-c FILE]         the same, live\n"
	"  restart STAGE [-c FILE]   restart one stage: ingest, process, batch, export\n"
	"  check   -c FILE           validate a config and print the effective one\n"
	"  version                   print the version\n"
	"\n"
	"Without -c the built-in default config is used (OTLP on 127.0.0.1:4317 and\n"
	":4318, batch, debug exporter). `sluice COMMAND --help` tells more.\n"
	"\n"
	"exit codes: 0 ok, 1 failure (check: a directory needs fixing), 2 usage or\n"
	"            config error, 3 not running\n";

static int usage(FILE *out, int code)
{
	fputs(usage_text, out);
	return code;
}

/* -c FILE, --help, and for top --interval/--count; sets *argi past options. */
static int parse_opts(int argc, char **argv, struct cli_opts *o)
{
	static const struct option longs[] = {
		{ "config", required_argument, NULL, 'c' },   { "help", no_argument, NULL, 'h' },
		{ "interval", required_argument, NULL, 'n' }, { "count", required_argument, NULL, 'N' },
		{ "quiet", no_argument, NULL, 'q' },	      { NULL, 0, NULL, 0 },
	};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:hq", longs, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'h':
			o->help = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'n':
			o->interval_ms = atoi(optarg);
			break;
		case 'N':
			o->count = atoi(optarg);
			break;
		default:
			return -EINVAL;
		}
	}
	o->args = argv + optind;
	o->nargs = argc - optind;
	return 0;
}

static int load_config(struct cli_opts *o)
{
	struct config_error err;
	if (o->config_path) {
		if (!realpath(o->config_path, o->config_abs)) {
			fprintf(stderr, "sluice: %s: %s\n", o->config_path, strerror(errno));
			return SUP_EXIT_USAGE;
		}
	}
	int rc = config_load(o->config_path ? o->config_abs : NULL, &o->cfg, &err);
	if (rc < 0) {
		fprintf(stderr, "sluice: %s\n", err.msg);
		return SUP_EXIT_USAGE;
	}
	return 0;
}

/* Stage binaries: sluice.bin_dir, else next to this executable. */
static void find_bin_dir(struct cli_opts *o)
{
	if (o->cfg->bin_dir) {
		snprintf(o->bin_dir, sizeof(o->bin_dir), "%s", o->cfg->bin_dir);
		return;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		snprintf(o->bin_dir, sizeof(o->bin_dir), ".");
		return;
	}
	self[n] = '\0';
	snprintf(o->bin_dir, sizeof(o->bin_dir), "%s", dirname(self));
}

static int check_parts(const struct sluice_config *cfg);

static int cmd_run(struct cli_opts *o)
{
	/* a certificate that does not load would only fail inside a stage,
	 * over and over: say it once, before anything starts */
	if (check_parts(o->cfg))
		return SUP_EXIT_USAGE;
	find_bin_dir(o);
	return sup_run(o->cfg, o->config_path ? o->config_abs : NULL, o->bin_dir);
}

/* What the loader leaves to the parts that use it: certificates and keys
 * loaded as the stages will load them, span-metrics settings as the
 * aggregation takes them. One line each on stderr; returns the count. */
static int check_parts(const struct sluice_config *cfg)
{
	int bad = rt_tls_check_all(cfg, stderr);
	for (size_t i = 0; i < cfg->n_connectors; i++) {
		const struct sluice_connector *c = &cfg->connectors[i];
		struct agg_config ac;
		char why[256] = "";
		if (c->type != SLUICE_CONN_SPANMETRICS ||
		    agg_config_from(&c->spanmetrics, &ac, why, sizeof(why)) == 0)
			continue;
		fprintf(stderr, "sluice: %s:%u:%u: connectors.%s: %s\n",
			cfg->path && cfg->path[0] ? cfg->path : "(config)", c->line, c->col, c->id, why);
		bad++;
	}
	char err[512];
	if (process_check(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice: %s\n", err);
		bad++;
	}
	return bad;
}

static int cmd_check(struct cli_opts *o)
{
	const char *name = o->config_path ? o->config_path : "(built-in defaults)";
	if (!o->quiet && config_print(o->cfg, stdout) < 0)
		return SUP_EXIT_FAILED;
	if (check_parts(o->cfg)) {
		fprintf(stderr, "sluice: %s: not valid (see above)\n", name);
		return SUP_EXIT_USAGE;
	}
	int errors = dirs_report(o->cfg, stderr);
	if (errors) {
		fprintf(stderr, "sluice: %s: config is valid, but %d director%s must be fixed first\n", name,
			errors, errors == 1 ? "y" : "ies");
		return SUP_EXIT_FAILED;
	}
	fprintf(stderr, "sluice: %s: config is valid\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_opts o = { .interval_ms = 1000, .count = -1 };

	if (argc < 2)
		return usage(stderr, SUP_EXIT_USAGE);
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
		return usage(stdout, 0);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("sluice %s\n", SLUICE_VERSION);
		return 0;
	}
	const struct cli_command *c = cli_find(cmd);
	if (!c) {
		fprintf(stderr, "sluice: unknown command '%s'\n\n", cmd);
		return usage(stderr, SUP_EXIT_USAGE);
	}
	if (parse_opts(argc - 1, argv + 1, &o) < 0) {
		fprintf(stderr, "%s", c->help);
		return SUP_EXIT_USAGE;
	}
	if (o.help) {
		fputs(c->help, stdout);
		return 0;
	}
	if (o.nargs != c->nargs) {
		fprintf(stderr, "sluice %s: expected %d argument%s\n%s", cmd, c->nargs,
			c->nargs == 1 ? "" : "s", c->help);
		return SUP_EXIT_USAGE;
	}
	if (c->needs_config_flag && !o.config_path) {
		fprintf(stderr, "sluice %s: -c FILE is required\n%s", cmd, c->help);
		return SUP_EXIT_USAGE;
	}
	int rc = load_config(&o);
	if (rc != 0)
		return rc;
	if (strcmp(cmd, "run") == 0)
		rc = cmd_run(&o);
	else if (strcmp(cmd, "check") == 0)
		rc = cmd_check(&o);
	else {
		find_bin_dir(&o);
		rc = c->fn(&o, argv[0]);
	}
	config_free(o.cfg);
	return rc;
}
