// SPDX-License-Identifier: MIT
/*
 * `hexo run`: open the image, place the ELF in fresh guest memory, write the
 * boot info and argv/envp, build page tables, start the vCPU at the entry
 * and serve it until it stops. The order puts the checks the user can fix
 * (options, image, --dir, /dev/kvm) before any expensive step.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hexo/layout.h>

#include "arch.h"
#include "args.h"
#include "image_file.h"
#include "monitor.h"
#include "options.h"

void run__help(void)
{
	fputs("Usage: hexo run [OPTIONS] [--] IMAGE [ARGS...]\n"
	      "\n"
	      "Runs IMAGE, a .hexo file built by hexocc, as a virtual machine on this\n"
	      "host's KVM. Options are read only before IMAGE: everything after it goes to\n"
	      "the program unchanged, as argv[1...] (argv[0] is IMAGE).\n"
	      "\n"
	      "Options:\n"
	      "  --mem SIZE        guest memory: 512M (default), 2G, 64MiB or bytes;\n"
	      "                    32M to 256G. The top 8 MiB are the stack. Memory\n"
	      "                    costs nothing until the program uses it, but on some\n"
	      "                    hosts KVM's bookkeeping adds ~0.5 ms per GiB at start.\n"
	      "  --dir DIR         the job directory (default: .). The program sees it as\n"
	      "                    / and as its working directory, and cannot reach any\n"
	      "                    file outside it (.., absolute paths and symlinks are\n"
	      "                    resolved inside it).\n"
	      "  --env NAME=VALUE  put NAME in the program's environment (repeatable)\n"
	      "  --env NAME        the same, with hexo's own value of NAME, if it has one\n"
	      "  --argv0 NAME      the program's argv[0] (default: IMAGE as given)\n"
	      "  --stats           after the program ends, print VM exit counts and\n"
	      "                    timings to stderr\n"
	      "  --checkpoint FILE where checkpoints go (default: IMAGE's name with .ckpt\n"
	      "                    for .hexo, in the current folder, only when you ask:\n"
	      "                    the program's own requests need --checkpoint); written\n"
	      "                    atomically\n"
	      "  --migrate-after SECONDS  at the first migration point after SECONDS (0:\n"
	      "                    the first point), write the checkpoint and stop with\n"
	      "                    status 0; 'hexo resume FILE' continues the program, here\n"
	      "                    or on a node of the other ISA. SIGUSR1 asks the same now\n"
	      "  --checkpoint-every SECONDS  write a checkpoint at a migration point every\n"
	      "                    SECONDS and go on, each replacing the last\n"
	      "  --status FILE     the job's progress, replaced atomically when it starts,\n"
	      "                    about once a second and at its end: one JSON object\n"
	      "                    {\"points\": N, \"run_s\": S, \"state\": \"running\", \"status\": null};\n"
	      "                    points: migration points passed in the job's whole life\n"
	      "                    (across checkpoints), run_s: seconds since this hexo\n"
	      "                    started the guest; at the end state is \"exited\",\n"
	      "                    \"stopped\" (checkpointed) or \"crashed\" and status hexo's\n"
	      "                    exit status\n"
	      "  --on NODE         run on another node ('hexo node list', 'hexo board up')\n"
	      "                    through its hexod, as here: DIR's files, folders and\n"
	      "                    symlinks go along (without --dir, '.' may hold at most\n"
	      "                    10000 of them and 1 GiB), stdin, stdout and stderr\n"
	      "                    stream both ways, and what the job changed comes back.\n"
	      "                    Sockets, fifos and devices stay (--verbose names them)\n"
	      "  -h, --help        print this help\n"
	      "\n"
	      "Environment: the program does not inherit hexo's environment. It gets\n"
	      "PWD=/ and the variables given with --env, nothing else.\n"
	      "\n"
	      "Files: fds 0, 1 and 2 are hexo's own stdin, stdout and stderr.\n"
	      "\n"
	      "Migration: programs built by hexocc stop only at migration points\n"
	      "(hexo_check_migrate(), or hexocc --migration-points=auto); see\n"
	      "docs/migration.md. Stopping writes nothing on stdout.\n"
	      "\n"
	      "Exit status: the program's own; 125 when hexo fails (bad option, missing or\n"
	      "damaged image, no /dev/kvm, a malformed hypercall), with one line on\n"
	      "stderr; 139 when the program crashes, with a crash report on stderr.\n",
	      stdout);
}

/* Puts NAME=VALUE in env, replacing an earlier NAME. */
static void env_put(char **env, size_t *n, char *var)
{
	size_t len = strcspn(var, "=");

	for (size_t i = 0; i < *n; i++) {
		if (!strncmp(env[i], var, len) && env[i][len] == '=') {
			free(env[i]);
			env[i] = var;
			return;
		}
	}
	env[(*n)++] = var;
}

/* The guest's environment: PWD=/ and the --env variables, in order. */
static char **guest_env(const struct run_opts *opts, size_t *n)
{
	char **env = calloc(opts->n_env + 2, sizeof(env[0]));
	char *var;

	if (!env)
		hexo_die("out of memory");
	*n = 0;
	env_put(env, n, strdup("PWD=/"));
	for (size_t i = 0; i < opts->n_env; i++) {
		const char *e = opts->env[i], *val;

		if (strchr(e, '=')) {
			var = strdup(e);
		} else {
			val = getenv(e);
			if (!val)
				continue;
			var = malloc(strlen(e) + strlen(val) + 2);
			if (var)
				sprintf(var, "%s=%s", e, val);
		}
		if (!var)
			hexo_die("out of memory");
		env_put(env, n, var);
	}
	return env;
}

static void free_env(char **env, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(env[i]);
	free(env);
}

/* The argv/envp block of a fresh job. */
static void setup_args(struct hexo_vm *vm, const struct run_opts *opts)
{
	void *block = guest_mem__ptr(&vm->mem, HEXO_ARGS_GPA, HEXO_ARGS_SIZE);
	size_t envc;
	char **env = guest_env(opts, &envc);

	if (!block)
		hexo_die("guest memory too small for the boot area");
	if (args__build(block, HEXO_ARGS_GPA, HEXO_ARGS_SIZE, opts->guest_argv, opts->guest_argc,
	                env, envc, &vm->args))
		hexo_die("arguments and environment too large: %zu bytes, at most %u",
		    args__size(opts->guest_argv, opts->guest_argc, env, envc), HEXO_ARGS_SIZE);
	free_env(env, envc);
	vm->argv0 = opts->guest_argv[0];
}

struct hexo_boot_info *run__boot_info(struct hexo_vm *vm)
{
	struct hexo_boot_info *boot = guest_mem__ptr(&vm->mem, HEXO_BOOTINFO_GPA, sizeof(*boot));

	if (!boot)
		hexo_die("guest memory too small for the boot area");
	*boot = (struct hexo_boot_info){
	    .magic = HEXO_BOOT_MAGIC,
	    .abi_version = HEXO_ABI_VERSION,
	    .mem_size = vm->layout.mem_size,
	    .heap_start = vm->layout.heap_start,
	    .heap_limit = vm->layout.heap_limit,
	    .stack_top = vm->layout.stack_top,
	    .stack_size = vm->layout.stack_size,
	    .argc = vm->args.argc,
	    .argv = vm->args.argv,
	    .envp = vm->args.envp,
	};
	vm->boot = boot;
	return boot;
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#define STARTUP_BLOCK (2ull << 20)

void run__use_image(struct hexo_vm *vm, const char *path, struct run_image *ri,
                    const struct run_opts *opts)
{
	char err[HEXO_ERR_LEN];

	ri->elf = hexo_image_find(&ri->img, HEXO_IMAGE_ELF, arch__info.isa, &ri->elf_size);
	if (!ri->elf)
		hexo_die("%s: the image has no %s ELF: rebuild it with hexocc", path, arch__info.name);
	if (loader__segments(ri->elf, ri->elf_size, arch__info.elf_machine, &ri->entry, vm->segs,
	                     &vm->n_segs, err, sizeof(err)))
		hexo_die("%s: %s ELF: %s", path, arch__info.name, err);
	vm->image_path = path;
	memcpy(vm->build_id, ri->img.hdr->build_id, sizeof(vm->build_id));
	loader__section(ri->elf, ri->elf_size, ".hexo_shadow_stack", &vm->shadow_start,
	                &vm->shadow_end);
	vm->shadow_end += vm->shadow_start;
	if ((opts->migrate_after >= 0 || opts->checkpoint_every > 0) &&
	    migrate__image_points(&ri->img) == 0)
		vm->mig.no_points = true;
}

void run__layout(struct hexo_vm *vm, uint64_t mem_size)
{
	char err[HEXO_ERR_LEN];

	if (layout__compute(mem_size, HEXO_STACK_DEFAULT, vm->segs, vm->n_segs, &vm->layout, err,
	                    sizeof(err)))
		hexo_die("%s: %s ELF: %s", vm->image_path, arch__info.name, err);
	if (memmap__build(&vm->map, &vm->layout, vm->segs, vm->n_segs))
		hexo_die("%s: %s ELF: too many segments", vm->image_path, arch__info.name);
}

void run__memory(struct hexo_vm *vm, struct run_image *ri)
{
	if (kvm__open(vm) || kvm__alloc_memory(vm, vm->layout.mem_size))
		hexo_die("%s", vm->error);
	/*
	 * Transparent huge pages pay off for large .bss, heap and stack, but
	 * faulting one in costs 0.1-2.5 ms under nested virtualization, against
	 * a few us for a 4 KiB page. Every run touches a few pages of the boot
	 * area and kernel, of the first 2 MiB of the app and of the heap, and
	 * of the top of the stack: those blocks stay on 4 KiB pages.
	 */
	kvm__hugepages(vm, HEXO_APP_BASE + STARTUP_BLOCK, vm->layout.heap_start);
	kvm__hugepages(vm, vm->layout.heap_start + STARTUP_BLOCK,
	               vm->layout.stack_top - STARTUP_BLOCK);
	if (loader__copy(&vm->mem, ri->elf, vm->segs, vm->n_segs))
		hexo_die("%s: %s ELF: segment outside guest memory", vm->image_path, arch__info.name);
}

void run__start(struct hexo_vm *vm, const struct run_image *ri)
{
	if (kvm__create_vm(vm) || arch__setup_memory(vm) ||
	    arch__clock_hz(vm, &vm->boot->clock_hz) || arch__vcpu_init(vm, ri->entry))
		hexo_die("%s", vm->error);
}

/* --status: how often the file is written while the guest runs */
#define STATUS_SECONDS 1.0

int run__go(struct hexo_vm *vm, const struct run_opts *opts)
{
	int status;

	vm->mig.report = opts->stats || opts->verbose;
	vm->boot->wall_ns = wall_ns();
	status__begin(vm, opts->status);
	migrate__start(vm, opts);
	if (opts->status)
		migrate__status_every(STATUS_SECONDS);
	status = kvm__run(vm);
	migrate__stop();
	status__end(vm);
	if (opts->stats)
		stats__print(vm);
	return status;
}

/* Everything up to the first instruction; dies on any failure. */
static void setup_vm(struct hexo_vm *vm, const struct run_opts *opts, struct run_image *ri)
{
	char err[HEXO_ERR_LEN];

	if (hexo_image_open(opts->image, &ri->img, err, sizeof(err)))
		hexo_die("%s", err);
	run__use_image(vm, opts->image, ri, opts);
	run__layout(vm, opts->mem_size);
	if (files__init(&vm->files, opts->dir, err, sizeof(err)))
		hexo_die("%s", err);
	run__memory(vm, ri);
	hexo_image_close(&ri->img);
	setup_args(vm, opts);
	run__boot_info(vm);
	run__start(vm, ri);
}

bool run__begin(struct hexo_vm *vm, int argc, char **argv, unsigned flags, void (*help)(void),
                struct run_opts *opts, uint64_t t_start)
{
	char err[HEXO_ERR_LEN];

	migrate__early();
	if (options__parse(argc, argv, flags, opts, err, sizeof(err)))
		hexo_die("%s", err);
	if (opts->help) {
		help();
		options__free(opts);
		return false;
	}
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->stats.t_start = t_start;
	return true;
}

int run__main(int argc, char **argv, uint64_t t_start)
{
	static struct hexo_vm vm;
	static char default_ckpt[HEXO_PATH_MAX];
	struct run_image ri;
	struct run_opts opts;
	int status;

	if (!run__begin(&vm, argc, argv, 0, run__help, &opts, t_start))
		return 0;
	vm.mig.checkpoint = opts.checkpoint;
	vm.mig.named = opts.checkpoint != NULL;
	if (!vm.mig.checkpoint) {
		if (options__default_checkpoint(opts.image, default_ckpt, sizeof(default_ckpt)))
			hexo_die("%s: name too long for a checkpoint file: give --checkpoint FILE",
			    opts.image);
		vm.mig.checkpoint = default_ckpt;
	}

	setup_vm(&vm, &opts, &ri);
	status = run__go(&vm, &opts);
	options__free(&opts);
	return status;
}
