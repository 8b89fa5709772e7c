/* config/regex.c: regular expressions as Collector users write them
 * (Go/RE2 syntax) -> POSIX ERE for regcomp, with the checks that keep
 * glibc's compiler fast on hostile patterns. */
#include "config/loader.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/arena.h"

/* Appends to a growing malloc'd buffer; the caller frees. */
struct sbuf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

#define MATCH_MAX_GROUPS 64

/* Converts src to POSIX ERE: (?P<name>x) and (?<name>x) become (x) with the
 * name kept, (?:x) becomes (x) (an unnamed group: POSIX has no other), \d
 * \D \s \S \w \W become classes. Everything else is passed on as is. */
static int convert(struct schema_ctx *c, const struct ynode *at, const char *path, const char *src,
		   struct sbuf *out, const char **names, size_t *ngroups)
{
	bool in_bracket = false;
	size_t g = 0;

	for (const char *p = src; *p;) {
		if (*p == '\\') {
			char e = p[1];
			const char *rep = NULL;

			if (!e)
				return schema_error(c, at, "%s: bad regexp \"%s\": trailing backslash", path,
						    src);
			if (!in_bracket && e >= '1' && e <= '9')
				return schema_error(
					c, at,
					"%s: bad regexp \"%s\": back-references (\\%c) are not supported",
					path, src, e);
			if (!in_bracket) {
				switch (e) {
				case 'd':
					rep = "[0-9]";
					break;
				case 'D':
					rep = "[^0-9]";
					break;
				case 's':
					rep = "[[:space:]]";
					break;
				case 'S':
					rep = "[^[:space:]]";
					break;
				case 'w':
					rep = "[[:alnum:]_]";
					break;
				case 'W':
					rep = "[^[:alnum:]_]";
					break;
				}
			} else {
				switch (e) {
				case 'd':
					rep = "0-9";
					break;
				case 's':
					rep = "[:space:]";
					break;
				case 'w':
					rep = "[:alnum:]_";
					break;
				case '\\':
					rep = "\\";
					break;
				case ']':
				case '-':
				case '^':
					return schema_error(
						c, at,
						"%s: bad regexp \"%s\": \"\\%c\" inside [...] is not supported (put ] first and - last)",
						path, src, e);
				default:
					if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') ||
					    (e >= '0' && e <= '9'))
						return schema_error(
							c, at,
							"%s: bad regexp \"%s\": \"\\%c\" inside [...] is not supported",
							path, src, e);
					sb_put(out, &e, 1); /* \. inside brackets: a literal . */
					p += 2;
					continue;
				}
			}
			if (rep)
				sb_put(out, rep, strlen(rep));
			else
				sb_put(out, p, 2);
			p += 2;
			continue;
		}
		if (in_bracket) {
			if (*p == ']')
				in_bracket = false;
			sb_put(out, p++, 1);
			continue;
		}
		if (*p == '[') {
			in_bracket = true;
			sb_put(out, p++, 1);
			if (*p == '^')
				sb_put(out, p++, 1);
			if (*p == ']')
				sb_put(out, p++, 1); /* a leading ] is literal */
			continue;
		}
		if (*p == '(') {
			const char *name = NULL;
			size_t nlen = 0;

			if (g >= MATCH_MAX_GROUPS)
				return schema_error(c, at, "%s: bad regexp \"%s\": more than %d groups", path,
						    src, MATCH_MAX_GROUPS);
			if (p[1] == '?') {
				const char *q = p + 2;

				if (*q == 'P')
					q++;
				if (*q == '<') {
					name = q + 1;
					const char *end = strchr(name, '>');
					if (!end || end == name)
						return schema_error(
							c, at,
							"%s: bad regexp \"%s\": unterminated group name",
							path, src);
					nlen = (size_t)(end - name);
					p = end + 1;
				} else if (*q == ':' && q == p + 2) {
					p = q + 1;
				} else {
					return schema_error(
						c, at,
						"%s: bad regexp \"%s\": \"(?\" is only supported as (?P<name>...) or (?:...)",
						path, src);
				}
			} else {
				p++;
			}
			names[g] = name ? arena_strndup(c->a, name, nlen) : NULL;
			if (name && !names[g])
				return -ENOMEM;
			g++;
			sb_put(out, "(", 1);
			continue;
		}
		sb_put(out, p++, 1);
	}
	if (out->oom)
		return -ENOMEM;
	if (!out->p)
		sb_put(out, "", 0);
	*ngroups = g;
	return out->oom ? -ENOMEM : 0;
}

#define MATCH_MAX_WEIGHT 10000u

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r = a + b;

	return r > MATCH_MAX_WEIGHT + 1 ? MATCH_MAX_WEIGHT + 1 : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	if (a && b > (MATCH_MAX_WEIGHT + 1) / a)
		return MATCH_MAX_WEIGHT + 1;
	return a * b;
}

/* How many items glibc's regcomp builds for a POSIX pattern: it copies a
 * repeated atom once per count, so "(a{32767}){32767}" would take minutes
 * and gigabytes, and x+ as x x*, so "((a+)+)+..." doubles with each +.
 * Each atom weighs 1, a group the sum of its contents, x{m,n} weighs x
 * times n (m when open), x+ twice x. */
static bool regex_too_big(const char *p)
{
	uint64_t sum[MATCH_MAX_GROUPS + 2] = { 0 }, last[MATCH_MAX_GROUPS + 2] = { 0 };
	int d = 0;

	while (*p) {
		if (*p == '(') {
			if (d > MATCH_MAX_GROUPS)
				return true;
			d++;
			sum[d] = last[d] = 0;
			p++;
		} else if (*p == ')') {
			uint64_t g = sum[d] ? sum[d] : 1;

			if (d > 0)
				d--;
			last[d] = g;
			sum[d] = sat_add(sum[d], g);
			p++;
		} else if (*p == '{') {
			uint64_t lo = 0, hi = 0, *k = &lo;

			for (p++; *p && *p != '}'; p++) {
				if (*p == ',')
					k = &hi;
				else if (*p >= '0' && *p <= '9')
					*k = sat_add(sat_mul(*k, 10), (uint64_t)(*p - '0'));
			}
			if (*p)
				p++;
			uint64_t n = hi > lo ? hi : lo;
			if (n > 1) {
				sum[d] = sat_add(sum[d], sat_mul(last[d], n - 1));
				last[d] = sat_mul(last[d], n);
			}
		} else if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (p[0] == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
					char close[3] = { p[1], ']', '\0' };
					const char *e = strstr(p + 2, close);
					p = e ? e + 2 : p + 1;
				} else {
					p++;
				}
			}
			if (*p)
				p++;
			last[d] = 1;
			sum[d] = sat_add(sum[d], 1);
		} else if (*p == '+') {
			/* x+ is compiled as x x*: the repeated part doubles */
			sum[d] = sat_add(sum[d], last[d]);
			last[d] = sat_mul(last[d], 2);
			p++;
		} else if (*p == '*' || *p == '?' || *p == '|') {
			p++; /* one node, no copy */
		} else {
			p += (*p == '\\' && p[1]) ? 2 : 1;
			last[d] = 1;
			sum[d] = sat_add(sum[d], 1);
		}
		if (sum[d] > MATCH_MAX_WEIGHT)
			return true;
	}
	for (; d >= 0; d--)
		if (sum[d] > MATCH_MAX_WEIGHT)
			return true;
	return false;
}

/* Where a repetition operator follows another one ("a++", "x*{2}",
 * "b?*"), or NULL. Go's regexp (what Collector users write) refuses these
 * as "invalid nested repetition operator"; a single ? after one is its
 * non-greedy marker and is fine. glibc's regcomp takes exponential time on
 * stacked operators (a config fuzzer found "m++++;++*++++++++++" taking
 * over 10 s), so refusing them keeps both the meaning and the loader fast. */
static const char *regex_nested_repeat(const char *p)
{
	int rep = 0; /* 1: just after a repetition operator, 2: after its lazy ? */

	while (*p) {
		if (*p == '\\') {
			p += p[1] ? 2 : 1;
			rep = 0;
			continue;
		}
		if (*p == '[') {
			/* skipped as RE2 reads it ([:alpha:], \] escapes), not as
			 * regex_too_big() does: that one reads the POSIX output */
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (p[0] == '[' && p[1] == ':') {
					const char *e = strstr(p + 2, ":]");
					p = e ? e + 2 : p + 1;
				} else {
					p += (*p == '\\' && p[1]) ? 2 : 1;
				}
			}
			if (*p)
				p++;
			rep = 0;
			continue;
		}
		bool op = *p == '*' || *p == '+' || *p == '?' || (*p == '{' && p[1] >= '0' && p[1] <= '9');
		if (!op) {
			rep = 0;
			p++;
			continue;
		}
		if (rep == 1 && *p == '?') {
			rep = 2;
			p++;
			continue;
		}
		if (rep)
			return p;
		rep = 1;
		if (*p == '{') {
			while (*p && *p != '}')
				p++;
		}
		if (*p)
			p++;
	}
	return NULL;
}

/* RE2's lazy repeats (x*? x+? x?? x{n,m}?) match exactly the strings
 * their greedy forms match: laziness only chooses among the ways one
 * string matches, never whether it matches. POSIX has no lazy forms and
 * reads x+? as (x+)?, which also matches "". So a pattern that is only
 * asked "does it match" loses the ?; one whose groups are extracted is
 * refused (the greedy form would capture other text). Copies src to dst
 * (as long) without them; returns where the first one was in src, or NULL.
 * Brackets and escapes are copied as they are (read as RE2 reads them). */
static const char *regex_drop_lazy(const char *src, char *dst)
{
	const char *first = NULL;
	bool rep = false; /* just after a repetition operator */

	while (*src) {
		char c = *src;
		if (c == '\\') {
			*dst++ = *src++;
			if (*src)
				*dst++ = *src++;
			rep = false;
		} else if (c == '[') {
			*dst++ = *src++;
			if (*src == '^')
				*dst++ = *src++;
			if (*src == ']')
				*dst++ = *src++;
			while (*src && *src != ']') {
				const char *e = src[0] == '[' && src[1] == ':' ? strstr(src + 2, ":]") : NULL;
				if (e) {
					while (src < e + 2)
						*dst++ = *src++;
					continue;
				}
				if (src[0] == '\\' && src[1])
					*dst++ = *src++;
				*dst++ = *src++;
			}
			if (*src)
				*dst++ = *src++;
			rep = false;
		} else if (c == '?' && rep) {
			if (!first)
				first = src;
			src++;
			rep = false;
		} else if (c == '*' || c == '+' || c == '?' || (c == '{' && src[1] >= '0' && src[1] <= '9')) {
			if (c == '{')
				while (*src && *src != '}')
					*dst++ = *src++;
			if (*src)
				*dst++ = *src++;
			rep = true;
		} else {
			*dst++ = *src++;
			rep = false;
		}
	}
	*dst = '\0';
	return first;
}

int match_regex(struct schema_ctx *c, const struct ynode *at, const char *path, const char *src,
		bool need_named, struct sluice_regex *out)
{
	const char *names[MATCH_MAX_GROUPS];
	struct sbuf b = { 0 };
	size_t ng = 0, named = 0;
	regex_t re;
	int rc;

	const char *nested = regex_nested_repeat(src);
	if (nested) {
		rc = schema_error(c, at,
				  "%s: bad regexp \"%s\": invalid nested repetition operator at \"%.8s\"",
				  path, src, nested);
		goto out;
	}
	char *greedy = arena_alloc(c->a, strlen(src) + 1);
	if (!greedy) {
		rc = -ENOMEM;
		goto out;
	}
	const char *lazy = regex_drop_lazy(src, greedy);
	if (lazy && need_named) {
		rc = schema_error(c, at,
				  "%s: bad regexp \"%s\": lazy repeat at \"%.8s\" (x*?, x+?, x??, "
				  "x{n,m}?) is not supported where groups are extracted: POSIX regular "
				  "expressions have no lazy repeats and the greedy form would capture other "
				  "text; bound the group instead (e.g. [^/]* for .*?)",
				  path, src, lazy - 1);
		goto out;
	}
	rc = convert(c, at, path, greedy, &b, names, &ng);
	if (rc < 0)
		goto out;
	if (regex_too_big(b.p)) {
		rc = schema_error(
			c, at,
			"%s: regexp \"%.80s\" is too large (more than %u items once repetitions are expanded)",
			path, src, MATCH_MAX_WEIGHT);
		goto out;
	}
	rc = regcomp(&re, b.p, REG_EXTENDED);
	if (rc != 0) {
		char why[128];

		regerror(rc, &re, why, sizeof(why));
		rc = schema_error(c, at, "%s: bad regexp \"%s\": %s", path, src, why);
		goto out;
	}
	regfree(&re);
	for (size_t i = 0; i < ng; i++)
		named += names[i] != NULL;
	if (need_named && !named) {
		rc = schema_error(c, at, "%s: regexp \"%s\" has no named group (?P<name>...) to extract",
				  path, src);
		goto out;
	}
	out->source = src;
	out->posix = arena_strdup(c->a, b.p);
	out->n_groups = ng;
	out->group_names = arena_calloc(c->a, ng ? ng : 1, sizeof(char *));
	if (!out->posix || !out->group_names) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(out->group_names, names, ng * sizeof(char *));
	rc = 0;
out:
	free(b.p);
	return rc;
}
