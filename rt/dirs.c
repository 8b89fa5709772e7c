/* rt/dirs.c: walk a path one directory at a time (openat), check
 * what each step opened, create what is missing with mode 0700. */
#include "rt/dirs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "config/log.h"
#include "exporter/paths.h"

#define DIRS_PATH_MAX 4096

static void say(char *why, size_t len, const char *fmt, ...)
{
	if (!why || !len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* A directory that holds the next step: nobody but root or us may rename
 * things in it, unless it is sticky (then only an entry's owner may). */
static int check_above(int fd, const char *shown, char *why, size_t len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	unsigned me = (unsigned)geteuid();
	if (st.st_uid != 0 && st.st_uid != me) {
		say(why, len, "is inside %s, which is owned by uid %u (neither root nor uid %u)", shown,
		    (unsigned)st.st_uid, me);
		return -EPERM;
	}
	if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
		say(why, len, "is inside %s, which %s can write to and which is not sticky (mode %04o)",
		    shown, (st.st_mode & 002) ? "anyone" : "its group", (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* The directory itself: ours, and only ours to write. */
static int check_leaf(int fd, char *why, size_t len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	unsigned me = (unsigned)geteuid(), mode = (unsigned)(st.st_mode & 07777);
	if (!S_ISDIR(st.st_mode)) {
		say(why, len, "is not a directory");
		return -ENOTDIR;
	}
	if (st.st_uid != me) {
		say(why, len, "is owned by uid %u, not %u", (unsigned)st.st_uid, me);
		return -EPERM;
	}
	if (mode & 002) {
		say(why, len, "is writable by others (mode %04o)", mode);
		return -EPERM;
	}
	if (mode & 020) {
		say(why, len, "is writable by its group (mode %04o)", mode);
		return -EPERM;
	}
	return 0;
}

/* The last step could not be opened as a directory without following a
 * link: say which it is. */
static int explain_leaf(int dfd, const char *name, int err, char *why, size_t len)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			say(why, len, "is a symbolic link");
			return -EPERM;
		}
		if (!S_ISDIR(st.st_mode)) {
			say(why, len, "is not a directory");
			return -ENOTDIR;
		}
	}
	say(why, len, "cannot be opened (%s)", strerror(err));
	return -err;
}

static int dirs_walk(const char *path, bool create, char *why, size_t len)
{
	char buf[DIRS_PATH_MAX], shown[DIRS_PATH_MAX];
	size_t n = path ? strlen(path) : 0;
	if (n == 0 || n >= sizeof(buf)) {
		say(why, len, "is not a usable path");
		return -EINVAL;
	}
	memcpy(buf, path, n + 1);
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	bool abs = buf[0] == '/';
	int fd = open(abs ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int err = errno;
		say(why, len, "cannot be looked at (%s)", strerror(err));
		return -err;
	}
	snprintf(shown, sizeof(shown), "%s", abs ? "/" : ".");
	if (strcmp(buf, "/") == 0) {
		int rc = check_leaf(fd, why, len);
		close(fd);
		return rc;
	}
	int rc = 0;
	char *save = NULL;
	char *comp = strtok_r(buf, "/", &save);
	while (comp) {
		char *next = strtok_r(NULL, "/", &save);
		bool last = next == NULL;
		if ((rc = check_above(fd, shown, why, len)) < 0)
			break;
		int flags = last ? O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC
				 : O_PATH | O_DIRECTORY | O_CLOEXEC;
		int sub = openat(fd, comp, flags);
		if (sub < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0700) < 0 && errno != EEXIST) {
				rc = -errno;
				say(why, len, "cannot be created in %s (%s)", shown, strerror(-rc));
				break;
			}
			sub = openat(fd, comp, flags);
		}
		if (sub < 0) {
			int err = errno;
			if (err == ENOENT) {
				say(why, len, "does not exist");
				rc = -ENOENT;
			} else if (last && (err == ELOOP || err == ENOTDIR)) {
				rc = explain_leaf(fd, comp, err, why, len);
			} else if (err == ENOTDIR) {
				say(why, len, "cannot be used: %s%s%s is not a directory", shown,
				    strcmp(shown, "/") ? "/" : "", comp);
				rc = -ENOTDIR;
			} else {
				say(why, len, "cannot be reached (%s%s%s: %s)", shown,
				    strcmp(shown, "/") ? "/" : "", comp, strerror(err));
				rc = -err;
			}
			break;
		}
		size_t sl = strlen(shown);
		snprintf(shown + sl, sizeof(shown) - sl, "%s%s", strcmp(shown, "/") ? "/" : "", comp);
		close(fd);
		fd = sub;
		if (last)
			rc = check_leaf(fd, why, len);
		comp = next;
	}
	close(fd);
	return rc;
}

int dirs_check(const char *path, char *why, size_t why_len)
{
	return dirs_walk(path, false, why, why_len);
}

int dirs_make(const char *path, char *why, size_t why_len)
{
	return dirs_walk(path, true, why, why_len);
}

int dirs_quarantine(const struct sluice_config *cfg, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/quarantine", cfg->state_dir, cfg->instance);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dirs_writable(const char *path)
{
	return faccessat(AT_FDCWD, path, W_OK | X_OK, AT_EACCESS) == 0 ? 0 : -errno;
}

/* ---- the directories a config names ---- */

enum dirs_kind {
	DIRS_OWN,  /* runtime, state: created by `sluice run` */
	DIRS_LAZY, /* dead letters, disk queues: created by the export stage */
	DIRS_FILE, /* a file exporter's directory: used, never created */
};

struct dirs_item {
	enum dirs_kind kind;
	char what[64]; /* "runtime directory", "dead-letter directory" ... */
	char of[160];  /* "" or " of exporter otlphttp" */
	char fix[160]; /* the config key that moves it */
	char path[DIRS_PATH_MAX];
};

static void item(struct dirs_item *it, enum dirs_kind k, const char *what, const char *path,
		 const char *exporter, const char *fix)
{
	it->kind = k;
	snprintf(it->what, sizeof(it->what), "%s", what);
	snprintf(it->path, sizeof(it->path), "%s", path);
	snprintf(it->of, sizeof(it->of), "%s%s", exporter ? " of exporter " : "", exporter ? exporter : "");
	snprintf(it->fix, sizeof(it->fix), "%s", fix);
}

/* Every directory the config makes sluice use; *n set. Caller frees. */
static struct dirs_item *dirs_list(const struct sluice_config *cfg, size_t *n)
{
	const struct sluice_pipeline *pl = &cfg->pipeline;
	struct dirs_item *v = calloc(2 + 3 * pl->n_exporters, sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	item(&v[(*n)++], DIRS_OWN, "runtime directory", cfg->runtime_dir, NULL, "sluice.runtime_dir");
	item(&v[(*n)++], DIRS_OWN, "state directory", cfg->state_dir, NULL, "sluice.state_dir");
	for (size_t i = 0; i < pl->n_exporters; i++) {
		const struct sluice_exporter *e = pl->exporters[i];
		char key[128];
		if (e->type == SLUICE_EXP_FILE && e->file.path) {
			char tmp[DIRS_PATH_MAX];
			snprintf(tmp, sizeof(tmp), "%s", e->file.path);
			snprintf(key, sizeof(key), "exporters.%s.path", e->id);
			item(&v[(*n)++], DIRS_FILE, "output directory", dirname(tmp), e->id, key);
			continue;
		}
		if (e->type != SLUICE_EXP_OTLP && e->type != SLUICE_EXP_OTLPHTTP)
			continue;
		const struct sluice_otlp_exporter *x = &e->otlp;
		if (x->dead_letter_dir) {
			snprintf(key, sizeof(key), "exporters.%s.dead_letter_dir", e->id);
			item(&v[(*n)++], DIRS_LAZY, "dead-letter directory", x->dead_letter_dir, e->id, key);
		}
		if (x->sending_queue.enabled && x->sending_queue.storage) {
			char q[DIRS_PATH_MAX];
			snprintf(key, sizeof(key), "exporters.%s.sending_queue.storage", e->id);
			item(&v[(*n)++], DIRS_LAZY, "disk-queue directory", x->sending_queue.storage, e->id,
			     key);
			if (export_path_diskq(q, sizeof(q), x->sending_queue.storage, e->id) >= 0)
				item(&v[(*n)++], DIRS_LAZY, "disk-queue directory", q, e->id, key);
		}
	}
	return v;
}

enum dirs_verdict {
	DV_OK,
	DV_NOTE,
	DV_WARN,
	DV_ERROR
};

/* What one directory's state means, as one line (shared by run and check
 * so that both say the same thing). */
static enum dirs_verdict dirs_judge(const struct dirs_item *it, bool created, char *line, size_t len)
{
	char why[512];
	int rc = created ? dirs_make(it->path, why, sizeof(why)) : dirs_check(it->path, why, sizeof(why));
	if (rc == -ENOENT && it->kind != DIRS_FILE) {
		snprintf(line, len, "%s %s%s does not exist yet (it will be created)", it->what, it->path,
			 it->of);
		return DV_NOTE;
	}
	if (rc == -ENOENT) {
		snprintf(line, len,
			 "%s %s%s does not exist (the file exporter does not create it): "
			 "create it or change %s",
			 it->what, it->path, it->of, it->fix);
		return DV_ERROR;
	}
	if (rc == -EPERM && it->kind == DIRS_FILE) {
		snprintf(line, len, "%s %s%s %s: another user could put a link where the file goes", it->what,
			 it->path, it->of, why);
		return DV_WARN;
	}
	if (rc == -EPERM) {
		snprintf(line, len, "%s %s%s %s: remove it or set %s", it->what, it->path, it->of, why,
			 it->fix);
		return DV_ERROR;
	}
	if (rc < 0) {
		snprintf(line, len, "%s %s%s %s: fix it or set %s", it->what, it->path, it->of, why, it->fix);
		return it->kind == DIRS_LAZY ? DV_WARN : DV_ERROR;
	}
	if ((rc = dirs_writable(it->path)) < 0) {
		snprintf(line, len, "%s %s%s is not writable (%s): fix it or set %s", it->what, it->path,
			 it->of, strerror(-rc), it->fix);
		return it->kind == DIRS_LAZY ? DV_WARN : DV_ERROR;
	}
	return DV_OK;
}

int dirs_prepare(const struct sluice_config *cfg)
{
	size_t n;
	struct dirs_item *v = dirs_list(cfg, &n);
	if (!v)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char line[8192];
		if (v[i].kind == DIRS_FILE)
			continue; /* the export stage reports its own file */
		/* after a refusal, only look: nothing is created for a run that
		 * will not happen */
		bool create = v[i].kind == DIRS_OWN && rc == 0;
		enum dirs_verdict d = dirs_judge(&v[i], create, line, sizeof(line));
		if (d == DV_ERROR) {
			log_msg(LOG_ERROR, "%s", line);
			rc = -EPERM;
		} else if (d == DV_WARN) {
			log_msg(LOG_WARN,
				"%s; the pipeline runs, and the exporter reports it when "
				"it needs the directory",
				line);
		}
	}
	free(v);
	return rc;
}

int dirs_report(const struct sluice_config *cfg, FILE *out)
{
	size_t n;
	struct dirs_item *v = dirs_list(cfg, &n);
	if (!v) {
		fprintf(out, "error: out of memory\n");
		return 1;
	}
	int errors = 0;
	for (size_t i = 0; i < n; i++) {
		char line[8192];
		static const char *const word[] = { "", "note", "warning", "error" };
		enum dirs_verdict d = dirs_judge(&v[i], false, line, sizeof(line));
		/* a dead-letter or disk-queue directory that cannot be used
		 * does not stop `sluice run`, but it is an error to fix */
		if (d == DV_WARN && v[i].kind == DIRS_LAZY)
			d = DV_ERROR;
		if (d != DV_OK)
			fprintf(out, "%s: %s\n", word[d], line);
		errors += d == DV_ERROR;
	}
	free(v);
	return errors;
}
