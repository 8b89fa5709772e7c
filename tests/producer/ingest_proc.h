/* tests/producer/ingest_proc.h: run a real sluice-ingest against a real
 * segment, for the process tests and the benchmark.
 *
 *   ip_start(&ip, ring_cap, extra)   create /sluice.<unique>, eventfds, a
 *                                    temp config (ports 0 = any free port;
 *                                    `extra` YAML lines go under the otlp
 *                                    receiver), exec sluice-ingest, wait
 *                                    for both "listening" log lines
 *   ip.http, ip.grpc                 the ports it got
 *   ip.ring                          consumer handle on ring 0
 *   ip_stop(&ip)                     SIGTERM, wait (bounded); exit status
 *   ip_destroy(&ip)                  unlink the segment and temp files
 */
#ifndef SLUICE_TESTS_INGEST_PROC_H
#define SLUICE_TESTS_INGEST_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shm/segment.h"

struct ingest_proc {
	pid_t pid;
	char inst[48];
	char cfg[128];
	char log[128];
	uint16_t http, grpc;
	struct segment seg;
	struct ring ring;
	struct stage_stats *stats;
};

/* Path of the built sluice-ingest / the source tree (compile definitions). */
const char *ip_ingest_bin(void);
const char *ip_source_dir(void);

/* Create the segment (ring 0 of ring_cap bytes) and start the process.
 * 0 or -errno (the log is kept in ip->log for a failing test to print). */
int ip_start(struct ingest_proc *ip, uint64_t ring_cap, const char *extra);
/* Start again on the same segment (after ip_stop). */
int ip_restart(struct ingest_proc *ip);
/* SIGTERM and wait up to 20 s. Returns the exit code, 128+sig if killed by
 * a signal, -ETIMEDOUT (then SIGKILLed). */
int ip_stop(struct ingest_proc *ip);
/* Wait for the process to exit by itself, up to ms. Same returns. */
int ip_wait(struct ingest_proc *ip, unsigned ms);
void ip_destroy(struct ingest_proc *ip);
/* In a Check runner's main, after srunner_run_all: remove segments and
 * temp files its (forked) tests left behind when an assertion failed. */
void ip_cleanup_runner(void);
/* Print the process log to stderr (for failures). */
void ip_dump_log(const struct ingest_proc *ip);

/* Run a program with argv (NULL-terminated), wait up to timeout_ms.
 * Returns its exit code, or -ETIMEDOUT (killed), -errno. */
int ip_run(char *const argv[], unsigned timeout_ms);

/* One unary gRPC call over a fresh h2c connection (net/h2 client). */
struct ip_grpc_result {
	int err;               /* 0 answered, else -errno */
	int http_status;
	int grpc_status;
	char message[256];
	int64_t retry_delay_ns;
	size_t msg_len;
};
int ip_grpc_call(uint16_t port, const char *path, const void *msg, size_t len,
		 bool compressed, struct ip_grpc_result *res);

#endif
