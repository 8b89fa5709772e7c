/* Durations and sizes at their edges, their printed forms, and the log
 * line's exact shape and threshold. */
#include <check.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"
#include "tests/check_run.h"

static const struct {
	const char *in;
	int rc;
	uint64_t ns;
} durations[] = {
	{ "0", 0, 0 },
	{ "0s", 0, 0 },
	{ "1ns", 0, 1 },
	{ "1us", 0, 1000 },
	{ "1\xc2\xb5s", 0, 1000 },
	{ "200ms", 0, 200000000 },
	{ "5s", 0, 5000000000ull },
	{ "1m", 0, 60000000000ull },
	{ "1h", 0, 3600000000000ull },
	{ "1h30m", 0, 5400000000000ull },
	{ "1.5s", 0, 1500000000 },
	{ ".5s", 0, 500000000 },
	{ "2.25h", 0, 8100000000000ull },
	{ "0.0000000001s", 0, 0 },
	{ "5124095h", 0, 18446742000000000000ull },
	{ "5124096h", -ERANGE, 0 },
	{ "18446744073709551615ns", 0, UINT64_MAX },
	{ "18446744073709551616ns", -ERANGE, 0 },
	{ "", -EINVAL, 0 },
	{ "5", -EINVAL, 0 },
	{ "-1s", -EINVAL, 0 },
	{ "1 s", -EINVAL, 0 },
	{ "1sec", -EINVAL, 0 },
	{ "1d", -EINVAL, 0 },
	{ "s", -EINVAL, 0 },
	{ "1.s", 0, 1000000000 },
	{ ".s", -EINVAL, 0 },
};

START_TEST(duration_parse)
{
	uint64_t ns = 12345;
	int rc = config_parse_duration(durations[_i].in, &ns);

	ck_assert_msg(rc == durations[_i].rc, "\"%s\": rc %d", durations[_i].in, rc);
	if (rc == 0)
		ck_assert_msg(ns == durations[_i].ns, "\"%s\": %llu", durations[_i].in,
			      (unsigned long long)ns);
}
END_TEST

static const struct {
	const char *in;
	int rc;
	uint64_t n;
} sizes[] = {
	{ "0", 0, 0 },
	{ "4096", 0, 4096 },
	{ "4096B", 0, 4096 },
	{ "512KiB", 0, 512 << 10 },
	{ "64MiB", 0, 64ull << 20 },
	{ "3GiB", 0, 3ull << 30 },
	{ "2TiB", 0, 2ull << 40 },
	{ "10KB", 0, 10000 },
	{ "10MB", 0, 10000000 },
	{ "1GB", 0, 1000000000 },
	{ "1TB", 0, 1000000000000ull },
	{ "18446744073709551615", 0, UINT64_MAX },
	{ "18446744073709551616", -ERANGE, 0 },
	{ "16777216TiB", -ERANGE, 0 },
	{ "16777215TiB", 0, 16777215ull << 40 },
	{ "", -EINVAL, 0 },
	{ "MiB", -EINVAL, 0 },
	{ "1.5MiB", -EINVAL, 0 },
	{ "64mib", -EINVAL, 0 },
	{ "64M", -EINVAL, 0 },
	{ "-1", -EINVAL, 0 },
	{ " 1", -EINVAL, 0 },
};

START_TEST(size_parse)
{
	uint64_t n = 12345;
	int rc = config_parse_size(sizes[_i].in, &n);

	ck_assert_msg(rc == sizes[_i].rc, "\"%s\": rc %d", sizes[_i].in, rc);
	if (rc == 0)
		ck_assert_msg(n == sizes[_i].n, "\"%s\": %llu", sizes[_i].in, (unsigned long long)n);
}
END_TEST

START_TEST(formats_are_exact_and_parse_back)
{
	static const struct {
		uint64_t v;
		const char *dur, *size;
	} f[] = {
		{ 0, "0s", "0" },
		{ 1, "1ns", "1" },
		{ 1000, "1us", "1000" },
		{ 1024, "1024ns", "1KiB" },
		{ 1500000000, "1500ms", "1500000000" },
		{ 3600000000000ull, "1h", "3515625000KiB" },
		{ 5400000000000ull, "90m", "5273437500KiB" },
		{ 64ull << 20, "67108864ns", "64MiB" },
		{ (64ull << 20) + 1, "67108865ns", "67108865" },
		{ UINT64_MAX, "18446744073709551615ns", "18446744073709551615" },
	};
	char b[64];

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		uint64_t back;

		config_format_duration(f[i].v, b, sizeof(b));
		ck_assert_str_eq(b, f[i].dur);
		ck_assert_int_eq(config_parse_duration(b, &back), 0);
		ck_assert(back == f[i].v);
		config_format_size(f[i].v, b, sizeof(b));
		ck_assert_str_eq(b, f[i].size);
		ck_assert_int_eq(config_parse_size(b, &back), 0);
		ck_assert(back == f[i].v);
	}
}
END_TEST

static int fmt(char *buf, int size, enum log_level level, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = log_format(buf, size, level, f, ap);
	va_end(ap);
	return n;
}

START_TEST(log_line_shape)
{
	char line[LOG_LINE_MAX + 1], want[512];
	regex_t re;
	int n;

	n = fmt(line, sizeof(line), LOG_WARN, "listening on %s:%d\nnext", "127.0.0.1", 4318);
	ck_assert_int_eq(n, (int)strlen(line));
	snprintf(want, sizeof(want),
		 "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z WARN %s\\[%ld\\]: "
		 "listening on 127\\.0\\.0\\.1:4318 next\n$",
		 program_invocation_short_name, (long)getpid());
	ck_assert_int_eq(regcomp(&re, want, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(regexec(&re, line, 0, NULL, 0) == 0, "line: %s", line);
	regfree(&re);

	/* a long message is cut and still ends the line */
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	n = fmt(line, sizeof(line), LOG_ERROR, "%s", big);
	ck_assert_int_eq(n, LOG_LINE_MAX);
	ck_assert_int_eq(line[n - 1], '\n');
	ck_assert(!memcmp(line + n - 4, "...\n", 4));
}
END_TEST

START_TEST(log_threshold)
{
	enum log_level l = LOG_ERROR;

	unsetenv("SLUICE_LOG_LEVEL");
	ck_assert_int_eq(log_level_from_env(), LOG_INFO);
	setenv("SLUICE_LOG_LEVEL", "DEBUG", 1);
	ck_assert_int_eq(log_level_from_env(), LOG_DEBUG);
	setenv("SLUICE_LOG_LEVEL", "warning", 1);
	ck_assert_int_eq(log_level_from_env(), LOG_WARN);
	setenv("SLUICE_LOG_LEVEL", "loud", 1);
	ck_assert_int_eq(log_level_from_env(), LOG_INFO);
	ck_assert_int_eq(log_level_parse("error", &l), 0);
	ck_assert_int_eq(l, LOG_ERROR);
	ck_assert_int_eq(log_level_parse("nope", &l), -EINVAL);
	ck_assert(log_enabled_at(LOG_WARN, LOG_ERROR));
	ck_assert(!log_enabled_at(LOG_WARN, LOG_INFO));

	/* log_msg writes exactly the lines that pass the threshold */
	int fds[2], saved = dup(STDERR_FILENO);
	char buf[4096];
	ck_assert_int_eq(pipe(fds), 0);
	dup2(fds[1], STDERR_FILENO);
	setenv("SLUICE_LOG_LEVEL", "warn", 1);
	log_msg(LOG_INFO, "hidden");
	log_msg(LOG_WARN, "shown %d", 1);
	log_msg(LOG_ERROR, "shown %d", 2);
	log_msg(LOG_DEBUG, "hidden");
	dup2(saved, STDERR_FILENO);
	close(fds[1]);
	ssize_t got = read(fds[0], buf, sizeof(buf) - 1);
	ck_assert_int_gt(got, 0);
	buf[got] = '\0';
	ck_assert_ptr_null(strstr(buf, "hidden"));
	ck_assert_ptr_nonnull(strstr(buf, " WARN "));
	ck_assert_ptr_nonnull(strstr(buf, ": shown 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, " ERROR "));
	ck_assert_ptr_nonnull(strstr(buf, ": shown 2\n"));
	close(fds[0]);
	close(saved);
	unsetenv("SLUICE_LOG_LEVEL");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config_units");
	TCase *t = tcase_create("units");

	tcase_add_loop_test(t, duration_parse, 0, (int)(sizeof(durations) / sizeof(durations[0])));
	tcase_add_loop_test(t, size_parse, 0, (int)(sizeof(sizes) / sizeof(sizes[0])));
	tcase_add_test(t, formats_are_exact_and_parse_back);
	tcase_add_test(t, log_line_shape);
	tcase_add_test(t, log_threshold);
	suite_add_tcase(s, t);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
