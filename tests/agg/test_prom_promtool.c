/* tests/agg/test_prom_promtool.c: `promtool check metrics` (Debian's
 * prometheus package) on both formats the exporter renders. Exit 77 (skip)
 * without promtool.
 *
 * promtool 2.42 parses with the text 0.0.4 parser and lints; its verdicts
 * on our output: histogram unit s: clean in text. Unit ms (the
 * spanmetrics default): its base-unit lint ("use base unit seconds")
 * fires, an opinion on the Collector's naming, not a format error, so the
 * test accepts exactly that. OpenMetrics: the text parser reads "# UNIT"
 * and "# EOF" as comments and cannot tie the counter's _total sample to
 * its family, so "no help text" for it is accepted too; a parse error
 * (exit 1) never is. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggtest.h"
#include "promfix.h"
#include "tests/check_run.h"

static char txt[1 << 16];

/* Runs promtool on the rendered store; returns its exit code and output. */
static int promtool(enum agg_unit unit, enum prom_format f, char *out, size_t cap)
{
	struct prom_config c = { 0 };
	struct prom_store *s = promfix_store(unit, false, &c);
	size_t n = prom_render(s, f, 30 * SEC, txt, sizeof txt);
	ck_assert_uint_lt(n, sizeof txt);
	prom_store_free(s);
	char path[] = "/tmp/sluice-promtool-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, txt, n), (ssize_t)n);
	close(fd);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "promtool check metrics < %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	size_t k = fread(out, 1, cap - 1, p);
	out[k] = 0;
	int st = pclose(p);
	unlink(path);
	return WEXITSTATUS(st);
}

/* Every output line is one of the accepted lint messages. */
static int only(const char *out, const char *const *ok)
{
	char copy[4096];
	snprintf(copy, sizeof copy, "%s", out);
	for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
		int found = 0;
		for (int i = 0; ok[i] && !found; i++)
			found = strstr(line, ok[i]) != NULL;
		if (!found)
			return 0;
	}
	return 1;
}

START_TEST(text_seconds_clean)
{
	char out[4096];
	int rc = promtool(AGG_UNIT_S, PROM_TEXT, out, sizeof out);
	ck_assert_msg(rc == 0, "promtool exit %d:\n%s", rc, out);
}
END_TEST

START_TEST(text_milliseconds)
{
	static const char *const ok[] = { "use base unit \"seconds\" instead of \"milliseconds\"", NULL };
	char out[4096];
	int rc = promtool(AGG_UNIT_MS, PROM_TEXT, out, sizeof out);
	ck_assert_msg(rc == 0 || (rc == 3 && only(out, ok)), "promtool exit %d:\n%s", rc, out);
}
END_TEST

START_TEST(openmetrics_both_units)
{
	static const char *const ok[] = {
		"use base unit \"seconds\" instead of \"milliseconds\"",
		"traces_span_metrics_calls_total no help text",
		NULL,
	};
	char out[4096];
	for (int u = 0; u < 2; u++) {
		int rc = promtool(u ? AGG_UNIT_S : AGG_UNIT_MS, PROM_OPENMETRICS, out, sizeof out);
		ck_assert_msg(rc == 0 || (rc == 3 && only(out, ok)), "promtool exit %d:\n%s", rc, out);
	}
}
END_TEST

int main(void)
{
	if (system("promtool --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "promtool not installed (Debian package prometheus): skipped\n");
		return 77;
	}
	Suite *s = suite_create("prom_promtool");
	TCase *tc = tcase_create("promtool");
	tcase_add_test(tc, text_seconds_clean);
	tcase_add_test(tc, text_milliseconds);
	tcase_add_test(tc, openmetrics_both_units);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
