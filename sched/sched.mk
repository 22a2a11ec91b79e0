# The scheduler (sched/): the placement policy (policy.h: pure, no I/O) and
# the discrete-event simulator that runs it (sim.h: `hexo sched --simulate`,
# config files read by sim_config.c). Others link it with
#   $(LIBHEXOSCHED) $(LIBHEXO) $(LIBHEXO_LDLIBS) -ljson-c -lm
# (the simulator uses lib/err.h and json-c; the policy alone needs nothing).

SCHED_SRCS := $(wildcard sched/*.c)
SCHED_OBJS := $(SCHED_SRCS:%.c=$(OBJ)/%.o)

LIBHEXOSCHED := $(BUILD)/libhexosched.a

$(LIBHEXOSCHED): $(SCHED_OBJS)

.PHONY: libhexosched
libhexosched: $(LIBHEXOSCHED)
