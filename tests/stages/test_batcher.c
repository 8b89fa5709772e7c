/* Batch rules without rings: size trigger, max size, byte limit, timeout,
 * frame encoding. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shm/record.h"
#include "stages/batcher.h"
#include "tests/check_run.h"

static struct batcher_ref refs[64];

#define REF(p, l, n) (&(struct batcher_ref){ .payload = (const uint8_t *)(p), .len = (l), .items = (n) })

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
	batcher_add(&b, REF(p1, 3, 4), 7, 500, 100);
	ck_assert(!batcher_full(&b));
	ck_assert_int_eq(batcher_offer(&b, 5, 6), BATCHER_ADD);
	batcher_add(&b, REF(p2, 5, 6), 9, 400, 150);
	ck_assert(batcher_full(&b)); /* 10 >= send_batch_size */
	ck_assert_uint_eq(b.last_seq, 9);
	ck_assert_uint_eq(b.oldest_ingest_ns, 400);
	ck_assert_uint_eq(b.items, 10);
	uint8_t out[32];
	uint32_t crc = 0, bad = 99;
	ck_assert_uint_eq(b.bytes, 12);
	ck_assert_int_eq(batcher_write(&b, out, &crc, &bad), 0);
	const uint8_t want[] = { 0x0a, 3, 'a', 'b', 'c', 0x0a, 5, 'd', 'e', 'f', 'g', 'h' };
	ck_assert_mem_eq(out, want, 12);
	ck_assert_uint_eq(crc, crc32c(0, want, 12));
	batcher_reset(&b);
	ck_assert(!batcher_full(&b));
	ck_assert_uint_eq(batcher_wait_ns(&b, 0), UINT64_MAX);
}
END_TEST

START_TEST(max_size_flush_first_and_split)
{
	struct batcher b;
	init(&b, 8, 10, 1 << 20, 1000);
	batcher_add(&b, REF((const uint8_t *)"x", 1, 6), 1, 0, 0);
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
	batcher_add(&b, REF(big, 50, 1), 1, 0, 0);
	ck_assert(!batcher_full(&b));
	ck_assert_int_eq(batcher_offer(&b, 46, 1), BATCHER_ADD);
	ck_assert_int_eq(batcher_offer(&b, 47, 1), BATCHER_FLUSH_FIRST);
	batcher_add(&b, REF(big, 46, 1), 2, 0, 0);
	ck_assert(batcher_full(&b)); /* 52 + 48 = 100 bytes */
}
END_TEST

START_TEST(timeout_and_ref_capacity)
{
	struct batcher b;
	init(&b, 0, 0, 1 << 20, 1000);
	ck_assert(!batcher_due(&b, 1u << 30));
	batcher_add(&b, REF((const uint8_t *)"x", 1, 1), 1, 0, 5000);
	ck_assert(!batcher_due(&b, 5999));
	ck_assert_uint_eq(batcher_wait_ns(&b, 5200), 800);
	ck_assert(batcher_due(&b, 6000));
	ck_assert_uint_eq(batcher_wait_ns(&b, 7000), 0);
	/* a second record does not restart the clock */
	batcher_add(&b, REF((const uint8_t *)"y", 1, 1), 2, 0, 5900);
	ck_assert(batcher_due(&b, 6000));
	batcher_reset(&b);
	for (uint32_t i = 0; i < 63; i++)
		batcher_add(&b, REF((const uint8_t *)"x", 1, 1), i + 1, 0, 0);
	ck_assert(!batcher_full(&b));
	batcher_add(&b, REF((const uint8_t *)"x", 1, 1), 64, 0, 0);
	ck_assert(batcher_full(&b)); /* no ref left */
	ck_assert_int_eq(batcher_offer(&b, 1, 1), BATCHER_FLUSH_FIRST);
	/* timeout 0: due at once */
	init(&b, 0, 0, 100, 0);
	batcher_add(&b, REF((const uint8_t *)"x", 1, 1), 1, 0, 10);
	ck_assert(batcher_due(&b, 10));
}
END_TEST

/* The copy is where payloads are checked (ring_peek_deferred leaves it to
 * the stage) and where the output's checksum comes from: small payloads
 * summed again, large ones combined. */
START_TEST(write_checks_and_seals)
{
	static uint8_t mem[3][RECORD_HDR_SIZE + 9000] __attribute__((aligned(8)));
	static uint8_t out[20000];
	const uint32_t lens[3] = { 100, 5000, 9000 };
	struct batcher b;
	init(&b, 0, 0, 1 << 20, 1000);
	for (int i = 0; i < 3; i++) {
		struct record *r = (struct record *)mem[i];
		memset(r, 0, RECORD_HDR_SIZE);
		r->len = lens[i];
		r->signal = RECORD_SIGNAL_LOGS;
		r->seq = (uint64_t)i + 1;
		for (uint32_t k = 0; k < lens[i]; k++)
			record_payload(r)[k] = (uint8_t)(k * 7 + (uint32_t)i);
		record_seal(r);
		struct batcher_ref ref = {
			.payload = record_cpayload(r), .check = r, .len = lens[i], .items = 1
		};
		batcher_add(&b, &ref, r->seq, 0, 0);
	}
	uint32_t crc = 0, bad = 99;
	ck_assert_int_eq(batcher_write(&b, out, &crc, &bad), 0);
	ck_assert_uint_eq(crc, crc32c(0, out, b.bytes));
	ck_assert_mem_eq(out + b.bytes - 9000, record_cpayload((struct record *)mem[2]), 9000);
	/* one flipped bit in the middle record: found, by index */
	record_payload((struct record *)mem[1])[4000] ^= 0x10;
	ck_assert_int_eq(batcher_write(&b, out, &crc, &bad), -EBADMSG);
	ck_assert_uint_eq(bad, 1);
	/* a payload checked already (no header to match) is copied as it is */
	b.refs[1].check = NULL;
	ck_assert_int_eq(batcher_write(&b, out, &crc, &bad), 0);
	ck_assert_uint_eq(crc, crc32c(0, out, b.bytes));
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
	tcase_add_test(tc, write_checks_and_seals);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
