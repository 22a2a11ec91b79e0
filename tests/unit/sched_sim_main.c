// SPDX-License-Identifier: MIT
/*
 * build/tests/sched-sim: `hexo sched --simulate CONFIG [--json]` on its own,
 * until the hexo command dispatches `sched` to sched_simulate_main().
 */
#include "sim.h"

int main(int argc, char **argv)
{
	return sched_simulate_main(argc, argv);
}
