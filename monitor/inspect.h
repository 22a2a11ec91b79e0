/* SPDX-License-Identifier: MIT */
/*
 * `hexo inspect` of images (inspect.c) and of checkpoints (inspect_ckpt.c),
 * and what `hexo check` (check.c) shares with it.
 */
#ifndef HEXO_MONITOR_INSPECT_H
#define HEXO_MONITOR_INSPECT_H

#include <stdbool.h>

/* inspect.c: the file starts with the checkpoint magic (unreadable or short: false). */
bool inspect__is_checkpoint(const char *path);
/*
 * inspect.c: the arguments of `hexo inspect` and `hexo check` (argv[0] is
 * the command's name): one FILE, and the command's one flag (*on set when
 * given). Returns FILE, or NULL after help() for -h/--help; dies with the
 * command's usage message on anything else.
 */
const char *inspect__args(int argc, char **argv, const char *flag, bool *on, void (*help)(void));

/* inspect_ckpt.c: `hexo inspect CHECKPOINT` */
int inspect__checkpoint(const char *path, bool json);

#endif
