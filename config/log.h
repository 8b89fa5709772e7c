/* config/log.h: one line an event on stderr, for every sluice process.
 *
 *   2026-11-25T04:50:00.123Z INFO sluice-ingest[1234]: listening on 127.0.0.1:4318
 *
 * UTC timestamp with milliseconds, level, program name (glibc's
 * program_invocation_short_name), pid, message. The line is written with one
 * write(2), so lines from several processes sharing stderr never interleave
 * (a message longer than LOG_LINE_MAX is cut and ends in "...").
 *
 * Threshold: messages above the level named by the environment variable
 * SLUICE_LOG_LEVEL (error, warn, info, debug; case-insensitive; default
 * info) are dropped. log_msg() reads the variable on each call (getenv is a
 * short scan; logging is never on a data path). A caller that logs in a loop
 * can read the threshold once with log_level_from_env() and test it with
 * log_enabled_at() itself. There is no mutable global state in this module.
 *
 * Do not include <syslog.h> in the same file: it defines LOG_INFO/LOG_DEBUG.
 */
#ifndef SLUICE_CONFIG_LOG_H
#define SLUICE_CONFIG_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level {
	LOG_ERROR = 0, /* the process cannot do what it was asked */
	LOG_WARN = 1,  /* something went wrong and was handled (retry, drop) */
	LOG_INFO = 2,  /* start, stop, listening, restarts: an operator's view */
	LOG_DEBUG = 3, /* details for developers */
};

#define LOG_LINE_MAX 1024 /* bytes in one line, newline included */

/* Writes one line at `level` to stderr unless the threshold filters it.
 * Never fails visibly: a failed write is ignored. Async-signal-unsafe
 * (uses vsnprintf); don't call it from a signal handler. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_msgv(enum log_level level, const char *fmt, va_list ap);

/* Threshold from SLUICE_LOG_LEVEL; LOG_INFO when unset or unrecognised. */
enum log_level log_level_from_env(void);

/* Parses "error", "warn"/"warning", "info", "debug" (any case) into *out.
 * Returns 0, or -EINVAL for anything else (out untouched). */
int log_level_parse(const char *name, enum log_level *out);

/* "ERROR", "WARN", "INFO", "DEBUG". */
const char *log_level_name(enum log_level level);

/* True when a message at `level` passes `threshold`. */
static inline bool log_enabled_at(enum log_level threshold, enum log_level level)
{
	return level <= threshold;
}

/* Formats the line log_msg would write (timestamp, level, name, pid,
 * message, '\n') into buf; returns its length (< size). For tests and for
 * callers that want to send the line somewhere else. */
int log_format(char *buf, int size, enum log_level level, const char *fmt, va_list ap);

#endif
