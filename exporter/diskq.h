/* exporter/diskq.h: an exporter's on-disk sending queue (sending_queue.storage).
 *
 * When the backend is down, an exporter spills batches here instead of
 * holding them in its OUT ring, so the ring keeps moving until the byte limit is
 * reached; then backpressure takes over. The queue survives a restart of
 * the export stage and drains in sequence order.
 *
 * One file a batch in the queue directory, named by ring seq so that a
 * directory listing is the queue order and spilling the same batch twice
 * (after a crash) overwrites rather than duplicates:
 *
 *   <dir>/<seq 20 digits>.q
 *     0      4      8       12      16              24              32
 *     +------+------+-------+-------+---------------+---------------+------
 *     |"SLDQ"| ver 1| len   | items |     seq       |   ingest_ns   | crc32 | body..
 *     +------+------+-------+-------+---------------+---------------+------
 *     header 36 bytes (crc32 of the body at 32), little-endian host order.
 *
 * A file is written under a temp name and renamed into place, so a crash
 * leaves either nothing or a whole entry (temp files are removed on open).
 * fsync is optional (the Collector's file storage default is off: the page
 * cache survives a process crash, not a power cut).
 */
#ifndef SLUICE_EXPORTER_DISKQ_H
#define SLUICE_EXPORTER_DISKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISKQ_HDR_SIZE 36u

struct diskq_entry {
	uint64_t seq;
	uint64_t bytes; /* file size */
	bool busy;	/* handed out by diskq_next, not yet removed/returned */
};

struct diskq {
	char dir[4096];
	uint64_t max_bytes; /* 0 = unbounded */
	uint64_t bytes;	    /* sum of entry file sizes */
	bool fsync;
	struct diskq_entry *e; /* sorted by seq */
	size_t n, cap;
};

struct diskq_rec {
	uint64_t seq;
	uint64_t ingest_ns;
	uint32_t items;
	uint32_t len;
};

/* Opens (creating the directory) and scans an existing queue. Corrupt
 * entries are not removed here; diskq_load reports them. 0 or -errno. */
int diskq_open(struct diskq *q, const char *dir, uint64_t max_bytes, bool fsync);
void diskq_close(struct diskq *q);

static inline size_t diskq_count(const struct diskq *q)
{
	return q->n;
}
static inline uint64_t diskq_bytes(const struct diskq *q)
{
	return q->bytes;
}

/* True when an entry of body length len fits under the byte limit. */
bool diskq_fits(const struct diskq *q, size_t len);

/* True when entry seq is in the queue. */
bool diskq_has(const struct diskq *q, uint64_t seq);

/* Appends a batch. 0, -ENOSPC (over max_bytes) or -errno. */
int diskq_push(struct diskq *q, const struct diskq_rec *r, const void *body);

/* The oldest entry not yet handed out: marks it busy and returns its seq
 * (>= 0 as int64) or -ENOENT. */
int64_t diskq_next(struct diskq *q, uint64_t *seq);

/* Reads entry seq: body into *buf (grown with realloc as needed; *cap
 * updated). 0, -ENOENT, -EBADMSG (corrupt: bad magic, size or crc). */
int diskq_load(struct diskq *q, uint64_t seq, uint8_t **buf, size_t *cap, struct diskq_rec *r);

/* Done with seq (sent, or dead-lettered): deletes it. 0 or -ENOENT. */
int diskq_remove(struct diskq *q, uint64_t seq);

/* Queue files (<seq>.q) in dir, without opening it as a queue (0 when
 * there is no such directory). */
size_t diskq_files(const char *dir);

/* Hands seq back (its send gave up for now): it is next again. */
void diskq_unbusy(struct diskq *q, uint64_t seq);

#endif
