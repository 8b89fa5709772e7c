/* gRPC wire pieces: framing split at every byte, status codes,
 * grpc-message percent-encoding, grpc-timeout, google.rpc.Status with
 * RetryInfo (and its base64 trailer form). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/grpc.h"
#include "tests/check_run.h"

/* Three messages back to back: empty, short, longer. */
static size_t make_stream(uint8_t *out, const uint8_t *m2, size_t l2, const uint8_t *m3, size_t l3)
{
	size_t o = 0;
	grpc_frame_prefix(out, false, 0);
	o += GRPC_PREFIX_LEN;
	grpc_frame_prefix(out + o, true, (uint32_t)l2);
	o += GRPC_PREFIX_LEN;
	memcpy(out + o, m2, l2);
	o += l2;
	grpc_frame_prefix(out + o, false, (uint32_t)l3);
	o += GRPC_PREFIX_LEN;
	memcpy(out + o, m3, l3);
	return o + l3;
}

/* Feed chunks of the stream split at a and b; collect the messages. */
static void feed_split(const uint8_t *s, size_t len, size_t a, size_t b, uint8_t *gather, size_t cap,
		       uint8_t out[3][512], size_t out_len[3], bool comp[3], int *count)
{
	struct grpc_frame_reader r;
	size_t cuts[4] = { 0, a, b, len };

	grpc_frame_reader_init(&r, gather, cap);
	*count = 0;
	for (int c = 0; c < 3; c++) {
		const uint8_t *p = s + cuts[c];
		size_t left = cuts[c + 1] - cuts[c], used;
		for (int guard = 0; guard < 16; guard++) {
			int rc = grpc_frame_reader_feed(&r, p, left, &used);
			ck_assert_int_ge(rc, 0);
			ck_assert_uint_le(used, left);
			p += used;
			left -= used;
			if (rc == 1) {
				ck_assert_int_lt(*count, 3);
				memcpy(out[*count], r.msg, r.msg_len);
				out_len[*count] = r.msg_len;
				comp[*count] = r.msg_compressed;
				(*count)++;
			} else {
				ck_assert_uint_eq(left, 0);
				break;
			}
		}
	}
	ck_assert(grpc_frame_reader_idle(&r));
}

START_TEST(frame_split_every_byte)
{
	uint8_t m2[7] = "abcdefg", m3[300], s[512], gather[512];
	uint8_t out[3][512];
	size_t out_len[3];
	bool comp[3];
	int count;

	for (size_t i = 0; i < sizeof(m3); i++)
		m3[i] = (uint8_t)(i * 7 + 1);
	size_t len = make_stream(s, m2, sizeof(m2), m3, sizeof(m3));
	for (size_t a = 0; a <= len; a++) {
		for (size_t b = a; b <= len; b += (b < 40 ? 1 : 13)) {
			feed_split(s, len, a, b, gather, sizeof(gather), out, out_len, comp, &count);
			ck_assert_int_eq(count, 3);
			ck_assert_uint_eq(out_len[0], 0);
			ck_assert_uint_eq(out_len[1], sizeof(m2));
			ck_assert_uint_eq(out_len[2], sizeof(m3));
			ck_assert(!comp[0] && comp[1] && !comp[2]);
			ck_assert_mem_eq(out[1], m2, sizeof(m2));
			ck_assert_mem_eq(out[2], m3, sizeof(m3));
		}
	}
}
END_TEST

START_TEST(frame_whole_chunk_is_a_view)
{
	uint8_t s[64];
	struct grpc_frame_reader r;
	size_t used;

	grpc_frame_prefix(s, false, 10);
	memset(s + 5, 'x', 10);
	grpc_frame_reader_init(&r, NULL, 0);
	ck_assert_int_eq(grpc_frame_reader_feed(&r, s, 15, &used), 1);
	ck_assert_uint_eq(used, 15);
	ck_assert_ptr_eq(r.msg, s + 5); /* no copy */
}
END_TEST

START_TEST(frame_limits_and_bad_flag)
{
	uint8_t s[16], gather[8];
	struct grpc_frame_reader r;
	size_t used;

	/* announced 100 bytes, only 8 of buffer, arriving split: refused */
	grpc_frame_prefix(s, false, 100);
	grpc_frame_reader_init(&r, gather, sizeof(gather));
	ck_assert_int_eq(grpc_frame_reader_feed(&r, s, 5, &used), -EMSGSIZE);
	ck_assert_int_eq(grpc_frame_reader_feed(&r, s, 5, &used), -EMSGSIZE); /* poisoned */
	s[0] = 2;
	grpc_frame_reader_init(&r, gather, sizeof(gather));
	ck_assert_int_eq(grpc_frame_reader_feed(&r, s, 5, &used), -EPROTO);
	/* truncated at end of stream: not idle */
	grpc_frame_prefix(s, false, 4);
	grpc_frame_reader_init(&r, gather, sizeof(gather));
	ck_assert_int_eq(grpc_frame_reader_feed(&r, s, 7, &used), 0);
	ck_assert(!grpc_frame_reader_idle(&r));
}
END_TEST

START_TEST(frame_unary)
{
	uint8_t s[16];
	const uint8_t *m;
	size_t ml;
	bool c;

	grpc_frame_prefix(s, true, 3);
	memcpy(s + 5, "abc", 3);
	ck_assert_int_eq(grpc_frame_unary(s, 8, &m, &ml, &c), 0);
	ck_assert_uint_eq(ml, 3);
	ck_assert(c);
	ck_assert_ptr_eq(m, s + 5);
	ck_assert_int_eq(grpc_frame_unary(s, 9, &m, &ml, &c), -EPROTO); /* trailing byte */
	ck_assert_int_eq(grpc_frame_unary(s, 7, &m, &ml, &c), -EPROTO); /* short */
	ck_assert_int_eq(grpc_frame_unary(s, 4, &m, &ml, &c), -EPROTO);
	ck_assert_int_eq(grpc_frame_unary(s, 0, &m, &ml, &c), -ENODATA);
	s[0] = 9;
	ck_assert_int_eq(grpc_frame_unary(s, 8, &m, &ml, &c), -EPROTO);
}
END_TEST

START_TEST(status_codes)
{
	ck_assert_str_eq(grpc_status_name(GRPC_STATUS_RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
	ck_assert_str_eq(grpc_status_name(GRPC_STATUS_UNAUTHENTICATED), "UNAUTHENTICATED");
	ck_assert_str_eq(grpc_status_name(99), "UNKNOWN_CODE");
	ck_assert(grpc_status_retryable(GRPC_STATUS_UNAVAILABLE, false));
	ck_assert(!grpc_status_retryable(GRPC_STATUS_RESOURCE_EXHAUSTED, false));
	ck_assert(grpc_status_retryable(GRPC_STATUS_RESOURCE_EXHAUSTED, true));
	ck_assert(!grpc_status_retryable(GRPC_STATUS_INVALID_ARGUMENT, true));
	ck_assert_int_eq(grpc_status_parse("14", 2), 14);
	ck_assert_int_eq(grpc_status_parse("1a", 2), -EINVAL);
	ck_assert_int_eq(grpc_status_parse("", 0), -EINVAL);
}
END_TEST

START_TEST(message_percent_encoding)
{
	static const struct {
		const char *in, *enc;
	} cases[] = {
		{ "plain text", "plain text" }, { "100%", "100%25" }, { "line\nbreak", "line%0Abreak" },
		{ "caf\xc3\xa9", "caf%C3%A9" }, { "", "" },
	};
	char enc[64], dec[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ssize_t n = grpc_status_msg_encode(enc, sizeof(enc), cases[i].in, strlen(cases[i].in));
		ck_assert_int_eq(n, (ssize_t)strlen(cases[i].enc));
		ck_assert_mem_eq(enc, cases[i].enc, (size_t)n);
		ssize_t m = grpc_status_msg_decode(dec, sizeof(dec), enc, (size_t)n);
		ck_assert_int_eq(m, (ssize_t)strlen(cases[i].in));
		ck_assert_mem_eq(dec, cases[i].in, (size_t)m);
	}
	/* malformed escapes pass through */
	ssize_t m = grpc_status_msg_decode(dec, sizeof(dec), "%zz%4", 5);
	ck_assert_int_eq(m, 5);
	ck_assert_mem_eq(dec, "%zz%4", 5);
	ck_assert_int_eq(grpc_status_msg_encode(enc, 2, "%", 1), -ENOSPC);
}
END_TEST

START_TEST(timeout_parse_format)
{
	static const struct {
		const char *s;
		uint64_t ns;
	} ok[] = {
		{ "1n", 1 },
		{ "250m", 250000000ull },
		{ "5S", 5000000000ull },
		{ "2M", 120000000000ull },
		{ "1H", 3600000000000ull },
		{ "99999999u", 99999999000ull },
	};
	uint64_t ns;
	char buf[16];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(grpc_timeout_parse(ok[i].s, strlen(ok[i].s), &ns), 0);
		ck_assert_uint_eq(ns, ok[i].ns);
	}
	const char *bad[] = { "", "5", "m", "123456789S", "5x", "-5S", "5 S" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(grpc_timeout_parse(bad[i], strlen(bad[i]), &ns), -EINVAL);
	ck_assert_int_eq(grpc_timeout_parse("99999999H", 9, &ns), 0);
	ck_assert_uint_eq(ns, UINT64_MAX);

	/* formatting: fits 8 digits, never shorter than asked, round trips */
	uint64_t vals[] = { 0, 1, 999, 5000000000ull, 123456789123ull, 86400000000000ull, UINT64_MAX };
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		ssize_t n = grpc_timeout_format(buf, sizeof(buf), vals[i]);
		ck_assert_int_gt(n, 1);
		ck_assert_int_le(n, 9);
		ck_assert_int_eq(grpc_timeout_parse(buf, (size_t)n, &ns), 0);
		ck_assert_uint_ge(ns, vals[i]);
	}
	ck_assert_int_eq(grpc_timeout_format(buf, sizeof(buf), 5000000000ull), 2);
	ck_assert_mem_eq(buf, "5S", 2);
	ck_assert_int_eq(grpc_timeout_format(buf, sizeof(buf), 50000000ull), 3);
	ck_assert_mem_eq(buf, "50m", 3);
	/* inexact: finest unit that fits, rounded up */
	ck_assert_int_eq(grpc_timeout_format(buf, sizeof(buf), 123456789123ull), 7);
	ck_assert_mem_eq(buf, "123457m", 7);
	ck_assert_int_eq(grpc_timeout_format(buf, 1, 5000000000ull), -ENOSPC);
}
END_TEST

START_TEST(details_retry_info_round_trip)
{
	uint8_t buf[256];
	struct grpc_details d;
	int64_t delays[] = { 0, 1, 1500000000ll, 30000000000ll };

	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		ssize_t n = grpc_details_encode(buf, sizeof(buf), GRPC_STATUS_RESOURCE_EXHAUSTED, "ring full",
						9, delays[i]);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(grpc_details_decode(buf, (size_t)n, &d), 0);
		ck_assert_int_eq(d.code, GRPC_STATUS_RESOURCE_EXHAUSTED);
		ck_assert_uint_eq(d.message_len, 9);
		ck_assert_mem_eq(d.message, "ring full", 9);
		ck_assert_int_eq(d.retry_delay_ns, delays[i]);
	}
	/* no RetryInfo */
	ssize_t n = grpc_details_encode(buf, sizeof(buf), GRPC_STATUS_UNAVAILABLE, "x", 1, -1);
	ck_assert_int_eq(grpc_details_decode(buf, (size_t)n, &d), 0);
	ck_assert_int_eq(d.retry_delay_ns, -1);
	ck_assert_int_eq(d.code, GRPC_STATUS_UNAVAILABLE);
	/* the exact bytes for code 8, no message, 1.5 s */
	static const uint8_t want[] = { 0x08, 0x08, 0x1a, 0x36, 0x0a, 0x28, 't',  'y',	'p',  'e', '.',	 'g',
					'o',  'o',  'g',  'l',	'e',  'a',  'p',  'i',	's',  '.', 'c',	 'o',
					'm',  '/',  'g',  'o',	'o',  'g',  'l',  'e',	'.',  'r', 'p',	 'c',
					'.',  'R',  'e',  't',	'r',  'y',  'I',  'n',	'f',  'o', 0x12, 0x0a,
					0x0a, 0x08, 0x08, 0x01, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01 };
	n = grpc_details_encode(buf, sizeof(buf), 8, "", 0, 1500000000ll);
	ck_assert_int_eq(n, (ssize_t)sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
	/* too small */
	ck_assert_int_eq(grpc_details_encode(buf, 10, 8, "", 0, 1), -ENOSPC);
	/* malformed input is an error, not a crash */
	static const uint8_t bad[] = { 0x1a, 0x50, 0x0a };
	ck_assert_int_eq(grpc_details_decode(bad, sizeof(bad), &d), -EPROTO);
}
END_TEST

START_TEST(details_bin_base64)
{
	char b64[512];
	uint8_t scratch[512];
	struct grpc_details d;

	ssize_t n = grpc_details_bin_encode(b64, sizeof(b64), GRPC_STATUS_RESOURCE_EXHAUSTED, "full", 4,
					    250000000ll);
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_null(memchr(b64, '=', (size_t)n)); /* unpadded */
	ck_assert_int_eq(grpc_details_bin_decode(b64, (size_t)n, scratch, sizeof(scratch), &d), 0);
	ck_assert_int_eq(d.retry_delay_ns, 250000000ll);
	ck_assert_int_eq(d.code, 8);
	ck_assert_int_eq(grpc_details_bin_decode("!!!", 3, scratch, sizeof(scratch), &d), -EPROTO);

	/* base64 against known vectors, padded and not */
	static const struct {
		const char *raw, *b64;
	} v[] = { { "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" }, { "foobar", "Zm9vYmFy" } };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ssize_t e = grpc_b64_encode(b64, sizeof(b64), (const uint8_t *)v[i].raw, strlen(v[i].raw));
		ck_assert_int_eq(e, (ssize_t)strlen(v[i].b64));
		ck_assert_mem_eq(b64, v[i].b64, (size_t)e);
	}
	ck_assert_int_eq(grpc_b64_decode(scratch, sizeof(scratch), "Zm8=", 4), 2);
	ck_assert_mem_eq(scratch, "fo", 2);
	ck_assert_int_eq(grpc_b64_decode(scratch, sizeof(scratch), "Zg==", 4), 1);
	ck_assert_int_eq(grpc_b64_decode(scratch, sizeof(scratch), "Z", 1), -EPROTO);
	ck_assert_int_eq(grpc_b64_decode(scratch, 1, "Zm9v", 4), -ENOSPC);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("h2_grpc");
	TCase *tc = tcase_create("grpc");
	tcase_add_test(tc, frame_split_every_byte);
	tcase_add_test(tc, frame_whole_chunk_is_a_view);
	tcase_add_test(tc, frame_limits_and_bad_flag);
	tcase_add_test(tc, frame_unary);
	tcase_add_test(tc, status_codes);
	tcase_add_test(tc, message_percent_encoding);
	tcase_add_test(tc, timeout_parse_format);
	tcase_add_test(tc, details_retry_info_round_trip);
	tcase_add_test(tc, details_bin_base64);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
