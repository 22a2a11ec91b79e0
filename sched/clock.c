// SPDX-License-Identifier: MIT
/*
 * The daemon's clock (daemon.h): seconds since the epoch, as the journal
 * keeps them. Alone in its file so that the metrics and their tests link
 * without the rest of the daemon.
 */
#include <time.h>

#include "daemon.h"

double sd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
