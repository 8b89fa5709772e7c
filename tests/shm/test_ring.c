/* tests/shm/test_ring.c - the ring in one process: empty and full, wrap
 * (with and without a PAD header), the largest record, refusal of records
 * that cannot fit, batch publish and cancel, shrinking a reservation,
 * peek-ahead + commit + rewind, restart positions, crash-consistent
 * ring_last_seq, corrupt headers, "wake only when asked" for eventfds. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "shm/ring.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

#define CAP 4096u

static void *mem;
static struct ring prod, cons;

static void setup(void)
{
	mem = aligned_alloc(64, RING_CTRL_SIZE + CAP);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(ring_format(mem, CAP), 0);
	ck_assert_int_eq(ring_init(&prod, mem, -1, -1), 0);
	ck_assert_int_eq(ring_init(&cons, mem, -1, -1), 0);
}

static void teardown(void)
{
	free(mem);
}

/* Reserve + fill + publish one record with the test pattern. */
static int put(struct ring *r, uint64_t seq, uint32_t len)
{
	struct record *rec;
	int rc = ring_try_reserve(r, len, &rec);

	if (rc)
		return rc;
	rec->seq = seq;
	rec->items = 1;
	shm_test_fill(record_payload(rec), len, seq);
	return ring_publish(r) == 1 ? 0 : -1;
}

/* Peek one record and check it is seq with len bytes of its pattern. */
static void get(struct ring *r, uint64_t seq, uint32_t len)
{
	const struct record *rec;

	ck_assert_int_eq(ring_try_peek(r, &rec), 0);
	ck_assert_uint_eq(rec->seq, seq);
	ck_assert_uint_eq(rec->len, len);
	ck_assert_uint_eq(rec->signal, RECORD_SIGNAL_TRACES);
	ck_assert_uint_eq(rec->flags & RECORD_F_PAD, 0);
	ck_assert(shm_test_check(record_cpayload(rec), len, seq));
}

/* Like get() without a Check assertion per field (hot loops). 1 if good. */
static int get_ok(struct ring *r, uint64_t seq, uint32_t len)
{
	const struct record *rec;

	return ring_try_peek(r, &rec) == 0 && rec->seq == seq && rec->len == len &&
	       !(rec->flags & RECORD_F_PAD) && shm_test_check(record_cpayload(rec), len, seq);
}

START_TEST(test_format_rejects)
{
	uint8_t *raw = aligned_alloc(64, RING_CTRL_SIZE + CAP);
	struct ring r;

	ck_assert_int_eq(ring_format(raw, 5000), -EINVAL);    /* not a power of two */
	ck_assert_int_eq(ring_format(raw, 1024), -EINVAL);    /* too small */
	ck_assert_int_eq(ring_format(raw + 8, CAP), -EINVAL); /* misaligned */
	memset(raw, 0xab, RING_CTRL_SIZE);
	ck_assert_int_eq(ring_init(&r, raw, -1, -1), -ENOTRECOVERABLE); /* not a ring */
	free(raw);
}
END_TEST

START_TEST(test_empty)
{
	const struct record *rec;

	ck_assert_int_eq(ring_try_peek(&cons, &rec), -EAGAIN);
	ck_assert_ptr_null(rec);
	ck_assert_int_eq(ring_peek(&cons, &rec, 1000000), -ETIMEDOUT);
	ck_assert_uint_eq(ring_used(&cons), 0);
	ck_assert_uint_eq(ring_last_seq(&cons), 0);
	ck_assert_int_eq(ring_publish(&prod), 0);	  /* nothing reserved */
	ck_assert_int_eq(ring_commit(&cons, 8), -EINVAL); /* past the cursor */
}
END_TEST

START_TEST(test_full)
{
	struct record *rec;
	uint32_t n = 0;

	/* 100-byte payload = 136-byte records: 30 fit in 4096, 16 bytes left. */
	while (put(&prod, n + 1, 100) == 0)
		n++;
	ck_assert_uint_eq(n, CAP / 136);
	ck_assert_int_eq(ring_try_reserve(&prod, 100, &rec), -EAGAIN);
	ck_assert_int_eq(ring_try_reserve(&prod, 0, &rec), -EAGAIN); /* 16 < header */
	ck_assert_int_eq(ring_reserve(&prod, 100, &rec, 1000000), -ETIMEDOUT);
	ck_assert_uint_eq(ring_used(&cons), n * 136u);
	/* Freeing one record makes room for one at the wrap (16 skipped). */
	get(&cons, 1, 100);
	ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	ck_assert_int_eq(put(&prod, n + 1, 100), 0);
	ck_assert_int_eq(ring_try_reserve(&prod, 0, &rec), -EAGAIN);
	ck_assert_uint_eq(ring_used(&cons), CAP);
	for (uint32_t s = 2; s <= n + 1; s++)
		get(&cons, s, 100);
	ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	ck_assert_uint_eq(ring_used(&cons), 0);
	ck_assert_uint_eq(ring_last_seq(&cons), n + 1);
	ck_assert_int_eq(ring_try_peek(&cons, &(const struct record *){ 0 }), -EAGAIN);
}
END_TEST

START_TEST(test_wrap_mixed)
{
	/* Many sizes through a small ring: every wrap variant (exact fit, PAD
	 * header, < 32 bytes implicit skip) happens many times. */
	uint64_t next_put = 1, next_get = 1;
	int implicit = 0, padded = 0, bad = 0;

	while (next_get <= 200000) {
		uint32_t len = shm_test_len(next_put, 700);
		uint64_t room = CAP - (prod.prod_pos & (CAP - 1));

		if (next_put <= 200000 && put(&prod, next_put, len) == 0) {
			if (record_size(len) > room && room < RECORD_HDR_SIZE)
				implicit++;
			else if (record_size(len) > room)
				padded++;
			next_put++;
			if (next_put % 3)
				continue;
		}
		for (int i = 0; i < 2 && next_get < next_put; i++, next_get++)
			bad += !get_ok(&cons, next_get, shm_test_len(next_get, 700));
		bad += ring_commit(&cons, ring_cursor(&cons)) != 0;
	}
	ck_assert_int_eq(bad, 0);
	ck_assert_int_gt(implicit, 0);
	ck_assert_int_gt(padded, 0);
	ck_assert_uint_eq(ring_last_seq(&prod), 200000);
	ck_assert_uint_gt(ring_committed(&cons), 1000u * CAP);
}
END_TEST

START_TEST(test_largest_and_too_big)
{
	uint32_t max = ring_max_payload(&prod);
	struct record *rec;

	ck_assert_uint_eq(max, CAP / 2 - RECORD_HDR_SIZE);
	ck_assert_int_eq(ring_try_reserve(&prod, max + 1, &rec), -EMSGSIZE);
	ck_assert_int_eq(ring_reserve(&prod, UINT32_MAX, &rec, -1), -EMSGSIZE);
	ck_assert_int_eq(ring_arm_space(&prod, max + 1), -ENOTSUP); /* no fd */
	/* Worst position: the largest record just misses the end, so it needs
	 * the rest of the buffer as padding and still fits in an empty ring. */
	ck_assert_int_eq(put(&prod, 1, 992), 0);
	ck_assert_int_eq(put(&prod, 2, 1000), 0);
	get(&cons, 1, 992);
	get(&cons, 2, 1000);
	ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	ck_assert_uint_eq(ring_committed(&cons), CAP / 2 + 8);
	for (uint64_t s = 3; s < 9; s++) {
		ck_assert_int_eq(put(&prod, s, max), 0);
		get(&cons, s, max);
		ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	}
	ck_assert_uint_eq(ring_committed(&cons), CAP + 6 * (CAP / 2));
}
END_TEST

START_TEST(test_batch_publish_and_cancel)
{
	struct record *rec;
	const struct record *got;

	for (uint64_t s = 1; s <= 5; s++) {
		ck_assert_int_eq(ring_try_reserve(&prod, 40, &rec), 0);
		rec->seq = s;
		shm_test_fill(record_payload(rec), 40, s);
	}
	ck_assert_int_eq(ring_try_peek(&cons, &got), -EAGAIN); /* not yet visible */
	ck_assert_uint_eq(ring_last_seq(&cons), 0);
	ck_assert_int_eq(ring_publish(&prod), 5);
	ck_assert_uint_eq(ring_last_seq(&cons), 5);
	for (uint64_t s = 1; s <= 5; s++)
		get(&cons, s, 40);
	/* Cancelled records never appear; the space is reused. */
	for (uint64_t s = 6; s <= 8; s++) {
		ck_assert_int_eq(ring_try_reserve(&prod, 40, &rec), 0);
		rec->seq = 100 + s;
	}
	ring_cancel(&prod);
	ck_assert_int_eq(ring_publish(&prod), 0);
	ck_assert_int_eq(put(&prod, 6, 17), 0);
	get(&cons, 6, 17);
	ck_assert_int_eq(ring_try_peek(&cons, &got), -EAGAIN);
	ck_assert_uint_eq(ring_last_seq(&cons), 6);
}
END_TEST

START_TEST(test_shrink_reservation)
{
	struct record *rec;

	ck_assert_int_eq(ring_try_reserve(&prod, 1000, &rec), 0);
	rec->seq = 1;
	rec->len = 10; /* encoded less than reserved */
	shm_test_fill(record_payload(rec), 10, 1);
	ck_assert_int_eq(ring_try_reserve(&prod, 20, &rec), 0);
	rec->seq = 2;
	shm_test_fill(record_payload(rec), 20, 2);
	rec->len = 21; /* raising is refused */
	ck_assert_int_eq(ring_publish(&prod), -EINVAL);
	rec->len = 20;
	ck_assert_int_eq(ring_publish(&prod), 2);
	get(&cons, 1, 10);
	get(&cons, 2, 20);
	ck_assert_uint_eq(ring_used(&cons), record_size(10) + record_size(20));
}
END_TEST

START_TEST(test_peek_ahead_commit_rewind)
{
	uint64_t after[11];
	struct ring again;

	for (uint64_t s = 1; s <= 10; s++)
		ck_assert_int_eq(put(&prod, s, (uint32_t)s * 3), 0);
	for (uint64_t s = 1; s <= 6; s++) {
		get(&cons, s, (uint32_t)s * 3);
		after[s] = ring_cursor(&cons);
	}
	ck_assert_uint_eq(ring_committed(&cons), 0);
	ck_assert_int_eq(ring_commit(&cons, after[3]), 0);
	ck_assert_int_eq(ring_commit(&cons, after[2]), -EINVAL);     /* backwards */
	ck_assert_int_eq(ring_commit(&cons, after[6] + 8), -EINVAL); /* past cursor */
	ring_rewind(&cons);
	get(&cons, 4, 12);
	/* A restarted consumer resumes at the committed tail. */
	ck_assert_int_eq(ring_init(&again, mem, -1, -1), 0);
	for (uint64_t s = 4; s <= 10; s++)
		get(&again, s, (uint32_t)s * 3);
	/* ... and a restarted producer continues at head. */
	ck_assert_int_eq(ring_init(&prod, mem, -1, -1), 0);
	ck_assert_int_eq(put(&prod, 11, 5), 0);
	get(&again, 11, 5);
}
END_TEST

/* Emulate a producer that dies between the instructions of ring_publish:
 * slot written (fully or half) but head not stored. */
START_TEST(test_last_seq_crash_points)
{
	struct ring_ctrl *ctl = mem;
	struct record *rec;

	/* The very first publish dies after writing the seq of its slot. */
	atomic_store(&ctl->last[1].seq, 5);
	ck_assert_uint_eq(ring_last_seq(&cons), 0);
	ck_assert_int_eq(put(&prod, 7, 8), 0);
	ck_assert_uint_eq(ring_last_seq(&cons), 7);
	uint64_t h = atomic_load(&ctl->head);
	int cur = atomic_load(&ctl->last[0].head_after) == h ? 0 : 1;
	int other = 1 - cur;

	/* died after writing seq of the other slot */
	atomic_store(&ctl->last[other].seq, 99);
	ck_assert_uint_eq(ring_last_seq(&cons), 7);
	/* died after writing head_after too (before head) */
	atomic_store(&ctl->last[other].head_after, h + 56);
	ck_assert_uint_eq(ring_last_seq(&cons), 7);
	/* the reserved record was written but never published */
	ck_assert_int_eq(ring_try_reserve(&prod, 24, &rec), 0);
	rec->seq = 99;
	/* restart: the new producer continues at head and its next publish
	 * (ending exactly where the dead one's would have) becomes visible */
	ck_assert_int_eq(ring_init(&prod, mem, -1, -1), 0);
	ck_assert_uint_eq(ring_last_seq(&prod), 7);
	ck_assert_int_eq(put(&prod, 8, 24), 0);
	ck_assert_uint_eq(atomic_load(&ctl->head), h + 56);
	ck_assert_uint_eq(ring_last_seq(&cons), 8);
	for (uint64_t s = 9; s < 40; s++) {
		ck_assert_int_eq(put(&prod, s, 24), 0);
		ck_assert_uint_eq(ring_last_seq(&cons), s);
		get(&cons, s - 2, s == 9 ? 8 : 24);
		ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	}
}
END_TEST

START_TEST(test_corrupt_header)
{
	const struct record *got;
	struct record *rec;

	ck_assert_int_eq(put(&prod, 1, 16), 0);
	rec = (struct record *)((uint8_t *)mem + RING_CTRL_SIZE);
	rec->len = 3000; /* beyond max payload and beyond head */
	ck_assert_int_eq(ring_try_peek(&cons, &got), -EBADMSG);
	rec->len = 100; /* within max, beyond head */
	ck_assert_int_eq(ring_try_peek(&cons, &got), -EBADMSG);
	rec->len = 16;
	ck_assert_int_eq(ring_try_peek(&cons, &got), 0);
	/* A damaged control block is another matter: not skippable. */
	atomic_store(&((struct ring_ctrl *)mem)->head, 1u << 20); /* head far past tail */
	ck_assert_int_eq(ring_try_peek(&cons, &got), -ENOTRECOVERABLE);
	ck_assert_int_eq(ring_init(&cons, mem, -1, -1), -ENOTRECOVERABLE);
	atomic_store(&((struct ring_ctrl *)mem)->head, 52); /* not 8-aligned */
	ck_assert_int_eq(ring_init(&cons, mem, -1, -1), -ENOTRECOVERABLE);
}
END_TEST

START_TEST(test_eventfd_only_when_armed)
{
	int dfd = eventfd(0, EFD_NONBLOCK), sfd = eventfd(0, EFD_NONBLOCK);
	struct record *rec;

	ck_assert_int_eq(ring_init(&prod, mem, dfd, sfd), 0);
	ck_assert_int_eq(ring_init(&cons, mem, dfd, sfd), 0);
	ck_assert_int_eq(put(&prod, 1, 8), 0);
	ck_assert_int_eq(ring_fd_drain(dfd), -EAGAIN); /* nobody asked */
	ck_assert_int_eq(ring_arm_data(&cons), 1);     /* data there: no arm */
	get(&cons, 1, 8);
	ck_assert_int_eq(ring_arm_data(&cons), 0); /* armed */
	ck_assert_int_eq(put(&prod, 2, 8), 0);
	ck_assert_int_eq(ring_fd_drain(dfd), 0); /* signalled */
	ck_assert_int_eq(put(&prod, 3, 8), 0);
	ck_assert_int_eq(ring_fd_drain(dfd), -EAGAIN); /* once per arm */
	/* space: fill, arm, commit signals */
	while (ring_try_reserve(&prod, 500, &rec) == 0)
		ring_publish(&prod);
	ck_assert_int_eq(ring_arm_space(&prod, 500), 0);
	ck_assert_int_eq(ring_fd_drain(sfd), -EAGAIN);
	get(&cons, 2, 8);
	ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	ck_assert_int_eq(ring_fd_drain(sfd), 0);
	close(dfd);
	close(sfd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_ring");
	TCase *tc = tcase_create("ring");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_format_rejects);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_wrap_mixed);
	tcase_add_test(tc, test_largest_and_too_big);
	tcase_add_test(tc, test_batch_publish_and_cancel);
	tcase_add_test(tc, test_shrink_reservation);
	tcase_add_test(tc, test_peek_ahead_commit_rewind);
	tcase_add_test(tc, test_last_seq_crash_points);
	tcase_add_test(tc, test_corrupt_header);
	tcase_add_test(tc, test_eventfd_only_when_armed);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
