/* exporter/retry.h: when and how long to wait before sending a batch again.
 *
 * The OTLP spec's retryable answers, the Collector's retry_on_failure
 * backoff (exponential, jittered, capped, bounded by max_elapsed_time) and
 * the server's own hints (HTTP Retry-After, gRPC RetryInfo). No I/O, no
 * allocation, no globals: the caller owns the random state.
 *
 *   retry_class_http(status)      -> RETRY_OK / RETRY_AGAIN / RETRY_PERMANENT
 *   retry_class_grpc(code, hint)  -> same, for a gRPC status code
 *   retry_next_delay(...)         -> ms to wait before attempt n+1, or
 *                                    -ETIMEDOUT when the budget is spent
 *   retry_parse_after(value, now) -> Retry-After header value in ms
 */
#ifndef SLUICE_EXPORTER_RETRY_H
#define SLUICE_EXPORTER_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum retry_class {
	RETRY_OK = 0,	     /* accepted by the backend */
	RETRY_AGAIN = 1,     /* transient: wait, then send again */
	RETRY_PERMANENT = 2, /* refused for good: dead-letter it */
};

/* Collector names; all times in milliseconds. */
struct retry_policy {
	bool enabled;		  /* retry_on_failure.enabled */
	uint32_t initial_ms;	  /* initial_interval (default 5000) */
	uint32_t max_interval_ms; /* max_interval (default 30000) */
	uint32_t max_elapsed_ms;  /* max_elapsed_time (default 300000; 0 = no bound) */
	double multiplier;	  /* default 1.5 */
	double randomization;	  /* randomization_factor, 0..1 (default 0.5) */
};

/* The Collector's defaults. */
void retry_policy_default(struct retry_policy *p);

/* HTTP status -> class. 0 means "no answer" (connect refused, reset,
 * timeout) and is retryable. 2xx is OK; 429, 502, 503, 504 are retryable;
 * everything else is permanent (400, 401, 404, 413, 500, ...). */
enum retry_class retry_class_http(int status);

/* gRPC status code -> class. RESOURCE_EXHAUSTED (8) is retryable only when
 * the server sent RetryInfo (has_retry_info), as the OTLP spec says. */
enum retry_class retry_class_grpc(int code, bool has_retry_info);

/* Delay before the next attempt. attempt = failed attempts so far (>= 1),
 * elapsed_ms = time since the first attempt, hint_ms = the server's delay
 * (Retry-After / RetryInfo) or -1. *rng is a nonzero xorshift state.
 * Returns the delay (>= hint_ms when a hint was given) or -ETIMEDOUT when
 * retries are disabled or waiting would pass max_elapsed_time. */
int64_t retry_next_delay(const struct retry_policy *p, unsigned attempt, uint64_t elapsed_ms, int64_t hint_ms,
			 uint64_t *rng);

/* Parses a Retry-After value (delta-seconds or an HTTP-date; len bytes,
 * not NUL-terminated). now_s = current Unix time. Returns ms (>= 0) or
 * -EINVAL. A date in the past gives 0. Caps at 1 hour. */
int64_t retry_parse_after(const char *value, size_t len, int64_t now_s);

/* xorshift64*: next pseudo-random value; *state must be nonzero. */
uint64_t retry_rand(uint64_t *state);

#endif
