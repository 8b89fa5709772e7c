/* tests/exporter/xt.h: helpers for the export stage's tests: a segment with
 * its OUT rings filled by the test (ring 2 of the classic three, or every
 * ring of a config's plan: xt_plan), request bodies of every signal made
 * with protobuf-c, real sluice-export and sluice-sink processes on
 * 127.0.0.1, and checks of what the sink received (decoded again with
 * protobuf-c). Every wait is bounded. */
#ifndef SLUICE_TESTS_EXPORTER_XT_H
#define SLUICE_TESTS_EXPORTER_XT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shm/segment.h"

struct sluice_config;

struct xt_body {
	uint8_t *data;
	size_t len;
	uint32_t spans;
	uint64_t seq;
};

/* A scratch dir /tmp/xt-<pid>-<tag> (created empty) and an instance name. */
struct xt_env {
	char dir[256];
	char instance[64];
	struct segment seg;
	struct ring ring; /* producer handle on ring 2 */
	uint64_t next_seq;
	char sink_bodies[300], sink_log[300], sink_ports[300];
	uint16_t http_port, grpc_port; /* sink ports: 0 = any, set after start */
	char stop_timeout[16];	       /* sluice.stop_timeout (default "20s") */
	pid_t sink_pid, export_pid;
	void (*export_setup)(void); /* run in the export child before exec (NULL: none) */
	/* xt_plan */
	struct sluice_config *cfg; /* the config the segment was laid out from */
	bool planned;
	struct ring rings[64]; /* producer handles, opened on first publish */
	bool ring_open[64];
};

/* Creates the dir, the segment (ring 2 of ring2_cap bytes), its eventfds and
 * SLUICE_WAKE_FDS in our environment (children inherit them). */
void xt_setup(struct xt_env *e, const char *tag, uint64_t ring2_cap);
/* Only the dir and the instance name (then xt_plan makes the segment). */
void xt_init(struct xt_env *e, const char *tag);
/* Writes <dir>/export.yaml from a whole config (%HTTP%, %GRPC%, %DIR%,
 * %INSTANCE% substituted; a `sluice:` block with the instance, state_dir
 * and stop_timeout appended when the text has none), loads it and creates
 * the segment from its plan as the supervisor does: every ring (OUT rings
 * of out_cap bytes, the others 64 KiB) with its name, kind and signal, a
 * component slot per plan stat, eventfds in our environment. */
void xt_plan(struct xt_env *e, const char *yaml, uint64_t out_cap);
/* Index of the ring called name ("out:logs"); fails the test if none. */
int xt_ring_index(struct xt_env *e, const char *name);
/* Publishes b into ring `ring` as a RECORD_F_REQUEST record of signal
 * (RECORD_SIGNAL_*), b->spans items; b->seq = the ring's seq. 0 or -errno. */
int xt_publish_ring(struct xt_env *e, int ring, struct xt_body *b, int timeout_ms, unsigned signal);
bool xt_wait_ring_index_empty(struct xt_env *e, int ring, int timeout_ms);
/* Starts sluice-export -c <dir>/export.yaml (written by xt_plan). */
void xt_export_exec(struct xt_env *e);
/* The component-stats slot of exporter `exporter` in `pipeline`. */
struct seg_component *xt_exporter_slot(struct xt_env *e, const char *pipeline, const char *exporter);
/* in with %HTTP% %GRPC% %DIR% %INSTANCE% replaced. */
void xt_subst(char *out, size_t cap, const char *in, const struct xt_env *e);
/* The sluice-sink in use takes logs and metrics (--bodies-logs). */
bool xt_sink_has_signals(void);

/* Done marks (shm/donemark.h, xt_done.c): room for them in a hand-made
 * segment's params (ring 2), formatted from the exporter ids of the first
 * xt_export_start; the entries a plan gets (s[max]; returns how many). */
struct segment_params;
struct donemark_spec;
void xt_done_reserve(struct segment_params *p, uint64_t ring2_cap);
void xt_done_format_ids(struct xt_env *e, const char *ids);
uint32_t xt_done_plan(const struct sluice_config *cfg, uint64_t out_cap, struct donemark_spec *s,
		      uint32_t max);

/* Kills what is left, unlinks the segment, removes the dir. */
void xt_teardown(struct xt_env *e);

/* ExportTraceServiceRequest with n spans; span ids encode (batch, i), so
 * every span in a test is unique. Free with xt_body_free. */
struct xt_body xt_make_body(uint32_t batch, uint32_t n);
void xt_body_free(struct xt_body *b);

/* Publishes b in ring 2 as a RECORD_F_REQUEST record with the next seq
 * (stored in b->seq). Waits up to timeout_ms for space; 0 or -errno. */
int xt_publish(struct xt_env *e, struct xt_body *b, int timeout_ms);
/* The same with other record flags (0 = the payload is one bare ResourceSpans). */
int xt_publish_flags(struct xt_env *e, struct xt_body *b, int timeout_ms, uint16_t flags);

/* fork + exec argv[0] with stdout/stderr appended to out/err; setup runs
 * in the child first (NULL: none). */
pid_t xt_spawn(char *const argv[], const char *out, const char *err, void (*setup)(void));

/* A port nothing listens on right now (for a backend that starts later). */
uint16_t xt_free_port(void);

/* Starts sluice-sink with extra args (NULL-terminated) on e->http_port /
 * e->grpc_port (0 = any) and waits for its ports. Bodies go to e->sink_bodies, the log to e->sink_log. */
void xt_sink_start(struct xt_env *e, const char *const *args);
/* SIGTERM and reap; returns the exit status (or -1). */
int xt_stop(pid_t *pid, int sig);

/* Writes <dir>/export.yaml with `exporters_yaml` (the `exporters:` map
 * body, indented 2) and starts sluice-export -c it; stderr to
 * <dir>/export.log. `%HTTP%` and `%GRPC%` in the text become the sink's
 * ports, `%DIR%` the scratch dir. */
void xt_export_start(struct xt_env *e, const char *exporters_yaml, const char *exporter_ids);

/* Waits until the export stage marked itself RUNNING in its stats block. */
bool xt_wait_running(struct xt_env *e, int timeout_ms);

/* Reads the sink's bodies file; returns the count, bodies in *out (free
 * with xt_bodies_free). */
size_t xt_read_bodies(const char *path, struct xt_body **out);
void xt_bodies_free(struct xt_body *b, size_t n);

/* Accepted span count so far, from the sink log (0 if none). */
uint64_t xt_sink_spans(const struct xt_env *e);
/* Waits until the sink has accepted at least n spans; false on timeout. */
bool xt_wait_spans(const struct xt_env *e, uint64_t n, int timeout_ms);
/* Waits until ring 2 is fully committed (tail == head); false on timeout. */
bool xt_wait_ring_empty(struct xt_env *e, int timeout_ms);

/* Bodies of the other signals, items identified as xt_make_body's spans:
 * logs: n log records with body "log-<batch>-<i>" and attribute xt.id =
 * batch << 20 | i; metrics: one monotonic cumulative Sum `name` (xt.sum)
 * with n int data points, value base + i (1 + i), attribute xt.id. The
 * body's `spans` is the item count. */
struct xt_body xt_make_logs(uint32_t batch, uint32_t n);
struct xt_body xt_make_metrics(uint32_t batch, uint32_t n);
struct xt_body xt_make_metrics_named(uint32_t batch, uint32_t n, const char *name, int64_t base);
/* signal 0 traces, 1 logs, 2 metrics (enum otlp_signal) */
struct xt_body xt_make_signal(int signal, uint32_t batch, uint32_t n);
/* xt_count_spans for any signal (0 traces, 1 logs, 2 metrics). */
bool xt_count_items(int signal, const struct xt_body *got, size_t n, uint32_t batches, uint32_t per,
		    uint32_t *counts);

/* Decodes every received body with protobuf-c and counts how many times
 * each (batch, i) span id arrived. want[b*per + i] counts; returns false
 * if a body fails to decode or a span id is outside the range. */
bool xt_count_spans(const struct xt_body *got, size_t n, uint32_t batches, uint32_t per, uint32_t *counts);

/* The sink's bodies hold each of batches x per spans exactly once (and,
 * with bytes_equal, every body is byte for byte one that was sent). */
void xt_check_exact(struct xt_env *e, const struct xt_body *sent, uint32_t batches, uint32_t per,
		    bool bytes_equal);

/* One line of the sink log. */
struct xt_logline {
	uint64_t ms;
	uint64_t n;
	char proto[8];
	char answer[32];
	uint64_t spans;
	uint32_t crc;
};
size_t xt_read_log(const char *path, struct xt_logline **out);

uint32_t xt_crc(const struct xt_body *b);
/* Files in dir ending with suffix. */
size_t xt_count_files(const char *dir, const char *suffix);
/* Whole file into a malloc'd NUL-terminated buffer (NULL if absent). */
char *xt_slurp(const char *path, size_t *len);
/* The dead letter of batch seq from exporter: its body (ext "pb") or its
 * metadata ("json"), as xt_slurp. pipe_dir: the dead_letter_dir's
 * directory of the pipeline ("<dead_letter_dir>/traces"). */
char *xt_dead_letter(const char *pipe_dir, uint64_t seq, const char *exporter, const char *ext, size_t *len);
void xt_msleep(int ms);
bool xt_asan(void); /* built with sanitizers: tests scale down */

#endif
