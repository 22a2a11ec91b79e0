/* SPDX-License-Identifier: MIT */
/*
 * Internals of `hexo board` (see docs/board.md). Functions return 0 or a
 * negative errno value; those taking `err` write one line there on failure.
 */
#ifndef HEXO_BOARD_INT_H
#define HEXO_BOARD_INT_H

#include "err.h"
#include "fsutil.h"
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BOARD_ERR_MAX     512
#define BOARD_AGENT_PORT  7070 /* hexod's port inside the board */
#define BOARD_INIT_PREFIX "hexo-init: ["
#define BOARD_READY_MARK  "] ready: "

/* An arm64 kernel unpacked in the cache: vmlinuz, modules/, modules.order. */
struct board_kernel {
	char release[128]; /* e.g. 6.1.0-56-cloud-arm64 */
	char debver[64];   /* Debian version of the package, e.g. 6.1.192-2 */
	char dir[PATH_MAX];
};

/* What goes into a board's initramfs. */
struct board_rootfs {
	const struct board_kernel *kernel;
	char init[PATH_MAX];  /* hexo-init (required) */
	char hexod[PATH_MAX]; /* "" when not built yet */
	char hexo[PATH_MAX];  /* "" when not built yet */
	const char *secret;   /* 64 hex characters */
};

/* One QEMU process. */
struct board_vm {
	char dir[PATH_MAX]; /* state folder, absolute */
	uint64_t mem;
	unsigned cpus;
	uint16_t port; /* host loopback port forwarded to the agent */
	int plain_cpu; /* QEMU lacks pauth-impdef: plain -cpu max */
	pid_t pid;
	const char *name;
	const char *kernel_image; /* vmlinuz */
};

/* util.c */
void board_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double board_now(void); /* CLOCK_MONOTONIC seconds */
int board_path(char *buf, size_t len, const char *dir, const char *name);
int board_read_file(const char *path, char **data, size_t *len);
/* Runs argv (argv[0] looked up in PATH) in cwd with stdout+stderr captured. */
int board_run(char *const argv[], const char *cwd, char **out);
/* Last non-empty line of text starting with prefix ("" for any line). */
void board_last_line(const char *text, const char *prefix, char *buf, size_t len);
int board_find_exe(const char *name, char *buf, size_t len);
void board_fmt_size(uint64_t bytes, char *buf, size_t len);
void board_fmt_duration(double s, char *buf, size_t len);

/* kernel.c: the kernel, cached (or fetched and unpacked) into k->dir. */
int board_kernel_get(struct board_kernel *k, char *err, size_t errlen);

/* kernel_apt.c: asking apt (arm64 multiarch). */
/* The versioned package the metapackage meta stands for, and its candidate version. */
int board_apt_resolve(const char *meta, char *pkg, size_t plen, char *ver, size_t vlen, char *err,
                      size_t errlen);
/* apt-get download PKG:arm64=VER into dir; the .deb's path goes to deb. */
int board_apt_download(const char *pkg, const char *ver, const char *dir, char *deb, size_t deblen,
                       char *err, size_t errlen);

/* kernel_modules.c: the modules wanted from the kernel package, their load order. */
#define BOARD_MAX_MODS 64

struct board_mod {
	char name[64]; /* '-' folded to '_' */
	char deps[256];
	int required, done, ordered;
};

/* A kernel package being unpacked (kernel_deb.c) and the modules wanted from it. */
struct board_unpack {
	const char *dir; /* temporary folder being filled */
	struct board_mod mods[BOARD_MAX_MODS];
	int nmods;
	int added; /* modules newly wanted during this pass */
	int have_vmlinuz;
	char release[128];
	char *builtin; /* modules.builtin, for dependencies built in */
};

struct board_mod *board_mod_find(struct board_unpack *u, const char *name);
/* Wants module name (not when already wanted or the list is full). */
struct board_mod *board_mod_want(struct board_unpack *u, const char *name, int required);
/* "drivers/net/virtio_net.ko.xz" -> "virtio_net" and the compression suffix. */
int board_mod_name(const char *path, char *name, size_t len, const char **comp);
/* Saves modules/NAME.ko (done) and wants what its .modinfo depends on. */
int board_mod_save(struct board_unpack *u, struct board_mod *m, void *ko, size_t len);
/* The required modules neither saved nor built in: how many; the first's name. */
int board_mods_missing(const struct board_unpack *u, char *first, size_t len);
/* Writes modules.order: the saved modules, dependencies first. */
int board_mods_write_order(struct board_unpack *u, char *err, size_t errlen);

/* kernel_deb.c: vmlinuz and the wanted modules out of the .deb into u->dir. */
int board_deb_unpack(struct board_unpack *u, const char *deb, char *err, size_t errlen);

/* initramfs.c */
int board_initramfs_write(const char *path, const struct board_rootfs *fs, char *err,
                          size_t errlen);

/* qemu.c */
int board_qemu_find(char *buf, size_t len, char *err, size_t errlen);
int board_qemu_start(struct board_vm *vm, const char *qemu, const char *initrd, char *err,
                     size_t errlen);
/* 1 when pid is a live QEMU started for the board in dir, else 0. */
int board_qemu_alive(pid_t pid, const char *dir);
int board_qemu_powerdown(const char *dir);
int board_qemu_stop(pid_t pid, const char *dir, double timeout, char *err, size_t errlen);

/* ping.c: an authenticated PING; fills agent with "hexod X on aarch64". */
int board_agent_ping(uint16_t port, const char *secret, char *agent, size_t alen, char *err,
                     size_t errlen);

#endif
