/* tests/shm/fuzz_wake_env.c - libFuzzer: SLUICE_WAKE_FDS values are
 * accepted or refused with -EINVAL and a message; never a crash. Accepted
 * values only name descriptors open in this process, for rings that exist. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shm/segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static struct seg_header hdr;
	struct segment seg;
	char value[256];
	int rc;

	memset(&seg, 0, sizeof(seg));
	for (unsigned i = 0; i < SEG_MAX_RINGS; i++)
		seg.data_fd[i] = seg.space_fd[i] = -1;
	hdr.nrings = 3;
	seg.hdr = &hdr;
	if (n >= sizeof(value))
		n = sizeof(value) - 1;
	memcpy(value, in, n);
	value[n] = '\0';
	rc = segment_wake_import(&seg, value);
	if (rc != 0 && rc != -EINVAL)
		abort();
	if (rc == -EINVAL && seg.errmsg[0] == '\0')
		abort();
	for (unsigned i = 3; i < SEG_MAX_RINGS; i++)
		if (rc == 0 && (seg.data_fd[i] != -1 || seg.space_fd[i] != -1))
			abort();
	return 0;
}
