/* exporter/deadletter.h: where a batch refused for good is kept.
 *
 * A batch that the backend refused permanently (non-retryable answer) or
 * that ran out of retries is written to the dead-letter directory as two
 * files, named by the sequence number of its pipeline's OUT ring and the
 * exporter (the directory is the exporter's and the pipeline's:
 * exporter/paths.h):
 *
 *   <dir>/<seq 20 digits>-<exporter>.pb    the Export*ServiceRequest body
 *   <dir>/<seq 20 digits>-<exporter>.json  one JSON object:
 *       {"exporter":"otlphttp","pipeline":"traces","signal":"traces",
 *        "seq":42,"reason":"http status 400","status":400,
 *        "time":"2026-11-25T04:50:00.123Z","time_unix_nano":...,
 *        "spans":512,"bytes":113000,"attempts":1}
 *   (the item count's key is the signal's: spans, log_records,
 *   metric_points)
 *
 * The body is written first (temp name, fsync, rename), then the metadata
 * the same way, then the directory is fsynced: a .json file exists only for
 * a complete body, and a batch counts as handled only after both exist.
 */
#ifndef SLUICE_EXPORTER_DEADLETTER_H
#define SLUICE_EXPORTER_DEADLETTER_H

#include <stddef.h>
#include <stdint.h>

struct deadletter_meta {
	const char *exporter; /* exporter name, [A-Za-z0-9_.-] kept, others '_' */
	const char *pipeline; /* "traces/payments" (NULL: not written) */
	const char *signal;   /* "traces" (NULL: not written) */
	const char *item_key; /* "spans", "log_records", "metric_points" (NULL: "spans") */
	uint64_t seq;	      /* ring sequence number of the batch */
	const char *reason;   /* human text, e.g. "http status 400: bad data" */
	int status;	      /* HTTP status or gRPC code; 0 = no answer */
	uint32_t items;	      /* spans, log records or data points in the body */
	uint32_t attempts;    /* attempts made */
	uint64_t time_ns;     /* CLOCK_REALTIME ns of the decision */
};

/* Creates dir (and parents, mode 0700) when missing, then checks that it
 * is safely ours (rt/dirs.h: owned by us, not group- or
 * world-writable, not a symbolic link, nothing above it that others may
 * rename). 0 or -errno (-EPERM: unsafe, -ENOTDIR: not a directory). */
int deadletter_open_dir(const char *dir);

/* The same, with what is wrong in `why` ("directory /x is a symbolic
 * link"); why may be NULL. */
int deadletter_dir_ready(const char *dir, char *why, size_t why_len);

/* Writes body + metadata as above. 0 or -errno (the batch is then NOT
 * dead-lettered and the caller must keep it). */
int deadletter_write(const char *dir, const void *body, size_t len, const struct deadletter_meta *m);

#endif
