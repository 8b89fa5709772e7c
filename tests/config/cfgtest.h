/* tests/config/cfgtest.h: what the config load tests share. */
#ifndef SLUICE_TESTS_CFGTEST_H
#define SLUICE_TESTS_CFGTEST_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define MS 1000000ull
#define S 1000000000ull
#define MIB (1ull << 20)

/* Load YAML from memory; the test fails with the loader's message if it
 * does not load. */
static inline struct sluice_config *load_ok(const char *yaml)
{
	struct sluice_config *cfg = NULL;
	struct config_error err;
	int rc = config_load_buffer("t.yaml", yaml, strlen(yaml), &cfg, &err);

	ck_assert_msg(rc == 0, "load failed: %s", err.msg);
	return cfg;
}

/* One error case: the YAML and the exact message after "t.yaml:". */
struct ecase {
	const char *name;
	const char *yaml;
	const char *msg;
};

/* Loads c->yaml and asserts the load fails with exactly c->msg, and that
 * the line and column fields agree with the message. */
static inline void check_error_case(const struct ecase *c)
{
	struct sluice_config *cfg = (struct sluice_config *)1;
	struct config_error err;
	char want[700];
	unsigned line = 0, col = 0;
	int rc = config_load_buffer("t.yaml", c->yaml, strlen(c->yaml), &cfg, &err);

	ck_assert_msg(rc == -EINVAL, "%s: rc %d (%s)", c->name, rc, err.msg);
	ck_assert_ptr_null(cfg);
	snprintf(want, sizeof(want), "t.yaml:%s", c->msg);
	ck_assert_msg(strcmp(err.msg, want) == 0, "%s:\n got  %s\n want %s", c->name, err.msg, want);
	ck_assert_int_eq(sscanf(c->msg, "%u:%u:", &line, &col), 2);
	ck_assert_uint_eq(err.line, line);
	ck_assert_uint_eq(err.col, col);
}

#endif
