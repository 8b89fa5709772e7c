/* match.c: POSIX ERE plus a translation of named groups. */
#include "stages/match.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rewrites `(?P<n>` / `(?<n>` into `(` and counts groups; a `(` after a
 * backslash or inside a bracket expression opens no group. */
static int match_translate(struct match_re *m, const char *pat, char *out, char *err, size_t errlen)
{
	size_t o = 0;
	bool in_bracket = false;
	for (size_t i = 0; pat[i]; i++) {
		char c = pat[i];
		if (c == '\\' && pat[i + 1]) {
			out[o++] = c;
			out[o++] = pat[++i];
			continue;
		}
		if (in_bracket) {
			/* `]` right after `[` or `[^` is a literal member */
			if (c == ']' &&
			    !(pat[i - 1] == '[' || (pat[i - 1] == '^' && i >= 2 && pat[i - 2] == '[')))
				in_bracket = false;
			out[o++] = c;
			continue;
		}
		if (c == '[') {
			in_bracket = true;
			out[o++] = c;
			continue;
		}
		if (c != '(') {
			out[o++] = c;
			continue;
		}
		if (++m->ngroups > MATCH_MAX_GROUPS) {
			snprintf(err, errlen, "more than %d capture groups", MATCH_MAX_GROUPS);
			return -EINVAL;
		}
		out[o++] = '(';
		const char *name = NULL;
		if (!strncmp(pat + i, "(?P<", 4))
			name = pat + i + 4;
		else if (!strncmp(pat + i, "(?<", 3))
			name = pat + i + 3;
		else if (pat[i + 1] == '?') {
			snprintf(err, errlen, "unsupported group syntax at offset %zu", i);
			return -EINVAL;
		}
		if (!name)
			continue;
		const char *end = strchr(name, '>');
		size_t nlen = end ? (size_t)(end - name) : 0;
		if (!end || nlen == 0 || nlen >= MATCH_NAME_MAX) {
			snprintf(err, errlen, "bad group name at offset %zu", i);
			return -EINVAL;
		}
		memcpy(m->names[m->ngroups], name, nlen);
		m->names[m->ngroups][nlen] = '\0';
		m->nnamed++;
		i = (size_t)(end - pat);
	}
	out[o] = '\0';
	return 0;
}

/* Is the POSIX ERE pat plain text with optional ^ and $ anchors? Then
 * record the text and how it is anchored. Conservative: any character
 * with a meaning in an ERE, a backslash before anything but ASCII
 * punctuation (glibc gives \w, \b, \< ... meanings), or a byte outside
 * printable ASCII keeps the regex engine. */
static void match_find_literal(struct match_re *m, const char *pat)
{
	size_t i = 0, n = 0;
	bool start = false, end = false;
	m->lit_kind = MATCH_LIT_NONE;
	if (pat[i] == '^') {
		start = true;
		i++;
	}
	for (; pat[i]; i++) {
		unsigned char c = (unsigned char)pat[i];
		if (c == '\\') {
			c = (unsigned char)pat[++i];
			if (!(c >= 0x21 && c <= 0x7e) || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z'))
				return;
		} else if (c == '$' && pat[i + 1] == '\0') {
			end = true;
			break;
		} else if (c < 0x20 || c > 0x7e || strchr(".[]()*+?{}|^$", c)) {
			return;
		}
		if (n == sizeof m->lit)
			return;
		m->lit[n++] = (char)c;
	}
	m->lit_len = n;
	m->lit_kind = start && end ? MATCH_LIT_EXACT
		      : start	   ? MATCH_LIT_PREFIX
		      : end	   ? MATCH_LIT_SUFFIX
				   : MATCH_LIT_CONTAINS;
}

int match_re_compile(struct match_re *m, const char *pattern, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	char *tr = malloc(strlen(pattern) + 1);
	if (!tr) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int rc = match_translate(m, pattern, tr, err, errlen);
	if (rc == 0) {
		int e = regcomp(&m->re, tr, REG_EXTENDED);
		if (e) {
			char msg[128];
			regerror(e, &m->re, msg, sizeof msg);
			snprintf(err, errlen, "bad regular expression \"%s\": %s", pattern, msg);
			rc = -EINVAL;
		} else {
			m->compiled = true;
			match_find_literal(m, tr);
			if (m->re.re_nsub != m->ngroups) {
				/* our group count disagrees with the engine's: trust the
				 * engine only if no names depend on numbering */
				if (m->nnamed) {
					snprintf(err, errlen, "cannot number the groups of \"%s\"", pattern);
					match_re_free(m);
					rc = -EINVAL;
				} else if (m->re.re_nsub > MATCH_MAX_GROUPS) {
					snprintf(err, errlen, "more than %d capture groups",
						 MATCH_MAX_GROUPS);
					match_re_free(m);
					rc = -EINVAL;
				} else {
					m->ngroups = (unsigned)m->re.re_nsub;
				}
			}
		}
	}
	free(tr);
	return rc;
}

int match_re_compile_posix(struct match_re *m, const char *posix, const char *const *names, size_t n_names,
			   char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	int e = regcomp(&m->re, posix, REG_EXTENDED);
	if (e) {
		char msg[128];
		regerror(e, &m->re, msg, sizeof msg);
		snprintf(err, errlen, "bad regular expression \"%s\": %s", posix, msg);
		return -EINVAL;
	}
	m->compiled = true;
	match_find_literal(m, posix);
	if (m->re.re_nsub > MATCH_MAX_GROUPS || n_names > MATCH_MAX_GROUPS) {
		snprintf(err, errlen, "more than %d capture groups in \"%s\"", MATCH_MAX_GROUPS, posix);
		match_re_free(m);
		return -EINVAL;
	}
	m->ngroups = (unsigned)m->re.re_nsub;
	for (size_t i = 0; i < n_names && i < m->ngroups; i++) {
		if (!names[i])
			continue;
		size_t n = strlen(names[i]);
		if (n == 0 || n >= MATCH_NAME_MAX) {
			snprintf(err, errlen, "bad group name in \"%s\"", posix);
			match_re_free(m);
			return -EINVAL;
		}
		memcpy(m->names[i + 1], names[i], n + 1);
		m->nnamed++;
	}
	return 0;
}

#if defined(__SANITIZE_ADDRESS__)
#define MATCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MATCH_ASAN 1
#endif
#endif

/* glibc's regexec honours REG_STARTEND and never reads past rm_eo, but
 * ASan's regexec interceptor checks strlen(string) bytes anyway. Under ASan
 * only, run on a NUL-terminated copy (same semantics, test builds only). */
static int match_regexec(const regex_t *re, const uint8_t *p, size_t n, size_t ng, regmatch_t *g)
{
	g[0].rm_so = 0;
	g[0].rm_eo = (regoff_t)n;
	if (!p)
		p = (const uint8_t *)"";
#ifdef MATCH_ASAN
	char *copy = malloc(n + 1);
	if (!copy)
		return REG_ESPACE;
	memcpy(copy, p, n);
	copy[n] = '\0';
	int rc = regexec(re, copy, ng, g, REG_STARTEND);
	free(copy);
	return rc;
#else
	return regexec(re, (const char *)p, ng, g, REG_STARTEND);
#endif
}

bool match_re_test(const struct match_re *m, const uint8_t *p, size_t n)
{
	size_t k = m->lit_len;
	switch (m->lit_kind) {
	case MATCH_LIT_EXACT:
		return n == k && (k == 0 || memcmp(p, m->lit, k) == 0);
	case MATCH_LIT_PREFIX:
		return n >= k && (k == 0 || memcmp(p, m->lit, k) == 0);
	case MATCH_LIT_SUFFIX:
		return n >= k && (k == 0 || memcmp(p + n - k, m->lit, k) == 0);
	case MATCH_LIT_CONTAINS:
		return k == 0 || (n >= k && memmem(p, n, m->lit, k) != NULL);
	default:
		break;
	}
	regmatch_t g[1];
	return match_regexec(&m->re, p, n, 1, g) == 0;
}

bool match_re_exec(const struct match_re *m, const uint8_t *p, size_t n, regmatch_t g[MATCH_MAX_GROUPS + 1])
{
	return match_regexec(&m->re, p, n, m->ngroups + 1, g) == 0;
}

void match_re_free(struct match_re *m)
{
	if (m->compiled)
		regfree(&m->re);
	m->compiled = false;
}
