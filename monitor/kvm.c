// SPDX-License-Identifier: MIT
/*
 * Linux KVM, arch-neutral: /dev/kvm, the VM with guest memory as one slot at
 * gpa 0, one vCPU, and the run loop that hands exits to the arch decoder and
 * the hypercall table.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch.h"
#include "hypercall.h"
#include "monitor.h"

#define HUGE_2M (2ull << 20)

int kvm__open(struct hexo_vm *vm)
{
	int ret;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int e = errno;

		if (e == EACCES || e == EPERM)
			return vm__error(vm, -e,
			                 "/dev/kvm: %s: join the group that owns /dev/kvm "
			                 "(usually 'kvm') to run guests",
			                 strerror(e));
		return vm__error(vm, -e,
		                 "/dev/kvm: %s: KVM is required (load kvm_intel/kvm_amd or run "
		                 "on a host with virtualization)",
		                 strerror(e));
	}
	ret = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		close(vm->kvm_fd);
		vm->kvm_fd = -1;
		return vm__error(vm, -EINVAL, "/dev/kvm: KVM API version %d, expected %d", ret,
		                 KVM_API_VERSION);
	}
	return 0;
}

/*
 * Anonymous memory, reserved lazily (MAP_NORESERVE): only pages the guest
 * touches cost anything. The start is 2 MiB-aligned so transparent huge
 * pages (kvm__hugepages) line up with the guest's 2 MiB pages.
 */
int kvm__alloc_memory(struct hexo_vm *vm, uint64_t size)
{
	size_t len = size + HUGE_2M;
	uint8_t *p, *start;
	uintptr_t head;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
	         0);
	if (p == MAP_FAILED)
		return vm__error(vm, -errno, "guest memory (%" PRIu64 " bytes): %s", size,
		                 strerror(errno));
	start = (uint8_t *)(((uintptr_t)p + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	head = (uintptr_t)(start - p);
	if (head)
		munmap(p, head);
	if (len - head > size)
		munmap(start + size, len - head - size);
	vm->mem.base = start;
	vm->mem.size = size;
	return 0;
}

void kvm__hugepages(struct hexo_vm *vm, uint64_t start, uint64_t end)
{
	start = (start + HUGE_2M - 1) & ~(HUGE_2M - 1);
	end &= ~(HUGE_2M - 1);
	if (end > vm->mem.size)
		end = vm->mem.size & ~(HUGE_2M - 1);
	if (start < end)
		madvise(vm->mem.base + start, end - start, MADV_HUGEPAGE); /* a hint */
}

int kvm__create_vm(struct hexo_vm *vm)
{
	struct kvm_userspace_memory_region region = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = vm->mem.size,
	    .userspace_addr = (uintptr_t)vm->mem.base,
	};
	unsigned long type;
	int ret, mmap_size;

	ret = arch__vm_type(vm, &type);
	if (ret)
		return ret;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, type);
	if (vm->vm_fd < 0)
		return vm__error(vm, -errno, "KVM_CREATE_VM: %s", strerror(errno));
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		ret = vm__error(vm, -errno, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto out_close_vm;
	}
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0) {
		ret = vm__error(vm, -errno, "KVM_CREATE_VCPU: %s", strerror(errno));
		goto out_close_vm;
	}
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run)) {
		ret = vm__error(vm, -EINVAL, "KVM_GET_VCPU_MMAP_SIZE: %s",
		                mmap_size < 0 ? strerror(errno) : "too small");
		goto out_close_vcpu;
	}
	vm->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		ret = vm__error(vm, -errno, "mmap(vCPU): %s", strerror(errno));
		goto out_close_vcpu;
	}
	vm->run_size = (size_t)mmap_size;
	return 0;

out_close_vcpu:
	close(vm->vcpu_fd);
	vm->vcpu_fd = -1;
out_close_vm:
	close(vm->vm_fd);
	vm->vm_fd = -1;
	return ret;
}

/*
 * Reads counters from the vCPU's binary stats (KVM_GET_STATS_FD, Linux 5.14):
 * values[i] for names[i], found[i] false when the host has no such counter.
 * Returns 0 or -errno (no stats at all).
 */
int kvm__vcpu_stats(struct hexo_vm *vm, const char *const *names, uint64_t *values, bool *found,
                    size_t n)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *desc;
	size_t desc_size;
	char *descs = NULL;
	int fd, ret = 0;

	for (size_t i = 0; i < n; i++)
		found[i] = false;
	fd = ioctl(vm->vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (fd < 0)
		return -errno;
	if (pread(fd, &hdr, sizeof(hdr), 0) != sizeof(hdr)) {
		ret = -EIO;
		goto out_close;
	}
	desc_size = sizeof(*desc) + hdr.name_size;
	descs = calloc(hdr.num_desc, desc_size);
	if (!descs) {
		ret = -ENOMEM;
		goto out_close;
	}
	if (pread(fd, descs, hdr.num_desc * desc_size, hdr.desc_offset) !=
	    (ssize_t)(hdr.num_desc * desc_size)) {
		ret = -EIO;
		goto out_free;
	}
	for (uint32_t d = 0; d < hdr.num_desc; d++) {
		desc = (struct kvm_stats_desc *)(descs + d * desc_size);
		desc->name[hdr.name_size - 1] = '\0';
		for (size_t i = 0; i < n; i++) {
			if (strcmp(desc->name, names[i]) || desc->size != 1)
				continue;
			if (pread(fd, &values[i], sizeof(values[i]),
			          hdr.data_offset + desc->offset) == sizeof(values[i]))
				found[i] = true;
		}
	}
out_free:
	free(descs);
out_close:
	close(fd);
	return ret;
}

const char *kvm__exit_name(uint32_t reason)
{
	static const char *const names[] = {
	    [KVM_EXIT_UNKNOWN] = "KVM_EXIT_UNKNOWN",
	    [KVM_EXIT_EXCEPTION] = "KVM_EXIT_EXCEPTION",
	    [KVM_EXIT_IO] = "KVM_EXIT_IO",
	    [KVM_EXIT_HYPERCALL] = "KVM_EXIT_HYPERCALL",
	    [KVM_EXIT_DEBUG] = "KVM_EXIT_DEBUG",
	    [KVM_EXIT_HLT] = "KVM_EXIT_HLT",
	    [KVM_EXIT_MMIO] = "KVM_EXIT_MMIO",
	    [KVM_EXIT_IRQ_WINDOW_OPEN] = "KVM_EXIT_IRQ_WINDOW_OPEN",
	    [KVM_EXIT_SHUTDOWN] = "KVM_EXIT_SHUTDOWN",
	    [KVM_EXIT_FAIL_ENTRY] = "KVM_EXIT_FAIL_ENTRY",
	    [KVM_EXIT_INTR] = "KVM_EXIT_INTR",
	    [KVM_EXIT_SET_TPR] = "KVM_EXIT_SET_TPR",
	    [KVM_EXIT_TPR_ACCESS] = "KVM_EXIT_TPR_ACCESS",
	    [KVM_EXIT_NMI] = "KVM_EXIT_NMI",
	    [KVM_EXIT_INTERNAL_ERROR] = "KVM_EXIT_INTERNAL_ERROR",
	    [KVM_EXIT_SYSTEM_EVENT] = "KVM_EXIT_SYSTEM_EVENT",
	    [KVM_EXIT_ARM_NISV] = "KVM_EXIT_ARM_NISV",
	};

	if (reason < sizeof(names) / sizeof(names[0]) && names[reason])
		return names[reason];
	return "KVM_EXIT_?";
}

/* aarch64 PSCI SYSTEM_OFF / SYSTEM_RESET and friends. */
static const char *system_event_name(uint32_t type)
{
	switch (type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		return "shutdown";
	case KVM_SYSTEM_EVENT_RESET:
		return "reset";
	case KVM_SYSTEM_EVENT_CRASH:
		return "crash";
	default:
		return "event";
	}
}

/* An exit that is not a hypercall: the guest cannot go on. */
static int other_exit(struct hexo_vm *vm)
{
	struct kvm_run *run = vm->run;
	char what[160];

	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		return crash__vcpu(vm, "triple fault (KVM_EXIT_SHUTDOWN)");
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error, suberror %u",
		         run->internal.suberror);
		return crash__vcpu(vm, what);
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "VM entry failed, hardware reason 0x%llx",
		         (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return crash__vcpu(vm, what);
	case KVM_EXIT_SYSTEM_EVENT:
		snprintf(what, sizeof(what),
		         "the guest asked for a system %s (KVM_EXIT_SYSTEM_EVENT %u)",
		         system_event_name(run->system_event.type), run->system_event.type);
		return crash__vcpu(vm, what);
	case KVM_EXIT_HLT:
		return crash__vcpu(vm, "halted with interrupts off (KVM_EXIT_HLT)");
	case KVM_EXIT_MMIO:
		snprintf(what, sizeof(what), "%s %u bytes at unmapped guest-physical 0x%llx",
		         run->mmio.is_write ? "wrote" : "read", run->mmio.len,
		         (unsigned long long)run->mmio.phys_addr);
		return crash__vcpu(vm, what);
	default:
		snprintf(what, sizeof(what), "unexpected VM exit %s (%u)",
		         kvm__exit_name(run->exit_reason), run->exit_reason);
		return crash__vcpu(vm, what);
	}
}

/* One exit: HC_CONTINUE, HC_STOP (vm->status set) or < 0 (guest error). */
static int handle_exit(struct hexo_vm *vm)
{
	uint64_t nr;
	hexo_gpa_t arg;
	uint32_t reason = vm->run->exit_reason;
	int ret;

	ret = arch__decode_hypercall(vm, &nr, &arg);
	if (ret > 0)
		return hc__dispatch(vm, nr, arg);
	vm->stats.exit_reasons[reason < STATS_EXIT_REASONS ? reason : 0]++;
	if (ret < 0)
		return ret;
	vm->status = other_exit(vm);
	return HC_STOP;
}

int kvm__run(struct hexo_vm *vm)
{
	struct vm_stats *st = &vm->stats;
	uint64_t t0, t1 = now_ns();
	int ret;

	st->t_first_run = t1;
	for (;;) {
		t0 = t1;
		ret = ioctl(vm->vcpu_fd, KVM_RUN, 0);
		t1 = now_ns();
		st->guest_ns += t1 - t0;
		if (ret < 0 && errno != EINTR && errno != EAGAIN)
			hexo_die("KVM_RUN: %s", strerror(errno));
		/* --status: the timer's signal interrupted KVM_RUN or came meanwhile */
		if (migrate__status_due())
			status__tick(vm);
		if (ret < 0)
			continue;
		st->exits++;
		ret = handle_exit(vm);
		t0 = t1;
		t1 = now_ns();
		st->monitor_ns += t1 - t0;
		if (ret == HC_STOP)
			break;
		if (ret < 0) {
			fprintf(stderr, "hexo: guest error: %s\n", vm->error);
			vm->status = HEXO_EXIT_ERROR;
			vm->crashed = true;
			break;
		}
	}
	st->t_end = t1;
	return vm->status;
}
