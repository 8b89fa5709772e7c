/* shm/quarantine.c - appending corrupt ring bytes to a quarantine file
 * (format in shm/quarantine.h). Runs only when damage was found, so it
 * favours safety over speed: the directory is opened without following a
 * symlink, the budget is recounted from the directory every time, and the
 * data is synced before the caller frees the ring space.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "rt/clock.h"
#include "shm/quarantine.h"

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

static int is_quarantine_name(const char *name)
{
	size_t n = strlen(name), s = strlen(QUARANTINE_SUFFIX);

	return n > s && strcmp(name + n - s, QUARANTINE_SUFFIX) == 0;
}

/* Sum of the *.quarantine regular files in the open directory dfd. */
static int64_t used_in(int dfd)
{
	int fd = dup(dfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int64_t total = 0;

	if (!d) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		return -err;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (!is_quarantine_name(de->d_name) ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		total += st.st_size;
	}
	closedir(d);
	return total;
}

int64_t quarantine_used(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int64_t n;

	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	n = used_in(dfd);
	close(dfd);
	return n;
}

static int write_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++, n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* "<ring with / as _>.quarantine"; -EINVAL if the ring name is unusable. */
static int file_name(const char *ring, char *out, size_t n)
{
	size_t len = ring ? strlen(ring) : 0;

	if (len == 0 || len + sizeof(QUARANTINE_SUFFIX) > n || ring[0] == '.')
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (ring[i] <= ' ' || ring[i] > '~')
			return -EINVAL;
		out[i] = ring[i] == '/' ? '_' : ring[i];
	}
	memcpy(out + len, QUARANTINE_SUFFIX, sizeof(QUARANTINE_SUFFIX));
	return 0;
}

static int header_line(char *buf, size_t n, const struct quarantine_entry *e, uint64_t length,
		       uint64_t stored)
{
	uint64_t now = rt_real_ns();
	time_t sec = (time_t)(now / 1000000000ull);
	struct tm tm;
	char when[32];

	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	return snprintf(buf, n,
			"# sluice quarantine ring=%s offset=%" PRIu64 " length=%" PRIu64 " stored=%" PRIu64
			" seq_before=%" PRIu64 " seq_after=%" PRIu64 " time=%s.%09ldZ\n",
			e->ring, e->offset, length, stored, e->seq_before, e->seq_after, when,
			(long)(now % 1000000000ull));
}

int64_t quarantine_write(const char *dir, uint64_t max_total, const struct quarantine_entry *e)
{
	uint64_t length = (uint64_t)e->len[0] + e->len[1], stored, avail;
	char name[128], head[400];
	struct iovec iov[4];
	int dfd, fd, hlen, rc;
	int64_t used;

	if ((rc = file_name(e->ring, name, sizeof(name))) < 0)
		return rc;
	if ((dfd = open_dir(dir)) < 0)
		return dfd;
	used = used_in(dfd);
	if (used < 0) {
		close(dfd);
		return used;
	}
	avail = (uint64_t)used < max_total ? max_total - (uint64_t)used : 0;
	hlen = header_line(head, sizeof(head), e, length, length);
	if ((uint64_t)hlen + 1 >= avail) {
		close(dfd);
		return -ENOSPC;
	}
	stored = length < avail - (uint64_t)hlen - 1 ? length : avail - (uint64_t)hlen - 1;
	if (stored != length)
		hlen = header_line(head, sizeof(head), e, length, stored);
	fd = openat(dfd, name, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	rc = fd < 0 ? -errno : 0;
	close(dfd);
	if (rc < 0)
		return rc;
	iov[0] = (struct iovec){ head, (size_t)hlen };
	iov[1] = (struct iovec){ (void *)e->part[0], stored < e->len[0] ? (size_t)stored : e->len[0] };
	iov[2] = (struct iovec){ (void *)e->part[1], (size_t)(stored - iov[1].iov_len) };
	iov[3] = (struct iovec){ "\n", 1 };
	rc = write_all(fd, iov, 4);
	if (rc == 0 && fdatasync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc < 0 ? rc : (int64_t)stored;
}
