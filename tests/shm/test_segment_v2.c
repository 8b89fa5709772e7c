/* tests/shm/test_segment_v2.c - what segment layout v2 added: named rings
 * with kinds, components, aux regions, the topology fingerprint, progress
 * words, 64 rings; every create-time refusal; every attach-time validation
 * (one damaged field at a time, with the right error and message);
 * segment_check on a live segment; setting a damaged segment aside. */
#include <check.h>
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm/segment.h"
#include "tests/shm/shm_test.h"
#include "tests/check_run.h"

static char inst[64];
static struct segment seg;

static void setup(void)
{
	shm_test_instance(inst, sizeof(inst), "seg2");
	segment_unlink(inst);
	memset(&seg, 0, sizeof(seg));
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++)
		seg.data_fd[i] = seg.space_fd[i] = -1;
}

static void teardown(void)
{
	segment_wake_close(&seg);
	segment_detach(&seg);
	segment_unlink(inst);
}

static const struct segment_component_params comps[] = {
	{ SEG_COMP_RECEIVER, RECORD_SIGNAL_TRACES, 0, "otlp", "traces", "grpc" },
	{ SEG_COMP_PROCESSOR, RECORD_SIGNAL_LOGS, 1, "attributes/redact", "logs/payments", NULL },
	{ SEG_COMP_EXPORTER, RECORD_SIGNAL_METRICS, SEG_NONE, "otlphttp/backend", NULL, NULL },
};

static void v2_params(struct segment_params *p)
{
	static const char *const names[] = { "in:traces", "in:logs", "mid:traces/payments", "mid:logs",
					     "out:traces/payments" };
	static const uint32_t kinds[] = { SEG_RING_IN, SEG_RING_IN, SEG_RING_MID, SEG_RING_MID,
					  SEG_RING_OUT };

	memset(p, 0, sizeof(*p));
	p->nrings = 5;
	for (unsigned i = 0; i < 5; i++) {
		p->ring_capacity[i] = 8192u << i;
		p->ring_name[i] = names[i];
		p->ring_kind[i] = kinds[i];
		p->ring_signal[i] = i % 2 ? RECORD_SIGNAL_LOGS : RECORD_SIGNAL_TRACES;
	}
	p->topology = 0x0123456789abcdefull;
	p->ncomponents = 3;
	p->components = comps;
	p->naux = 2;
	p->aux[0] = (struct segment_aux_params){ "spanmetrics/red", 100 };
	p->aux[1] = (struct segment_aux_params){ "spanmetrics/blue", 10000 };
}

START_TEST(test_v2_layout)
{
	struct segment_params p;
	uint64_t size = 0;
	uint8_t *a0, *a1;
	pid_t pid;
	int status;

	v2_params(&p);
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_uint_eq(segment_nrings(&seg), 5);
	ck_assert_uint_eq(segment_topology(&seg), 0x0123456789abcdefull);
	ck_assert_str_eq(segment_ring_name(&seg, 2), "mid:traces/payments");
	ck_assert_str_eq(segment_ring_name(&seg, 5), "");
	ck_assert_int_eq(segment_ring_kind(&seg, 4), SEG_RING_OUT);
	ck_assert_int_eq(segment_ring_find(&seg, "mid:logs"), 3);
	ck_assert_int_eq(segment_ring_find(&seg, "mid:log"), -ENOENT);
	ck_assert_uint_eq(seg.rings[4].capacity, 8192u << 4);
	ck_assert_uint_eq(segment_ncomponents(&seg), 3);
	ck_assert_ptr_null(segment_component(&seg, 3));
	struct seg_component *c = segment_component(&seg, 1);
	ck_assert_str_eq(c->name, "attributes/redact");
	ck_assert_str_eq(c->pipeline_name, "logs/payments");
	ck_assert_str_eq(c->transport, "");
	ck_assert_uint_eq(c->pipeline, 1);
	ck_assert_uint_eq(segment_component(&seg, 2)->pipeline, SEG_NONE);
	ck_assert_str_eq(segment_component(&seg, 0)->transport, "grpc");
	seg_component_add(c, SEG_C_DROPPED, 5);
	a0 = segment_aux(&seg, "spanmetrics/red", &size);
	ck_assert_ptr_nonnull(a0);
	ck_assert_uint_eq(size, 100);
	a1 = segment_aux(&seg, "spanmetrics/blue", &size);
	ck_assert_uint_eq(size, 10000);
	ck_assert_ptr_null(segment_aux(&seg, "spanmetrics", NULL));
	ck_assert_uint_eq((uintptr_t)a0 % 4096, 0);
	ck_assert_uint_eq((uintptr_t)a1 % 4096, 0);
	ck_assert_uint_ge((uint64_t)(a1 - a0), 4096);
	for (unsigned i = 0; i < 10000; i++)
		ck_assert_uint_eq(a1[i], 0);
	a0[99] = 0x5a;
	struct stage_stats *st = segment_stats(&seg, STAGE_BATCH);
	stats_progress(st, 3, 1000);
	stats_alive(st, 2000);
	ck_assert_uint_eq(st->progress, 3);
	ck_assert_uint_eq(st->progress_ns, 2000);

	pid = fork();
	/* the child first, before any ck_*: only the parent writes to Check's stream (5a1b676) */
	if (pid == 0) {
		/* another process finds it all by name and writes its counters */
		struct segment s2;
		struct ring r;
		uint64_t sz;
		int ok = segment_attach(&s2, inst) == 0 && segment_topology(&s2) == 0x0123456789abcdefull &&
			 segment_ring_find(&s2, "out:traces/payments") == 4 &&
			 segment_ring(&s2, 4, &r) == 0 && ring_capacity(&r) == (8192u << 4) &&
			 seg_component_get(segment_component(&s2, 1), SEG_C_DROPPED) == 5 &&
			 ((uint8_t *)segment_aux(&s2, "spanmetrics/red", &sz))[99] == 0x5a && sz == 100 &&
			 segment_stats(&s2, STAGE_BATCH)->progress == 3;
		seg_component_add(segment_component(&s2, 2), SEG_C_SENT, 7);
		((uint8_t *)segment_aux(&s2, "spanmetrics/blue", NULL))[9999] = 1;
		_exit(ok ? 0 : 1);
	}
	ck_assert_int_ge(pid, 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_uint_eq(seg_component_get(segment_component(&seg, 2), SEG_C_SENT), 7);
	ck_assert_uint_eq(a1[9999], 1);
}
END_TEST

START_TEST(test_v2_max_rings)
{
	struct segment_params p = { .nrings = SEG_MAX_RINGS };
	struct segment other;
	char env[2048];

	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_uint_eq(segment_nrings(&seg), SEG_MAX_RINGS);
	ck_assert_str_eq(segment_ring_name(&seg, 63), "ring63");
	ck_assert_int_eq(segment_attach(&other, inst), 0);
	ck_assert_int_eq(segment_check(&other, NULL), 0);
	segment_detach(&other);
	ck_assert_int_eq(segment_wake_create(&seg), 0);
	ck_assert_int_gt(segment_wake_env(&seg, env, sizeof(env)), 0);
	ck_assert_int_eq(segment_wake_import(&seg, env), 0);
	ck_assert_int_eq(seg.data_fd[63] >= 0, 1);
}
END_TEST

START_TEST(test_v2_create_refusals)
{
	static const struct segment_component_params unnamed = { SEG_COMP_EXPORTER, 0, 0, NULL, NULL, NULL };
	static const struct segment_component_params nokind = { SEG_COMP_NONE, 0, 0, "x", NULL, NULL };
	static const struct segment_component_params badsig = { SEG_COMP_RECEIVER, 4, 0, "x", NULL, NULL };
	static const struct segment_component_params longtr = { SEG_COMP_RECEIVER,  0, 0, "x", NULL,
								"a-transport-of-16" };
	struct segment_params p;
	struct segment other;
	const char *why[] = {
		"duplicate ring name",	  "ring name with a space",
		"64-character ring name", "ring kind 4",
		"ring signal 4",	  "component without a name",
		"component kind none",	  "component signal 4",
		"16-character transport", "4097 components",
		"17 aux regions",	  "aux size 0",
		"duplicate aux name",	  "65 rings",
	};

	for (unsigned i = 0; i < sizeof(why) / sizeof(why[0]); i++) {
		v2_params(&p);
		switch (i) {
		case 0:
			p.ring_name[3] = "in:logs";
			break;
		case 1:
			p.ring_name[0] = "in traces";
			break;
		case 2:
			p.ring_name[0] = "0123456789012345678901234567890123456789012345678901234567890123";
			break;
		case 3:
			p.ring_kind[1] = SEG_RING_KINDS;
			break;
		case 4:
			p.ring_signal[1] = RECORD_SIGNAL_MAX + 1;
			break;
		case 5:
			p.components = &unnamed, p.ncomponents = 1;
			break;
		case 6:
			p.components = &nokind, p.ncomponents = 1;
			break;
		case 7:
			p.components = &badsig, p.ncomponents = 1;
			break;
		case 8:
			p.components = &longtr, p.ncomponents = 1;
			break;
		case 9:
			p.ncomponents = SEG_MAX_COMPONENTS + 1;
			break;
		case 10:
			p.naux = SEG_MAX_AUX + 1;
			break;
		case 11:
			p.aux[1].size = 0;
			break;
		case 12:
			p.aux[1].name = p.aux[0].name;
			break;
		case 13:
			p.nrings = SEG_MAX_RINGS + 1;
			break;
		}
		ck_assert_msg(segment_create(&other, inst, &p) == -EINVAL, "%s accepted", why[i]);
		ck_assert_msg(segment_errmsg(&other)[0] != '\0', "%s: no message", why[i]);
		ck_assert_int_eq(segment_attach(&other, inst), -ENOENT); /* nothing left behind */
	}
}
END_TEST

/* One damaged field at a time; attach must refuse with the right error
 * and a message, and accept again once the field is restored. */
START_TEST(test_v2_attach_validation)
{
	static const struct {
		const char *what;
		size_t off; /* from the segment start; SIZE_MAX: ring 1's control block + 'at' */
		size_t at;  /* 1 with a header offset: write ring 0's offset + 4096 */
		uint8_t bytes[64];
		size_t n;
		int rc;
		const char *msg;
	} cases[] = {
		{ "header_size", 12, 0, { 1 }, 1, -EBADMSG, "inconsistent" },
		{ "total_size", 16, 0, { 1 }, 1, -EBADMSG, "inconsistent" },
		{ "nrings 0", 24, 0, { 0, 0, 0, 0 }, 4, -EBADMSG, "inconsistent" },
		{ "nrings 65", 24, 0, { 65 }, 1, -EBADMSG, "inconsistent" },
		{ "nstages", 28, 0, { 9 }, 1, -EBADMSG, "inconsistent" },
		{ "stats_off", 33, 0, { 0x40 }, 1, -EBADMSG, "inconsistent" },
		{ "ncomponents", 54, 0, { 1 }, 1, -EBADMSG, "inconsistent" },
		{ "ring_dir_off", 64, 0, { 8 }, 1, -EBADMSG, "inconsistent" },
		{ "components_off", 72, 0, { 8 }, 1, -EBADMSG, "inconsistent" },
		{ "naux 17", 80, 0, { 17 }, 1, -EBADMSG, "inconsistent" },
		{ "aux name unterminated", 128, 0,
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 64, -EBADMSG,
		  "aux region 0" },
		{ "aux name control char", 128 + 1, 0, { 7 }, 1, -EBADMSG, "aux region 0" },
		{ "aux name empty", 128, 0, { 0 }, 1, -EBADMSG, "aux region 0" },
		{ "aux off unaligned", 128 + 64, 0, { 8 }, 1, -EBADMSG, "aux region 0" },
		{ "aux off far", 128 + 69, 0, { 0x7f }, 1, -EBADMSG, "aux region 0" },
		{ "aux size 0", 256 + 72, 0, { 0, 0, 0, 0, 0, 0, 0, 0 }, 8, -EBADMSG, "aux region 1" },
		{ "aux name duplicate", 256, 0, "red", 4, -EBADMSG, "aux region name 1" },
		{ "ring off overlaps ring 0", 4096 + 128, 1, { 0 }, 8, -EBADMSG, "ring 1 lies outside" },
		{ "ring capacity huge", 4096 + 128 + 12, 0, { 0x10 }, 1, -EBADMSG, "ring 1 lies outside" },
		{ "ring kind", 4096 + 128 + 16, 0, { 9 }, 1, -EBADMSG, "ring 1" },
		{ "ring name control char", 4096 + 128 + 33, 0, { 7 }, 1, -EBADMSG, "ring 1" },
		{ "ring name duplicate", 4096 + 128 + 32, 0, "in:traces", 10, -EBADMSG, "ring name 1" },
		{ "component kind", 32768 + 256, 0, { 9 }, 1, -EBADMSG, "component 1" },
		{ "component name unterminated", 32768 + 32, 0,
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 64, -EBADMSG,
		  "component 0" },
		{ "ring magic",
		  SIZE_MAX,
		  384,
		  { 0 },
		  1,
		  -ENOTRECOVERABLE,
		  "ring 1 (in:logs) is damaged: bad magic" },
		{ "ring capacity",
		  SIZE_MAX,
		  392,
		  { 0, 0x80 },
		  2,
		  -ENOTRECOVERABLE,
		  "ring 1 (in:logs) is damaged: capacity" },
		{ "ring tail",
		  SIZE_MAX,
		  128,
		  { 8 },
		  1,
		  -ENOTRECOVERABLE,
		  "ring 1 (in:logs) is damaged: head 0 and tail 8" },
		{ "ring last[] slot",
		  SIZE_MAX,
		  512,
		  { 8 },
		  1,
		  -ENOTRECOVERABLE,
		  "ring 1 (in:logs) is damaged: no last-seq slot" },
	};
	struct segment_params p;
	struct segment other;
	uint8_t saved[64];

	v2_params(&p);
	p.aux[0].name = "red"; /* "aux name duplicate" writes it over aux 1's */
	p.aux[1].name = "blue";
	ck_assert_int_eq(segment_create(&seg, inst, &p), 0);
	ck_assert_int_eq(segment_attach(&other, inst), 0);
	segment_detach(&other);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *at = cases[i].off == SIZE_MAX ? seg.base + seg.rings[1].off + cases[i].at
						       : seg.base + cases[i].off;

		uint64_t inside0 = seg.rings[0].off + 4096;

		memcpy(saved, at, cases[i].n);
		if (cases[i].off != SIZE_MAX && cases[i].at == 1) /* a value known only now */
			memcpy(at, &inside0, 8);
		else
			memcpy(at, cases[i].bytes, cases[i].n);
		int rc = segment_attach(&other, inst);
		ck_assert_msg(rc == cases[i].rc, "%s: attach gave %d, want %d (%s)", cases[i].what, rc,
			      cases[i].rc, segment_errmsg(&other));
		ck_assert_msg(strstr(segment_errmsg(&other), cases[i].msg), "%s: message \"%s\"",
			      cases[i].what, segment_errmsg(&other));
		ck_assert_ptr_null(other.base);
		memcpy(at, saved, cases[i].n);
		ck_assert_msg(segment_attach(&other, inst) == 0, "%s: restored but refused: %s",
			      cases[i].what, segment_errmsg(&other));
		segment_detach(&other);
	}
}
END_TEST

START_TEST(test_segment_check_live)
{
	struct segment other;
	struct ring r;
	uint32_t bad = 99;

	ck_assert_int_eq(segment_create(&seg, inst, NULL), 0);
	ck_assert_int_eq(segment_attach(&other, inst), 0);
	ck_assert_int_eq(segment_ring(&seg, 2, &r), 0);
	for (int i = 0; i < 100; i++) { /* a ring in use is sound */
		struct record *rec;
		ck_assert_int_eq(ring_try_reserve(&r, 40, &rec), 0);
		ring_publish(&r);
		ck_assert_int_eq(segment_check(&other, &bad), 0);
	}
	ck_assert_uint_eq(bad, 99);
	atomic_store(&r.ctl->tail, atomic_load(&r.ctl->head) + 8);
	ck_assert_int_eq(segment_check(&other, &bad), -ENOTRECOVERABLE);
	ck_assert_uint_eq(bad, 2);
	ck_assert_ptr_nonnull(strstr(segment_errmsg(&other), "ring 2 (ring2) is damaged"));
	segment_detach(&other);
}
END_TEST

static void remove_aside(void)
{
	char pat[128];
	glob_t g;

	snprintf(pat, sizeof(pat), SEG_SHM_DIR "/sluice.%s.damaged-*", inst);
	if (glob(pat, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
	globfree(&g);
}

START_TEST(test_set_aside)
{
	char aside[256], aside2[256], why[300], text[300] = { 0 };
	struct segment other;
	FILE *f;

	ck_assert_int_eq(segment_set_aside(inst, "x", aside, sizeof(aside)), -ENOENT);
	ck_assert_int_eq(segment_set_aside("bad/name", "x", aside, sizeof(aside)), -EINVAL);
	ck_assert_int_eq(segment_create(&seg, inst, NULL), 0);
	ck_assert_int_eq(segment_set_aside(inst, "ring 1 (mid:traces) is damaged: bad magic", aside,
					   sizeof(aside)),
			 0);
	ck_assert_ptr_nonnull(strstr(aside, SEG_SHM_DIR "/sluice."));
	ck_assert_ptr_nonnull(strstr(aside, ".damaged-"));
	ck_assert_int_eq(access(aside, F_OK), 0);
	snprintf(why, sizeof(why), "%s.why", aside);
	f = fopen(why, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "ring 1 (mid:traces) is damaged: bad magic"));
	/* the name is free: a fresh segment, and a second set-aside in the
	 * same second does not replace the first */
	ck_assert_int_eq(segment_attach(&other, inst), -ENOENT);
	ck_assert_int_eq(segment_create(&other, inst, NULL), 0);
	segment_detach(&other);
	ck_assert_int_eq(segment_set_aside(inst, NULL, aside2, sizeof(aside2)), 0);
	ck_assert_str_ne(aside, aside2);
	ck_assert_int_eq(access(aside, F_OK), 0);
	remove_aside();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_segment_v2");
	TCase *tc = tcase_create("segment_v2");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_v2_layout);
	tcase_add_test(tc, test_v2_max_rings);
	tcase_add_test(tc, test_v2_create_refusals);
	tcase_add_test(tc, test_v2_attach_validation);
	tcase_add_test(tc, test_segment_check_live);
	tcase_add_test(tc, test_set_aside);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
