/* The grpc-timeout header: up to 8 ASCII digits and a unit letter. */
#include "net/grpc.h"

#include <errno.h>
#include <stdio.h>

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

static const struct {
	char unit;
	uint64_t ns;
} units[] = {
	{ 'n', 1 },	   { 'u', NS_PER_US },	   { 'm', NS_PER_MS },
	{ 'S', NS_PER_S }, { 'M', 60 * NS_PER_S }, { 'H', 3600 * NS_PER_S },
};
#define N_UNITS (sizeof(units) / sizeof(units[0]))
#define MAX_VALUE 99999999ull

int grpc_timeout_parse(const char *s, size_t len, uint64_t *ns)
{
	uint64_t v = 0;

	if (len < 2 || len > 9)
		return -EINVAL;
	for (size_t i = 0; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	for (size_t u = 0; u < N_UNITS; u++) {
		if (units[u].unit != s[len - 1])
			continue;
		/* 99999999H is more ns than 64 bits hold: saturate. */
		*ns = v > UINT64_MAX / units[u].ns ? UINT64_MAX : v * units[u].ns;
		return 0;
	}
	return -EINVAL;
}

ssize_t grpc_timeout_format(char *out, size_t cap, uint64_t ns)
{
	size_t u = N_UNITS;
	uint64_t v = ns;

	/* The coarsest unit that says it exactly ("2S", "50m")... */
	while (ns && u-- > 0) {
		if (ns % units[u].ns == 0 && ns / units[u].ns <= MAX_VALUE) {
			v = ns / units[u].ns;
			goto out;
		}
	}
	/* ...else the finest that fits, rounded up: never shorten a deadline. */
	u = 0;
	while (u < N_UNITS) {
		v = ns / units[u].ns + (ns % units[u].ns != 0);
		if (v <= MAX_VALUE)
			break;
		u++;
	}
	if (u == N_UNITS) {
		u = N_UNITS - 1;
		v = MAX_VALUE;
	}
out:;
	char tmp[16];
	int n = snprintf(tmp, sizeof(tmp), "%llu%c", (unsigned long long)v, units[u].unit);
	if (n < 0 || (size_t)n > cap)
		return -ENOSPC;
	for (int i = 0; i < n; i++)
		out[i] = tmp[i];
	return n;
}
