/* config/config_print.c: the effective configuration as YAML that loads
 * back to the same values (every default written out). Strings are always
 * double-quoted, with `$` doubled in values so that ${...} is not
 * substituted a second time on reload. */
#include "config/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/log.h"

struct pr {
	FILE *f;
	bool failed;
};

static void out(struct pr *p, int indent, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void out(struct pr *p, int indent, const char *fmt, ...)
{
	va_list ap;

	fprintf(p->f, "%*s", indent * 2, "");
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
}

/* A double-quoted YAML scalar; value=true doubles '$'. */
static void qs(struct pr *p, const char *s, bool value)
{
	fputc('"', p->f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		/* YAML folds these unicode line breaks inside quotes: escape them,
		 * and the BOM, which a reader may drop */
		if (c[0] == 0xc2 && c[1] == 0x85) {
			fputs("\\N", p->f);
			c++;
		} else if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9)) {
			fputs(c[2] == 0xa8 ? "\\L" : "\\P", p->f);
			c += 2;
		} else if (c[0] == 0xef && c[1] == 0xbb && c[2] == 0xbf) {
			fputs("\\uFEFF", p->f);
			c += 2;
		} else if (*c == '"' || *c == '\\')
			fprintf(p->f, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(p->f, "\\x%02x", *c);
		else if (*c == '$' && value)
			fputs("$$", p->f);
		else
			fputc(*c, p->f);
	}
	fputc('"', p->f);
}

static void kv_str(struct pr *p, int ind, const char *key, const char *v)
{
	out(p, ind, "%s: ", key);
	qs(p, v, true);
	fputc('\n', p->f);
}

static void kv_dur(struct pr *p, int ind, const char *key, uint64_t ns)
{
	char b[40];

	config_format_duration(ns, b, sizeof(b));
	out(p, ind, "%s: %s\n", key, b);
}

static void kv_size(struct pr *p, int ind, const char *key, uint64_t n)
{
	char b[40];

	config_format_size(n, b, sizeof(b));
	out(p, ind, "%s: %s\n", key, b);
}

static void fmt_double(double d, char *b, size_t n)
{
	snprintf(b, n, "%.15g", d);
	if (strtod(b, NULL) != d)
		snprintf(b, n, "%.17g", d);
	if (!strpbrk(b, ".e"))
		strncat(b, ".0", n - strlen(b) - 1);
}

static void kv_double(struct pr *p, int ind, const char *key, double d)
{
	char b[48];

	fmt_double(d, b, sizeof(b));
	out(p, ind, "%s: %s\n", key, b);
}

static void list(struct pr *p, int ind, const char *key, const char *const *items, size_t n)
{
	out(p, ind, "%s: [", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", p->f);
		qs(p, items[i], true);
	}
	fputs("]\n", p->f);
}

static void value(struct pr *p, const struct sluice_value *v)
{
	char b[48];

	switch (v->type) {
	case SLUICE_VALUE_NONE: fputs("~", p->f); break;
	case SLUICE_VALUE_STRING: qs(p, v->s, true); break;
	case SLUICE_VALUE_INT: fprintf(p->f, "%" PRId64, v->i); break;
	case SLUICE_VALUE_DOUBLE: fmt_double(v->d, b, sizeof(b)); fputs(b, p->f); break;
	case SLUICE_VALUE_BOOL: fputs(v->b ? "true" : "false", p->f); break;
	}
}

static const char *const kind_names[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
					 "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"};
static const char *const status_names[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};

static void bits(struct pr *p, int ind, const char *key, uint32_t mask, const char *const *names, int n)
{
	const char *sel[8];
	size_t k = 0;

	for (int i = 0; i < n; i++)
		if (mask & (1u << i))
			sel[k++] = names[i];
	list(p, ind, key, sel, k);
}

static void kvs(struct pr *p, int ind, const char *key, const struct sluice_kv *kv, size_t n)
{
	out(p, ind, "%s:\n", key);
	for (size_t i = 0; i < n; i++) {
		out(p, ind, "  - {key: ");
		qs(p, kv[i].key, true);
		if (kv[i].value.type != SLUICE_VALUE_NONE) {
			fputs(", value: ", p->f);
			value(p, &kv[i].value);
		}
		fputs("}\n", p->f);
	}
}

static void match(struct pr *p, int ind, const char *key, const struct sluice_match *m)
{
	static const char *const mt[] = {"strict", "regexp", "prefix"};

	if (!m->present)
		return;
	out(p, ind, "%s:\n", key);
	out(p, ind + 1, "match_type: %s\n", mt[m->match_type]);
	if (m->n_services)
		list(p, ind + 1, "services", m->services, m->n_services);
	if (m->n_span_names)
		list(p, ind + 1, "span_names", m->span_names, m->n_span_names);
	if (m->span_kinds)
		bits(p, ind + 1, "span_kinds", m->span_kinds, kind_names, 6);
	if (m->status_codes)
		bits(p, ind + 1, "status_codes", m->status_codes, status_names, 3);
	if (m->n_attributes)
		kvs(p, ind + 1, "attributes", m->attributes, m->n_attributes);
	if (m->n_resources)
		kvs(p, ind + 1, "resources", m->resources, m->n_resources);
	if (m->min_duration_ns)
		kv_dur(p, ind + 1, "min_duration", m->min_duration_ns);
	if (m->max_duration_ns)
		kv_dur(p, ind + 1, "max_duration", m->max_duration_ns);
}

static void actions(struct pr *p, int ind, const char *key, const struct sluice_attributes *a)
{
	static const char *const names[] = {"insert", "update", "upsert", "delete", "hash", "extract"};

	out(p, ind, "%s:%s\n", key, a->n_actions ? "" : " []");
	for (size_t i = 0; i < a->n_actions; i++) {
		const struct sluice_action *x = &a->actions[i];

		out(p, ind, "  - action: %s\n", names[x->action]);
		if (x->key)
			kv_str(p, ind + 2, "key", x->key);
		if (x->value.type != SLUICE_VALUE_NONE) {
			out(p, ind + 2, "value: ");
			value(p, &x->value);
			fputc('\n', p->f);
		}
		if (x->from_attribute)
			kv_str(p, ind + 2, "from_attribute", x->from_attribute);
		if (x->has_pattern)
			kv_str(p, ind + 2, "pattern", x->pattern.source);
	}
}

static void processor(struct pr *p, const struct sluice_processor *x)
{
	out(p, 1, "%s", "");
	qs(p, x->id, false);
	fputs(":\n", p->f);
	switch (x->type) {
	case SLUICE_PROC_FILTER:
		if (!x->filter.include.present && !x->filter.exclude.present) {
			out(p, 2, "spans: {}\n");
			break;
		}
		out(p, 2, "spans:\n");
		match(p, 3, "include", &x->filter.include);
		match(p, 3, "exclude", &x->filter.exclude);
		break;
	case SLUICE_PROC_PROBABILISTIC_SAMPLER:
		kv_double(p, 2, "sampling_percentage", x->sampler.sampling_percentage);
		out(p, 2, "hash_seed: %" PRIu32 "\n", x->sampler.hash_seed);
		break;
	case SLUICE_PROC_ATTRIBUTES:
		actions(p, 2, "actions", &x->attributes);
		match(p, 2, "include", &x->attributes.include);
		match(p, 2, "exclude", &x->attributes.exclude);
		break;
	case SLUICE_PROC_RESOURCE:
		actions(p, 2, "attributes", &x->attributes);
		break;
	case SLUICE_PROC_SPAN:
		out(p, 2, "name:\n");
		if (x->span.n_from_attributes) {
			list(p, 3, "from_attributes", x->span.from_attributes, x->span.n_from_attributes);
			kv_str(p, 3, "separator", x->span.separator);
		}
		if (x->span.n_rules) {
			out(p, 3, "to_attributes:\n");
			out(p, 4, "rules:\n");
			for (size_t i = 0; i < x->span.n_rules; i++) {
				out(p, 4, "  - ");
				qs(p, x->span.to_attributes[i].source, true);
				fputc('\n', p->f);
			}
			out(p, 4, "break_after_match: %s\n", x->span.break_after_match ? "true" : "false");
		}
		match(p, 2, "include", &x->span.include);
		match(p, 2, "exclude", &x->span.exclude);
		break;
	case SLUICE_PROC_BATCH:
		out(p, 2, "send_batch_size: %" PRIu32 "\n", x->batch.send_batch_size);
		out(p, 2, "send_batch_max_size: %" PRIu32 "\n", x->batch.send_batch_max_size);
		kv_size(p, 2, "send_batch_max_bytes", x->batch.send_batch_max_bytes);
		kv_dur(p, 2, "timeout", x->batch.timeout_ns);
		break;
	}
}

static void otlp(struct pr *p, const struct sluice_exporter *x)
{
	const struct sluice_otlp_exporter *o = &x->otlp;
	const struct sluice_retry *r = &o->retry_on_failure;
	const struct sluice_queue *q = &o->sending_queue;

	bool v6 = strchr(o->host, ':') != NULL;
	char *url = NULL;
	int n;

	/* otlphttp: traces_endpoint says exactly where requests go */
	if (x->type == SLUICE_EXP_OTLPHTTP)
		n = asprintf(&url, "http://%s%s%s:%u%s", v6 ? "[" : "", o->host, v6 ? "]" : "", o->port, o->path);
	else
		n = asprintf(&url, "%s%s%s:%u", v6 ? "[" : "", o->host, v6 ? "]" : "", o->port);
	if (n < 0) {
		p->failed = true;
		return;
	}
	kv_str(p, 2, x->type == SLUICE_EXP_OTLPHTTP ? "traces_endpoint" : "endpoint", url);
	free(url);
	if (o->n_headers) {
		out(p, 2, "headers:\n");
		for (size_t i = 0; i < o->n_headers; i++) {
			out(p, 3, "%s", "");
			qs(p, o->headers[i].name, false);
			fputs(": ", p->f);
			qs(p, o->headers[i].value, true);
			fputc('\n', p->f);
		}
	}
	out(p, 2, "compression: %s\n", o->compression == SLUICE_COMPRESSION_GZIP ? "gzip" : "none");
	kv_dur(p, 2, "timeout", o->timeout_ns);
	out(p, 2, "retry_on_failure:\n");
	out(p, 3, "enabled: %s\n", r->enabled ? "true" : "false");
	kv_dur(p, 3, "initial_interval", r->initial_interval_ns);
	kv_dur(p, 3, "max_interval", r->max_interval_ns);
	kv_dur(p, 3, "max_elapsed_time", r->max_elapsed_time_ns);
	kv_double(p, 3, "multiplier", r->multiplier);
	kv_double(p, 3, "randomization_factor", r->randomization_factor);
	out(p, 2, "sending_queue:\n");
	out(p, 3, "enabled: %s\n", q->enabled ? "true" : "false");
	out(p, 3, "num_consumers: %" PRIu32 "\n", q->num_consumers);
	out(p, 3, "queue_size: %" PRIu32 "\n", q->queue_size);
	if (q->storage)
		kv_str(p, 3, "storage", q->storage);
	kv_size(p, 3, "storage_max_bytes", q->storage_max_bytes);
	kv_str(p, 2, "dead_letter_dir", o->dead_letter_dir);
	if (x->type == SLUICE_EXP_OTLPHTTP)
		out(p, 2, "connections: %" PRIu32 "\n", o->connections);
	else
		out(p, 2, "max_concurrent_streams: %" PRIu32 "\n", o->max_concurrent_streams);
}

static void exporter(struct pr *p, const struct sluice_exporter *x)
{
	static const char *const verb[] = {"basic", "normal", "detailed"};

	out(p, 1, "%s", "");
	qs(p, x->id, false);
	fputs(":\n", p->f);
	switch (x->type) {
	case SLUICE_EXP_OTLPHTTP:
	case SLUICE_EXP_OTLP:
		otlp(p, x);
		break;
	case SLUICE_EXP_DEBUG:
		out(p, 2, "verbosity: %s\n", verb[x->debug.verbosity]);
		kv_str(p, 2, "output", x->debug.output ? x->debug.output : "stdout");
		break;
	case SLUICE_EXP_PROMETHEUS:
		break;
	case SLUICE_EXP_FILE:
		kv_str(p, 2, "path", x->file.path);
		if (x->file.rotation) {
			out(p, 2, "rotation:\n");
			out(p, 3, "max_megabytes: %" PRIu64 "\n", x->file.rotation_max_bytes >> 20);
			out(p, 3, "max_backups: %" PRIu32 "\n", x->file.rotation_max_backups);
		}
		break;
	}
}

static void receiver(struct pr *p, const struct sluice_receiver *r)
{
	out(p, 1, "%s", "");
	qs(p, r->id, false);
	fputs(":\n", p->f);
	out(p, 2, "protocols:\n");
	if (r->grpc_enabled) {
		out(p, 3, "grpc:\n");
		kv_str(p, 4, "endpoint", r->grpc_endpoint.text);
		out(p, 4, "max_recv_msg_size_mib: %" PRIu64 "\n", r->grpc_max_recv_msg_size >> 20);
		out(p, 4, "max_concurrent_streams: %" PRIu32 "\n", r->grpc_max_concurrent_streams);
	}
	if (r->http_enabled) {
		out(p, 3, "http:\n");
		kv_str(p, 4, "endpoint", r->http_endpoint.text);
		kv_size(p, 4, "max_request_body_size", r->http_max_request_body_size);
		kv_dur(p, 4, "read_timeout", r->http_read_timeout_ns);
		kv_dur(p, 4, "idle_timeout", r->http_idle_timeout_ns);
	}
	kv_dur(p, 2, "ring_full_wait", r->ring_full_wait_ns);
	kv_dur(p, 2, "retry_after", r->retry_after_ns);
}

static void id_list(struct pr *p, const char *key, const char *const *ids, size_t n)
{
	out(p, 3, "%s: [", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", p->f);
		qs(p, ids[i], true);
	}
	fputs("]\n", p->f);
}

int config_print(const struct sluice_config *cfg, FILE *f)
{
	struct pr p = {.f = f};
	const struct sluice_pipeline *pl = &cfg->pipeline;
	const char *ids[CONFIG_MAX_PROCESSORS + CONFIG_MAX_EXPORTERS + CONFIG_MAX_RECEIVERS + 1];
	size_t n;

	fprintf(f, "# sluice effective configuration%s%s\n", *cfg->path ? " of " : " (built-in defaults)",
		cfg->path);
	out(&p, 0, "receivers:\n");
	for (size_t i = 0; i < cfg->n_receivers; i++)
		receiver(&p, &cfg->receivers[i]);
	out(&p, 0, "processors:%s\n", cfg->n_processors ? "" : " {}");
	for (size_t i = 0; i < cfg->n_processors; i++)
		processor(&p, &cfg->processors[i]);
	out(&p, 0, "exporters:\n");
	for (size_t i = 0; i < cfg->n_exporters; i++)
		exporter(&p, &cfg->exporters[i]);

	out(&p, 0, "service:\n");
	out(&p, 1, "pipelines:\n");
	out(&p, 2, "traces:\n");
	for (n = 0; n < pl->n_receivers; n++)
		ids[n] = pl->receivers[n]->id;
	id_list(&p, "receivers", ids, n);
	for (n = 0; n < pl->n_processors; n++)
		ids[n] = pl->processors[n]->id;
	if (pl->batch_processor)
		ids[n++] = pl->batch_processor->id;
	id_list(&p, "processors", ids, n);
	for (n = 0; n < pl->n_exporters; n++)
		ids[n] = pl->exporters[n]->id;
	id_list(&p, "exporters", ids, n);
	out(&p, 1, "telemetry:\n");
	out(&p, 2, "metrics:\n");
	kv_str(&p, 3, "address", cfg->metrics_address.text);
	out(&p, 2, "logs:\n");
	out(&p, 3, "level: %s\n", cfg->log_level == LOG_ERROR  ? "error"
				  : cfg->log_level == LOG_WARN ? "warn"
				  : cfg->log_level == LOG_DEBUG ? "debug"
								 : "info");

	out(&p, 0, "sluice:\n");
	kv_str(&p, 1, "instance", cfg->instance);
	out(&p, 1, "rings:\n");
	kv_size(&p, 2, "ingest_process", cfg->rings.ingest_process);
	kv_size(&p, 2, "process_batch", cfg->rings.process_batch);
	kv_size(&p, 2, "batch_export", cfg->rings.batch_export);
	out(&p, 1, "restart:\n");
	kv_dur(&p, 2, "backoff_initial", cfg->restart.backoff_initial_ns);
	kv_dur(&p, 2, "backoff_max", cfg->restart.backoff_max_ns);
	out(&p, 2, "max_restarts: %" PRIu32 "\n", cfg->restart.max_restarts);
	kv_dur(&p, 2, "window", cfg->restart.window_ns);
	kv_dur(&p, 1, "stop_timeout", cfg->stop_timeout_ns);
	kv_dur(&p, 1, "start_timeout", cfg->start_timeout_ns);
	kv_str(&p, 1, "runtime_dir", cfg->runtime_dir);
	kv_str(&p, 1, "state_dir", cfg->state_dir);
	if (cfg->bin_dir)
		kv_str(&p, 1, "bin_dir", cfg->bin_dir);
	else
		out(&p, 1, "# bin_dir: (unset: the directory of the sluice binary)\n");
	if (fflush(f) != 0 || ferror(f) || p.failed)
		return -EIO;
	return 0;
}
