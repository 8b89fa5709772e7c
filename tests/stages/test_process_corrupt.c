/* One corrupt record is not an outage (issue 14, section 1): with
 * sluice-process stopped (SIGSTOP), 4 KiB of random bytes are written into
 * the middle of its IN ring's published records; after SIGCONT the stage
 * keeps running, delivers every record before and after the damage, counts
 * the skipped records in the ring, and the quarantine file holds exactly
 * the bytes it stepped over (from the first damaged record to the first
 * intact one), with their ring offset and the seqs around them. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/stages/tb.h"
#include "tests/stages/test_process_seg.h"
#include "tests/check_run.h"

#define NREC 200
#define DAMAGE 4096

static struct segment seg;
static char inst[64], cfg_path[128], state[128], bin[512];
static uint64_t pos[NREC + 1], seqs[NREC + 1], lens[NREC + 1];
static uint8_t delivered[NREC + 1];

static uint64_t put(struct ring *r, uint32_t n)
{
	static struct tb_span sp[4];
	static char names[4][48];
	struct record *rec;
	size_t len;

	for (int i = 0; i < 4; i++) {
		snprintf(names[i], sizeof names[i], "r%u.s%d.some-padding-to-fill", n, i);
		sp[i] = (struct tb_span){ .name = names[i], .trace = n + 1u };
	}
	uint8_t *p = tb_pack(NULL, sp, 4, &len);
	ck_assert_int_eq(ring_reserve(r, (uint32_t)len, &rec, 0), 0);
	memcpy(record_payload(rec), p, len);
	rec->items = 4;
	free(p);
	pos[n] = (uint64_t)((uint8_t *)rec - r->data);
	seqs[n] = rec->seq;
	lens[n] = len;
	ring_publish(r);
	return rec->seq;
}

static pid_t spawn(void)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setenv("SLUICE_LOG_LEVEL", "warn", 1);
		execl(bin, bin, "-c", cfg_path, (char *)NULL);
		_exit(127);
	}
	struct stage_stats *st = segment_stats(&seg, STAGE_PROCESS);
	for (int i = 0; i < 5000; i++) {
		if (atomic_load(&st->pid) == pid && atomic_load(&st->state) == STAGE_STATE_RUNNING)
			return pid;
		usleep(1000);
	}
	ck_abort_msg("sluice-process did not start");
	return pid;
}

/* The one entry of the quarantine file: its header fields and bytes. */
static uint8_t *read_quarantine(const char *path, unsigned long long *off, unsigned long long *length,
				unsigned long long *before, unsigned long long *after, size_t *stored)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "no quarantine file %s", path);
	char line[1024];
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_msg(sscanf(line,
			     "# sluice quarantine ring=in:traces offset=%llu length=%llu stored=%zu "
			     "seq_before=%llu seq_after=%llu",
			     off, length, stored, before, after) == 5,
		      "header: %s", line);
	uint8_t *b = malloc(*stored + 1);
	ck_assert_uint_eq(fread(b, 1, *stored, f), *stored);
	ck_assert_int_eq(fgetc(f), '\n');
	ck_assert_int_eq(fgetc(f), EOF); /* one entry */
	fclose(f);
	return b;
}

/* processors: "" (the record is copied as it is) or a YAML list of
 * processors defined in the config (the chain reads and rewrites it before
 * its checksum is checked). */
static void corrupt_case(const char *processors)
{
	const char *pb = getenv("SLUICE_PROCESS_BIN"), *bd = getenv("SLUICE_BUILD_DIR");
	if (pb)
		snprintf(bin, sizeof bin, "%s", pb);
	else
		snprintf(bin, sizeof bin, "%s/bin/sluice-process", bd ? bd : ".");
	ck_assert_msg(access(bin, X_OK) == 0, "stage binary not found: %s", bin);
	snprintf(inst, sizeof inst, "stpcorrupt-%d", (int)getpid());
	snprintf(state, sizeof state, "/tmp/%s-state", inst);
	snprintf(cfg_path, sizeof cfg_path, "/tmp/%s.yaml", inst);
	FILE *f = fopen(cfg_path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:0\n"
		"processors:\n  attributes/mark:\n    actions:\n      - {key: marked, value: yes, action: insert}\n"
		"  filter/none:\n    spans:\n      exclude:\n        match_type: strict\n"
		"        span_names: [never]\n"
		"exporters:\n  debug:\n"
		"service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: [%s]\n"
		"      exporters: [debug]\n"
		"sluice:\n  instance: %s\n  state_dir: %s\n",
		processors, inst, state);
	fclose(f);
	struct sluice_config *cfg;
	struct config_error cerr;
	ck_assert_int_eq(config_load(cfg_path, &cfg, &cerr), 0);
	tps_segment(&seg, inst, cfg, 1 << 20, 1 << 20);
	struct ring in, mid;
	segment_ring(&seg, 0, &in);
	segment_ring(&seg, 1, &mid);
	pid_t pid = spawn();
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	for (uint32_t n = 1; n <= NREC; n++)
		put(&in, n);
	uint64_t end = pos[NREC] + record_size((uint32_t)lens[NREC]);
	/* 4 KiB of random bytes from the middle of record 80's payload on */
	uint64_t x = pos[80] + RECORD_HDR_SIZE + 50;
	unsigned rnd = 12345;
	for (int i = 0; i < DAMAGE; i++)
		in.data[x + (uint64_t)i] = (uint8_t)rand_r(&rnd);
	int first = 80, next = 81;
	while (next <= NREC && pos[next] < x + DAMAGE)
		next++;
	ck_assert_int_le(next, NREC);
	ck_assert_uint_lt(pos[next], end);
	size_t want_len = (size_t)(pos[next] - pos[first]);
	uint8_t *want = malloc(want_len);
	memcpy(want, in.data + pos[first], want_len);
	ck_assert_int_eq(kill(pid, SIGCONT), 0);
	/* every intact record comes through */
	unsigned got = 0;
	while (got < (unsigned)(NREC - (next - first))) {
		const struct record *rec = tps_next(&mid);
		ck_assert_msg(rec != NULL, "%u of %d records", got, NREC - (next - first));
		TbRs *rs = tb_unpack(record_cpayload(rec), rec->len);
		ck_assert_ptr_nonnull(rs);
		TbSpan **sp;
		ck_assert_uint_eq(tb_spans(rs, &sp), 4);
		unsigned n;
		ck_assert_int_eq(sscanf(sp[0]->name, "r%u.", &n), 1);
		if (strstr(processors, "attributes")) /* the chain's output, not a copy */
			ck_assert_msg(sp[0]->n_attributes == 1 &&
					      !strcmp(sp[0]->attributes[0]->key, "marked"),
				      "record %u not rewritten", n);
		ck_assert_uint_le(n, NREC);
		delivered[n]++;
		tb_free(rs);
		ring_commit(&mid, ring_cursor(&mid));
		got++;
	}
	for (int n = 1; n <= NREC; n++)
		ck_assert_uint_eq(delivered[n], n >= first && n < next ? 0 : 1);
	ck_assert_uint_eq(ring_corrupt_records(&in), (uint64_t)(next - first));
	ck_assert_int_eq(kill(pid, 0), 0); /* still running */
	/* the quarantine file: exactly the bytes stepped over */
	char qpath[512];
	snprintf(qpath, sizeof qpath, "%s/%s/quarantine/in:traces.quarantine", state, inst);
	unsigned long long off, length, before, after;
	size_t stored;
	uint8_t *q = read_quarantine(qpath, &off, &length, &before, &after, &stored);
	ck_assert_uint_eq(off, pos[first]);
	ck_assert_uint_eq(length, want_len);
	ck_assert_uint_eq(stored, want_len);
	ck_assert_uint_eq(before, seqs[first - 1]);
	ck_assert_uint_eq(after, seqs[next]);
	ck_assert_int_eq(memcmp(q, want, want_len), 0);
	struct stat sb;
	ck_assert_int_eq(stat(qpath, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	kill(pid, SIGTERM);
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	free(q);
	free(want);
	unlink(qpath);
	char d[512];
	snprintf(d, sizeof d, "%s/%s/quarantine", state, inst);
	rmdir(d);
	snprintf(d, sizeof d, "%s/%s", state, inst);
	rmdir(d);
	rmdir(state);
	tps_segment_drop(&seg, inst);
	config_free(cfg);
	unlink(cfg_path);
}

START_TEST(corrupt_record_skipped_and_quarantined)
{
	corrupt_case("");
}
END_TEST

/* The chain runs over the damaged payload before the check (the check
 * comes after the run, while the bytes are in cache): nothing of it may
 * be published. */
START_TEST(corrupt_record_through_a_chain)
{
	corrupt_case("attributes/mark");
}
END_TEST

/* A chain that keeps every span unchanged writes a byte copy of its input,
 * which is sealed with the input's CRC once that is checked: every
 * delivered record must verify (tps_next peeks with the check). */
START_TEST(corrupt_record_through_a_verbatim_chain)
{
	corrupt_case("filter/none");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stages_process_corrupt");
	TCase *tc = tcase_create("all");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, corrupt_record_skipped_and_quarantined);
	tcase_add_test(tc, corrupt_record_through_a_chain);
	tcase_add_test(tc, corrupt_record_through_a_verbatim_chain);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
