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

/* inspect_ckpt.c: `hexo inspect CHECKPOINT` */
int inspect__checkpoint(const char *path, bool json);

#endif
