# The calibration kernels of `hexo node calibrate` (cli/calibrate.c,
# docs/sched.md "Slowdown estimates: calibration"): each sched/calib/K.c is
# built with hexocc into build/calib/K.hexo (x86-64 + aarch64, no migration
# points), which `hexo` finds next to itself as ../calib/ (HEXO_CALIB_DIR
# overrides). Part of `make all`.

CALIB_KERNELS := fp triad chase sort branch
CALIB_DIR     := $(BUILD)/calib
CALIB_IMAGES  := $(CALIB_KERNELS:%=$(CALIB_DIR)/%.hexo)

$(CALIB_DIR)/%.hexo: sched/calib/%.c sched/calib/kernel.h $(BIN)/hexocc $(HEXO_IRSECT) \
		$(HEXO_INSTRUMENT) | guest-runtime
	@mkdir -p $(@D)
	$(BIN)/hexocc -O2 -o $@ $<

.PHONY: calib-kernels
calib-kernels: $(CALIB_IMAGES)
