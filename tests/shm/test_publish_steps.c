/* tests/shm/test_publish_steps.c - "whatever instruction the producer died
 * on", checked at every instruction instead of at random kill points.
 *
 * A child producer runs under ptrace: it reserves batches of records, fills
 * them, notes source seqs and publishes, while the parent single-steps it
 * and, at every instruction boundary (where a kill -9 could land: the
 * child is stopped, its retired stores visible), reads the shared ring as
 * a restarted stage would and checks:
 *   - every visible record is intact (ring_peek never sees a torn or
 *     unsealed record: the checksum is written before head),
 *   - ring_last_seq is the seq of the last visible record,
 *   - ring_source_seq(k) equals the source table carried by the last
 *     visible record (each record carries the table its producer noted).
 * Exit 77 (skip) where ptrace is not allowed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/ring.h"

#define CAP 65536u
#define NSRC RING_MAX_SOURCES
#define TABLE_BYTES (NSRC * 8)
#define PUBLISHES 40

static void producer(void *mem)
{
	uint64_t table[NSRC] = { 0 }, counter = 0;
	struct ring r;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(77);
	raise(SIGSTOP);
	if (ring_init(&r, mem, -1, -1))
		_exit(2);
	for (unsigned i = 0; i < PUBLISHES; i++) {
		unsigned batch = 1 + i % 3, mask = (i * 37u + 5) & 0xff;

		for (unsigned k = 0; k < NSRC; k++)
			if (mask & (1u << k)) {
				table[k] = ++counter;
				ring_note_source(&r, k, table[k]);
			}
		for (unsigned b = 0; b < batch; b++) {
			struct record *rec;

			/* the parent reads without committing: wrap-free space */
			if (ring_try_reserve(&r, TABLE_BYTES + 8 * (i % 5), &rec))
				_exit(3);
			memset(record_payload(rec), 0, TABLE_BYTES + 8 * (i % 5));
			memcpy(record_payload(rec), table, TABLE_BYTES);
			rec->items = 1;
		}
		ring_publish(&r);
	}
	_exit(0);
}

/* The invariant, as a restarted stage sees it. 0 if it holds. */
static int check(void *mem, uint64_t *visible)
{
	uint64_t table[NSRC] = { 0 }, last = 0, n = 0;
	const struct record *rec;
	struct ring r;
	int rc;

	if (ring_init(&r, mem, -1, -1))
		return 1;
	while ((rc = ring_try_peek(&r, &rec)) == 0) {
		memcpy(table, record_cpayload(rec), TABLE_BYTES);
		last = rec->seq;
		n++;
	}
	if (rc != -EAGAIN)
		return 2; /* a torn or unsealed record was visible */
	if (ring_last_seq(&r) != last)
		return 3;
	for (unsigned k = 0; k < NSRC; k++)
		if (ring_source_seq(&r, k) != table[k])
			return 4;
	*visible = n;
	return 0;
}

int main(void)
{
	void *mem = mmap(NULL, RING_CTRL_SIZE + CAP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
			 0);
	uint64_t steps = 0, visible = 0, changes = 0, prev = 0;
	int status, bad = 0;
	pid_t pid;

	if (mem == MAP_FAILED || ring_format(mem, CAP))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		producer(mem);
	if (waitpid(pid, &status, 0) != pid)
		return 1;
	if (WIFEXITED(status)) {
		fprintf(stderr, "ptrace not allowed here: skipped\n");
		return WEXITSTATUS(status) == 77 ? 77 : 1;
	}
	for (;;) {
		int why = check(mem, &visible);

		if (why) {
			if (bad++ < 5)
				fprintf(stderr, "step %llu: invariant %d broken (%llu records visible)\n",
					(unsigned long long)steps, why, (unsigned long long)visible);
		}
		changes += visible != prev;
		prev = visible;
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0 || waitpid(pid, &status, 0) != pid) {
			perror("ptrace");
			return 1;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			break;
		steps++;
	}
	fprintf(stderr,
		"test_publish_steps: %llu instructions stepped, %llu publishes seen, "
		"%llu records visible at the end, %d broken\n",
		(unsigned long long)steps, (unsigned long long)changes, (unsigned long long)visible, bad);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "producer failed: status %d\n", status);
		return 1;
	}
	return bad || changes != PUBLISHES ? 1 : 0;
}
