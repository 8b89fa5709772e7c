/* Small stage helpers: SHA-256 against FIPS/NIST vectors, the sampler's
 * Collector-compatible hash and its consistency, regex named groups. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "stages/match.h"
#include "stages/sampler.h"
#include "stages/sha256.h"
#include "tests/check_run.h"

START_TEST(sha256_vectors)
{
	static const struct {
		const char *in;
		const char *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char out[65];
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha256_hex(v[i].in, strlen(v[i].in), out);
		ck_assert_str_eq(out, v[i].hex);
	}
}
END_TEST

START_TEST(sha256_million_a_in_pieces)
{
	/* one million 'a', fed in odd-sized pieces to cross block boundaries */
	static char chunk[997];
	memset(chunk, 'a', sizeof chunk);
	struct sha256 s;
	sha256_init(&s);
	size_t left = 1000000;
	while (left) {
		size_t n = left < sizeof chunk ? left : sizeof chunk;
		sha256_update(&s, chunk, n);
		left -= n;
	}
	uint8_t d[32];
	sha256_final(&s, d);
	static const uint8_t want[32] = { 0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
					  0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
					  0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0 };
	ck_assert_mem_eq(d, want, 32);
}
END_TEST

START_TEST(sampler_fnv_matches_reference)
{
	/* FNV-1a 32 reference values: "" = 0x811c9dc5, "a" = 0xe40c292c,
	 * "foobar" = 0xbf9cf968. Seed 0 prepends four zero bytes, so compare
	 * that against a manual fold. */
	const uint8_t a[] = "a", foobar[] = "foobar";
	/* hash with seed bytes = first 4 bytes of "foob" then "ar" */
	uint32_t seed = 'f' | 'o' << 8 | 'o' << 16 | (uint32_t)'b' << 24;
	ck_assert_uint_eq(sampler_hash(seed, foobar + 4, 2), 0xbf9cf968u);
	uint32_t seed_a = 0;
	uint32_t h = 2166136261u;
	for (int i = 0; i < 4; i++)
		h = (h ^ 0) * 16777619u;
	h = (h ^ 'a') * 16777619u;
	ck_assert_uint_eq(sampler_hash(seed_a, a, 1), h);
}
END_TEST

START_TEST(sampler_rate_and_consistency)
{
	struct sampler s50, s50b, s0, s100, s25;
	ck_assert_int_eq(sampler_init(&s50, 50, 22), 0);
	ck_assert_int_eq(sampler_init(&s50b, 50, 22), 0);
	ck_assert_int_eq(sampler_init(&s0, 0, 22), 0);
	ck_assert_int_eq(sampler_init(&s100, 100, 22), 0);
	ck_assert_int_eq(sampler_init(&s25, 25, 22), 0);
	ck_assert_uint_eq(s50.threshold, 8192);
	ck_assert_int_lt(sampler_init(&s25, 0.0 / 0.0, 1), 0);
	sampler_init(&s25, 25, 22);
	unsigned kept50 = 0, kept25 = 0;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 100000; i++) {
		uint8_t id[16];
		for (int j = 0; j < 16; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			id[j] = (uint8_t)x;
		}
		bool k = sampler_keep(&s50, id, 16);
		ck_assert(k == sampler_keep(&s50b, id, 16)); /* same everywhere */
		ck_assert(!sampler_keep(&s0, id, 16));
		ck_assert(sampler_keep(&s100, id, 16));
		bool k25 = sampler_keep(&s25, id, 16);
		ck_assert(!k25 || k); /* lower rate keeps a subset */
		kept50 += k;
		kept25 += k25;
	}
	ck_assert_uint_gt(kept50, 48500);
	ck_assert_uint_lt(kept50, 51500);
	ck_assert_uint_gt(kept25, 23500);
	ck_assert_uint_lt(kept25, 26500);
}
END_TEST

/* The remembered last decision: ids repeated in a row, alternating, and
 * coming back after others get the answer a fresh sampler gives. */
START_TEST(sampler_last_trace_memo)
{
	struct sampler memo;
	ck_assert_int_eq(sampler_init(&memo, 30, 7), 0);
	uint8_t ids[8][16];
	uint64_t x = 0x243f6a8885a308d3ull;
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 16; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			ids[i][j] = (uint8_t)x;
		}
	unsigned kept = 0;
	for (int i = 0; i < 4000; i++) {
		int k = (i % 3 == 0) ? (i / 3) % 8 : (i * 5) % 8; /* runs and jumps */
		struct sampler fresh;
		sampler_init(&fresh, 30, 7);
		bool want = sampler_keep(&fresh, ids[k], 16);
		ck_assert(sampler_keep(&memo, ids[k], 16) == want);
		ck_assert(sampler_keep(&memo, ids[k], 16) == want); /* same id again */
		kept += want;
	}
	ck_assert_uint_gt(kept, 0); /* both answers were exercised */
	ck_assert_uint_lt(kept, 4000);
	/* an id differing from the last one in any one byte is not taken for it */
	for (int i = 0; i < 64; i++) {
		uint8_t a[16], b[16];
		memcpy(a, ids[i % 8], 16);
		memcpy(b, a, 16);
		b[i % 16] ^= (uint8_t)(1 + i / 16);
		struct sampler fa, fb;
		sampler_init(&fa, 30, 7);
		sampler_init(&fb, 30, 7);
		ck_assert(sampler_keep(&memo, a, 16) == sampler_keep(&fa, a, 16));
		ck_assert(sampler_keep(&memo, b, 16) == sampler_keep(&fb, b, 16));
	}
}
END_TEST

START_TEST(match_named_groups)
{
	struct match_re m;
	char err[160];
	ck_assert_int_eq(match_re_compile(&m, "^/api/v1/document/(?P<documentId>[^/]*)/(x|y)?(?<op>update)$",
					  err, sizeof err),
			 0);
	ck_assert_uint_eq(m.ngroups, 3);
	ck_assert_str_eq(m.names[1], "documentId");
	ck_assert_str_eq(m.names[2], "");
	ck_assert_str_eq(m.names[3], "op");
	const char *s = "/api/v1/document/12345678/update";
	regmatch_t g[MATCH_MAX_GROUPS + 1];
	ck_assert(match_re_exec(&m, (const uint8_t *)s, strlen(s), g));
	ck_assert_int_eq(g[1].rm_so, 17);
	ck_assert_int_eq(g[1].rm_eo, 25);
	ck_assert_int_eq(g[2].rm_so, -1);
	/* subject is a byte range: a prefix of s does not match the $ anchor */
	ck_assert(!match_re_test(&m, (const uint8_t *)s, strlen(s) - 1));
	match_re_free(&m);

	/* brackets and escapes open no group */
	ck_assert_int_eq(match_re_compile(&m, "[(]a\\(b(?P<n>c)", err, sizeof err), 0);
	ck_assert_uint_eq(m.ngroups, 1);
	ck_assert_str_eq(m.names[1], "n");
	ck_assert(match_re_test(&m, (const uint8_t *)"x(a(bc", 6));
	match_re_free(&m);

	/* an embedded NUL is an ordinary byte */
	ck_assert_int_eq(match_re_compile(&m, "b$", err, sizeof err), 0);
	ck_assert(match_re_test(&m, (const uint8_t *)"a\0b", 3));
	match_re_free(&m);

	ck_assert_int_lt(match_re_compile(&m, "a(b", err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "bad regular expression"));
	ck_assert_int_lt(match_re_compile(&m, "(?P<>x)", err, sizeof err), 0);
	ck_assert_ptr_nonnull(strstr(err, "bad group name"));
	ck_assert_int_lt(match_re_compile(&m, "(?:x)", err, sizeof err), 0);
}
END_TEST

/* Literal patterns are tested by byte comparison: the answer must be the
 * regex engine's for every pattern and subject, and patterns with any
 * regex meaning must keep the engine. */
START_TEST(match_literal_same_as_regex)
{
	static const struct {
		const char *pat;
		enum match_literal kind;
	} pats[] = {
		{ "^GET /healthz$", MATCH_LIT_EXACT },
		{ "^/internal/", MATCH_LIT_PREFIX },
		{ "\\.css$", MATCH_LIT_SUFFIX },
		{ "timeout", MATCH_LIT_CONTAINS },
		{ "^$", MATCH_LIT_EXACT },
		{ "", MATCH_LIT_CONTAINS },
		{ "^", MATCH_LIT_PREFIX },
		{ "a\\$b", MATCH_LIT_CONTAINS },
		{ "\\^x", MATCH_LIT_CONTAINS },
		{ "^GET /health.$", MATCH_LIT_NONE },
		{ "a|b", MATCH_LIT_NONE },
		{ "x*", MATCH_LIT_NONE },
		{ "\\bword", MATCH_LIT_NONE },
		{ "a$b", MATCH_LIT_NONE },
		{ "(x)", MATCH_LIT_NONE },
		{ "x{2}", MATCH_LIT_NONE },
		{ "[a]", MATCH_LIT_NONE },
	};
	static const char *subj[] = {
		"GET /healthz",
		"GET /healthz ",
		"xGET /healthz",
		"GET /healthzz",
		"",
		"/internal/x",
		"/internal",
		"a/internal/",
		"style.css",
		"style.cssx",
		"stylexcss",
		"read timeout after 5s",
		"timeou",
		"a$b",
		"ab",
		"^x",
		"x",
		"word",
		"a word",
		"xx",
		"a",
	};
	char err[160];
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
		struct match_re m;
		ck_assert_int_eq(match_re_compile(&m, pats[i].pat, err, sizeof err), 0);
		ck_assert_msg(m.lit_kind == pats[i].kind, "pattern %s: kind %d", pats[i].pat,
			      (int)m.lit_kind);
		for (size_t j = 0; j < sizeof subj / sizeof subj[0]; j++) {
			regmatch_t g[1] = { { 0, (regoff_t)strlen(subj[j]) } };
			bool want = regexec(&m.re, subj[j], 1, g, REG_STARTEND) == 0;
			ck_assert_msg(match_re_test(&m, (const uint8_t *)subj[j], strlen(subj[j])) == want,
				      "pattern %s subject \"%s\": want %d", pats[i].pat, subj[j], want);
		}
		match_re_free(&m);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_util");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, sha256_million_a_in_pieces);
	tcase_add_test(tc, sampler_fnv_matches_reference);
	tcase_add_test(tc, sampler_last_trace_memo);
	tcase_add_test(tc, sampler_rate_and_consistency);
	tcase_add_test(tc, match_named_groups);
	tcase_add_test(tc, match_literal_same_as_regex);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
