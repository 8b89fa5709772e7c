/* exporter/paths.h: where an exporter keeps its files, in one place.
 *
 *   dead letters   <dead_letter_dir>/<pipeline>/<seq>-<exporter>.pb|.json
 *                  dead_letter_dir defaults to
 *                  <state_dir>/<instance>/deadletter/<exporter id>
 *                  (every exporter type: otlp, otlphttp, debug, file, prometheus)
 *   disk queue     <sending_queue.storage>/<exporter id>/<pipeline>/<seq>.q
 *
 * An exporter listed in several pipelines has one transport per pipeline,
 * and each pipeline's OUT ring numbers its records from 1: the pipeline
 * level keeps their files apart. Ids and pipeline names become one path
 * component each, every '/' turned into '_' ("otlphttp/backup" ->
 * "otlphttp_backup", "traces/payments" -> "traces_payments").
 *
 * Header-only (no link dependency), so config/ (the default
 * dead_letter_dir), rt/dirs.c (`sluice check`) and the export
 * stage all derive the same paths. Each returns the length written, or
 * -ENAMETOOLONG (out is then "").
 */
#ifndef SLUICE_EXPORTER_PATHS_H
#define SLUICE_EXPORTER_PATHS_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* base + "/" + name with '/' as '_' (base NULL: name alone). */
static inline int export_path_join(char *out, size_t cap, const char *base, const char *name)
{
	int n = base ? snprintf(out, cap, "%s/%s", base, name) : snprintf(out, cap, "%s", name);
	if (n < 0 || (size_t)n >= cap) {
		if (cap)
			out[0] = 0;
		return -ENAMETOOLONG;
	}
	for (char *p = out + (base ? (size_t)n - strlen(name) : 0); *p; p++)
		if (*p == '/')
			*p = '_';
	return n;
}

/* The default dead_letter_dir of exporter `id`:
 * <state_dir>/<instance>/deadletter/<id>. */
static inline int export_path_deadletter(char *out, size_t cap, const char *state_dir, const char *instance,
					 const char *id)
{
	char base[4096];
	int n = snprintf(base, sizeof(base), "%s/%s/deadletter", state_dir, instance);
	if (n < 0 || (size_t)n >= sizeof(base)) {
		if (cap)
			out[0] = 0;
		return -ENAMETOOLONG;
	}
	return export_path_join(out, cap, base, id);
}

/* The exporter's disk-queue directory under sending_queue.storage:
 * <storage>/<id> (the pipelines' queues are below it). */
static inline int export_path_diskq(char *out, size_t cap, const char *storage, const char *id)
{
	return export_path_join(out, cap, storage, id);
}

/* One pipeline's directory below an exporter's dead-letter or disk-queue
 * directory: <dir>/<pipeline>. */
static inline int export_path_pipeline(char *out, size_t cap, const char *dir, const char *pipeline)
{
	return export_path_join(out, cap, dir, pipeline);
}

#endif
