/* Batch rules without rings: size trigger, max size, byte limit, timeout,
 * frame encoding. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "stages/batcher.h"

static struct batcher_ref refs[64];

static void init(struct batcher *b, uint32_t size, uint32_t max, uint64_t bytes, uint64_t to)
{
	struct batcher_limits l = { size, max, bytes, to };
	ck_assert_int_eq(batcher_init(b, &l, refs, 64), 0);
}

START_TEST(frames)
{
	uint8_t h[8];
	ck_assert_uint_eq(batcher_frame_head(h, 5), 2);
	ck_assert_uint_eq(h[0], 0x0a);
	ck_assert_uint_eq(h[1], 5);
	ck_assert_uint_eq(batcher_frame_head(h, 300), 3);
	ck_assert_uint_eq(h[1], 0xac);
	ck_assert_uint_eq(h[2], 0x02);
	ck_assert_uint_eq(batcher_frame_len(0), 2);
	ck_assert_uint_eq(batcher_frame_len(127), 129);
	ck_assert_uint_eq(batcher_frame_len(128), 131);
	ck_assert_uint_eq(batcher_frame_len(1u << 21), (1u << 21) + 5);
}
END_TEST

START_TEST(size_trigger_and_write)
{
	struct batcher b;
	init(&b, 10, 0, 1 << 20, 1000);
	const uint8_t p1[] = "abc", p2[] = "defgh";
	ck_assert_int_eq(batcher_offer(&b, 3, 4), BATCHER_ADD);
	batcher_add(&b, p1, 3, 4, 7, 500, 100);
	ck_assert(!batcher_full(&b));
	ck_assert_int_eq(batcher_offer(&b, 5, 6), BATCHER_ADD);
	batcher_add(&b, p2, 5, 6, 9, 400, 150);
	ck_assert(batcher_full(&b)); /* 10 >= send_batch_size */
	ck_assert_uint_eq(b.last_seq, 9);
	ck_assert_uint_eq(b.oldest_ingest_ns, 400);
	ck_assert_uint_eq(b.items, 10);
	uint8_t out[32];
	ck_assert_uint_eq(b.bytes, 12);
	batcher_write(&b, out);
	const uint8_t want[] = { 0x0a, 3, 'a', 'b', 'c', 0x0a, 5, 'd', 'e', 'f', 'g', 'h' };
	ck_assert_mem_eq(out, want, 12);
	batcher_reset(&b);
	ck_assert(!batcher_full(&b));
	ck_assert_uint_eq(batcher_wait_ns(&b, 0), UINT64_MAX);
}
END_TEST

START_TEST(max_size_flush_first_and_split)
{
	struct batcher b;
	init(&b, 8, 10, 1 << 20, 1000);
	batcher_add(&b, (const uint8_t *)"x", 1, 6, 1, 0, 0);
	/* 6 + 6 > 10: flush what is held first */
	ck_assert_int_eq(batcher_offer(&b, 1, 6), BATCHER_FLUSH_FIRST);
	batcher_reset(&b);
	ck_assert_int_eq(batcher_offer(&b, 1, 6), BATCHER_ADD);
	/* alone over the max: split */
	ck_assert_int_eq(batcher_offer(&b, 1, 11), BATCHER_SPLIT);
	ck_assert_int_eq(batcher_offer(&b, 1, 10), BATCHER_ADD);
	/* send_batch_size above send_batch_max_size is refused */
	struct batcher_limits bad = { 11, 10, 100, 0 };
	ck_assert_int_lt(batcher_init(&b, &bad, refs, 64), 0);
	struct batcher_limits nobytes = { 1, 10, 0, 0 };
	ck_assert_int_lt(batcher_init(&b, &nobytes, refs, 64), 0);
}
END_TEST

START_TEST(byte_limit)
{
	struct batcher b;
	init(&b, 0, 0, 100, 1000);
	static const uint8_t big[200];
	ck_assert_int_eq(batcher_offer(&b, 98, 1), BATCHER_ADD); /* 2 + 98 = 100 */
	ck_assert_int_eq(batcher_offer(&b, 99, 1), BATCHER_SPLIT);
	batcher_add(&b, big, 50, 1, 1, 0, 0);
	ck_assert(!batcher_full(&b));
	ck_assert_int_eq(batcher_offer(&b, 46, 1), BATCHER_ADD);
	ck_assert_int_eq(batcher_offer(&b, 47, 1), BATCHER_FLUSH_FIRST);
	batcher_add(&b, big, 46, 1, 2, 0, 0);
	ck_assert(batcher_full(&b)); /* 52 + 48 = 100 bytes */
}
END_TEST

START_TEST(timeout_and_ref_capacity)
{
	struct batcher b;
	init(&b, 0, 0, 1 << 20, 1000);
	ck_assert(!batcher_due(&b, 1u << 30));
	batcher_add(&b, (const uint8_t *)"x", 1, 1, 1, 0, 5000);
	ck_assert(!batcher_due(&b, 5999));
	ck_assert_uint_eq(batcher_wait_ns(&b, 5200), 800);
	ck_assert(batcher_due(&b, 6000));
	ck_assert_uint_eq(batcher_wait_ns(&b, 7000), 0);
	/* a second record does not restart the clock */
	batcher_add(&b, (const uint8_t *)"y", 1, 1, 2, 0, 5900);
	ck_assert(batcher_due(&b, 6000));
	batcher_reset(&b);
	for (uint32_t i = 0; i < 63; i++)
		batcher_add(&b, (const uint8_t *)"x", 1, 1, i + 1, 0, 0);
	ck_assert(!batcher_full(&b));
	batcher_add(&b, (const uint8_t *)"x", 1, 1, 64, 0, 0);
	ck_assert(batcher_full(&b)); /* no ref left */
	ck_assert_int_eq(batcher_offer(&b, 1, 1), BATCHER_FLUSH_FIRST);
	/* timeout 0: due at once */
	init(&b, 0, 0, 100, 0);
	batcher_add(&b, (const uint8_t *)"x", 1, 1, 1, 0, 10);
	ck_assert(batcher_due(&b, 10));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_batcher");
	TCase *tc = tcase_create("all");
	tcase_add_test(tc, frames);
	tcase_add_test(tc, size_trigger_and_write);
	tcase_add_test(tc, max_size_flush_first_and_split);
	tcase_add_test(tc, byte_limit);
	tcase_add_test(tc, timeout_and_ref_capacity);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
