/* SPDX-License-Identifier: MIT */
/*
 * What `hexo inspect` of images (inspect.c) and of checkpoints
 * (inspect_ckpt.c) share: both build one JSON object, printed as is with
 * --json or as text from it.
 */
#ifndef HEXO_MONITOR_INSPECT_H
#define HEXO_MONITOR_INSPECT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct json_object *inspect__hex(uint64_t v);                      /* "0x1000" */
const char *inspect__jstr(struct json_object *o, const char *key); /* "-" if absent */
int64_t inspect__jint(struct json_object *o, const char *key);     /* 0 if absent */
void inspect__print_json(struct json_object *root);
/* The file starts with the checkpoint magic (unreadable or short: false). */
bool inspect__is_checkpoint(const char *path);
/* `hexo check CHECKPOINT` (inspect_ckpt.c). */
int check__checkpoint(const char *path);

#endif
