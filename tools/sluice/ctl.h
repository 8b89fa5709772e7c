/* tools/sluice/ctl.h: the supervisor's control socket.
 *
 * A unix stream socket `<runtime_dir>/<instance>.sock`, mode 0600. A client
 * connects, writes one command line and reads the answer until EOF:
 *
 *   ping            -> "ready PID" | "starting PID" | "stopping PID"
 *   stop            -> (after the drain finished) "stopped"
 *   restart STAGE   -> "ok" | "error: ..."
 *
 * Counters are not asked for here: `sluice status` reads the segment.
 */
#ifndef SLUICE_TOOLS_CTL_H
#define SLUICE_TOOLS_CTL_H

#include <stddef.h>

#include "config/config.h"

#define CTL_LINE_MAX 256

/* "<runtime_dir>/<instance>.sock" and ".lock"; -ENAMETOOLONG if it does not fit. */
int ctl_path(const struct sluice_config *cfg, const char *suffix, char *buf, size_t size);

/* Create the runtime dir (0700) if missing, bind and listen on `path`
 * (a stale socket file is replaced), chmod 0600. Returns the fd or -errno. */
int ctl_listen(const char *path);

/* Read one command line from a freshly accepted client (bounded wait).
 * Returns its length (newline stripped) or -errno. */
int ctl_read_command(int fd, char *line, size_t size);

/* Client: send `cmd`, read the whole answer (NUL-terminated, newline
 * stripped) waiting at most timeout_ms (-1 = forever). -ENOENT/-ECONNREFUSED
 * when no supervisor listens. */
int ctl_request(const char *path, const char *cmd, char *reply, size_t size, int timeout_ms);

/* Take the instance lock (flock on "<runtime_dir>/<instance>.lock", holding
 * our pid). Returns the fd, or -EWOULDBLOCK with *holder = the pid inside
 * when another supervisor holds it. */
int ctl_lock(const char *path, int *holder);

#endif
