/* bench_ottl_eval: ns per OTTL condition evaluation (stages/ottl_eval.h),
 * one thread, the condition parsed and set up once.
 *
 *   bench_ottl_eval [runs [iters [case]]]   (default 7 runs of 5000000, every case;
 *                                            prints medians)
 *
 * Conditions (the routing examples):
 *   A  span context:     attributes["team"] == "payments"
 *   B  resource context: resource.attributes["service.name"] == "checkout"
 *                        or resource.attributes["service.name"] == "cart"
 * Each against items where it is true on the first comparison, true on
 * the second (B) and false, through two accessors:
 *   scan   the key is looked up by comparing it with each attribute's key
 *          (a span's 6 attributes, a resource's 4), as a wire-form lookup
 *          without key ids does;
 *   bound  the stage bound each key to its value at setup (ev.keys[i].bound),
 *          so the lookup is a pointer load: the evaluator's own cost.
 * Baseline: the scan accessor called directly for the same key(s), no
 * evaluator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/ottl.h"
#include "stages/ottl_eval.h"

static int iters = 5000000;

struct attr {
	const char *key;
	size_t klen;
	struct ottl_value v;
};

struct item {
	const struct attr *span, *res;
	size_t n_span, n_res;
};

#define STR(x)                                                                     \
	{                                                                          \
		.type = OTTL_STRING, .u.s = {(const uint8_t *)(x), sizeof(x) - 1 } \
	}
#define A(k, x)                          \
	{                                \
		k, sizeof(k) - 1, STR(x) \
	}

static const struct attr span_attrs[] = {
	A("http.request.method", "GET"), A("url.path", "/api/v1/items/42"),
	A("team", "payments"),		 A("server.address", "items.internal"),
	A("net.peer.name", "10.1.2.3"),	 A("thread.name", "worker-7"),
};
static const struct attr span_attrs_other[] = {
	A("http.request.method", "GET"),
	A("url.path", "/api/v1/items/42"),
	A("team", "search"),
	A("server.address", "items.internal"),
	A("net.peer.name", "10.1.2.3"),
	A("thread.name", "worker-7"),
};
#define RES(svc)                                                                                 \
	{                                                                                        \
		A("telemetry.sdk.language", "java"), A("host.name", "node-17.example.internal"), \
			A("service.name", svc), A("service.version", "1.4.2")                    \
	}
static const struct attr res_checkout[] = RES("checkout");
static const struct attr res_cart[] = RES("cart");
static const struct attr res_search[] = RES("search");

static int scan(const struct attr *a, size_t n, const uint8_t *key, size_t klen, struct ottl_value *out)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].klen == klen && !memcmp(a[i].key, key, klen)) {
			*out = a[i].v;
			return 0;
		}
	out->type = OTTL_NIL;
	return 0;
}

static int scan_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	const struct item *it = item;

	if (k->map == OTTL_MAP_RESOURCE)
		return scan(it->res, it->n_res, k->s, k->len, out);
	return scan(it->span, it->n_span, k->s, k->len, out);
}

/* bound: the stage resolved the key to an attribute index of this item
 * shape at setup (a key id); here, the index into the item's arrays. */
static int bound_attr(void *item, const struct ottl_eval_key *k, struct ottl_value *out)
{
	const struct item *it = item;
	size_t i = (size_t)(uintptr_t)k->bound;

	*out = (k->map == OTTL_MAP_RESOURCE ? it->res : it->span)[i].v;
	return 0;
}

static int no_field(void *item, enum ottl_field f, struct ottl_value *out)
{
	(void)item;
	(void)f;
	out->type = OTTL_NIL;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* load on a shared box: count only our CPU time */
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static volatile int sink;

static double time_eval(const struct ottl_eval *ev, const struct ottl_eval_accessor *acc, struct item *it,
			int want)
{
	int acc_r = 0;
	double t0 = now_ns();

	for (int i = 0; i < iters; i++)
		acc_r += ottl_eval_run(ev, acc, it);
	double t = now_ns() - t0;
	if (acc_r != want * iters) {
		fprintf(stderr, "wrong answer: %d, want %d\n", acc_r / iters, want);
		exit(1);
	}
	sink = acc_r;
	return t / iters;
}

/* The accessor alone: the lookups the condition makes, and the compare. */
static double time_baseline(const struct ottl_eval *ev, struct item *it, size_t nkeys)
{
	struct ottl_value v = { 0 };
	int acc_r = 0;
	double t0 = now_ns();

	for (int i = 0; i < iters; i++)
		for (size_t k = 0; k < nkeys; k++) {
			scan_attr(it, &ev->keys[0], &v);
			acc_r += v.type == OTTL_STRING ? (int)v.u.s.len : 0;
		}
	sink = acc_r;
	return (now_ns() - t0) / iters;
}

struct bench {
	const char *name;
	enum ottl_context ctx;
	const char *cond;
	struct item item;
	int want;
	size_t lookups; /* attribute lookups the condition makes on this item */
	size_t bound_index;
};

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 7;
	const char *a = "attributes[\"team\"] == \"payments\"";
	const char *b = "resource.attributes[\"service.name\"] == \"checkout\" or "
			"resource.attributes[\"service.name\"] == \"cart\"";
	struct bench benches[] = {
		{ "A true", OTTL_CTX_SPAN, a, { span_attrs, NULL, 6, 0 }, 1, 1, 2 },
		{ "A false", OTTL_CTX_SPAN, a, { span_attrs_other, NULL, 6, 0 }, 0, 1, 2 },
		{ "B true (1st)", OTTL_CTX_RESOURCE, b, { NULL, res_checkout, 0, 4 }, 1, 1, 2 },
		{ "B true (2nd)", OTTL_CTX_RESOURCE, b, { NULL, res_cart, 0, 4 }, 1, 2, 2 },
		{ "B false", OTTL_CTX_RESOURCE, b, { NULL, res_search, 0, 4 }, 0, 2, 2 },
	};
	const struct ottl_eval_accessor scan_acc = { scan_attr, no_field },
					bound_acc = { bound_attr, no_field };

	if (runs < 1 || runs > 101)
		runs = 7;
	if (argc > 2 && atoi(argv[2]) > 0)
		iters = atoi(argv[2]);
	printf("%-14s %10s %10s %12s   (ns per evaluation, median of %d runs of %d)\n", "case", "scan",
	       "bound", "lookups only", runs, iters);
	for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
		struct bench *bn = &benches[i];
		if (argc > 3 && strcmp(argv[3], bn->name))
			continue;
		struct ottl_cond *c;
		struct ottl_error err;
		struct ottl_eval ev;
		char msg[128];
		double ts[101], tb[101], tl[101];

		if (ottl_parse(bn->cond, strlen(bn->cond), bn->ctx, 0, &c, &err) < 0 ||
		    ottl_eval_init(&ev, c, msg, sizeof msg) < 0) {
			fprintf(stderr, "%s: %s\n", bn->cond, err.msg);
			return 1;
		}
		for (size_t k = 0; k < ev.n_keys; k++)
			ev.keys[k].bound = (void *)(uintptr_t)bn->bound_index;
		for (int r = 0; r < runs; r++) {
			ts[r] = time_eval(&ev, &scan_acc, &bn->item, bn->want);
			tb[r] = time_eval(&ev, &bound_acc, &bn->item, bn->want);
			tl[r] = time_baseline(&ev, &bn->item, bn->lookups);
		}
		qsort(ts, (size_t)runs, sizeof ts[0], cmp_double);
		qsort(tb, (size_t)runs, sizeof tb[0], cmp_double);
		qsort(tl, (size_t)runs, sizeof tl[0], cmp_double);
		printf("%-14s %10.1f %10.1f %12.1f\n", bn->name, ts[runs / 2], tb[runs / 2], tl[runs / 2]);
		ottl_eval_free(&ev);
		ottl_free(c);
	}
	return 0;
}
