/* SPDX-License-Identifier: MIT */
/*
 * Hardware counters of one thread through perf_event_open(2): instructions,
 * last-level-cache references and misses (generic PERF_TYPE_HARDWARE
 * events, user and guest mode: kernel and hypervisor excluded). The
 * slowdown model of `hexo node calibrate` (lib/calib.h) is fitted on such
 * rates. Machines without a usable PMU (most VMs, perf_event_paranoid 3)
 * have none: hexo_counters_available() says why.
 */
#ifndef HEXO_LIB_COUNTERS_H
#define HEXO_LIB_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum { HEXO_CTR_INSTR, HEXO_CTR_LLC_REFS, HEXO_CTR_LLC_MISSES, HEXO_CTR_N };

struct hexo_counters {
	int fd[HEXO_CTR_N]; /* -1: not open (LLC events may be missing alone) */
};

struct hexo_counter_values {
	uint64_t v[HEXO_CTR_N]; /* scaled for multiplexing */
	bool ok[HEXO_CTR_N];    /* that counter was open and read */
};

/*
 * 1 when an instruction counter can be opened on the calling process, else
 * 0 with the reason in why (errno's text and what it usually means).
 */
int hexo_counters_available(char *why, size_t n);

/*
 * Opens the three counters on thread tid (0: the caller) and the threads
 * it creates afterwards (inherit); they count from now on. 0 (at least the
 * instruction counter opened: the LLC ones may be missing alone) or -errno.
 */
int hexo_counters_open(pid_t tid, struct hexo_counters *c);

/*
 * The same, counting from tid's next execve: for a child opened between
 * fork and exec, so that only the program it runs is counted.
 */
int hexo_counters_open_on_exec(pid_t tid, struct hexo_counters *c);

/* The counts so far: 0, or -errno when the instruction counter cannot be read. */
int hexo_counters_read(const struct hexo_counters *c, struct hexo_counter_values *out);

void hexo_counters_close(struct hexo_counters *c);

#endif
