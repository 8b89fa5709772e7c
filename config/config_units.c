/* config/config_units.c: durations ("1h30m", "200ms") and sizes ("64MiB")
 * to integers and back. Strict: no sign, no spaces, units required for
 * durations (except "0"), every overflow is -ERANGE. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct unit {
	const char *name;
	uint64_t mult;
};

/* Longest names first where one is a prefix of another ("ms" before "m"). */
static const struct unit duration_units[] = {
	{ "ns", 1ull },	      { "us", 1000ull },      { "\xc2\xb5s", 1000ull }, /* µs, U+00B5 */
	{ "ms", 1000000ull }, { "s", 1000000000ull }, { "m", 60000000000ull },	{ "h", 3600000000000ull },
};

static const struct unit size_units[] = {
	{ "KiB", 1ull << 10 },	 { "MiB", 1ull << 20 },	     { "GiB", 1ull << 30 },
	{ "TiB", 1ull << 40 },	 { "KB", 1000ull },	     { "MB", 1000000ull },
	{ "GB", 1000000000ull }, { "TB", 1000000000000ull }, { "B", 1ull },
};

/* n = n * 10 + digit, or -ERANGE past UINT64_MAX. */
static int add_digit(uint64_t *n, char c)
{
	uint64_t d = (uint64_t)(c - '0');

	if (*n > UINT64_MAX / 10 || (*n == UINT64_MAX / 10 && d > UINT64_MAX % 10))
		return -ERANGE;
	*n = *n * 10 + d;
	return 0;
}

static int mul_add(uint64_t *acc, uint64_t a, uint64_t m)
{
	if (m && a > UINT64_MAX / m)
		return -ERANGE;
	if (*acc > UINT64_MAX - a * m)
		return -ERANGE;
	*acc += a * m;
	return 0;
}

int config_parse_duration(const char *s, uint64_t *ns)
{
	uint64_t total = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	while (*p) {
		uint64_t whole = 0, frac = 0, frac_scale = 1;
		int digits = 0;

		while (isdigit((unsigned char)*p)) {
			if (add_digit(&whole, *p++) < 0)
				return -ERANGE;
			digits++;
		}
		if (*p == '.') {
			p++;
			while (isdigit((unsigned char)*p)) {
				/* digits past nanosecond precision of hours are noise */
				if (frac_scale < 10000000000000000ull) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					frac_scale *= 10;
				}
				p++;
				digits++;
			}
		}
		if (!digits)
			return -EINVAL;
		const struct unit *u = NULL;
		size_t ulen = 0;
		for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
			size_t l = strlen(duration_units[i].name);
			if (!strncmp(p, duration_units[i].name, l) && l > ulen) {
				u = &duration_units[i];
				ulen = l;
			}
		}
		if (!u)
			return -EINVAL;
		p += ulen;
		if (mul_add(&total, whole, u->mult) < 0)
			return -ERANGE;
		/* frac/frac_scale of a unit, rounded down to whole ns */
		if (frac) {
			unsigned __int128 f = (unsigned __int128)frac * u->mult / frac_scale;
			if (mul_add(&total, (uint64_t)f, 1) < 0)
				return -ERANGE;
		}
	}
	*ns = total;
	return 0;
}

int config_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t n = 0;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*p))
		if (add_digit(&n, *p++) < 0)
			return -ERANGE;
	if (!*p) {
		*bytes = n;
		return 0;
	}
	for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
		if (!strcmp(p, size_units[i].name)) {
			if (n > UINT64_MAX / size_units[i].mult)
				return -ERANGE;
			*bytes = n * size_units[i].mult;
			return 0;
		}
	}
	return -EINVAL;
}

int config_format_duration(uint64_t ns, char *buf, size_t size)
{
	static const struct unit out[] = {
		{ "h", 3600000000000ull }, { "m", 60000000000ull }, { "s", 1000000000ull },
		{ "ms", 1000000ull },	   { "us", 1000ull },	    { "ns", 1ull },
	};

	if (ns == 0)
		return snprintf(buf, size, "0s");
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		if (ns % out[i].mult == 0)
			return snprintf(buf, size, "%" PRIu64 "%s", ns / out[i].mult, out[i].name);
	return snprintf(buf, size, "%" PRIu64 "ns", ns); /* not reached */
}

int config_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const struct unit out[] = {
		{ "TiB", 1ull << 40 },
		{ "GiB", 1ull << 30 },
		{ "MiB", 1ull << 20 },
		{ "KiB", 1ull << 10 },
	};

	for (size_t i = 0; bytes && i < sizeof(out) / sizeof(out[0]); i++)
		if (bytes % out[i].mult == 0)
			return snprintf(buf, size, "%" PRIu64 "%s", bytes / out[i].mult, out[i].name);
	return snprintf(buf, size, "%" PRIu64, bytes);
}
