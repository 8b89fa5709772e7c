/* tests/agg/test_spanmetrics_crash.c: a child applies records (and
 * flushes, publishing each into shared memory before confirming it) to a
 * region in a MAP_SHARED mapping and is SIGKILLed at random moments; after
 * every kill the parent re-attaches and checks that the counts equal
 * exactly the records applied_seq (and a partial commit) says were
 * applied, then restarts the child, until every record is in: the totals
 * equal the input, no span lost, none counted twice. Delta and cumulative. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agg/sm_layout.h"
#include "aggtest.h"
#include "mwalk.h"
#include "tests/check_run.h"

#define RECORDS 60000u
#define NAMES 24u
#define FLUSH_EVERY 100u
#define MAXF (RECORDS / FLUSH_EVERY + 4)
#define FBUF 16384u
#define ROUNDS_MAX 300

struct ctl {
	_Atomic uint64_t published; /* last flush number "in the ring" */
	uint64_t len[MAXF];
	uint8_t buf[MAXF][FBUF];
};

static char names[NAMES][8];
static uint8_t res[64];
static size_t res_len;

static uint32_t spans_of(uint64_t seq)
{
	return 1 + (uint32_t)(seq * 7919 % 40);
}
static uint32_t name_of(uint64_t seq, uint32_t i)
{
	return (uint32_t)((seq * 31 + i * 17) % NAMES);
}
static uint64_t dur_of(uint64_t seq, uint32_t i)
{
	return (seq + i) % 50;
}

static void params(struct agg_params *p, bool delta)
{
	memset(p, 0, sizeof *p);
	p->delta = delta;
	p->commit_series = 8; /* records of up to 40 spans commit in parts */
	p->max_series = 64;
	p->max_resources = 4;
}

/* What a restarted stage does first: settle a flush left pending.
 * (No ck_assert here: the child runs it, and Check's messages are the
 * parent's.) */
static int reconcile(struct agg *a, struct ctl *c)
{
	uint64_t n = agg_flush_pending(a);
	if (!n)
		return 0;
	if (atomic_load(&c->published) >= n)
		return agg_flush_done(a, n);
	return agg_flush_cancel(a, n);
}

static void child(void *region, size_t size, struct ctl *c, bool delta)
{
	struct agg_params p;
	struct agg *a;
	params(&p, delta);
	if (agg_attach(&a, region, size, &p))
		_exit(2);
	if (reconcile(a, c))
		_exit(8);
	for (uint64_t seq = agg_applied_seq(a, 0) + 1; seq <= RECORDS; seq++) {
		if (agg_begin(a, 0, seq, seq * SEC) || agg_resource(a, (struct otlp_bytes){ res, res_len }))
			_exit(3);
		struct agg_span sp[64];
		for (uint32_t i = 0; i < spans_of(seq); i++)
			sp[i] = at_span(names[name_of(seq, i)], 2, 0, 0, dur_of(seq, i) * MS);
		if (seq & 1) { /* both entry points, replay skips included */
			if (agg_add_many(a, sp, spans_of(seq)))
				_exit(4);
		} else {
			for (uint32_t i = 0; i < spans_of(seq); i++)
				if (agg_add(a, &sp[i]))
					_exit(4);
		}
		if (agg_commit(a))
			_exit(5);
		if (seq % FLUSH_EVERY)
			continue;
		size_t len;
		int64_t f = agg_flush(a, seq * SEC, c->buf[(agg_flushed_seq(a) + 1) % MAXF], FBUF, &len);
		if (f <= 0)
			_exit(6);
		c->len[f % MAXF] = len;
		atomic_store(&c->published, (uint64_t)f); /* the "ring publish" */
		if (agg_flush_done(a, (uint64_t)f))
			_exit(7);
	}
	_exit(0);
}

static struct mw_point pts[128];
static uint8_t tmp[FBUF];

/* Adds the calls and duration sums of one flush body to the totals. */
static void add_flush(const uint8_t *buf, size_t len, uint64_t *calls, double *sum)
{
	int n = mw_decode(buf, len, pts, 128);
	ck_assert_int_ge(n, 0);
	for (int i = 0; i < n; i++) {
		const char *nm = strstr(pts[i].attrs, "span.name=");
		ck_assert_ptr_nonnull(nm);
		uint32_t k = (uint32_t)atoi(nm + 11);
		ck_assert_uint_lt(k, NAMES);
		if (pts[i].type == MW_SUM)
			calls[k] += pts[i].count;
		else
			sum[k] += pts[i].sum;
	}
}

/* Flush outputs already added up (delta): the consumer side of the ring. */
static uint64_t consumed, pub_calls[NAMES], replays;
static double pub_sum[NAMES];

/* Checks the state against the records applied; returns applied_seq. */
static uint64_t verify(void *region, size_t size, struct ctl *c, bool delta)
{
	struct agg_params p;
	struct agg *a;
	uint64_t want_calls[NAMES] = { 0 }, got_calls[NAMES];
	double want_sum[NAMES] = { 0 }, got_sum[NAMES];
	params(&p, delta);
	ck_assert_int_eq(agg_attach(&a, region, size, &p), 0);
	struct agg_stats st;
	agg_get_stats(a, &st);
	replays += st.replayed_logs;
	ck_assert_int_eq(reconcile(a, c), 0);
	uint64_t applied = agg_applied_seq(a, 0);
	const struct sm_src *src = &a->h->src[0];
	uint64_t partial = src->partial_seq == applied + 1 ? src->partial_done : 0;
	for (uint64_t seq = 1; seq <= applied + (partial ? 1 : 0); seq++) {
		uint32_t n = seq <= applied ? spans_of(seq) : (uint32_t)partial;
		for (uint32_t i = 0; i < n; i++) {
			want_calls[name_of(seq, i)]++;
			want_sum[name_of(seq, i)] += (double)dur_of(seq, i);
		}
	}
	if (delta) /* published deltas plus what is not flushed yet */
		for (; consumed < agg_flushed_seq(a); consumed++)
			add_flush(c->buf[(consumed + 1) % MAXF], c->len[(consumed + 1) % MAXF], pub_calls,
				  pub_sum);
	memcpy(got_calls, pub_calls, sizeof got_calls);
	memcpy(got_sum, pub_sum, sizeof got_sum);
	size_t len;
	int64_t f = agg_flush(a, (RECORDS + 1) * SEC, tmp, sizeof tmp, &len);
	ck_assert_int_gt(f, 0);
	add_flush(tmp, len, got_calls, got_sum);
	ck_assert_int_eq(agg_flush_cancel(a, (uint64_t)f), 0);
	for (uint32_t k = 0; k < NAMES; k++) {
		ck_assert_msg(got_calls[k] == want_calls[k],
			      "name %u: %llu calls counted, %llu applied (seq %llu, partial %llu)", k,
			      (unsigned long long)got_calls[k], (unsigned long long)want_calls[k],
			      (unsigned long long)applied, (unsigned long long)partial);
		ck_assert_double_eq(got_sum[k], want_sum[k]);
	}
	agg_detach(a);
	return applied;
}

static void run(bool delta)
{
	struct agg_params p;
	params(&p, delta);
	size_t size = agg_region_size(&p);
	void *region = at_region(size);
	struct ctl *c = at_region(sizeof *c);
	ck_assert_ptr_nonnull(region);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(agg_format(region, size, &p, 1), 0);
	for (uint32_t i = 0; i < NAMES; i++)
		snprintf(names[i], sizeof names[i], "n%02u", i);
	res_len = at_resource(res, "service.name", "crashy", NULL);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	consumed = replays = 0;
	memset(pub_calls, 0, sizeof pub_calls);
	memset(pub_sum, 0, sizeof pub_sum);

	int kills = 0, done = 0;
	uint64_t last = 0;
	for (int round = 0; round < ROUNDS_MAX && !done; round++) {
		pid_t pid = fork();
		/* the child first: a ck_assert it ran would write a location
		 * message into Check's stream beside the parent's, and a kill
		 * mid-write left "Bad message type" there (1 run in 25) */
		if (pid == 0)
			child(region, size, c, delta);
		ck_assert_int_ge(pid, 0);
		/* early rounds die young (replay paths), later ones run longer */
		struct timespec ts = { 0, (long)(rand() % (round < 20 ? 200 : 1000)) * 1000 };
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int st;
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		if (WIFEXITED(st)) {
			ck_assert_msg(WEXITSTATUS(st) == 0, "child failed: %d", WEXITSTATUS(st));
			done = 1;
		} else {
			kills++;
		}
		uint64_t applied = verify(region, size, c, delta);
		ck_assert_uint_ge(applied, last); /* never goes back */
		last = applied;
	}
	/* bounded: whatever rounds are left, finish without kills */
	if (!done) {
		pid_t pid = fork();
		if (pid == 0)
			child(region, size, c, delta);
		int st;
		waitpid(pid, &st, 0);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_uint_eq(verify(region, size, c, delta), RECORDS);
	ck_assert_int_gt(kills, 50);
	fprintf(stderr, "%s: %d kills, %llu in a commit (log replayed)\n", delta ? "delta" : "cumulative",
		kills, (unsigned long long)replays);
	munmap(region, size);
	munmap(c, sizeof *c);
}

/* The crash windows hit by chance above, made on purpose: a committed log
 * found before any apply, halfway through it, and after all of it. Each
 * attach must give byte-for-byte the flush of the finished commit. */
static size_t flush_bytes(void *region, size_t size, const struct agg_params *p, uint8_t *out)
{
	struct agg *a;
	size_t len;
	ck_assert_int_eq(agg_attach(&a, region, size, p), 0);
	ck_assert_uint_eq(agg_applied_seq(a, 0), 2);
	ck_assert_int_gt(agg_flush(a, 99 * SEC, out, FBUF, &len), 0);
	agg_detach(a);
	return len;
}

static void apply_record(struct agg *a, uint64_t seq, uint32_t n)
{
	ck_assert_int_eq(agg_begin(a, 0, seq, seq * SEC), 0);
	ck_assert_int_eq(agg_resource(a, (struct otlp_bytes){ res, res_len }), 0);
	for (uint32_t i = 0; i < n; i++) {
		struct agg_span s = at_span(names[name_of(seq, i)], 2, 0, 0, dur_of(seq, i) * MS);
		ck_assert_int_eq(agg_add(a, &s), 0);
	}
	ck_assert_int_eq(agg_commit(a), 0);
}

START_TEST(replay_windows)
{
	static uint8_t want[FBUF], got[FBUF];
	struct agg_params p;
	struct agg *a;
	params(&p, false);
	p.commit_series = 64; /* one log for the whole record */
	size_t size = agg_region_size(&p);
	uint8_t *region = at_region(size), *s0 = malloc(size), *s1 = malloc(size);
	for (uint32_t i = 0; i < NAMES; i++)
		snprintf(names[i], sizeof names[i], "n%02u", i);
	res_len = at_resource(res, "service.name", "crashy", NULL);
	ck_assert_int_eq(agg_format(region, size, &p, 1), 0);
	ck_assert_int_eq(agg_attach(&a, region, size, &p), 0);
	apply_record(a, 1, 30);
	memcpy(s0, region, size);
	apply_record(a, 2, 40);
	memcpy(s1, region, size);
	agg_detach(a);
	size_t wl = flush_bytes(region, size, &p, want);

	const struct sm_hdr *h = (const struct sm_hdr *)s1;
	uint64_t lo = h->log_off, ll = h->log_size;
	/* before any apply: the old state plus the committed log */
	memcpy(region, s0, size);
	memcpy(region + lo, s1 + lo, ll);
	atomic_store(&((struct sm_log_hdr *)(region + lo))->state, 1);
	ck_assert_uint_eq(flush_bytes(region, size, &p, got), wl);
	ck_assert_int_eq(memcmp(got, want, wl), 0);
	/* halfway: the first half of the slots already written */
	memcpy(region, s0, size);
	memcpy(region + h->res_off, s1 + h->res_off, (size - h->res_off) / 2);
	memcpy(region + lo, s1 + lo, ll);
	atomic_store(&((struct sm_log_hdr *)(region + lo))->state, 1);
	ck_assert_uint_eq(flush_bytes(region, size, &p, got), wl);
	ck_assert_int_eq(memcmp(got, want, wl), 0);
	/* after all of it, before the log was cleared: applied twice */
	memcpy(region, s1, size);
	atomic_store(&((struct sm_log_hdr *)(region + lo))->state, 1);
	ck_assert_uint_eq(flush_bytes(region, size, &p, got), wl);
	ck_assert_int_eq(memcmp(got, want, wl), 0);
	/* a log written but never marked: ignored, record 2 not applied */
	memcpy(region, s0, size);
	memcpy(region + lo, s1 + lo, ll);
	ck_assert_int_eq(agg_attach(&a, region, size, &p), 0);
	ck_assert_uint_eq(agg_applied_seq(a, 0), 1);
	agg_detach(a);
	free(s0);
	free(s1);
	munmap(region, size);
}
END_TEST

START_TEST(kill9_cumulative)
{
	run(false);
}
END_TEST
START_TEST(kill9_delta)
{
	run(true);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spanmetrics_crash");
	TCase *tc = tcase_create("kill9");
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, replay_windows);
	tcase_add_test(tc, kill9_cumulative);
	tcase_add_test(tc, kill9_delta);
	suite_add_tcase(s, tc);
	return check_run(s, CK_NOFORK) ? 1 : 0;
}
