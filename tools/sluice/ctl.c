/* tools/sluice/ctl.c: control socket and instance lock. */
#include "tools/sluice/ctl.h"
#include "rt/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int ctl_path(const struct sluice_config *cfg, const char *suffix, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s%s", cfg->runtime_dir, cfg->instance, suffix);
	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

/* mkdir -p for the runtime directory, 0700 at each level we create. */
static int ctl_mkdirs(const char *path)
{
	char tmp[sizeof(((struct sockaddr_un *)0)->sun_path) + 256];
	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	char *slash = strrchr(tmp, '/');
	if (!slash || slash == tmp)
		return 0;
	*slash = '\0';
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int ctl_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ctl_listen(const char *path)
{
	struct sockaddr_un sa;
	int err = ctl_addr(path, &sa);
	if (err < 0 || (err = ctl_mkdirs(path)) < 0)
		return err;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path); /* the instance lock guarantees no live supervisor owns it */
	mode_t old = umask(077);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, 16) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int ctl_read_command(int fd, char *line, size_t size)
{
	size_t len = 0;
	while (len + 1 < size) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, 1000);
		if (rc <= 0)
			return rc == 0 ? -ETIMEDOUT : -errno;
		ssize_t n = read(fd, line + len, size - 1 - len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	return (int)strlen(line);
}

static long ctl_ms_left(uint64_t deadline_ns, int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	uint64_t now = rt_mono_ns();
	return now < deadline_ns ? (long)((deadline_ns - now) / 1000000ull) : 0;
}

int ctl_request(const char *path, const char *cmd, char *reply, size_t size, int timeout_ms)
{
	struct sockaddr_un sa;
	int err = ctl_addr(path, &sa);
	if (err < 0)
		return err;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		err = -errno;
		close(fd);
		return err;
	}
	size_t clen = strlen(cmd);
	if (write(fd, cmd, clen) != (ssize_t)clen || write(fd, "\n", 1) != 1) {
		err = -errno;
		close(fd);
		return err;
	}
	uint64_t deadline = rt_mono_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000ull;
	size_t len = 0;
	err = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, (int)ctl_ms_left(deadline, timeout_ms));
		if (rc == 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		ssize_t n = read(fd, reply + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) + 1 >= size)
			break;
	}
	close(fd);
	reply[len] = '\0';
	while (len > 0 && reply[len - 1] == '\n')
		reply[--len] = '\0';
	return err;
}

int ctl_lock(const char *path, int *holder)
{
	int err = ctl_mkdirs(path);
	if (err < 0)
		return err;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		err = -errno;
		char buf[32] = "";
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		*holder = n > 0 ? atoi(buf) : 0;
		close(fd);
		return err;
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
