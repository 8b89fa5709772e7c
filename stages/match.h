/* match.h: regular expressions for processors, over byte ranges.
 *
 * POSIX extended regular expressions (<regex.h>, glibc), unanchored search
 * like the Collector's Go regexps. Collector-style named groups
 * `(?P<name>...)` and `(?<name>...)` are accepted: the names are recorded
 * and the group compiled as a plain `(...)`.
 * Subjects are byte ranges (not NUL-terminated): matched with REG_STARTEND,
 * so no copy is made and an embedded NUL is just a byte.
 * A pattern that is only literal text, optionally anchored (`^GET /healthz$`,
 * `^/internal/`, `\.css$`, `timeout`), is tested by comparing bytes instead
 * of running the regex engine: same answer, a fraction of the cost.
 *
 *   struct match_re m;
 *   if (match_re_compile(&m, "^/api/(?P<id>[0-9]+)$", err, sizeof err) < 0) ...
 *   match_re_test(&m, p, n);                    true/false
 *   match_re_exec(&m, p, n, groups);            captures: groups[1..m.ngroups]
 *   match_re_free(&m);
 */
#ifndef SLUICE_STAGES_MATCH_H
#define SLUICE_STAGES_MATCH_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MATCH_MAX_GROUPS 16
#define MATCH_NAME_MAX 64
#define MATCH_LITERAL_MAX 128

enum match_literal {
	MATCH_LIT_NONE = 0, /* a real regex: regexec */
	MATCH_LIT_EXACT,    /* ^text$ */
	MATCH_LIT_PREFIX,   /* ^text */
	MATCH_LIT_SUFFIX,   /* text$ */
	MATCH_LIT_CONTAINS, /* text */
};

struct match_re {
	regex_t re;
	unsigned ngroups;				  /* capture groups */
	unsigned nnamed;				  /* of which named */
	char names[MATCH_MAX_GROUPS + 1][MATCH_NAME_MAX]; /* names[i] for group i;
	                                                   "" when unnamed */
	bool compiled;
	enum match_literal lit_kind; /* how match_re_test tests */
	size_t lit_len;
	char lit[MATCH_LITERAL_MAX];
};

/* 0, or -EINVAL with a message in err (bad pattern, > MATCH_MAX_GROUPS
 * groups, a group name too long or empty). */
int match_re_compile(struct match_re *m, const char *pattern, char *err, size_t errlen);
/* Compiles an already-POSIX pattern (config.h's sluice_regex.posix) whose
 * group i+1 is named names[i] (NULL = unnamed). Same errors. */
int match_re_compile_posix(struct match_re *m, const char *posix, const char *const *names, size_t n_names,
			   char *err, size_t errlen);
bool match_re_test(const struct match_re *m, const uint8_t *p, size_t n);
/* true on a match; g[0] is the whole match, g[i] group i (rm_so -1 when the
 * group took no part). g has MATCH_MAX_GROUPS + 1 entries. */
bool match_re_exec(const struct match_re *m, const uint8_t *p, size_t n, regmatch_t g[MATCH_MAX_GROUPS + 1]);
void match_re_free(struct match_re *m);

#endif
