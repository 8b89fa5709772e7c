/* Backoff arithmetic and the OTLP spec's retryable-answer tables. */
#include "exporter/retry.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#define RETRY_AFTER_CAP_MS (3600LL * 1000)

void retry_policy_default(struct retry_policy *p)
{
	p->enabled = true;
	p->initial_ms = 5000;
	p->max_interval_ms = 30000;
	p->max_elapsed_ms = 300000;
	p->multiplier = 1.5;
	p->randomization = 0.5;
}

enum retry_class retry_class_http(int status)
{
	if (status >= 200 && status < 300)
		return RETRY_OK;
	switch (status) {
	case 0: /* no answer at all: the backend may come back */
	case 429:
	case 502:
	case 503:
	case 504:
		return RETRY_AGAIN;
	default:
		return RETRY_PERMANENT;
	}
}

enum retry_class retry_class_grpc(int code, bool has_retry_info)
{
	switch (code) {
	case 0:
		return RETRY_OK;
	case 1:	 /* CANCELLED */
	case 4:	 /* DEADLINE_EXCEEDED */
	case 10: /* ABORTED */
	case 11: /* OUT_OF_RANGE */
	case 14: /* UNAVAILABLE */
	case 15: /* DATA_LOSS */
		return RETRY_AGAIN;
	case 8: /* RESOURCE_EXHAUSTED: only when the server says when */
		return has_retry_info ? RETRY_AGAIN : RETRY_PERMANENT;
	default:
		return RETRY_PERMANENT;
	}
}

uint64_t retry_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

int64_t retry_next_delay(const struct retry_policy *p, unsigned attempt, uint64_t elapsed_ms, int64_t hint_ms,
			 uint64_t *rng)
{
	if (!p->enabled)
		return -ETIMEDOUT;
	if (attempt < 1)
		attempt = 1;
	/* interval = initial * multiplier^(attempt-1), capped */
	double d = p->initial_ms;
	for (unsigned i = 1; i < attempt && d < p->max_interval_ms; i++)
		d *= p->multiplier > 1.0 ? p->multiplier : 1.0;
	if (d > p->max_interval_ms)
		d = p->max_interval_ms;
	/* jitter: uniform in [d*(1-r), d*(1+r)] */
	double r = p->randomization;
	if (r < 0)
		r = 0;
	if (r > 1)
		r = 1;
	double u = (double)(retry_rand(rng) >> 11) / (double)(1ULL << 53);
	int64_t delay = (int64_t)(d * (1.0 - r) + u * (2.0 * r * d));
	/* the server knows its own state better than our guess */
	if (hint_ms >= 0 && delay < hint_ms)
		delay = hint_ms;
	if (p->max_elapsed_ms && elapsed_ms + (uint64_t)delay > p->max_elapsed_ms)
		return -ETIMEDOUT;
	return delay;
}

int64_t retry_parse_after(const char *value, size_t len, int64_t now_s)
{
	char buf[64];
	while (len && (*value == ' ' || *value == '\t')) {
		value++;
		len--;
	}
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, value, len);
	buf[len] = 0;
	if (buf[0] >= '0' && buf[0] <= '9') {
		int64_t s = 0;
		for (size_t i = 0; i < len; i++) {
			if (buf[i] < '0' || buf[i] > '9')
				return -EINVAL;
			if (s < RETRY_AFTER_CAP_MS)
				s = s * 10 + (buf[i] - '0');
		}
		s *= 1000;
		return s > RETRY_AFTER_CAP_MS ? RETRY_AFTER_CAP_MS : s;
	}
	/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -EINVAL;
	int64_t when = (int64_t)timegm(&tm);
	if (when <= now_s)
		return 0;
	int64_t ms = (when - now_s) * 1000;
	return ms > RETRY_AFTER_CAP_MS ? RETRY_AFTER_CAP_MS : ms;
}
