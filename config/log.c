/* config/log.c: formats a log line in a stack buffer and writes it with one
 * write(2) so concurrent writers to the same stderr never mix their lines. */
#include "config/log.h"
#include "rt/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level > LOG_DEBUG)
		return "?";
	return level_names[level];
}

int log_level_parse(const char *name, enum log_level *out)
{
	if (!name)
		return -EINVAL;
	if (!strcasecmp(name, "warning")) {
		*out = LOG_WARN;
		return 0;
	}
	for (int i = LOG_ERROR; i <= LOG_DEBUG; i++) {
		if (!strcasecmp(name, level_names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum log_level log_level_from_env(void)
{
	enum log_level level = LOG_INFO;
	const char *v = getenv("SLUICE_LOG_LEVEL");

	if (v && *v)
		(void)log_level_parse(v, &level);
	return level;
}

int log_format(char *buf, int size, enum log_level level, const char *fmt, va_list ap)
{
	uint64_t now = rt_real_ns();
	time_t sec = (time_t)(now / 1000000000ull);
	struct tm tm;
	int n, m;

	if (size < 64)
		return 0;
	gmtime_r(&sec, &tm);
	n = snprintf(buf, (size_t)size,
		     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s[%ld]: ", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(now % 1000000000ull / 1000000ull),
		     log_level_name(level), program_invocation_short_name, (long)getpid());
	if (n < 0 || n >= size - 5)
		n = size - 5; /* absurdly long program name: keep room for "...\n" */
	m = vsnprintf(buf + n, (size_t)(size - n), fmt, ap);
	if (m < 0)
		m = 0;
	if (n + m >= size - 1) {
		/* cut: the newline must still end the line */
		memcpy(buf + size - 5, "...", 3);
		n = size - 2;
	} else {
		n += m;
	}
	/* a message with embedded newlines would break "one line an event" */
	for (char *p = buf; p < buf + n; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

void log_msgv(enum log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX + 1];
	int saved = errno; /* callers often log right before using errno */
	int n;

	if (!log_enabled_at(log_level_from_env(), level))
		return;
	n = log_format(line, (int)sizeof(line), level, fmt, ap);
	if (n > 0) {
		ssize_t w;

		do
			w = write(STDERR_FILENO, line, (size_t)n);
		while (w < 0 && errno == EINTR);
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_msgv(level, fmt, ap);
	va_end(ap);
}
