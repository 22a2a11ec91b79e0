/* SPDX-License-Identifier: MIT */
/*
 * The node registry: the boards and remote nodes this user can run jobs on.
 * One JSON file per node, mode 0600 (it holds the shared secret), in
 *   ${HEXO_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/hexo}/nodes/NAME.json
 * Written by `hexo board up` (kind "board") and `hexo node add` (kind
 * "remote"); read by `hexo run --on NAME`, `hexo resume --on NAME` and the
 * scheduler. Functions return 0 or -errno and fill `err` with one line.
 */
#ifndef HEXO_LIB_NODES_H
#define HEXO_LIB_NODES_H

#include <stddef.h>
#include <stdint.h>

#define HEXO_NODE_NAME_MAX 64
#define HEXO_NODE_SECRET_HEX 64 /* 32 random bytes, hex */

struct hexo_node {
	char name[HEXO_NODE_NAME_MAX];  /* [A-Za-z0-9_.-]+ */
	char kind[16];                  /* "board" or "remote" */
	char host[256];                 /* address hexod listens on */
	uint16_t port;
	char secret[HEXO_NODE_SECRET_HEX + 1];
	uint32_t isa;                   /* enum hexo_isa, 0 = unknown yet */
	int32_t pid;                    /* boards: the QEMU process, else 0 */
	char dir[512];                  /* boards: state folder (logs, initramfs) */
};

int hexo_state_dir(char *buf, size_t len, char *err, size_t errlen);
/* The same path without creating the folder (for readers). */
int hexo_state_path(char *buf, size_t len, char *err, size_t errlen);
int hexo_node_name_valid(const char *name);
int hexo_node_save(const struct hexo_node *n, char *err, size_t errlen);
int hexo_node_load(const char *name, struct hexo_node *n, char *err, size_t errlen);
int hexo_node_remove(const char *name, char *err, size_t errlen);
/* Calls fn for every registered node, sorted by name; stops on non-zero. */
int hexo_node_foreach(int (*fn)(const struct hexo_node *n, void *arg), void *arg, char *err,
		      size_t errlen);

#endif
