/* shm/quarantine.h - where the bytes of corrupt ring records go.
 *
 * After ring_skip_corrupt, a stage appends the skipped bytes to
 * <dir>/<ring name, '/' as '_'>.quarantine (dir: <state>/<instance>/
 * quarantine, made 0700 if missing; files 0600), then commits past them.
 * Each entry is one text line, then exactly `stored` raw bytes, then "\n":
 *
 *   # sluice quarantine ring=mid:traces/payments offset=1052672 length=4096
 *     stored=4096 seq_before=17 seq_after=23 time=2026-11-25T05:38:00.123456789Z
 *   <4096 raw bytes>
 *
 * (one line; wrapped here). offset is the ring byte position of the first
 * byte (ring position p is at data[p mod capacity]); seq_before / seq_after
 * are the intact records around the damage (0 = unknown / none). The
 * directory's *.quarantine files together stay under max_total bytes: an
 * entry that does not fit whole is stored truncated (stored < length), and
 * one whose header line does not fit is refused (-ENOSPC). The file is
 * fdatasync'ed before returning, so the caller may commit past the bytes.
 */
#ifndef SLUICE_SHM_QUARANTINE_H
#define SLUICE_SHM_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#define QUARANTINE_SUFFIX ".quarantine"

struct quarantine_entry {
	const char *ring;	/* ring name (segment_ring_name) */
	uint64_t offset;	/* ring position of the first byte (skip.from) */
	uint64_t seq_before;	/* skip.seq_before */
	uint64_t seq_after;	/* skip.seq_after */
	const uint8_t *part[2]; /* the bytes: ring_skipped_bytes */
	size_t len[2];
};

/* Append entry e to its ring's file in dir. Returns the raw bytes stored
 * (< len[0] + len[1] when truncated by max_total), or -errno: -ENOSPC when
 * not even the header line fits, -EINVAL for a bad ring name, any error
 * of mkdir/open/write/fdatasync. */
int64_t quarantine_write(const char *dir, uint64_t max_total, const struct quarantine_entry *e);

/* Bytes the *.quarantine files in dir hold now (0 if dir is absent), or
 * -errno. */
int64_t quarantine_used(const char *dir);

#endif
