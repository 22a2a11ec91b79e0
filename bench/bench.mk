# make bench: start-up time of a trivial guest and compute speed of the
# kernels in bench/kernels/, hexo against native Linux, then the same on one
# emulated ARM64 board (boot, start-to-exit through `hexo run --on`, slowdown
# per kernel; skipped with the reason without qemu-system-aarch64 or the
# arm64 kernel), then migration (bench/migrate.sh: overhead of the points,
# unwind/rewind, checkpoint write/restore against dd and CRIU, latency), in
# one run (bench/bench.sh; its board section is bench/board.sh). Prints the
# tables and writes build/bench/results.json; docs/PERFORMANCE.md records a
# run. Needs /dev/kvm (but for --only sched). Then the scheduler (bench/sched.sh).
#   make bench BENCH_ARGS="--reps 9"     more repetitions
#   make bench BENCH_ARGS=--quick         a fast smoke test of the harness
#   make bench BENCH_ARGS="--only board"  one section (startup|compute|board|migrate|sched;
#                                         sched also runs without /dev/kvm, on two boards)

BENCH_OUT := $(BUILD)/bench
BENCH_TIMER := $(BENCH_OUT)/hexo-time
BENCH_ARGS ?=

.PHONY: bench bench-tools
bench: deps
	@$(MAKE) --no-print-directory all bench-tools
	@BENCH_OUT=$(BENCH_OUT) bench/bench.sh $(BENCH_ARGS)

bench-tools: $(BENCH_TIMER)

$(BENCH_TIMER): bench/hexo-time.c
	@mkdir -p $(@D)
	$(HOST_CC) $(filter-out -MMD -MP,$(HOST_CFLAGS)) -o $@ $< -lm
