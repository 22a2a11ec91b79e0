// SPDX-License-Identifier: MIT
/* JSON for `hexo inspect` (json_out.h). */
#include <inttypes.h>
#include <stdio.h>

#include "json_out.h"

struct json_object *json_out__hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

const char *json_out__str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "-";
}

int64_t json_out__int(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

void json_out__print(struct json_object *root)
{
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	                                              JSON_C_TO_STRING_SPACED |
	                                              JSON_C_TO_STRING_NOSLASHESCAPE));
}
