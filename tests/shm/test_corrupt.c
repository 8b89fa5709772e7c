/* tests/shm/test_corrupt.c - damaged ring data: the consumer gets every
 * intact record, skips exactly the damaged ones, and the bytes it skipped
 * are the bytes that were quarantined.
 *
 * Cases: a flipped payload byte, a garbage header, garbage across the wrap
 * (PAD included), a damaged PAD alone, damage with no intact record after
 * it (resume at head), the refusals of ring_skip_corrupt, and 4 KiB of
 * random bytes written into the middle of the data while a real consumer
 * process is stopped, over rounds that move through the whole ring.
 *
 * "Damaged" below means: some byte the checksum covers (header or
 * payload, not the alignment padding after a payload, not the unused tail
 * a PAD covers) differs. The damage xors every byte with a nonzero random
 * value, so each byte in the range really changes. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/quarantine.h"
#include "shm/segment.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

#define MAXREC 4096

struct placed {
	uint64_t pos; /* ring position of the header */
	uint32_t len; /* payload bytes */
	uint64_t seq;
};

/* What a consumer saw; lives in shared memory for the process test. */
struct seen {
	uint64_t n, seqs[MAXREC];
	uint64_t nskips;
	struct ring_skip skips[64];
	int64_t quarantined[64]; /* quarantine_write's result per skip */
	int rc;			 /* last ring call that ended the drain */
};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
	return rng_state;
}

static int put(struct ring *r, uint64_t seq, uint32_t len)
{
	struct record *rec;
	int rc = ring_try_reserve(r, len, &rec);

	if (rc)
		return rc;
	ck_assert_uint_eq(rec->seq, seq); /* each ring counts its own records */
	rec->items = 1;
	shm_test_fill(record_payload(rec), len, seq);
	return ring_publish(r) == 1 ? 0 : -1;
}

/* Where the published, uncommitted records lie (a fresh consumer handle
 * that never commits). */
static int layout(void *mem, struct placed *out, int max)
{
	struct ring r;
	const struct record *rec;
	int n = 0;

	ck_assert_int_eq(ring_init(&r, mem, -1, -1), 0);
	while (n < max && ring_try_peek(&r, &rec) == 0) {
		out[n].len = rec->len;
		out[n].seq = rec->seq;
		out[n].pos = ring_cursor(&r) - record_size(rec->len);
		n++;
	}
	return n;
}

/* xor every byte of ring positions [at, at + n) with a nonzero value. */
static void damage(struct ring *r, uint64_t at, uint64_t n)
{
	for (uint64_t p = at; p < at + n; p++)
		r->data[p & r->mask] ^= (uint8_t)(1 + rnd() % 255);
}

static int hit(const struct placed *p, uint64_t at, uint64_t n)
{
	return p->pos < at + n && at < p->pos + RECORD_HDR_SIZE + p->len;
}

/* Consume everything: peek, on a corrupt record skip and quarantine the
 * bytes (qdir may be NULL: no file), then commit. */
static void drain(struct ring *r, const char *ring_name, const char *qdir, struct seen *s)
{
	const struct record *rec;

	for (;;) {
		int rc = ring_try_peek(r, &rec);

		if (rc == 0) {
			if (s->n < MAXREC && shm_test_check(record_cpayload(rec), rec->len, rec->seq))
				s->seqs[s->n++] = rec->seq;
			continue;
		}
		if (rc != -EBADMSG || s->nskips >= 64) {
			s->rc = rc;
			break;
		}
		struct ring_skip *k = &s->skips[s->nskips];
		rc = ring_skip_corrupt(r, k);
		if (rc) {
			s->rc = rc;
			break;
		}
		if (qdir) {
			struct quarantine_entry e = { .ring = ring_name,
						      .offset = k->from,
						      .seq_before = k->seq_before,
						      .seq_after = k->seq_after };
			ring_skipped_bytes(r, k, e.part, e.len);
			s->quarantined[s->nskips] = quarantine_write(qdir, 64u << 20, &e);
		}
		s->nskips++;
	}
	ring_commit(r, ring_cursor(r));
}

/* The consumer's result against the layout and the damage [at, at + n):
 * exactly the damaged records are missing, each inside a skipped range,
 * no delivered record inside one, the ring's counters agree. */
static void verify(const struct placed *pl, int npl, uint64_t at, uint64_t n, const struct seen *s,
		   const struct ring *r, uint64_t corrupt_before, uint64_t bytes_before)
{
	uint64_t k = 0, lost = 0, skipped_bytes = 0;

	ck_assert_int_eq(s->rc, -EAGAIN);
	for (int i = 0; i < npl; i++) {
		int damaged = hit(&pl[i], at, n), in_skip = 0;

		for (uint64_t j = 0; j < s->nskips; j++)
			in_skip |= pl[i].pos >= s->skips[j].from && pl[i].pos < s->skips[j].to;
		ck_assert_msg(damaged == in_skip, "seq %llu at %llu (len %u): damaged %d, skipped %d",
			      (unsigned long long)pl[i].seq, (unsigned long long)pl[i].pos, pl[i].len,
			      damaged, in_skip);
		if (damaged) {
			lost++;
			continue;
		}
		ck_assert_msg(k < s->n && s->seqs[k] == pl[i].seq, "seq %llu not delivered in order",
			      (unsigned long long)pl[i].seq);
		k++;
	}
	ck_assert_uint_eq(k, s->n);
	for (uint64_t j = 0; j < s->nskips; j++)
		skipped_bytes += s->skips[j].to - s->skips[j].from;
	ck_assert_uint_eq(ring_corrupt_records(r) - corrupt_before, lost);
	ck_assert_uint_eq(atomic_load(&r->ctl->corrupt_bytes) - bytes_before, skipped_bytes);
}

static void *mem;
static struct ring prod, cons;

static void setup_cap(uint64_t cap)
{
	mem = aligned_alloc(64, RING_CTRL_SIZE + cap);
	ck_assert_ptr_nonnull(mem);
	ck_assert_int_eq(ring_format(mem, cap), 0);
	ck_assert_int_eq(ring_init(&prod, mem, -1, -1), 0);
	ck_assert_int_eq(ring_init(&cons, mem, -1, -1), 0);
}

static void teardown(void)
{
	free(mem);
}

START_TEST(test_flipped_payload_byte)
{
	const struct record *rec;
	struct ring_skip k;
	const uint8_t *part[2];
	size_t len[2];
	uint64_t pos5 = 4 * record_size(100);

	setup_cap(65536);
	for (uint64_t s = 1; s <= 10; s++)
		ck_assert_int_eq(put(&prod, s, 100), 0);
	prod.data[pos5 + RECORD_HDR_SIZE + 50] ^= 0x10;
	for (uint64_t s = 1; s <= 4; s++) {
		ck_assert_int_eq(ring_try_peek(&cons, &rec), 0);
		ck_assert_uint_eq(rec->seq, s);
	}
	ck_assert_int_eq(ring_try_peek(&cons, &rec), -EBADMSG);
	ck_assert_uint_eq(ring_cursor(&cons), pos5);
	ck_assert_int_eq(ring_try_peek(&cons, &rec), -EBADMSG); /* stays put */
	ck_assert_int_eq(ring_skip_corrupt(&cons, &k), 0);
	ck_assert_uint_eq(k.from, pos5);
	ck_assert_uint_eq(k.to, pos5 + record_size(100));
	ck_assert_uint_eq(k.seq_before, 4);
	ck_assert_uint_eq(k.seq_after, 6);
	ck_assert_uint_eq(k.records, 1);
	ck_assert_int_eq(ring_skipped_bytes(&cons, &k, part, len), 0);
	ck_assert_ptr_eq(part[0], prod.data + pos5);
	ck_assert_uint_eq(len[0], record_size(100));
	ck_assert_uint_eq(len[1], 0);
	ck_assert_int_eq(ring_skip_corrupt(&cons, &k), -EINVAL); /* record 6 is intact */
	for (uint64_t s = 6; s <= 10; s++) {
		ck_assert_int_eq(ring_try_peek(&cons, &rec), 0);
		ck_assert_uint_eq(rec->seq, s);
	}
	ck_assert_int_eq(ring_try_peek(&cons, &rec), -EAGAIN);
	ck_assert_int_eq(ring_skip_corrupt(&cons, &k), -EINVAL); /* at head */
	ck_assert_uint_eq(ring_corrupt_records(&cons), 1);
	ck_assert_int_eq(ring_commit(&cons, ring_cursor(&cons)), 0);
	ck_assert_uint_eq(ring_used(&cons), 0);
}
END_TEST

START_TEST(test_garbage_header)
{
	struct placed pl[64];
	struct seen *s = calloc(1, sizeof(*s));
	int n;

	setup_cap(65536);
	for (uint64_t q = 1; q <= 20; q++)
		ck_assert_int_eq(put(&prod, q, (uint32_t)(q * 37 % 300)), 0);
	n = layout(mem, pl, 64);
	ck_assert_int_eq(n, 20);
	damage(&prod, pl[7].pos, RECORD_HDR_SIZE); /* seq 8's header */
	drain(&cons, "t", NULL, s);
	verify(pl, n, pl[7].pos, RECORD_HDR_SIZE, s, &cons, 0, 0);
	ck_assert_uint_eq(s->nskips, 1);
	ck_assert_uint_eq(s->skips[0].from, pl[7].pos);
	ck_assert_uint_eq(s->skips[0].to, pl[8].pos);
	free(s);
}
END_TEST

/* A 4096-byte ring: records of 200 bytes leave 152 bytes at the end, so
 * each lap has a PAD. Damage from inside the last record of a lap through
 * the PAD into the first record of the next lap. */
START_TEST(test_garbage_across_wrap)
{
	struct placed pl[64];
	struct seen *s = calloc(1, sizeof(*s));
	uint64_t q = 1, at;
	int n;

	setup_cap(4096);
	for (; q <= 10; q++) /* move the ring on a little */
		ck_assert_int_eq(put(&prod, q, 200), 0);
	drain(&cons, "t", NULL, s);
	memset(s, 0, sizeof(*s));
	while (put(&prod, q, 200) == 0)
		q++;
	n = layout(mem, pl, 64);
	ck_assert_int_gt(n, 10);
	at = (pl[0].pos | 4095) + 1 - 180; /* 180 bytes before the end of the buffer */
	damage(&prod, at, 220);		   /* to 40 bytes past the wrap */
	drain(&cons, "t", NULL, s);
	verify(pl, n, at, 220, s, &cons, 0, 0);
	ck_assert_uint_ge(s->nskips, 1);
	ck_assert_uint_ge(ring_corrupt_records(&cons), 2); /* the record before and the one after */
	free(s);
}
END_TEST

START_TEST(test_damaged_pad_only)
{
	struct placed pl[64];
	struct seen *s = calloc(1, sizeof(*s));
	uint64_t q = 1, pad = 0;
	int n;

	setup_cap(4096);
	for (; q <= 10; q++)
		ck_assert_int_eq(put(&prod, q, 200), 0);
	drain(&cons, "t", NULL, s);
	memset(s, 0, sizeof(*s));
	while (put(&prod, q, 200) == 0)
		q++;
	n = layout(mem, pl, 64);
	for (int i = 0; i + 1 < n; i++) /* the PAD starts where a record ends short of the wrap */
		if ((pl[i].pos ^ pl[i + 1].pos) & ~(uint64_t)4095)
			pad = pl[i].pos + record_size(pl[i].len);
	ck_assert_uint_lt(pad & 4095, 4096 - RECORD_HDR_SIZE);
	damage(&prod, pad + 4, 2); /* its len */
	drain(&cons, "t", NULL, s);
	verify(pl, n, pad, 2, s, &cons, 0, 0); /* no record lost */
	ck_assert_uint_eq(s->nskips, 1);
	ck_assert_uint_eq(s->skips[0].from, pad);
	ck_assert_uint_eq(s->skips[0].to, (pad | 4095) + 1);
	ck_assert_uint_eq(s->skips[0].records, 0);
	free(s);
}
END_TEST

START_TEST(test_nothing_intact_after)
{
	const struct record *rec;
	struct ring_skip k;

	setup_cap(65536);
	for (uint64_t q = 1; q <= 6; q++)
		ck_assert_int_eq(put(&prod, q, 64), 0);
	ck_assert_int_eq(ring_try_peek(&cons, &rec), 0);
	damage(&prod, record_size(64), 5 * record_size(64)); /* all but the first */
	ck_assert_int_eq(ring_try_peek(&cons, &rec), -EBADMSG);
	ck_assert_int_eq(ring_skip_corrupt(&cons, &k), 0);
	ck_assert_uint_eq(k.to, 6 * record_size(64)); /* head */
	ck_assert_uint_eq(k.seq_before, 1);
	ck_assert_uint_eq(k.seq_after, 0);
	ck_assert_uint_eq(k.records, 5); /* from ring_last_seq */
	ck_assert_int_eq(ring_try_peek(&cons, &rec), -EAGAIN);
	ck_assert_int_eq(put(&prod, 7, 64), 0); /* the producer goes on */
	ck_assert_int_eq(ring_try_peek(&cons, &rec), 0);
	ck_assert_uint_eq(rec->seq, 7);
}
END_TEST

/* The consumer that checks payloads in its own pass: deferred peeks hand
 * out the damaged record, the caller's check fails, rewind + peek finds
 * it and skips it. */
START_TEST(test_deferred_check)
{
	const struct record *rec;
	struct ring_skip k;
	uint64_t pos3 = 2 * record_size(300);
	int bad = 0;

	setup_cap(65536);
	for (uint64_t q = 1; q <= 6; q++)
		ck_assert_int_eq(put(&prod, q, 300), 0);
	prod.data[pos3 + RECORD_HDR_SIZE + 299] ^= 1;
	for (uint64_t q = 1; q <= 6; q++) {
		ck_assert_int_eq(ring_peek_deferred(&cons, &rec, 0), 0);
		ck_assert_uint_eq(rec->seq, q);
		bad += !record_payload_ok(rec, crc32c(0, record_cpayload(rec), rec->len));
	}
	ck_assert_int_eq(bad, 1);
	ring_rewind(&cons);
	for (uint64_t q = 1; q <= 2; q++)
		ck_assert_int_eq(ring_peek(&cons, &rec, 0), 0);
	ck_assert_int_eq(ring_peek(&cons, &rec, 0), -EBADMSG);
	ck_assert_int_eq(ring_skip_corrupt(&cons, &k), 0);
	ck_assert_uint_eq(k.seq_before, 2);
	ck_assert_uint_eq(k.seq_after, 4);
	/* a damaged header is refused by the deferred peek too */
	prod.data[pos3 + record_size(300) + 4] ^= 0x40; /* seq 4's signal */
	ck_assert_int_eq(ring_peek_deferred(&cons, &rec, 0), -EBADMSG);
}
END_TEST

START_TEST(test_damaged_control_block)
{
	struct ring_ctrl *ctl;
	const struct record *rec;
	struct ring_skip k;
	char why[160];

	setup_cap(65536);
	ctl = mem;
	for (uint64_t q = 1; q <= 3; q++)
		ck_assert_int_eq(put(&prod, q, 64), 0);
	ck_assert_int_eq(ring_check(mem, 65536, why, sizeof(why)), 0);
	ck_assert_int_eq(ring_check(mem, 8192, why, sizeof(why)), -ENOTRECOVERABLE);
	ck_assert_ptr_nonnull(strstr(why, "capacity 65536, expected 8192"));
	atomic_store(&ctl->tail, 8 * record_size(64)); /* tail past head */
	ck_assert_int_eq(ring_check(mem, 0, why, sizeof(why)), -ENOTRECOVERABLE);
	ck_assert_ptr_nonnull(strstr(why, "inconsistent"));
	atomic_store(&ctl->tail, 0);
	atomic_store(&ctl->last[0].head_after, 1);
	atomic_store(&ctl->last[1].head_after, 2);
	ck_assert_int_eq(ring_check(mem, 0, why, sizeof(why)), -ENOTRECOVERABLE);
	ck_assert_ptr_nonnull(strstr(why, "slot"));
	ck_assert_int_eq(ring_init(&cons, mem, -1, -1), -ENOTRECOVERABLE);
	atomic_store(&ctl->head, 1u << 30);
	ck_assert_int_eq(ring_try_peek(&cons, &rec), -ENOTRECOVERABLE);
	ck_assert_int_eq(ring_skip_corrupt(&cons, &k), -ENOTRECOVERABLE);
	ctl->magic ^= 1;
	ck_assert_int_eq(ring_check(mem, 0, why, sizeof(why)), -ENOTRECOVERABLE);
	ck_assert_ptr_nonnull(strstr(why, "magic"));
}
END_TEST

/* ---- 4 KiB of random bytes while a real consumer process is stopped ---- */

static char inst[64], qdir[128];

/* Consumer process: drain what is there (the first part), tell the parent,
 * wait (stopped) until told to go on, then drain the rest with skips and
 * quarantine. */
static void consumer(struct seen *s, int ready_fd, int go_fd)
{
	struct segment seg;
	struct ring r;
	char c = 'r';

	if (segment_attach(&seg, inst) || segment_ring(&seg, 0, &r))
		_exit(2);
	drain(&r, segment_ring_name(&seg, 0), qdir, s);
	memset(s, 0, sizeof(*s));
	if (write(ready_fd, &c, 1) != 1 || read(go_fd, &c, 1) != 1)
		_exit(3);
	drain(&r, segment_ring_name(&seg, 0), qdir, s);
	_exit(0);
}

/* The quarantine file must hold, entry after entry, exactly the bytes of
 * each skip as they were in the ring (copy[j]). */
static void check_quarantine(const struct seen *s, uint8_t *const *copy, size_t *qoff)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/mid:t_x%s", qdir, QUARANTINE_SUFFIX);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, (long)*qoff, SEEK_SET), 0);
	for (uint64_t j = 0; j < s->nskips; j++) {
		unsigned long long off, length, stored, before, after;
		char line[512];
		uint64_t n = s->skips[j].to - s->skips[j].from;
		uint8_t *got = malloc(n + 1);

		ck_assert_int_eq(s->quarantined[j], (int64_t)n);
		ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
		ck_assert_int_eq(sscanf(line,
					"# sluice quarantine ring=mid:t/x offset=%llu length=%llu "
					"stored=%llu seq_before=%llu seq_after=%llu",
					&off, &length, &stored, &before, &after),
				 5);
		ck_assert_uint_eq(off, s->skips[j].from);
		ck_assert_uint_eq(length, n);
		ck_assert_uint_eq(stored, n);
		ck_assert_uint_eq(before, s->skips[j].seq_before);
		ck_assert_uint_eq(after, s->skips[j].seq_after);
		ck_assert_uint_eq(fread(got, 1, n + 1, f), n + 1);
		ck_assert_msg(memcmp(got, copy[j], n) == 0, "quarantined bytes differ from the ring's");
		ck_assert_uint_eq(got[n], '\n');
		free(got);
	}
	*qoff = (size_t)ftell(f);
	fclose(f);
}

START_TEST(test_random_4k_stopped_consumer)
{
	struct segment_params p = { .nrings = 1, .ring_capacity = { 1 << 18 }, .ring_name = { "mid:t/x" } };
	struct seen *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct placed *pl = malloc(sizeof(*pl) * MAXREC);
	struct segment seg;
	struct ring r;
	uint64_t q = 1, lost_total = 0;
	size_t qoff = 0;

	shm_test_instance(inst, sizeof(inst), "corrupt");
	snprintf(qdir, sizeof(qdir), "/tmp/sluice-test-q-%ld", (long)getpid());
	segment_unlink(inst);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_int_eq(segment_ring(&seg, 0, &r), 0);
	for (int round = 0; round < 12; round++) {
		int ready[2], go[2], status, n;
		uint64_t at, before = ring_corrupt_records(&r), bytes = atomic_load(&r.ctl->corrupt_bytes);
		uint8_t *copy[64];
		pid_t pid;
		char c;

		ck_assert_int_eq(pipe(ready), 0);
		ck_assert_int_eq(pipe(go), 0);
		/* a first part the consumer reads before it stops */
		for (int i = 0; i < 50; i++, q++)
			ck_assert_int_eq(put(&r, q, shm_test_len(q, 1500)), 0);
		memset(s, 0, sizeof(*s));
		pid = fork();
		/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
		if (pid == 0)
			consumer(s, ready[1], go[0]);
		ck_assert_int_ge(pid, 0);
		ck_assert_int_eq(read(ready[0], &c, 1), 1);
		/* while it is stopped: ~200 KiB more, then 4 KiB of damage in
		 * the middle (somewhere else in the ring each round) */
		while (ring_used(&r) < (150u << 10) && put(&r, q, shm_test_len(q, 1500)) == 0)
			q++;
		n = layout(seg.base + seg.rings[0].off, pl, MAXREC);
		ck_assert_int_gt(n, 100);
		at = pl[n / 3].pos + rnd() % 4096 + (round % 3 == 2 ? 0 : 7);
		damage(&r, at, 4096);
		ck_assert_int_eq(write(go[1], "g", 1), 1);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		verify(pl, n, at, 4096, s, &r, before, bytes);
		ck_assert_uint_ge(s->nskips, 1);
		for (uint64_t j = 0; j < s->nskips; j++) { /* the ring bytes, still there */
			const uint8_t *part[2];
			size_t len[2];

			ck_assert_int_eq(ring_skipped_bytes(&r, &s->skips[j], part, len), 0);
			copy[j] = malloc(len[0] + len[1] + 1);
			memcpy(copy[j], part[0], len[0]);
			memcpy(copy[j] + len[0], part[1], len[1]);
		}
		check_quarantine(s, copy, &qoff);
		for (uint64_t j = 0; j < s->nskips; j++)
			free(copy[j]);
		lost_total += ring_corrupt_records(&r) - before;
		close(ready[0]), close(ready[1]), close(go[0]), close(go[1]);
	}
	fprintf(stderr,
		"test_random_4k_stopped_consumer: %llu records, %llu lost to damage, ring "
		"head at %llu (capacity %u)\n",
		(unsigned long long)q - 1, (unsigned long long)lost_total,
		(unsigned long long)atomic_load(&r.ctl->head), 1u << 18);
	ck_assert_uint_gt(r.ctl->head, 4u << 18); /* several laps: wraps were damaged too */
	segment_detach(&seg);
	segment_unlink(inst);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", qdir);
	ck_assert_int_eq(system(cmd), 0);
	munmap(s, sizeof(*s));
	free(pl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_corrupt");
	TCase *tc = tcase_create("corrupt");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_flipped_payload_byte);
	tcase_add_test(tc, test_garbage_header);
	tcase_add_test(tc, test_garbage_across_wrap);
	tcase_add_test(tc, test_damaged_pad_only);
	tcase_add_test(tc, test_nothing_intact_after);
	tcase_add_test(tc, test_deferred_check);
	tcase_add_test(tc, test_damaged_control_block);
	suite_add_tcase(s, tc);
	TCase *tp = tcase_create("processes");
	tcase_set_timeout(tp, 120);
	tcase_add_test(tp, test_random_4k_stopped_consumer);
	suite_add_tcase(s, tp);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
