// SPDX-License-Identifier: MIT
/* JSON for `hexo inspect` (json_out.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json_out.h"

struct json_object *json_out__hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

/*
 * Strings come from files (argv, image names, paths): bytes below 0x20 and
 * 0x7f are shown as \n, \t, \r or \xNN so they cannot drive the terminal.
 * Eight buffers in turn: a printf may show several strings at once.
 */
const char *json_out__text(const char *str)
{
	static char ring[8][4 * 4096 + 8];
	static unsigned next;
	const unsigned char *s = (const unsigned char *)str;
	char *out, *p, *end;

	out = p = ring[next++ % 8];
	end = out + sizeof(ring[0]) - 8;
	for (; *s && p < end; s++) {
		if (*s == '\n' || *s == '\t' || *s == '\r')
			p += sprintf(p, "\\%c", *s == '\n' ? 'n' : *s == '\t' ? 't' : 'r');
		else if (*s < 0x20 || *s == 0x7f)
			p += sprintf(p, "\\x%02x", *s);
		else
			*p++ = (char)*s;
	}
	strcpy(p, *s ? "..." : "");
	return out;
}

const char *json_out__str(struct json_object *o, const char *key)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !(s = json_object_get_string(v)))
		return "-";
	return json_out__text(s);
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
