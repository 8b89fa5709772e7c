/* rt/dirs.h: the directories sluice keeps its files in must be
 * its own.
 *
 * The control socket, the instance lock, the log, dead letters and disk
 * queues live in directories; whoever can write to one of them, or rename
 * it away from a directory above it, can replace what sluice reads and
 * writes. So a directory sluice creates or reuses must be
 *   - a directory, not a symbolic link,
 *   - owned by the user sluice runs as (the effective uid),
 *   - writable by nobody else (no group or other write bit),
 * and each directory above it must be owned by root or that user and, when
 * others may write to it, sticky (as /tmp is). Symbolic links above the
 * directory are followed (/var/run -> /run); the directory they lead to is
 * what is checked.
 *
 * Checks open each component (openat, O_NOFOLLOW|O_DIRECTORY for the
 * last one) and fstat what was opened, so what is checked is what exists.
 * dirs_make creates what is missing with mode 0700, then checks the result
 * the same way, so a directory someone else slipped in meanwhile is refused.
 *
 *   dirs_check(path, why)    0 | -ENOENT | -EPERM | -ENOTDIR | -errno
 *   dirs_make(path, why)     the same after creating what is missing
 *   dirs_writable(path)      0 | -errno (access(2), effective ids: EROFS...)
 *   dirs_quarantine(cfg, ..) the quarantine directory's path
 *   dirs_prepare(cfg)        `sluice run`: every directory the config names
 *   dirs_report(cfg, out)    `sluice check`: the same, as an operator report
 *
 * Also used by the export stage for its dead-letter and disk-queue
 * directories (exporter/deadletter.c); it moves to the shared stage runtime
 * with the other paths (issue 14 section 6).
 */
#ifndef SLUICE_TOOLS_DIRS_H
#define SLUICE_TOOLS_DIRS_H

#include <stddef.h>
#include <stdio.h>

struct sluice_config;

/* Checks path without changing anything. Returns 0 when it is a safe
 * directory; -ENOENT when it (or a directory on the way) does not exist
 * and everything above is safe; -EPERM when it or a directory above is
 * unsafe (owner, mode, symbolic link); -ENOTDIR when it or a component on
 * the way is not a directory; another -errno when it cannot be looked at.
 * `why` (may be NULL) gets what is wrong, worded to follow the path:
 * "is owned by uid 65534, not 0", "is writable by others (mode 0777)",
 * "is a symbolic link", "does not exist", "is inside /a, which ...". */
int dirs_check(const char *path, char *why, size_t why_len);

/* Like dirs_check, but creates the directory and any missing parents
 * (mode 0700) first. 0 when path is now a safe directory. */
int dirs_make(const char *path, char *why, size_t why_len);

/* Where the stages keep corrupt ring bytes: "<state_dir>/<instance>/
 * quarantine" into buf. 0, or -ENAMETOOLONG. */
int dirs_quarantine(const struct sluice_config *cfg, char *buf, size_t len);

/* 0 when the running user may create files in path, else -errno
 * (-EACCES, -EROFS, -ENOENT, ...). Root passes modes but not a read-only
 * mount. */
int dirs_writable(const char *path);

/* `sluice run`, before anything is written: creates and checks the runtime
 * and state directories, checks the dead-letter and disk-queue directories
 * that exist (a missing one is created by the export stage when needed).
 * An unsafe directory, or a runtime/state directory that cannot be made
 * or written, is logged as an ERROR that names it, what is wrong and what
 * to do, and returns -EPERM (or the -errno); a dead-letter or disk-queue
 * directory that is safe but not usable is a WARN (the pipeline runs;
 * the export stage reports it when it needs the directory). */
int dirs_prepare(const struct sluice_config *cfg);

/* `sluice check`: one line on `out` per directory that needs attention:
 * "error: ..." for what would stop `sluice run` or a stage (unsafe, not a
 * directory, not writable; a file exporter's directory that is missing),
 * "note: ... does not exist yet (it will be created)", "warning: ..." for
 * a file exporter's directory that others can write to. Returns the
 * number of errors. Changes nothing. */
int dirs_report(const struct sluice_config *cfg, FILE *out);

#endif
