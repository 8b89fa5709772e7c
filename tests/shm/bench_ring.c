/* tests/shm/bench_ring.c - ring throughput between two processes and
 * wake-up latency of a sleeping consumer. Not a test: prints figures.
 *
 *   bench_ring [-r runs] [-c ring_bytes] [-b batch] [-s size]... [-w samples] [-T|-L]
 *
 * Throughput: the parent produces records of a fixed payload size (memcpy
 * from a source buffer into the reserved record, publish every `batch`
 * records); a forked child peeks each record and memcpy's the payload out
 * into its own buffer, committing every capacity/8 bytes or before it
 * sleeps. Time runs from the child's "ready" to its last record. Baseline in
 * the same run: one process memcpy'ing the same bytes, record by record,
 * into a buffer as large as the ring. Each figure is the median of `runs`.
 *
 * Wake-up latency: the child sleeps in ring_peek (futex, no timeout) or in
 * poll() on the ring's eventfd; the parent publishes one record carrying
 * CLOCK_MONOTONIC every ~1 ms (long past the spin phase); the child records
 * now - stamp. p50 / p99 / max over `samples`. Baseline in the same run:
 * the same stamp written into a pipe the child blocks in read() on.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/segment.h"
#include "tests/shm/shm_test.h"

#define MAX_RUNS 15

struct opts {
	int runs;
	uint64_t cap;
	uint32_t batch;
	uint32_t sizes[8];
	int nsizes;
	int samples;
};

static char inst[64];

/* CPU time of the calling process: with ~8 other engineers' jobs on two
 * cores, wall time measures the neighbours; CPU time measures our work. */
static int64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct timing {
	double wall; /* seconds */
	double cpu;  /* seconds: the busier side's CPU time */
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static uint64_t record_count(uint32_t size)
{
	uint64_t n = (1ull << 30) / size; /* ~1 GiB a run */

	return n > 20000000 ? 20000000 : n < 20000 ? 20000 : n;
}

static struct segment make_segment(uint64_t cap)
{
	struct segment_params p = { .nrings = 1, .ring_capacity = { cap } };
	struct segment seg;

	segment_unlink(inst);
	if (segment_create(&seg, inst, &p) || segment_wake_create(&seg)) {
		fprintf(stderr, "bench_ring: %s\n", segment_errmsg(&seg));
		exit(1);
	}
	return seg;
}

/* Child: consume n records of `size`, copy each payload out; report the
 * end time on the pipe. */
static void consumer(struct segment *seg, uint64_t n, uint32_t size, int fd)
{
	uint8_t *dst = malloc(size ? size : 1);
	const struct record *rec;
	uint64_t chunk, end_ns;
	struct ring r;
	char ready = 1;
	int64_t cpu0;

	if (!dst || segment_ring(seg, 0, &r))
		_exit(2);
	chunk = ring_capacity(&r) / 8;
	if (write(fd, &ready, 1) != 1)
		_exit(2);
	cpu0 = cpu_ns();
	for (uint64_t i = 0; i < n; i++) {
		if (ring_try_peek(&r, &rec) == -EAGAIN) {
			ring_commit(&r, ring_cursor(&r));
			if (ring_peek(&r, &rec, 10ll * 1000000000))
				_exit(3);
		}
		memcpy(dst, record_cpayload(rec), rec->len);
		if (ring_cursor(&r) - ring_committed(&r) >= chunk)
			ring_commit(&r, ring_cursor(&r));
	}
	ring_commit(&r, ring_cursor(&r));
	end_ns = (uint64_t)shm_test_now_ns();
	if (dst[0] == 0xfe && dst[size ? size - 1 : 0] == 0xff) /* keep the copies */
		end_ns++;
	int64_t msg[2] = { (int64_t)end_ns, cpu_ns() - cpu0 };
	if (write(fd, msg, sizeof(msg)) != sizeof(msg))
		_exit(2);
	free(dst);
	_exit(0);
}

/* One two-process run. */
static struct timing run_ring(const struct opts *o, uint32_t size, uint64_t n, const uint8_t *src)
{
	struct segment seg = make_segment(o->cap);
	int64_t msg[2], start_ns, cpu0, pcpu;
	struct ring r;
	int pfd[2], status;
	char ready;
	pid_t pid;

	if (pipe(pfd) || segment_ring(&seg, 0, &r))
		exit(1);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		consumer(&seg, n, size, pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], &ready, 1) != 1)
		exit(1);
	start_ns = shm_test_now_ns();
	cpu0 = cpu_ns();
	for (uint64_t i = 0; i < n; i++) {
		struct record *rec;

		if (ring_reserve(&r, size, &rec, 10ll * 1000000000)) {
			fprintf(stderr, "bench_ring: reserve stalled\n");
			exit(1);
		}
		rec->seq = i + 1;
		memcpy(record_payload(rec), src, size);
		if ((i + 1) % o->batch == 0)
			ring_publish(&r);
	}
	ring_publish(&r);
	pcpu = cpu_ns() - cpu0;
	if (read(pfd[0], msg, sizeof(msg)) != sizeof(msg) || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_ring: consumer failed\n");
		exit(1);
	}
	close(pfd[0]);
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
	return (struct timing){ (double)(msg[0] - start_ns) / 1e9,
				(double)(msg[1] > pcpu ? msg[1] : pcpu) / 1e9 };
}

/* Baseline: the same bytes memcpy'd record by record into a ring-sized
 * buffer, in one process. */
static struct timing run_memcpy(const struct opts *o, uint32_t size, uint64_t n, const uint8_t *src,
				uint8_t *buf)
{
	uint64_t stride = record_size(size), pos = 0;
	int64_t t0 = shm_test_now_ns(), c0 = cpu_ns();

	for (uint64_t i = 0; i < n; i++) {
		if (pos + stride > o->cap)
			pos = 0;
		memcpy(buf + pos + RECORD_HDR_SIZE, src, size);
		__asm__ __volatile__("" : : "r"(buf) : "memory");
		pos += stride;
	}
	return (struct timing){ (double)(shm_test_now_ns() - t0) / 1e9, (double)(cpu_ns() - c0) / 1e9 };
}

static void throughput(const struct opts *o)
{
	uint8_t *src = malloc(1 << 17), *buf = malloc(o->cap);

	if (!src || !buf)
		exit(1);
	memset(buf, 1, o->cap);
	for (int i = 0; i < (1 << 17); i++)
		src[i] = (uint8_t)(i * 7);
	printf("ring %llu bytes, publish every %u record(s), median of %d runs\n", (unsigned long long)o->cap,
	       o->batch, o->runs);
	printf("%8s %9s | %-37s | %-37s\n", "", "", "wall clock", "CPU time (busier side)");
	printf("%8s %9s | %10s %8s %10s %6s | %10s %8s %10s %6s\n", "payload", "records", "rec/s", "GB/s",
	       "memcpy", "ratio", "rec/s", "GB/s", "memcpy", "ratio");
	for (int s = 0; s < o->nsizes; s++) {
		uint32_t size = o->sizes[s];
		uint64_t n = record_count(size);
		double rw[MAX_RUNS], rc[MAX_RUNS], mw[MAX_RUNS], mc[MAX_RUNS];

		for (int i = 0; i < o->runs; i++) {
			struct timing t = run_ring(o, size, n, src), m = run_memcpy(o, size, n, src, buf);

			rw[i] = t.wall;
			rc[i] = t.cpu;
			mw[i] = m.wall;
			mc[i] = m.cpu;
		}
		double bytes = (double)n * size;
		double w = median(rw, o->runs), c = median(rc, o->runs);
		double bw = median(mw, o->runs), bc = median(mc, o->runs);

		printf("%8u %9llu | %10.0f %8.2f %10.2f %5.0f%% | %10.0f %8.2f %10.2f %5.0f%%\n", size,
		       (unsigned long long)n, n / w, bytes / w / 1e9, bytes / bw / 1e9, 100.0 * bw / w, n / c,
		       bytes / c / 1e9, bytes / bc / 1e9, 100.0 * bc / c);
		fflush(stdout);
	}
	free(src);
	free(buf);
}

enum {
	WAKE_FUTEX,
	WAKE_EVENTFD,
	WAKE_PIPE,
	WAKE_HOWS
};
static const char *const wake_names[WAKE_HOWS] = { "futex", "eventfd", "pipe" };

/* Child of the latency test: collect `samples` wake-up delays. WAKE_PIPE
 * is the kernel baseline: a blocking read() on a pipe the parent writes
 * the stamp into, no ring involved. */
static void sleeper(struct segment *seg, int samples, int how, int fd, int data_pipe)
{
	double *lat = malloc(sizeof(double) * (size_t)samples);
	const struct record *rec;
	struct ring r;
	char ready = 1;

	if (!lat || segment_ring(seg, 0, &r) || write(fd, &ready, 1) != 1)
		_exit(2);
	for (int i = 0; i < samples; i++) {
		if (how == WAKE_PIPE) {
			int64_t stamp;

			if (read(data_pipe, &stamp, sizeof(stamp)) != sizeof(stamp))
				_exit(3);
			lat[i] = (double)(shm_test_now_ns() - stamp) / 1e3;
			continue;
		}
		if (how == WAKE_EVENTFD) {
			struct pollfd p = { .fd = ring_data_fd(&r), .events = POLLIN };

			if (ring_arm_data(&r) == 0 && poll(&p, 1, 10000) != 1)
				_exit(3);
			ring_fd_drain(p.fd);
			if (ring_try_peek(&r, &rec))
				_exit(3);
		} else if (ring_peek(&r, &rec, -1)) {
			_exit(3);
		}
		lat[i] = (double)(shm_test_now_ns() - (int64_t)rec->ingest_ns) / 1e3;
		ring_commit(&r, ring_cursor(&r));
	}
	qsort(lat, (size_t)samples, sizeof(double), cmp_double);
	double out[3] = { lat[samples / 2], lat[samples * 99 / 100], lat[samples - 1] };
	if (write(fd, out, sizeof(out)) != sizeof(out))
		_exit(2);
	_exit(0);
}

static void latency(const struct opts *o, int how, double out[3])
{
	struct segment seg = make_segment(1 << 16);
	struct timespec gap = { 0, 1000000 };
	struct ring r;
	int pfd[2], dfd[2], status;
	char ready;
	pid_t pid;

	if (pipe(pfd) || pipe(dfd) || segment_ring(&seg, 0, &r))
		exit(1);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		close(dfd[1]);
		sleeper(&seg, o->samples, how, pfd[1], dfd[0]);
	}
	close(pfd[1]);
	close(dfd[0]);
	if (read(pfd[0], &ready, 1) != 1)
		exit(1);
	for (int i = 0; i < o->samples; i++) {
		struct record *rec;

		nanosleep(&gap, NULL);
		if (how == WAKE_PIPE) {
			int64_t stamp = shm_test_now_ns();

			if (write(dfd[1], &stamp, sizeof(stamp)) != sizeof(stamp))
				exit(1);
			continue;
		}
		if (ring_try_reserve(&r, 8, &rec))
			exit(1);
		rec->seq = (uint64_t)i + 1;
		rec->ingest_ns = (uint64_t)shm_test_now_ns();
		ring_publish(&r);
	}
	if (read(pfd[0], out, sizeof(double) * 3) != sizeof(double) * 3 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		exit(1);
	close(pfd[0]);
	close(dfd[1]);
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
}

static void wakeups(const struct opts *o)
{
	printf("wake-up latency, consumer asleep, %d samples a run, median of %d runs (us)\n", o->samples,
	       o->runs);
	printf("%8s %8s %8s %8s\n", "how", "p50", "p99", "max");
	for (int e = 0; e < WAKE_HOWS; e++) {
		double p50[MAX_RUNS], p99[MAX_RUNS], mx[MAX_RUNS], v[3];

		for (int i = 0; i < o->runs; i++) {
			latency(o, e, v);
			p50[i] = v[0];
			p99[i] = v[1];
			mx[i] = v[2];
		}
		printf("%8s %8.1f %8.1f %8.1f\n", wake_names[e], median(p50, o->runs), median(p99, o->runs),
		       median(mx, o->runs));
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .runs = 5, .cap = SEG_DEFAULT_RING_CAPACITY, .batch = 1, .samples = 2000 };
	int opt, only_tp = 0, only_wake = 0;

	while ((opt = getopt(argc, argv, "r:c:b:s:w:TL")) != -1) {
		switch (opt) {
		case 'r':
			o.runs = atoi(optarg);
			break;
		case 'c':
			o.cap = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			o.batch = (uint32_t)atoi(optarg);
			break;
		case 's':
			if (o.nsizes < 8)
				o.sizes[o.nsizes++] = (uint32_t)atoi(optarg);
			break;
		case 'w':
			o.samples = atoi(optarg);
			break;
		case 'T':
			only_tp = 1;
			break;
		case 'L':
			only_wake = 1;
			break;
		default:
			fprintf(stderr, "usage: bench_ring [-r runs] [-c ring_bytes] [-b batch] [-s size]... "
					"[-w samples] [-T throughput only] [-L latency only]\n");
			return 2;
		}
	}
	if (o.runs < 1 || o.runs > MAX_RUNS || o.batch < 1 || o.samples < 100 || o.cap < RING_MIN_CAPACITY)
		return 2;
	if (!o.nsizes) {
		static const uint32_t def[] = { 64, 256, 4096, 65536 };
		memcpy(o.sizes, def, sizeof(def));
		o.nsizes = 4;
	}
	shm_test_instance(inst, sizeof(inst), "bench");
	if (!only_wake)
		throughput(&o);
	if (!only_tp)
		wakeups(&o);
	return 0;
}
