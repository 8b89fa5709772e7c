/* tests/otlp/test_otlp_signals.c: the logs and metrics validators and
 * readers against protobuf-c's full decode: generated requests (every
 * field, all five metric types, exemplars, unknown fields, huge values),
 * every truncation of them, and random mutations. Users rely on: what we
 * accept, protobuf-c (so the Collector) decodes, with the same counts of
 * resources, scopes, log records and data points; the readers give every
 * field as protobuf-c does. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen_signals.h"
#include "otlp/signal.h"
#include "otlp/wire_logs.h"
#include "otlp/wire_metrics.h"
#include "pbw.h"
#include "signals_check.h"
#include "tests/check_run.h"

#ifdef __SANITIZE_ADDRESS__
#define SCALE 4
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCALE 4
#endif
#endif
#ifndef SCALE
#define SCALE 1
#endif

static const struct gen_opts full = {
	.max_rs = 3,
	.max_ss = 3,
	.max_spans = 4,
	.max_attrs = 3,
	.max_events = 3,
	.max_links = 2,
	.unknown_fields = 1,
	.huge = 1,
	.bad_ids = 0,
};

static void same_counts(const struct otlp_wire_counts *a, const struct otlp_wire_counts *b)
{
	ck_assert_uint_eq(a->resources, b->resources);
	ck_assert_uint_eq(a->scopes, b->scopes);
	ck_assert_uint_eq(a->items, b->items);
	ck_assert_uint_eq(a->resources_with_items, b->resources_with_items);
	ck_assert_uint_eq(a->scopes_with_items, b->scopes_with_items);
}

/* Generated requests of signal sig: counts, bare resources, readers. */
static void generated(int sig)
{
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)sig);
	uint64_t items = 0;

	for (uint64_t seed = 1; seed <= 300 / SCALE; seed++) {
		uint64_t rng = seed * 7919 + (uint64_t)sig;
		ProtobufCMessage *m = sig == OTLP_SIGNAL_LOGS ? &gen_logs_request(&rng, &full)->base
							      : &gen_metrics_request(&rng, &full)->base;
		size_t len;
		uint8_t *buf = gen_pack(m, &len);
		struct otlp_wire_counts c, want;
		struct otlp_wire_diag d;

		ck_assert_msg(sd->validate_request(buf, len, &c, &d) == 0, "seed %llu: %s: %s",
			      (unsigned long long)seed, d.path, d.why);
		sc_count(sig, m, &want);
		same_counts(&c, &want);
		items += c.items;
		const char *diff = sc_compare_request(sig, (struct otlp_bytes){ buf, len }, m);
		ck_assert_msg(diff == NULL, "seed %llu: %s", (unsigned long long)seed, diff);
		/* each resource alone, as a ring record holds it */
		struct otlp_wire_iter it;
		struct otlp_bytes rb;
		uint64_t sum = 0;
		otlp_wire_iter_init(&it, (struct otlp_bytes){ buf, len }, 1);
		while (otlp_wire_iter_next(&it, &rb) > 0) {
			struct otlp_wire_counts rc;
			ck_assert_int_eq(sd->validate_resource(rb.p, rb.len, &rc, NULL), 0);
			ck_assert_uint_eq(rc.resources, 1);
			ck_assert_uint_eq(rc.resources_with_items, rc.items > 0);
			ck_assert_int_eq(sd->count_items(rb), (int64_t)rc.items);
			sum += rc.items;
		}
		ck_assert_uint_eq(sum, c.items);
		protobuf_c_message_free_unpacked(m, NULL);
		free(buf);
	}
	ck_assert_uint_gt(items, 200 / SCALE);
}

START_TEST(t_generated_logs)
{
	generated(OTLP_SIGNAL_LOGS);
}
END_TEST

START_TEST(t_generated_metrics)
{
	generated(OTLP_SIGNAL_METRICS);
}
END_TEST

/* Every prefix of a few requests: accepted only if protobuf-c decodes it
 * too, with the same counts; refused whenever protobuf-c refuses. */
START_TEST(t_truncations)
{
	const struct gen_opts small = {
		.max_rs = 2, .max_ss = 2, .max_spans = 2, .max_attrs = 2, .max_events = 2, .max_links = 1
	};
	int sig = _i ? OTLP_SIGNAL_METRICS : OTLP_SIGNAL_LOGS;
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)sig);
	unsigned ok = 0, bad = 0;

	for (uint64_t seed = 1; seed <= 40 / SCALE; seed++) {
		uint64_t rng = seed * 104729;
		ProtobufCMessage *m = sig == OTLP_SIGNAL_LOGS ? &gen_logs_request(&rng, &small)->base
							      : &gen_metrics_request(&rng, &small)->base;
		size_t len;
		uint8_t *buf = gen_pack(m, &len);
		for (size_t cut = 0; cut <= len; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);
			memcpy(p, buf, cut);
			struct otlp_wire_counts c, want;
			int rc = sd->validate_request(p, cut, &c, NULL);
			ProtobufCMessage *dm = protobuf_c_message_unpack(sd->request_desc, NULL, cut, p);
			if (rc == 0) {
				ck_assert_msg(dm != NULL, "seed %llu cut %zu: protobuf-c refuses",
					      (unsigned long long)seed, cut);
				sc_count(sig, dm, &want);
				same_counts(&c, &want);
				ok++;
			} else {
				ck_assert_msg(dm == NULL, "seed %llu cut %zu: %d, protobuf-c accepts",
					      (unsigned long long)seed, cut, rc);
				bad++;
			}
			if (dm)
				protobuf_c_message_free_unpacked(dm, NULL);
			free(p);
		}
		protobuf_c_message_free_unpacked(m, NULL);
		free(buf);
	}
	ck_assert_uint_gt(ok, 40 / SCALE);
	ck_assert_uint_gt(bad, 400 / SCALE);
}
END_TEST

/* Random mutations: whatever we accept, protobuf-c decodes with the same
 * counts and the readers walk without error; what protobuf-c refuses, we
 * refuse. protobuf-c is laxer about ids, UTF-8, bool wire types and
 * multi-byte tags of field 0 (see test_otlp_wire.c). */
START_TEST(t_mutations)
{
	const struct gen_opts o = { .max_rs = 2,
				    .max_ss = 2,
				    .max_spans = 3,
				    .max_attrs = 2,
				    .max_events = 2,
				    .max_links = 1,
				    .unknown_fields = 1 };
	int sig = _i ? OTLP_SIGNAL_METRICS : OTLP_SIGNAL_LOGS;
	const struct otlp_signal_desc *sd = otlp_signal_get((enum otlp_signal)sig);
	unsigned both_ok = 0, both_bad = 0;

	for (uint64_t seed = 1; seed <= 20000 / SCALE; seed++) {
		uint64_t rng = seed * 6364136223846793005ull + 1;
		ProtobufCMessage *m = sig == OTLP_SIGNAL_LOGS ? &gen_logs_request(&rng, &o)->base
							      : &gen_metrics_request(&rng, &o)->base;
		size_t len;
		uint8_t *p = gen_pack(m, &len);
		for (unsigned k = 1 + (unsigned)(gen_rand(&rng) % 3); k > 0 && len > 0; k--) {
			size_t at = gen_rand(&rng) % len;
			switch (gen_rand(&rng) % 4) {
			case 0:
				p[at] = (uint8_t)gen_rand(&rng);
				break;
			case 1:
				p[at] ^= 0x80;
				break;
			case 2:
				len = at;
				break;
			default:
				memmove(p + at, p + at + 1, len - at - 1);
				len--;
				break;
			}
		}
		struct otlp_wire_counts c, want;
		struct otlp_wire_diag d;
		int rc = sd->validate_request(p, len, &c, &d);
		ProtobufCMessage *dm = protobuf_c_message_unpack(sd->request_desc, NULL, len, p);
		if (rc == 0) {
			ck_assert_msg(dm != NULL, "seed %llu: we accept, protobuf-c refuses",
				      (unsigned long long)seed);
			sc_count(sig, dm, &want);
			same_counts(&c, &want);
			const char *diff = sc_compare_request(sig, (struct otlp_bytes){ p, len }, dm);
			ck_assert_msg(diff == NULL, "seed %llu: %s", (unsigned long long)seed, diff);
			both_ok++;
		} else if (dm) {
			ck_assert_msg(rc == -EILSEQ ||
					      (rc == -EPROTO && (strstr(d.why, "length must") ||
								 strstr(d.field, "bool_value") ||
								 strstr(d.field, "is_monotonic"))) ||
					      rc == -EBADMSG,
				      "seed %llu: %d at %s (%s) but protobuf-c accepts",
				      (unsigned long long)seed, rc, d.path, d.why);
		} else {
			both_bad++;
		}
		if (dm)
			protobuf_c_message_free_unpacked(dm, NULL);
		protobuf_c_message_free_unpacked(m, NULL);
		free(p);
	}
	ck_assert_uint_gt(both_ok, 100 / SCALE);
	ck_assert_uint_gt(both_bad, 100 / SCALE);
}
END_TEST

/* Metric's data oneof twice (a gauge of 2 points, then a sum of 1): the
 * last member is the data, as protobuf-c decodes it. */
START_TEST(t_metric_data_last_member_wins)
{
	struct pbw dp = { .n = 0 }, g = { .n = 0 }, s = { .n = 0 }, met = { .n = 0 },
		   *req = malloc(sizeof(*req));
	pbw_fixed(&dp, 3, 42, 8);
	pbw_msg(&g, 1, &dp);
	pbw_msg(&g, 1, &dp);
	pbw_msg(&s, 1, &dp);
	pbw_varf(&s, 2, 2);
	pbw_str(&met, 1, "requests");
	pbw_msg(&met, 5, &g);
	pbw_msg(&met, 7, &s);
	req->n = 0;
	pbw_msg(req, 2, &met);
	pbw_wrap(req, 2);
	pbw_wrap(req, 1);
	struct otlp_wire_counts c;
	ck_assert_int_eq(otlp_wire_validate_metrics_request(req->b, req->n, &c, NULL), 0);
	ck_assert_uint_eq(c.items, 1);
	GenMetricsReq *dm = (GenMetricsReq *)protobuf_c_message_unpack(
		&opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor,
		NULL, req->n, req->b);
	ck_assert_ptr_nonnull(dm);
	ck_assert_int_eq(dm->resource_metrics[0]->scope_metrics[0]->metrics[0]->data_case, 7);
	ck_assert_uint_eq(gen_metric_points(dm->resource_metrics[0]->scope_metrics[0]->metrics[0]), 1);
	struct otlp_metric m;
	ck_assert_int_eq(otlp_wire_metric((struct otlp_bytes){ met.b, met.n }, &m), 0);
	ck_assert_int_eq(m.type, OTLP_METRIC_SUM);
	ck_assert_uint_eq(m.n_data_points, 1);
	ck_assert_int_eq(m.aggregation_temporality, 2);
	ck_assert_uint_eq(m.pos[OTLP_METRIC_GAUGE].size, 0);
	ck_assert_uint_eq(m.pos[OTLP_METRIC_SUM].size, 2 + s.n);
	protobuf_c_message_free_unpacked(&dm->base, NULL);
	free(req);
}
END_TEST

/* A log body nested 32 deep is fine, 33 is -ELOOP, named by its path. */
START_TEST(t_log_body_depth)
{
	for (unsigned depth = 31; depth <= 34; depth++) {
		struct pbw *w = malloc(sizeof(*w));
		w->n = 0;
		pbw_str(w, 1, "leaf");
		for (unsigned i = 1; i < depth; i++) {
			pbw_wrap(w, 1); /* ArrayValue.values */
			pbw_wrap(w, 5); /* AnyValue.array_value */
		}
		pbw_wrap(w, 5); /* LogRecord.body */
		pbw_wrap(w, 2);
		pbw_wrap(w, 2);
		pbw_wrap(w, 1);
		struct otlp_wire_diag d;
		int rc = otlp_wire_validate_logs_request(w->b, w->n, NULL, &d);
		ck_assert_int_eq(rc, depth <= OTLP_WIRE_MAX_DEPTH ? 0 : -ELOOP);
		static const char want[] = "resourceLogs[0].scopeLogs[0].logRecords[0].body."
					   "arrayValue.values[0].arrayValue";
		if (rc) {
			ck_assert_msg(strncmp(d.path, want, strlen(want)) == 0, "%s", d.path);
			ck_assert_uint_lt(strlen(d.path), sizeof(d.path));
			ck_assert_str_eq(d.path + strlen(d.path) - 3, "..."); /* cut, marked */
		}
		free(w);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("otlp_signals");
	TCase *tc = tcase_create("signals");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, t_generated_logs);
	tcase_add_test(tc, t_generated_metrics);
	tcase_add_loop_test(tc, t_truncations, 0, 2);
	tcase_add_loop_test(tc, t_mutations, 0, 2);
	tcase_add_test(tc, t_metric_data_last_member_wins);
	tcase_add_test(tc, t_log_body_depth);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
