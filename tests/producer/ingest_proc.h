/* tests/producer/ingest_proc.h: run a real sluice-ingest against a real
 * segment, for the process tests and the benchmark.
 *
 *   ip_start(&ip, ring_cap, extra)   a traces pipeline from one otlp
 *                                    receiver (ports 0 = any free port;
 *                                    `extra` YAML lines go under the otlp
 *                                    receiver)
 *   ip_start_yaml(&ip, ring_cap, y)  any config (without a `sluice:` key:
 *                                    the instance is added)
 *   both: load the config (for its plan), create /sluice.<unique> with the
 *   plan's rings (IN rings of ring_cap bytes), names, topology and
 *   component-stats slots, and eventfds; exec sluice-ingest; wait for its
 *   "serving N listeners" line
 *   ip.http, ip.grpc                 the first receiver's ports
 *   ip_port(&ip, "otlp/b", grpc)     another receiver's
 *   ip.ring                          consumer handle on ring 0
 *   ip_ring(&ip, "in:logs")          consumer handle on a ring by name
 *   ip_stat(&ip, "otlp", t, sig)     a receiver's component-stats slot
 *   ip_stop(&ip)                     SIGTERM, wait (bounded); exit status
 *   ip_destroy(&ip)                  unlink the segment and temp files
 */
#ifndef SLUICE_TESTS_INGEST_PROC_H
#define SLUICE_TESTS_INGEST_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config/config.h"
#include "config/plan.h"
#include "otlp/signal.h"
#include "shm/segment.h"

#define IP_MAX_RECV 8

struct ip_recv {
	char id[64];
	uint16_t http, grpc;
};

struct ingest_proc {
	pid_t pid;
	char inst[48];
	char cfg[128];
	char log[128];
	uint16_t http, grpc;		  /* the first receiver's */
	struct ip_recv recv[IP_MAX_RECV]; /* every listening receiver */
	unsigned nrecv;
	struct sluice_config *config; /* as loaded by the test: the plan */
	struct segment seg;
	struct ring ring; /* ring 0 */
	struct ring rings[PLAN_MAX_RINGS];
	struct stage_stats *stats;
};

/* Path of the built sluice-ingest / the source tree (compile definitions). */
const char *ip_ingest_bin(void);
const char *ip_source_dir(void);

/* Create the segment (ring 0 of ring_cap bytes) and start the process.
 * 0 or -errno (the log is kept in ip->log for a failing test to print). */
int ip_start(struct ingest_proc *ip, uint64_t ring_cap, const char *extra);
/* The same with a whole config (YAML without a `sluice:` key). */
int ip_start_yaml(struct ingest_proc *ip, uint64_t ring_cap, const char *yaml);
/* Consumer handle of the plan's ring called name, NULL if none. */
struct ring *ip_ring(struct ingest_proc *ip, const char *name);
/* Port of receiver id's protocol, 0 if it does not listen. */
uint16_t ip_port(const struct ingest_proc *ip, const char *receiver, bool grpc);
/* The component-stats slot of (receiver id, transport, signal), NULL if the
 * plan has none. */
struct seg_component *ip_stat(struct ingest_proc *ip, const char *receiver, enum plan_transport t,
			      enum otlp_signal sig);
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
	int err; /* 0 answered, else -errno */
	int http_status;
	int grpc_status;
	char message[256];
	int64_t retry_delay_ns;
	size_t msg_len;
};
int ip_grpc_call(uint16_t port, const char *path, const void *msg, size_t len, bool compressed,
		 struct ip_grpc_result *res);

#endif
