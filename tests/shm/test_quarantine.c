/* tests/shm/test_quarantine.c - the quarantine file: format (header line,
 * raw bytes from two pieces, newline), appending, the directory made 0700,
 * the total-size bound (whole, truncated, refused), unusable ring names,
 * and refusing to follow a symlinked directory or file. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm/quarantine.h"
#include "tests/check_run.h"

static char dir[128], path[256];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sluice-test-quarantine-%ld", (long)getpid());
	snprintf(path, sizeof(path), "%s/mid:traces_payments%s", dir, QUARANTINE_SUFFIX);
}

static void teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s %s-link", dir, dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

static struct quarantine_entry entry(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
	return (struct quarantine_entry){ .ring = "mid:traces/payments",
					  .offset = 1052672,
					  .seq_before = 17,
					  .seq_after = 23,
					  .part = { a, b },
					  .len = { na, nb } };
}

/* Read one entry from f: the numbers of its header and its bytes. */
static size_t read_entry(FILE *f, unsigned long long *length, uint8_t *bytes, size_t cap)
{
	unsigned long long off, stored, before, after;
	char line[512];

	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	ck_assert_int_eq(sscanf(line,
				"# sluice quarantine ring=mid:traces/payments offset=%llu length=%llu "
				"stored=%llu seq_before=%llu seq_after=%llu time=",
				&off, length, &stored, &before, &after),
			 5);
	ck_assert_ptr_nonnull(strstr(line, " time=20"));
	ck_assert_uint_eq(off, 1052672);
	ck_assert_uint_eq(before, 17);
	ck_assert_uint_eq(after, 23);
	ck_assert_uint_le(stored, cap);
	ck_assert_uint_eq(fread(bytes, 1, stored, f), stored);
	ck_assert_int_eq(fgetc(f), '\n');
	return (size_t)stored;
}

START_TEST(test_format_and_append)
{
	uint8_t a[1000], b[300], got[1300];
	unsigned long long length;
	struct quarantine_entry e;
	struct stat st;
	FILE *f;

	for (unsigned i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 7);
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i ^ 0x5a);
	ck_assert_int_eq(quarantine_used(dir), 0); /* absent */
	e = entry(a, sizeof(a), b, sizeof(b));
	ck_assert_int_eq(quarantine_write(dir, 1 << 20, &e), 1300);
	e = entry(b, 10, NULL, 0);
	ck_assert_int_eq(quarantine_write(dir, 1 << 20, &e), 10);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(quarantine_used(dir), st.st_size);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(read_entry(f, &length, got, sizeof(got)), 1300);
	ck_assert_uint_eq(length, 1300);
	ck_assert(memcmp(got, a, 1000) == 0 && memcmp(got + 1000, b, 300) == 0);
	ck_assert_uint_eq(read_entry(f, &length, got, sizeof(got)), 10);
	ck_assert(memcmp(got, b, 10) == 0);
	ck_assert_int_eq(fgetc(f), EOF);
	fclose(f);
}
END_TEST

START_TEST(test_bounded)
{
	static uint8_t big[4000];
	unsigned long long length;
	struct quarantine_entry e = entry(big, sizeof(big), NULL, 0);
	uint8_t got[4000];
	int64_t first, second;
	FILE *f;

	memset(big, 0xab, sizeof(big));
	first = quarantine_write(dir, 6000, &e);
	ck_assert_int_eq(first, 4000);
	second = quarantine_write(dir, 6000, &e); /* what is left, minus its header line */
	ck_assert_int_gt(second, 1000);
	ck_assert_int_lt(second, 4000 - 2000 + 1);
	ck_assert_int_le(quarantine_used(dir), 6000);
	ck_assert_int_eq(quarantine_write(dir, 6000, &e), -ENOSPC);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(read_entry(f, &length, got, sizeof(got)), 4000);
	ck_assert_uint_eq(read_entry(f, &length, got, sizeof(got)), (size_t)second);
	ck_assert_uint_eq(length, 4000); /* says how much there was */
	fclose(f);
}
END_TEST

START_TEST(test_refusals)
{
	static const char *const names[] = { "", ".hidden", "with space", "tab\there" };
	struct quarantine_entry e = entry((const uint8_t *)"x", 1, NULL, 0);
	char link[160], file[220];

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		e.ring = names[i];
		ck_assert_msg(quarantine_write(dir, 1 << 20, &e) == -EINVAL, "ring \"%s\"", names[i]);
	}
	e.ring = "in:logs";
	ck_assert_int_eq(quarantine_write(dir, 1 << 20, &e), 1);
	/* a symlinked directory is not followed */
	snprintf(link, sizeof(link), "%s-link", dir);
	ck_assert_int_eq(symlink(dir, link), 0);
	ck_assert_int_lt(quarantine_write(link, 1 << 20, &e), 0);
	/* nor a symlinked file: its target is never appended to */
	snprintf(file, sizeof(file), "%s/out:x%s", dir, QUARANTINE_SUFFIX);
	ck_assert_int_eq(symlink("/tmp/some-target-that-must-not-be-written", file), 0);
	e.ring = "out:x";
	ck_assert_int_eq(quarantine_write(dir, 1 << 20, &e), -ELOOP);
	ck_assert_int_ne(access("/tmp/some-target-that-must-not-be-written", F_OK), 0);
	/* a path that is a file */
	snprintf(file, sizeof(file), "%s/in:logs%s", dir, QUARANTINE_SUFFIX);
	ck_assert_int_eq(quarantine_write(file, 1 << 20, &e), -ENOTDIR);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shm_quarantine");
	TCase *tc = tcase_create("quarantine");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_format_and_append);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_refusals);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
