/* agg/prom_int.h: private to agg/prom*: the store's structures. */
#ifndef SLUICE_AGG_PROM_INT_H
#define SLUICE_AGG_PROM_INT_H

#include "agg/prom.h"
#include "otlp/wire.h"

#define PROM_BUCKETS_MAX 512
#define PROM_QUANTILES_MAX 64
#define PROM_LABELS_MAX 256
#define PROM_EXEMPLARS_MAX 16
#define PROM_SCRATCH (64 * 1024)

enum prom_type {
	PT_GAUGE = 1,
	PT_COUNTER,
	PT_HISTOGRAM,
	PT_SUMMARY
};

struct prom_exemplar {
	char trace[33], span[17];
	double value;
	uint64_t time_ns;
};

struct prom_family {
	char *name; /* Prometheus name (counters: with _total) */
	char *help;
	char *unit; /* OpenMetrics UNIT ("" none) */
	enum prom_type type;
	uint32_t n_series;
};

struct prom_target { /* a resource with a job or instance */
	struct prom_target *next;
	uint64_t hash;
	uint32_t refs;
	char *labels; /* rendered, sorted */
	size_t len;
};

struct prom_series {
	struct prom_series *next; /* hash chain */
	uint64_t hash;
	struct prom_family *fam;
	struct prom_target *target;
	uint64_t updated_ns;	    /* store clock: expiration */
	uint64_t start_ns, time_ns; /* of the stored point */
	double value;		    /* gauge, counter; histogram/summary sum */
	uint64_t count;
	uint32_t n_bounds; /* histogram: n_bounds + 1 counts */
	uint32_t n_q;
	double *bounds; /* bounds[n_bounds], then quantile pairs */
	uint64_t *counts;
	uint32_t n_ex;
	struct prom_exemplar ex[PROM_EXEMPLARS_MAX];
	size_t labels_len;
	char labels[]; /* `a="b",c="d"` sorted by name */
};

struct prom_lab {
	const char *name, *val;
	uint32_t nlen, vlen;
	uint32_t prio, order;
};

struct prom_lset { /* the labels of one point, being built */
	struct prom_lab l[PROM_LABELS_MAX];
	uint32_t n;
	char *arena;
	size_t used, cap;
	int full;
};

struct prom_store {
	struct prom_config c;
	char *ns;	    /* sanitised namespace ("" none) */
	char *const_labels; /* rendered const label pairs */
	struct prom_label *cl;
	struct prom_series **tab; /* hash table of series */
	uint32_t tab_mask;
	struct prom_target **ttab;
	uint32_t ttab_mask;
	struct prom_family **fam; /* sorted by name at render */
	uint32_t n_fam, cap_fam;
	struct prom_stats st;
	/* scratch for one data point */
	struct prom_lset ls;
	char sbuf[PROM_SCRATCH];
	char lbuf[PROM_SCRATCH];
	char tbuf[PROM_SCRATCH];
};

/* The point kinds (Metric data oneof). */
enum {
	K_GAUGE,
	K_SUM,
	K_HIST,
	K_EXPO,
	K_SUMMARY
};

struct prom_point { /* one data point, decoded */
	uint64_t start, time, count;
	uint32_t flags;
	double value, sum;
	uint32_t n_bounds, n_counts, n_q;
	int32_t scale;
	double bounds[PROM_BUCKETS_MAX];
	uint64_t counts[PROM_BUCKETS_MAX + 1];
	double q[PROM_QUANTILES_MAX][2];
	uint32_t n_ex;
	struct prom_exemplar ex[PROM_EXEMPLARS_MAX];
};

/* prom_point.c */
int prom_point_decode(int kind, struct otlp_bytes b, struct prom_point *pt);
uint32_t prom_point_attrs_field(int kind);
/* Stores pt into x (fresh: a new series). Returns 1 stored, 0 dropped. */
int prom_point_store(struct prom_series *x, const struct prom_point *pt, int kind, int delta, int fresh);

/* prom_store.c: unlinked already; drops its target reference */
void prom_series_free(struct prom_store *s, struct prom_series *x);

/* prom_names.c */
size_t prom_metric_name(const struct prom_store *s, struct otlp_bytes name, struct otlp_bytes unit,
			enum prom_type t, char *out, size_t cap, char *unit_out, size_t ucap);
size_t prom_label_name(struct otlp_bytes name, char *out, size_t cap);
size_t prom_value_text(const struct otlp_value *v, char *out, size_t cap, int depth);
size_t prom_fmt_g(char *out, double v);	 /* Go strconv 'g', -1 */
size_t prom_fmt_om(char *out, double v); /* OpenMetrics float */
size_t prom_utf8_len(const uint8_t *p, size_t n);
char *prom_utf8_dup(const uint8_t *p, size_t n);

/* prom_labels.c */
struct prom_attrs {	       /* the attribute sources of one point */
	struct otlp_bytes res; /* Resource message */
	struct otlp_bytes scope_name, scope_version, scope_schema;
	struct otlp_bytes scope; /* InstrumentationScope message */
	struct otlp_bytes dp;	 /* data point message */
	uint32_t dp_field;	 /* its attributes' field number */
};
/* Renders the sorted label pairs of a point into s->lbuf; returns the
 * length or -1 (too many or too long). */
long prom_point_labels(struct prom_store *s, const struct prom_attrs *a);
/* job/instance/resource labels for target_info into s->tbuf; 0: none. */
long prom_target_labels(struct prom_store *s, struct otlp_bytes res);

#endif
