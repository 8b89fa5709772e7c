/* shm/segment_wake.c - eventfds for io_uring stages, and passing them to
 * child processes in SLUICE_WAKE_FDS ("ring:datafd:spacefd,...").
 *
 * The eventfds are created without EFD_CLOEXEC on purpose: the supervisor
 * forks and execs the stages and they inherit the descriptors; the env
 * string tells them which number is which.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "shm/segment.h"

int segment_wake_create(struct segment *seg)
{
	if (!seg->hdr)
		return -EINVAL;
	for (uint32_t i = 0; i < seg->hdr->nrings; i++) {
		int d = eventfd(0, EFD_NONBLOCK);
		int s = d < 0 ? -1 : eventfd(0, EFD_NONBLOCK);

		if (s < 0) {
			int err = errno;

			if (d >= 0)
				close(d);
			segment_wake_close(seg);
			snprintf(seg->errmsg, sizeof(seg->errmsg), "eventfd: %s", strerror(err));
			return -err;
		}
		seg->data_fd[i] = d;
		seg->space_fd[i] = s;
	}
	return 0;
}

int segment_wake_env(const struct segment *seg, char *buf, size_t size)
{
	size_t used = 0;

	if (!seg->hdr || size == 0)
		return -EINVAL;
	buf[0] = '\0';
	for (uint32_t i = 0; i < seg->hdr->nrings; i++) {
		int n;

		if (seg->data_fd[i] < 0 || seg->space_fd[i] < 0)
			continue;
		n = snprintf(buf + used, size - used, "%s%u:%d:%d", used ? "," : "", i, seg->data_fd[i],
			     seg->space_fd[i]);
		if (n < 0 || (size_t)n >= size - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}

static int parse_uint(const char **p, long max, long *out)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(*p, &end, 10);
	if (errno || v > max)
		return -EINVAL;
	*p = end;
	*out = v;
	return 0;
}

static int bad(struct segment *seg, const char *value, const char *why)
{
	snprintf(seg->errmsg, sizeof(seg->errmsg), "%s=\"%.60s\": %s", SEG_WAKE_ENV, value, why);
	return -EINVAL;
}

int segment_wake_import(struct segment *seg, const char *value)
{
	int data[SEG_MAX_RINGS], space[SEG_MAX_RINGS];
	const char *p;

	if (!seg->hdr)
		return -EINVAL;
	if (!value)
		value = getenv(SEG_WAKE_ENV);
	if (!value || !*value)
		return 0;
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++)
		data[i] = space[i] = -1;
	for (p = value; *p;) {
		long ring, d, s;

		if (parse_uint(&p, SEG_MAX_RINGS - 1, &ring) || *p++ != ':' || parse_uint(&p, 1 << 24, &d) ||
		    *p++ != ':' || parse_uint(&p, 1 << 24, &s))
			return bad(seg, value, "expected ring:datafd:spacefd[,...]");
		if (*p == ',') {
			if (*++p == '\0')
				return bad(seg, value, "trailing ','");
		} else if (*p) {
			return bad(seg, value, "expected ',' between entries");
		}
		if ((uint32_t)ring >= seg->hdr->nrings)
			return bad(seg, value, "ring index out of range for this segment");
		if (fcntl((int)d, F_GETFD) < 0 || fcntl((int)s, F_GETFD) < 0)
			return bad(seg, value, "descriptor not open in this process");
		data[ring] = (int)d;
		space[ring] = (int)s;
	}
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++) {
		seg->data_fd[i] = data[i];
		seg->space_fd[i] = space[i];
	}
	return 0;
}

void segment_wake_close(struct segment *seg)
{
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++) {
		if (seg->data_fd[i] >= 0)
			close(seg->data_fd[i]);
		if (seg->space_fd[i] >= 0)
			close(seg->space_fd[i]);
		seg->data_fd[i] = seg->space_fd[i] = -1;
	}
}
