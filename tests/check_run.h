/* tests/check_run.h - how every Check test program runs its suite.
 *
 *   return check_run(s, CK_FORK_GETENV) ? 1 : 0;
 *
 * check_run(s, fork) runs suite s (and owns it) with Check's usual output
 * and returns how many of its tests failed. fork: CK_FORK_GETENV (a fork a
 * test unless CK_FORK=no), or CK_NOFORK for suites of pure table cases,
 * where a fork a case costs more than the cases (~0.2 s each under ASan). */
#ifndef SLUICE_TESTS_CHECK_RUN_H
#define SLUICE_TESTS_CHECK_RUN_H

#include <check.h>

static inline int check_run(Suite *s, enum fork_status fork)
{
	SRunner *sr = srunner_create(s);

	srunner_set_fork_status(sr, fork);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

#endif
