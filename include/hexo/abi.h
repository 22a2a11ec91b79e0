/* SPDX-License-Identifier: MIT */
/*
 * hexo guest <-> monitor ABI.
 *
 * This is the one definition of every hypercall, its argument struct and the
 * boot protocol. The library OS (kernel/) and the monitor (monitor/) both
 * include it; nothing else defines hypercall numbers or layouts.
 *
 * Rules:
 *  - C11, fixed-width types only, little-endian, no pointers: a guest address
 *    is a hexo_gpa_t, which the monitor must translate and bounds-check
 *    (monitor/guest_mem.h) before touching it.
 *  - Every struct has the same layout on x86-64 and aarch64; the
 *    _Static_asserts at the bottom pin sizes.
 *  - Fields are marked IN (guest -> monitor) or OUT (monitor -> guest).
 *  - A change that breaks an existing struct or number bumps
 *    HEXO_ABI_VERSION; the monitor refuses a guest whose version differs.
 *
 * Transport (the only per-arch part):
 *  - x86-64: `outl` of the 32-bit guest-physical address of the argument
 *    struct to port HEXO_X86_PIO_BASE + nr. The kernel keeps its argument
 *    structs in its own .bss, which sits below 4 GiB (layout.h), so the
 *    32-bit port value is never a cap on guest memory: buffers referenced
 *    from the structs are full 64-bit addresses.
 *  - aarch64: a 64-bit store of the struct's address to
 *    HEXO_AARCH64_MMIO_BASE + nr * 8 (device memory, outside RAM).
 */
#ifndef HEXO_ABI_H
#define HEXO_ABI_H

#include <stdint.h>

#define HEXO_ABI_VERSION 2

/* A guest-physical (= guest-virtual, memory is identity-mapped) address. */
typedef uint64_t hexo_gpa_t;

#define HEXO_X86_PIO_BASE 0x500u
#define HEXO_AARCH64_MMIO_BASE 0x8000000000ull /* 512 GiB */

enum hexo_hypercall {
	HEXO_HC_EXIT = 1,  /* struct hexo_hc_exit: the job ends */
	HEXO_HC_FAULT,     /* struct hexo_hc_fault: unhandled exception */
	HEXO_HC_WRITE,     /* struct hexo_hc_rw */
	HEXO_HC_READ,      /* struct hexo_hc_rw */
	HEXO_HC_OPEN,      /* struct hexo_hc_open */
	HEXO_HC_CLOSE,     /* struct hexo_hc_fd */
	HEXO_HC_LSEEK,     /* struct hexo_hc_lseek */
	HEXO_HC_FSTAT,     /* struct hexo_hc_fstat */
	HEXO_HC_STAT,      /* struct hexo_hc_stat */
	HEXO_HC_UNLINK,    /* struct hexo_hc_path */
	HEXO_HC_NANOSLEEP, /* struct hexo_hc_nanosleep */
	HEXO_HC_WALLCLOCK, /* struct hexo_hc_wallclock */
	HEXO_HC_CHECKPOINT, /* struct hexo_hc_checkpoint: the job has unwound */
	HEXO_HC_ISATTY,    /* struct hexo_hc_fd: ret 1 if the fd is a terminal, else 0 */
	HEXO_HC_MAX
};

/*
 * Error numbers returned (negated) in `ret` fields. They are hexo's own,
 * chosen equal to newlib's values so the kernel passes them through; the
 * monitor maps host errno values onto them.
 */
#define HEXO_EPERM 1
#define HEXO_ENOENT 2
#define HEXO_EIO 5
#define HEXO_EBADF 9
#define HEXO_ENOMEM 12
#define HEXO_EACCES 13
#define HEXO_EFAULT 14
#define HEXO_EBUSY 16
#define HEXO_EEXIST 17
#define HEXO_EXDEV 18
#define HEXO_ENOTDIR 20
#define HEXO_EISDIR 21
#define HEXO_EINVAL 22
#define HEXO_ENFILE 23
#define HEXO_EMFILE 24
#define HEXO_ENOTTY 25
#define HEXO_EFBIG 27
#define HEXO_ENOSPC 28
#define HEXO_ESPIPE 29
#define HEXO_EROFS 30
#define HEXO_EPIPE 32
#define HEXO_ENOSYS 88
#define HEXO_ENOTEMPTY 90
#define HEXO_ENAMETOOLONG 91
#define HEXO_ELOOP 92

/* Open flags (HEXO_HC_OPEN.flags); the kernel translates newlib's O_*. */
#define HEXO_O_RDONLY 0x0000u
#define HEXO_O_WRONLY 0x0001u
#define HEXO_O_RDWR 0x0002u
#define HEXO_O_ACCMODE 0x0003u
#define HEXO_O_CREAT 0x0040u
#define HEXO_O_EXCL 0x0080u
#define HEXO_O_TRUNC 0x0200u
#define HEXO_O_APPEND 0x0400u

/* lseek whence */
#define HEXO_SEEK_SET 0u
#define HEXO_SEEK_CUR 1u
#define HEXO_SEEK_END 2u

/* File types for hexo_stat.type */
#define HEXO_FT_REG 1u
#define HEXO_FT_DIR 2u
#define HEXO_FT_CHR 3u /* a terminal or other character device (HEXO_HC_ISATTY tells) */
#define HEXO_FT_FIFO 4u
#define HEXO_FT_OTHER 5u

/* Longest path the guest may pass, including the terminating NUL. */
#define HEXO_PATH_MAX 1024u

struct hexo_hc_exit {
	int64_t status; /* IN: exit status, 0..255 */
};

/*
 * An exception the kernel cannot handle. `kind` names the arch meaning of
 * `vector`: on x86-64 the IDT vector, on aarch64 the ESR_EL1 exception class.
 */
#define HEXO_FAULT_X86_VECTOR 1u
#define HEXO_FAULT_AARCH64_EC 2u
#define HEXO_FAULT_STACK_OVERFLOW 0x100u /* flag: fault hit the stack guard */
/*
 * aarch64 `vector` values beyond the 6-bit exception class: an IRQ or FIQ
 * (never expected, they stay masked) has no syndrome; error_code is 0 then.
 */
#define HEXO_AARCH64_FAULT_IRQ 0x40u
#define HEXO_AARCH64_FAULT_FIQ 0x41u

struct hexo_hc_fault {
	uint32_t kind;       /* IN: HEXO_FAULT_* (| HEXO_FAULT_STACK_OVERFLOW) */
	uint32_t vector;     /* IN: vector number or exception class */
	uint64_t pc;         /* IN: faulting instruction */
	uint64_t addr;       /* IN: fault address (CR2 / FAR_EL1), 0 if none */
	uint64_t error_code; /* IN: x86 error code / full ESR_EL1 */
	uint64_t sp;         /* IN: stack pointer at the fault */
	uint64_t flags;      /* IN: RFLAGS / SPSR */
};

struct hexo_hc_rw {
	int64_t fd;      /* IN */
	hexo_gpa_t buf;  /* IN: guest buffer */
	uint64_t len;    /* IN: bytes */
	int64_t ret;     /* OUT: bytes done, or -HEXO_E* */
};

struct hexo_hc_open {
	hexo_gpa_t path;   /* IN: NUL-terminated path, < HEXO_PATH_MAX */
	uint32_t flags;    /* IN: HEXO_O_* */
	uint32_t mode;     /* IN: permission bits for HEXO_O_CREAT */
	int64_t ret;       /* OUT: guest fd, or -HEXO_E* */
};

struct hexo_hc_fd {
	int64_t fd;  /* IN */
	int64_t ret; /* OUT: 0 or -HEXO_E* */
};

struct hexo_hc_lseek {
	int64_t fd;      /* IN */
	int64_t offset;  /* IN */
	uint64_t whence; /* IN: HEXO_SEEK_* */
	int64_t ret;     /* OUT: new offset, or -HEXO_E* */
};

struct hexo_stat {
	uint32_t type;     /* HEXO_FT_* */
	uint32_t perm;     /* permission bits (07777) */
	uint64_t size;     /* bytes */
	uint64_t blksize;  /* preferred I/O size */
	int64_t mtime_ns;  /* modification time, ns since the epoch */
};

struct hexo_hc_fstat {
	int64_t fd;          /* IN */
	struct hexo_stat st; /* OUT */
	int64_t ret;         /* OUT: 0 or -HEXO_E* */
};

struct hexo_hc_stat {
	hexo_gpa_t path;     /* IN */
	struct hexo_stat st; /* OUT */
	int64_t ret;         /* OUT: 0 or -HEXO_E* */
};

struct hexo_hc_path {
	hexo_gpa_t path; /* IN */
	int64_t ret;     /* OUT: 0 or -HEXO_E* */
};

struct hexo_hc_nanosleep {
	uint64_t ns; /* IN: duration */
	int64_t ret; /* OUT: 0 */
};

struct hexo_hc_wallclock {
	int64_t ns; /* OUT: CLOCK_REALTIME, ns since the epoch */
};

/*
 * The job has unwound to the migration runtime's root (docs/migration.md):
 * every instrumented frame is a frame record on the shadow stack, and all
 * the state a restore needs is in the memory ranges below plus the
 * monitor's own (open files). The monitor writes the checkpoint
 * (docs/checkpoint-format.md). With HEXO_MIGRATE_STOP and a checkpoint
 * written, it ends the job with exit status 0 and the call never returns;
 * otherwise (HEXO_MIGRATE_CHECKPOINT, or the write failed: `ret` < 0 and the
 * monitor has said why on stderr) it returns and the runtime rewinds and
 * carries on. Ranges are [start, end), checked by the monitor against the
 * image's writable app segments, the shadow stack and the heap.
 */
struct hexo_hc_checkpoint {
	uint32_t mode;          /* IN: HEXO_MIGRATE_STOP or _CHECKPOINT (migrate.h) */
	uint32_t depth;         /* IN: frame records (instrumented frames) */
	hexo_gpa_t data_start;  /* IN: app .data + .bss (__app_data_start) */
	hexo_gpa_t data_end;    /* IN: (__app_end) */
	hexo_gpa_t heap_start;  /* IN: first heap byte */
	hexo_gpa_t brk;         /* IN: the break: heap in use is [heap_start, brk) */
	hexo_gpa_t shadow_lo;   /* IN: lowest used shadow-stack byte = the record stack pointer */
	hexo_gpa_t shadow_hi;   /* IN: the shadow stack's top (__hexo_shadow_stack_end) */
	hexo_gpa_t watermark;   /* IN: shadow stack pointer when unwinding began */
	uint64_t mono_ns;       /* IN: CLOCK_MONOTONIC of the job at the checkpoint */
	int64_t ret;            /* OUT: 0, or -HEXO_E* when no checkpoint was written */
};

/*
 * Boot protocol. Before the first instruction the monitor has
 *  - copied the image's PT_LOAD segments to their addresses,
 *  - built identity page tables (guard page at 0 and below the stack left
 *    unmapped, code read-only, data no-execute),
 *  - filled struct hexo_boot_info at HEXO_BOOTINFO_GPA (layout.h) and the
 *    argv/envp block it points to,
 *  - set the stack pointer to boot_info.stack_top and jumped to the ELF entry
 *    with the boot info address as first argument (x86-64: RDI, aarch64: X0).
 * x86-64 starts fully set up, so the kernel runs no privileged instruction
 * to boot (docs/design.md, "Boot (x86-64)", lists every register): 64-bit
 * long mode at CPL3 (CS 0x2b, SS 0x33 of the monitor's GDT at
 * HEXO_X86_GDT_GPA), RFLAGS = IOPL 3 with interrupts off, paging on,
 * SSE on (and XSAVE with XCR0 = x87|SSE[|AVX[|AVX-512]] as CPUID offers),
 * FCW 0x37f, MXCSR 0x1f80, TR = the TSS at HEXO_X86_TSS_GPA (IST1 = the
 * exception stack, I/O bitmap opening the hypercall ports), and IDTR =
 * HEXO_X86_IDT_GPA / HEXO_X86_IDT_SIZE (layout.h): the image must carry its
 * IDT there (the kernel's linker script puts it first in the kernel image
 * and checks it). aarch64 starts at EL1h with
 * the MMU and caches already on (TTBR0_EL1 = boot_info.page_table), DAIF
 * masked, SP_EL1 = the exception stack; docs/design.md gives the registers.
 */
#define HEXO_BOOT_MAGIC 0x6f786568u /* "hexo" */

struct hexo_boot_info {
	uint32_t magic;        /* HEXO_BOOT_MAGIC */
	uint32_t abi_version;  /* HEXO_ABI_VERSION */
	uint64_t mem_size;     /* bytes of RAM from gpa 0 */
	uint64_t heap_start;   /* first heap byte (page after the image) */
	uint64_t heap_limit;   /* heap may grow up to here (stack guard) */
	uint64_t stack_top;    /* initial stack pointer */
	uint64_t stack_size;   /* bytes below stack_top that are mapped */
	uint64_t page_table;   /* root of the page tables the monitor built */
	uint64_t argc;
	hexo_gpa_t argv;       /* NULL-terminated array of string gpas */
	hexo_gpa_t envp;       /* NULL-terminated array of string gpas */
	uint64_t clock_hz;     /* x86-64: TSC frequency measured by the monitor */
	int64_t wall_ns;       /* CLOCK_REALTIME when the guest was started */
	/* Written by the guest; the monitor reports them with --stats. */
	uint64_t t_entry;      /* clock counter at the first kernel instruction */
	uint64_t t_main;       /* clock counter just before main() */
	/*
	 * Migration (docs/migration.md). migrate_request is the one field the
	 * monitor writes while the guest runs (from a signal handler or timer):
	 * HEXO_MIGRATE_STOP or _CHECKPOINT asks the next migration point to
	 * unwind; the guest sets it back to 0 when it acts on it.
	 */
	uint32_t migrate_request;  /* ASYNC monitor -> guest */
	uint32_t restore;          /* OUT: 1: memory holds a checkpoint, rewind main */
	uint64_t restore_brk;      /* OUT: the break at the checkpoint */
	hexo_gpa_t restore_records; /* OUT: the record stack pointer (shadow_lo) */
	hexo_gpa_t restore_watermark; /* OUT: watermark at the checkpoint */
	uint64_t restore_mono_ns;  /* OUT: CLOCK_MONOTONIC at the checkpoint */
	uint64_t restore_count;    /* OUT: restores so far in this job's life */
	/*
	 * Written by the guest's migration runtime (clock counter values, as
	 * t_entry; `hexo run --stats` reports the last unwind and rewind):
	 * unwind = t_unwound - t_unwind, rewind = t_rewind_end - t_rewind_start.
	 */
	uint64_t t_unwind;         /* guest: counter when unwinding began (request taken) */
	uint64_t t_rewind_end;     /* guest: counter when the rewind reached the point */
	uint64_t t_unwound;        /* guest: counter at the root, just before HEXO_HC_CHECKPOINT */
	uint64_t t_rewind_start;   /* guest: counter when rewinding began (HEXO_HC_CHECKPOINT
	                            * returned, or a restored job's root starts main) */
	/*
	 * Progress: migration points the job has passed in its whole life (every
	 * point hexocc inlined, manual or automatic, and every call of the
	 * runtime's hexo_check_migrate() in code built without points). The
	 * count lives in the runtime's global __hexo_points, which instrumented
	 * code adds 1 to inline (no call, no atomic); the kernel takes its
	 * starting value from `points` at boot (0, or a checkpoint's) and puts
	 * the global's address in `points_addr`, where the monitor reads it
	 * (`--status`, checkpoints). Not the boot info page itself: on the
	 * emulated board (docs/board.md) a store there cost 300-700 ns, against
	 * 2-20 ns to a page of the image or the heap.
	 */
	uint64_t points;           /* OUT: the count at boot */
	hexo_gpa_t points_addr;    /* guest: &__hexo_points, 0 before the kernel set it */
	uint64_t reserved[6];
};

_Static_assert(sizeof(struct hexo_hc_exit) == 8, "abi");
_Static_assert(sizeof(struct hexo_hc_fault) == 48, "abi");
_Static_assert(sizeof(struct hexo_hc_rw) == 32, "abi");
_Static_assert(sizeof(struct hexo_hc_open) == 24, "abi");
_Static_assert(sizeof(struct hexo_hc_fd) == 16, "abi");
_Static_assert(sizeof(struct hexo_hc_lseek) == 32, "abi");
_Static_assert(sizeof(struct hexo_stat) == 32, "abi");
_Static_assert(sizeof(struct hexo_hc_fstat) == 48, "abi");
_Static_assert(sizeof(struct hexo_hc_stat) == 48, "abi");
_Static_assert(sizeof(struct hexo_hc_path) == 16, "abi");
_Static_assert(sizeof(struct hexo_hc_nanosleep) == 16, "abi");
_Static_assert(sizeof(struct hexo_hc_wallclock) == 8, "abi");
_Static_assert(sizeof(struct hexo_hc_checkpoint) == 80, "abi");
_Static_assert(sizeof(struct hexo_boot_info) == 256, "abi");
/* Instrumented code reads the request flag at this fixed offset in the boot
 * info page (toolchain/pass), without a pointer to load first. */
#define HEXO_BOOTINFO_MIGRATE_REQUEST_OFFSET 112
_Static_assert(__builtin_offsetof(struct hexo_boot_info, migrate_request) ==
                   HEXO_BOOTINFO_MIGRATE_REQUEST_OFFSET,
               "abi");
/* The migration timestamps; t_unwound and t_rewind_start were taken from the
 * reserved words (ABI 2 had not shipped yet): no earlier field moved. */
_Static_assert(__builtin_offsetof(struct hexo_boot_info, t_unwind) == 160, "abi");
_Static_assert(__builtin_offsetof(struct hexo_boot_info, t_rewind_end) == 168, "abi");
_Static_assert(__builtin_offsetof(struct hexo_boot_info, t_unwound) == 176, "abi");
_Static_assert(__builtin_offsetof(struct hexo_boot_info, t_rewind_start) == 184, "abi");
/* The progress count, taken from the reserved words (a monitor that does
 * not know it leaves them 0; a guest that does not count leaves them 0). */
_Static_assert(__builtin_offsetof(struct hexo_boot_info, points) == 192, "abi");
_Static_assert(__builtin_offsetof(struct hexo_boot_info, points_addr) == 200, "abi");

#endif /* HEXO_ABI_H */
