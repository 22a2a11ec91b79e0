/* SPDX-License-Identifier: MIT */
/*
 * JSON for `hexo inspect` (inspect.c, inspect_ckpt.c): it builds one JSON
 * object, printed as is with --json or read back into text.
 */
#ifndef HEXO_MONITOR_JSON_OUT_H
#define HEXO_MONITOR_JSON_OUT_H

#include <stdint.h>

#include <json-c/json.h>

struct json_object *json_out__hex(uint64_t v);                     /* "0x1000" */
/* For the text output: control bytes shown as \n, \t, \r, \xNN; "-" if absent. */
const char *json_out__str(struct json_object *o, const char *key);
/* s so escaped (one of 8 static buffers in turn). */
const char *json_out__text(const char *s);
int64_t json_out__int(struct json_object *o, const char *key);     /* 0 if absent */
void json_out__print(struct json_object *root);                    /* pretty, on stdout */

#endif
