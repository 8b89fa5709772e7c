/* tests/agg/promcheck.c: see promcheck.h. */
#include <stdlib.h>
#include <string.h>

#include "promcheck.h"

static int name_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
static int name_char(int c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static int utf8_ok(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t len = c < 0x80		     ? 1
			     : c >= 0xc2 && c < 0xe0 ? 2
			     : c >= 0xe0 && c < 0xf0 ? 3
			     : c >= 0xf0 && c < 0xf5 ? 4
						     : 0;
		if (!len || i + len > n)
			return 0;
		for (size_t j = 1; j < len; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		i += len;
	}
	return 1;
}

static const char *name(const char *p, const char *end, int label)
{
	if (p >= end || !name_start((unsigned char)*p) || (label && *p == ':'))
		return NULL;
	while (p < end && name_char((unsigned char)*p) && !(label && *p == ':'))
		p++;
	return p;
}

static const char *labels(const char *p, const char *end)
{
	if (p >= end || *p != '{')
		return p;
	p++;
	if (p < end && *p == '}')
		return p + 1;
	for (;;) {
		if (!(p = name(p, end, 1)) || p + 2 > end || p[0] != '=' || p[1] != '"')
			return NULL;
		for (p += 2; p < end && *p != '"'; p++)
			if (*p == '\\') {
				if (++p >= end || (*p != '\\' && *p != '"' && *p != 'n'))
					return NULL;
			}
		if (p >= end)
			return NULL;
		p++;
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		return p < end && *p == '}' ? p + 1 : NULL;
	}
}

static const char *number(const char *p, const char *end)
{
	char buf[64];
	size_t n = 0;
	while (p + n < end && p[n] != ' ' && n < sizeof buf - 1)
		n++;
	if (!n)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = 0;
	if (!strcmp(buf, "+Inf") || !strcmp(buf, "-Inf") || !strcmp(buf, "NaN"))
		return p + n;
	char *e;
	strtod(buf, &e);
	return *e ? NULL : p + n;
}

static int sample(const char *p, const char *end, int om)
{
	if (!(p = name(p, end, 0)) || !(p = labels(p, end)) || p >= end || *p++ != ' ' ||
	    !(p = number(p, end)))
		return 0;
	if (p == end)
		return 1;
	if (!om || end - p < 4 || memcmp(p, " # {", 4))
		return 0;
	if (!(p = labels(p + 3, end)) || p >= end || *p++ != ' ' || !(p = number(p, end)))
		return 0;
	if (p < end && (*p++ != ' ' || !(p = number(p, end))))
		return 0;
	return p == end;
}

int promcheck(const char *text, size_t len, int om)
{
	const char *p = text, *end = text + len;
	int line = 0, eof = 0;
	if (!utf8_ok((const unsigned char *)text, len))
		return -1;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		if (!nl || eof)
			return line;
		if (*p == '#') {
			if (om && nl - p == 5 && !memcmp(p, "# EOF", 5))
				eof = 1;
			else if ((nl - p < 7 || (memcmp(p, "# HELP ", 7) && memcmp(p, "# TYPE ", 7) &&
						 (!om || memcmp(p, "# UNIT ", 7)))))
				return line;
			else if (!name(p + 7, nl, 0))
				return line;
		} else if (!sample(p, nl, om)) {
			return line;
		}
		p = nl + 1;
	}
	return om && !eof && len ? line + 1 : 0;
}
