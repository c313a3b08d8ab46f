/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watchopts.h: the one check of [watch] lines for unit tests: each good KEY = VALUE pair is
 * accepted, each bad one refused with -EINVAL and a message. Include after cmocka.h. */
#ifndef NG_TEST_WATCHOPTS_H
#define NG_TEST_WATCHOPTS_H

#include <errno.h>

#include "nicguard.h"

static inline void check_watch_lines(const char *const (*good)[2], size_t ngood,
				     const char *const (*bad)[2], size_t nbad)
{
	struct ng_err err;

	assert_true(ng_watch_tables_sorted());
	for (size_t i = 0; i < ngood; i++)
		if (ng_watch_option_check(good[i][0], good[i][1], &err) != 0)
			fail_msg("%s = %s: %s", good[i][0], good[i][1], err.msg);
	for (size_t i = 0; i < nbad; i++) {
		err.msg[0] = '\0';
		if (ng_watch_option_check(bad[i][0], bad[i][1], &err) != -EINVAL)
			fail_msg("accepted %s = %s", bad[i][0], bad[i][1]);
		assert_true(err.msg[0] != '\0');
	}
}

#endif
