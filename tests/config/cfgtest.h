/* tests/config/cfgtest.h: what the config load tests share. */
#ifndef SLUICE_TESTS_CFGTEST_H
#define SLUICE_TESTS_CFGTEST_H

#include <check.h>
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

#endif
