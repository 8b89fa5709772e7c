/* Disk queue: one file a batch, sorted index in memory, rebuilt on open. */
#include "exporter/diskq.h"
#include "exporter/deadletter.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define DISKQ_MAGIC 0x51444c53u /* "SLDQ" little-endian */
#define DISKQ_VERSION 1u

struct diskq_hdr {
	uint32_t magic, version, len, items;
	uint64_t seq, ingest_ns;
	uint32_t crc;
} __attribute__((packed));
_Static_assert(sizeof(struct diskq_hdr) == DISKQ_HDR_SIZE, "diskq header is 36 bytes");

static void entry_path(const struct diskq *q, uint64_t seq, char *out, size_t cap, bool tmp)
{
	snprintf(out, cap, "%s/%020llu.q%s", q->dir, (unsigned long long)seq, tmp ? ".tmp" : "");
}

static int cmp_entry(const void *a, const void *b)
{
	const struct diskq_entry *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int reserve(struct diskq *q, size_t need)
{
	if (need <= q->cap)
		return 0;
	size_t c = q->cap ? q->cap * 2 : 64;
	while (c < need)
		c *= 2;
	struct diskq_entry *e = realloc(q->e, c * sizeof(*e));
	if (!e)
		return -ENOMEM;
	q->e = e;
	q->cap = c;
	return 0;
}

int diskq_open(struct diskq *q, const char *dir, uint64_t max_bytes, bool do_fsync)
{
	memset(q, 0, sizeof(*q));
	if (strlen(dir) >= sizeof(q->dir) - 40)
		return -ENAMETOOLONG;
	snprintf(q->dir, sizeof(q->dir), "%s", dir);
	q->max_bytes = max_bytes;
	q->fsync = do_fsync;
	int rc = deadletter_open_dir(dir);
	if (rc < 0)
		return rc;
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	struct dirent *de;
	rc = 0;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		size_t l = strlen(nm);
		char path[4200];
		if (l > 6 && strcmp(nm + l - 6, ".q.tmp") == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, nm);
			unlink(path); /* a spill that never completed */
			continue;
		}
		if (l != 22 || strcmp(nm + 20, ".q") != 0)
			continue;
		char *end;
		unsigned long long seq = strtoull(nm, &end, 10);
		if (end != nm + 20)
			continue;
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		if (stat(path, &st) < 0)
			continue;
		if ((rc = reserve(q, q->n + 1)) < 0)
			break;
		q->e[q->n++] = (struct diskq_entry){ .seq = seq, .bytes = (uint64_t)st.st_size };
		q->bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	if (rc < 0) {
		diskq_close(q);
		return rc;
	}
	if (q->n > 1)
		qsort(q->e, q->n, sizeof(*q->e), cmp_entry);
	return 0;
}

void diskq_close(struct diskq *q)
{
	free(q->e);
	q->e = NULL;
	q->n = q->cap = 0;
}

bool diskq_fits(const struct diskq *q, size_t len)
{
	return !q->max_bytes || q->bytes + DISKQ_HDR_SIZE + len <= q->max_bytes;
}

static ssize_t find(const struct diskq *q, uint64_t seq)
{
	size_t lo = 0, hi = q->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (q->e[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < q->n && q->e[lo].seq == seq ? (ssize_t)lo : -1;
}

bool diskq_has(const struct diskq *q, uint64_t seq)
{
	return find(q, seq) >= 0;
}

int diskq_push(struct diskq *q, const struct diskq_rec *r, const void *body)
{
	if (!diskq_fits(q, r->len))
		return -ENOSPC;
	struct diskq_hdr h = {
		.magic = DISKQ_MAGIC,
		.version = DISKQ_VERSION,
		.len = r->len,
		.items = r->items,
		.seq = r->seq,
		.ingest_ns = r->ingest_ns,
		.crc = (uint32_t)crc32(0L, body, r->len),
	};
	char tmp[4200], fin[4200];
	entry_path(q, r->seq, tmp, sizeof(tmp), true);
	entry_path(q, r->seq, fin, sizeof(fin), false);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	int rc = 0;
	struct {
		const void *p;
		size_t n;
	} parts[2] = { { &h, sizeof(h) }, { body, r->len } };
	for (int i = 0; i < 2 && rc == 0; i++) {
		const char *p = parts[i].p;
		size_t n = parts[i].n;
		while (n) {
			ssize_t w = write(fd, p, n);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				rc = -errno;
				break;
			}
			p += w;
			n -= (size_t)w;
		}
	}
	if (rc == 0 && q->fsync && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, fin) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		return rc;
	}
	uint64_t bytes = DISKQ_HDR_SIZE + (uint64_t)r->len;
	ssize_t at = find(q, r->seq);
	if (at >= 0) { /* the same batch spilled again after a restart */
		q->bytes = q->bytes - q->e[at].bytes + bytes;
		q->e[at].bytes = bytes;
		return 0;
	}
	if ((rc = reserve(q, q->n + 1)) < 0)
		return rc;
	size_t pos = q->n;
	while (pos > 0 && q->e[pos - 1].seq > r->seq)
		pos--;
	memmove(&q->e[pos + 1], &q->e[pos], (q->n - pos) * sizeof(*q->e));
	q->e[pos] = (struct diskq_entry){ .seq = r->seq, .bytes = bytes };
	q->n++;
	q->bytes += bytes;
	return 0;
}

int64_t diskq_next(struct diskq *q, uint64_t *seq)
{
	for (size_t i = 0; i < q->n; i++) {
		if (!q->e[i].busy) {
			q->e[i].busy = true;
			*seq = q->e[i].seq;
			return 0;
		}
	}
	return -ENOENT;
}

int diskq_load(struct diskq *q, uint64_t seq, uint8_t **buf, size_t *cap, struct diskq_rec *r)
{
	char path[4200];
	entry_path(q, seq, path, sizeof(path), false);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct diskq_hdr h;
	int rc = 0;
	ssize_t got = pread(fd, &h, sizeof(h), 0);
	struct stat st;
	if (got != (ssize_t)sizeof(h) || fstat(fd, &st) < 0 || h.magic != DISKQ_MAGIC ||
	    h.version != DISKQ_VERSION || h.seq != seq ||
	    (uint64_t)st.st_size != DISKQ_HDR_SIZE + (uint64_t)h.len) {
		rc = -EBADMSG;
		goto out;
	}
	if (*cap < h.len || !*buf) {
		uint8_t *nb = realloc(*buf, h.len ? h.len : 1);
		if (!nb) {
			rc = -ENOMEM;
			goto out;
		}
		*buf = nb;
		*cap = h.len ? h.len : 1;
	}
	size_t off = 0;
	while (off < h.len) {
		ssize_t n = pread(fd, *buf + off, h.len - off, (off_t)(DISKQ_HDR_SIZE + off));
		if (n <= 0) {
			rc = n < 0 && errno == EINTR ? 0 : -EBADMSG;
			if (rc)
				goto out;
			continue;
		}
		off += (size_t)n;
	}
	if ((uint32_t)crc32(0L, *buf, h.len) != h.crc) {
		rc = -EBADMSG;
		goto out;
	}
	*r = (struct diskq_rec){ .seq = h.seq, .ingest_ns = h.ingest_ns, .items = h.items, .len = h.len };
out:
	close(fd);
	return rc;
}

int diskq_remove(struct diskq *q, uint64_t seq)
{
	ssize_t at = find(q, seq);
	if (at < 0)
		return -ENOENT;
	char path[4200];
	entry_path(q, seq, path, sizeof(path), false);
	unlink(path);
	q->bytes -= q->e[at].bytes;
	memmove(&q->e[at], &q->e[at + 1], (q->n - (size_t)at - 1) * sizeof(*q->e));
	q->n--;
	return 0;
}

void diskq_unbusy(struct diskq *q, uint64_t seq)
{
	ssize_t at = find(q, seq);
	if (at >= 0)
		q->e[at].busy = false;
}

size_t diskq_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		n += l == 22 && strcmp(de->d_name + 20, ".q") == 0;
	}
	closedir(d);
	return n;
}
