/* tests/sluice/test_dirs.c: what makes a directory safe for sluice
 * (rt/dirs.h), on real directories under a scratch dir. The
 * cases that need another owner run as root only (CI does). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt/dirs.h"
#include "tests/check_run.h"

static char top[256];

static void setup(void)
{
	snprintf(top, sizeof(top), "/tmp/dirs-test-%d", (int)getpid());
	ck_assert_int_eq(mkdir(top, 0700), 0);
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *at(const char *rel)
{
	static char p[8][512];
	static int i;
	char *s = p[i++ & 7];
	snprintf(s, 512, "%s/%s", top, rel);
	return s;
}

/* Runs dirs_check and returns its code; *why is what it said. */
static int check(const char *path, char *why)
{
	why[0] = 0;
	return dirs_check(path, why, 512);
}

START_TEST(a_private_directory_is_fine)
{
	char why[512];
	ck_assert_int_eq(mkdir(at("ok"), 0700), 0);
	ck_assert_int_eq(check(at("ok"), why), 0);
	ck_assert_int_eq(mkdir(at("ok755"), 0755), 0);
	chmod(at("ok755"), 0755);
	ck_assert_int_eq(check(at("ok755"), why), 0); /* readable by others is fine */
	ck_assert_int_eq(dirs_writable(at("ok")), 0);
	if (geteuid() == 0) { /* /tmp itself: anyone writes there */
		ck_assert_int_eq(check("/tmp", why), -EPERM);
		ck_assert_str_eq(why, "is writable by others (mode 1777)");
	}
}
END_TEST

START_TEST(unsafe_directories_are_refused_with_the_reason)
{
	char why[512];
	ck_assert_int_eq(mkdir(at("g"), 0700), 0);
	chmod(at("g"), 0770);
	ck_assert_int_eq(check(at("g"), why), -EPERM);
	ck_assert_str_eq(why, "is writable by its group (mode 0770)");
	ck_assert_int_eq(mkdir(at("w"), 0700), 0);
	chmod(at("w"), 0703);
	ck_assert_int_eq(check(at("w"), why), -EPERM);
	ck_assert_str_eq(why, "is writable by others (mode 0703)");
	ck_assert_int_eq(symlink(at("g"), at("link")), 0);
	ck_assert_int_eq(mkdir(at("good"), 0700), 0);
	ck_assert_int_eq(symlink(at("good"), at("link2")), 0);
	ck_assert_int_eq(check(at("link2"), why), -EPERM); /* even to a good one */
	ck_assert_str_eq(why, "is a symbolic link");
	FILE *f = fopen(at("file"), "w");
	fclose(f);
	ck_assert_int_eq(check(at("file"), why), -ENOTDIR);
	ck_assert_str_eq(why, "is not a directory");
	ck_assert_int_eq(check(at("file/below"), why), -ENOTDIR);
	ck_assert_ptr_nonnull(strstr(why, "file is not a directory"));
}
END_TEST

START_TEST(what_is_above_counts_too)
{
	char why[512];
	/* a parent anyone may write to, not sticky: our directory could be
	 * renamed away and replaced */
	ck_assert_int_eq(mkdir(at("open"), 0700), 0);
	chmod(at("open"), 0777);
	ck_assert_int_eq(mkdir(at("open/ours"), 0700), 0);
	ck_assert_int_eq(check(at("open/ours"), why), -EPERM);
	ck_assert_msg(strstr(why, "is inside ") &&
			      strstr(why,
				     "/open, which anyone can write to and which is not sticky (mode 0777)"),
		      "%s", why);
	/* sticky (like /tmp): only an entry's owner may rename it */
	chmod(at("open"), 01777);
	ck_assert_int_eq(check(at("open/ours"), why), 0);
	/* a symbolic link above is followed; what it leads to is checked */
	ck_assert_int_eq(symlink(at("open"), at("via")), 0);
	ck_assert_int_eq(check(at("via/ours"), why), 0);
}
END_TEST

START_TEST(missing_is_reported_and_made_private)
{
	char why[512];
	ck_assert_int_eq(check(at("a/b/c"), why), -ENOENT);
	ck_assert_str_eq(why, "does not exist");
	ck_assert_int_eq(access(at("a"), F_OK), -1); /* check changes nothing */
	mode_t old = umask(0);
	ck_assert_int_eq(dirs_make(at("a/b/c/"), why, sizeof(why)), 0);
	umask(old);
	struct stat st;
	const char *made[] = { "a", "a/b", "a/b/c" };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(stat(at(made[i]), &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, 0700);
		ck_assert_uint_eq(st.st_uid, geteuid());
	}
	ck_assert_int_eq(dirs_make(at("a/b/c"), why, sizeof(why)), 0); /* again: fine */
	/* making does not make an unsafe one safe */
	ck_assert_int_eq(mkdir(at("g"), 0700), 0);
	chmod(at("g"), 0770);
	ck_assert_int_eq(dirs_make(at("g"), why, sizeof(why)), -EPERM);
	ck_assert_int_eq(dirs_make(at("g/sub"), why, sizeof(why)), -EPERM);
	ck_assert_int_eq(access(at("g/sub"), F_OK), -1);
}
END_TEST

START_TEST(another_owner_is_refused)
{
	if (geteuid() != 0)
		return; /* needs chown */
	char why[512];
	ck_assert_int_eq(mkdir(at("theirs"), 0700), 0);
	ck_assert_int_eq(chown(at("theirs"), 65534, 65534), 0);
	ck_assert_int_eq(check(at("theirs"), why), -EPERM);
	ck_assert_str_eq(why, "is owned by uid 65534, not 0");
	ck_assert_int_eq(dirs_make(at("theirs"), why, sizeof(why)), -EPERM);
	/* inside a directory someone else owns: they could swap ours */
	ck_assert_int_eq(mkdir(at("theirs/ours"), 0700), 0);
	ck_assert_int_eq(check(at("theirs/ours"), why), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "/theirs, which is owned by uid 65534 (neither root nor uid 0)"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dirs");
	TCase *tc = tcase_create("dirs");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, a_private_directory_is_fine);
	tcase_add_test(tc, unsafe_directories_are_refused_with_the_reason);
	tcase_add_test(tc, what_is_above_counts_too);
	tcase_add_test(tc, missing_is_reported_and_made_private);
	tcase_add_test(tc, another_owner_is_refused);
	suite_add_tcase(s, tc);
	return check_run(s, CK_FORK_GETENV) ? 1 : 0;
}
