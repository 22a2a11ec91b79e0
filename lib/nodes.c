// SPDX-License-Identifier: MIT
/*
 * The node registry (lib/nodes.h): one JSON file per node, written
 * atomically (temporary file, fsync, rename, fsync of the folder), mode
 * 0600, in a state folder created with mode 0700.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "err.h"
#include "fsutil.h"
#include "isa.h"
#include "nodes.h"

#define NODE_FILE_MAX (64 * 1024)


static int state_base(char *buf, size_t len, char *err, size_t errlen)
{
	const char *s = getenv("HEXO_STATE"), *home;
	int n;

	if (s && *s) {
		n = snprintf(buf, len, "%s", s);
	} else if ((s = getenv("XDG_STATE_HOME")) && *s) {
		n = snprintf(buf, len, "%s/hexo", s);
	} else {
		home = getenv("HOME");
		if (!home || !*home)
			return hexo_fail(err, errlen, -ENOENT,
			            "HOME is not set: set HEXO_STATE to a folder for hexo's state");
		n = snprintf(buf, len, "%s/.local/state/hexo", home);
	}
	if (n < 0 || (size_t)n >= len)
		return hexo_fail(err, errlen, -ENAMETOOLONG, "hexo state folder path too long");
	return 0;
}

int hexo_state_path(char *buf, size_t len, char *err, size_t errlen)
{
	return state_base(buf, len, err, errlen);
}

int hexo_state_dir(char *buf, size_t len, char *err, size_t errlen)
{
	int ret = state_base(buf, len, err, errlen);

	if (ret)
		return ret;
	ret = hexo_mkdir_p(buf, 0700);
	if (ret)
		return hexo_fail(err, errlen, ret,
		            "state folder '%s': %s: set HEXO_STATE to a "
		            "writable folder",
		            buf, strerror(-ret));
	return 0;
}

/* STATE/nodes, created when `create` is set. */
static int nodes_dir(char *buf, size_t len, int create, char *err, size_t errlen)
{
	char base[PATH_MAX];
	int ret, n;

	ret = create ? hexo_state_dir(base, sizeof(base), err, errlen)
	             : state_base(base, sizeof(base), err, errlen);
	if (ret)
		return ret;
	n = snprintf(buf, len, "%s/nodes", base);
	if (n < 0 || (size_t)n >= len)
		return hexo_fail(err, errlen, -ENAMETOOLONG, "hexo state folder path too long");
	if (create && mkdir(buf, 0700) < 0 && errno != EEXIST)
		return hexo_fail(err, errlen, -errno, "'%s': %s: set HEXO_STATE to a writable folder",
		            buf, strerror(errno));
	return 0;
}

/* Returns 1 for a valid node name, 0 otherwise. */
int hexo_node_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return 0;
	n = strlen(name);
	if (n == 0 || n >= HEXO_NODE_NAME_MAX)
		return 0;
	/* A leading '.' would hide the file; a leading '-' looks like an option. */
	if (name[0] == '.' || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int name_check(const char *name, char *err, size_t errlen)
{
	if (hexo_node_name_valid(name))
		return 0;
	return hexo_fail(err, errlen, -EINVAL,
	            "node name '%.80s' is not valid: use 1 to %d letters, digits, '_', '.' or "
	            "'-', not starting with '.' or '-'",
	            name ? name : "", HEXO_NODE_NAME_MAX - 1);
}

static int node_file(const char *name, char *buf, size_t len, int create, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int ret, n;

	ret = name_check(name, err, errlen);
	if (!ret)
		ret = nodes_dir(dir, sizeof(dir), create, err, errlen);
	if (ret)
		return ret;
	n = snprintf(buf, len, "%s/%s.json", dir, name);
	if (n < 0 || (size_t)n >= len)
		return hexo_fail(err, errlen, -ENAMETOOLONG, "hexo state folder path too long");
	return 0;
}

static int secret_valid(const char *s)
{
	size_t n = strlen(s);

	if (n != HEXO_NODE_SECRET_HEX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int node_check(const struct hexo_node *n, const char *file, char *err, size_t errlen)
{
	const char *what = NULL;

	if (strcmp(n->kind, "board") && strcmp(n->kind, "remote"))
		what = "'kind' must be \"board\" or \"remote\"";
	else if (!n->host[0])
		what = "'host' is empty";
	else if (!n->port)
		what = "'port' must be 1..65535";
	else if (!secret_valid(n->secret))
		what = "'secret' must be 64 hex characters";
	else if (n->pid < 0)
		what = "'pid' is negative";
	if (!what)
		return 0;
	return hexo_fail(err, errlen, -EINVAL, "node '%s'%s%s: %s", n->name, file ? " in " : "",
	            file ? file : "", what);
}

static json_object *node_to_json(const struct hexo_node *n)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(n->name));
	json_object_object_add(o, "kind", json_object_new_string(n->kind));
	json_object_object_add(o, "host", json_object_new_string(n->host));
	json_object_object_add(o, "port", json_object_new_int(n->port));
	json_object_object_add(o, "secret", json_object_new_string(n->secret));
	json_object_object_add(o, "isa", json_object_new_string(n->isa ? hexo_isa_name(n->isa) : ""));
	json_object_object_add(o, "pid", json_object_new_int(n->pid));
	json_object_object_add(o, "dir", json_object_new_string(n->dir));
	return o;
}

int hexo_node_save(const struct hexo_node *n, char *err, size_t errlen)
{
	char path[PATH_MAX];
	const char *text;
	json_object *o;
	int ret;

	ret = name_check(n->name, err, errlen);
	if (!ret)
		ret = node_check(n, NULL, err, errlen);
	if (!ret)
		ret = node_file(n->name, path, sizeof(path), 1, err, errlen);
	if (ret)
		return ret;
	o = node_to_json(n);
	if (!o)
		return hexo_fail(err, errlen, -ENOMEM, "out of memory");
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	ret = hexo_write_file_atomic(path, text, strlen(text), 0600);
	json_object_put(o);
	if (ret)
		return hexo_fail(err, errlen, ret, "'%s': %s", path, strerror(-ret));
	return 0;
}

/* Reads a whole small file into a NUL-terminated buffer. */
static int read_small(const char *path, char **out)
{
	char *buf;
	ssize_t r;
	size_t len = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(NODE_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((r = read(fd, buf + len, NODE_FILE_MAX + 1 - len)) > 0)
		len += (size_t)r;
	if (r < 0)
		ret = -errno;
	else if (len > NODE_FILE_MAX)
		ret = -EFBIG;
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Copies a string member into dst; missing members are allowed when opt. */
static int get_str(json_object *o, const char *key, char *dst, size_t len, int opt)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		dst[0] = '\0';
		return opt ? 0 : -ENOENT;
	}
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	s = json_object_get_string(v);
	if (strlen(s) >= len)
		return -ENAMETOOLONG;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int get_int(json_object *o, const char *key, int64_t lo, int64_t hi, int64_t *out, int opt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		*out = 0;
		return opt ? 0 : -ENOENT;
	}
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	*out = json_object_get_int64(v);
	return *out < lo || *out > hi ? -ERANGE : 0;
}

static int get_isa(json_object *o, uint32_t *isa)
{
	json_object *v;
	int64_t n;

	*isa = 0;
	if (!json_object_object_get_ex(o, "isa", &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		*isa = hexo_isa_from_name(json_object_get_string(v));
		return 0;
	}
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < 0 || n > 2)
		return -EINVAL;
	*isa = (uint32_t)n;
	return 0;
}

static int node_from_json(json_object *o, struct hexo_node *n, const char **bad)
{
	int64_t port, pid;

	*bad = "the file is not a JSON object";
	if (!json_object_is_type(o, json_type_object))
		return -EINVAL;
	if ((*bad = "name", get_str(o, "name", n->name, sizeof(n->name), 0)) ||
	    (*bad = "kind", get_str(o, "kind", n->kind, sizeof(n->kind), 0)) ||
	    (*bad = "host", get_str(o, "host", n->host, sizeof(n->host), 0)) ||
	    (*bad = "port", get_int(o, "port", 1, 65535, &port, 0)) ||
	    (*bad = "secret", get_str(o, "secret", n->secret, sizeof(n->secret), 0)) ||
	    (*bad = "isa", get_isa(o, &n->isa)) ||
	    (*bad = "pid", get_int(o, "pid", 0, INT32_MAX, &pid, 1)) ||
	    (*bad = "dir", get_str(o, "dir", n->dir, sizeof(n->dir), 1)))
		return -EINVAL;
	n->port = (uint16_t)port;
	n->pid = (int32_t)pid;
	return 0;
}

int hexo_node_load(const char *name, struct hexo_node *n, char *err, size_t errlen)
{
	char path[PATH_MAX], *text;
	enum json_tokener_error jerr;
	json_object *o;
	const char *bad;
	int ret;

	ret = node_file(name, path, sizeof(path), 0, err, errlen);
	if (ret)
		return ret;
	ret = read_small(path, &text);
	if (ret == -ENOENT)
		return hexo_fail(err, errlen, ret,
		            "no node named '%s': see 'hexo node list', add one with 'hexo node "
		            "add' or 'hexo board up'",
		            name);
	if (ret)
		return hexo_fail(err, errlen, ret, "'%s': %s", path, strerror(-ret));
	o = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!o)
		return hexo_fail(err, errlen, -EINVAL,
		            "'%s': not valid JSON (%s): fix it or remove it "
		            "with 'hexo node rm %s'",
		            path, json_tokener_error_desc(jerr), name);
	*n = (struct hexo_node){0};
	ret = node_from_json(o, n, &bad);
	json_object_put(o);
	if (ret)
		return hexo_fail(err, errlen, ret,
		            "'%s': missing or bad '%s': fix it or remove it with "
		            "'hexo node rm %s'",
		            path, bad, name);
	if (strcmp(n->name, name))
		return hexo_fail(err, errlen, -EINVAL,
		            "'%s': holds node '%s', not '%s': remove it with "
		            "'hexo node rm %s'",
		            path, n->name, name, name);
	return node_check(n, path, err, errlen);
}

int hexo_node_remove(const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int ret;

	ret = node_file(name, path, sizeof(path), 0, err, errlen);
	if (ret)
		return ret;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return hexo_fail(err, errlen, -ENOENT,
			            "no node named '%s': see 'hexo node list'", name);
		return hexo_fail(err, errlen, -errno, "'%s': %s", path, strerror(errno));
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the registered nodes, sorted. */
static int list_names(const char *dir, char ***out, size_t *count)
{
	char **names, *dot;
	size_t n, kept = 0;
	int dfd, ret;

	*out = NULL;
	*count = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -errno;
	ret = hexo_dir_names(dfd, &names, &n);
	close(dfd);
	if (ret)
		return ret;
	/* Keep the NAME of each NAME.json, then sort by NAME (not by file name). */
	for (size_t i = 0; i < n; i++) {
		dot = strrchr(names[i], '.');
		if (dot && !strcmp(dot, ".json")) {
			*dot = '\0';
			if (hexo_node_name_valid(names[i])) {
				names[kept++] = names[i];
				continue;
			}
		}
		free(names[i]);
	}
	if (kept)
		qsort(names, kept, sizeof(*names), cmp_str);
	*out = names;
	*count = kept;
	return 0;
}

int hexo_node_foreach(int (*fn)(const struct hexo_node *n, void *arg), void *arg, char *err,
                      size_t errlen)
{
	char dir[PATH_MAX], **names;
	struct hexo_node node;
	size_t count, i;
	int ret;

	ret = nodes_dir(dir, sizeof(dir), 0, err, errlen);
	if (ret)
		return ret;
	ret = list_names(dir, &names, &count);
	if (ret)
		return hexo_fail(err, errlen, ret, "'%s': %s", dir, strerror(-ret));
	for (i = 0; i < count && !ret; i++) {
		ret = hexo_node_load(names[i], &node, err, errlen);
		if (ret == -ENOENT)
			ret = 0; /* removed while we listed */
		else if (!ret)
			ret = fn(&node, arg);
	}
	hexo_dir_names_free(names, count);
	return ret;
}
