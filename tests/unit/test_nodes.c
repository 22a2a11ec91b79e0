// SPDX-License-Identifier: MIT
/*
 * Unit tests for the node registry (lib/nodes.c): state folder resolution
 * and creation, save/load round trip, file and folder modes, listing order,
 * removal, name validation and damaged files.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nodes.h"

static const char SECRET[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct fixture {
	char root[64];   /* a temp dir */
	char state[128]; /* HEXO_STATE, not created yet */
};

static int rm_rf(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	return system(cmd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->root, sizeof(f->root), "/tmp/hexo-test-nodes-XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/a/b/state", f->root);
	setenv("HEXO_STATE", f->state, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rm_rf(f->root);
	free(f);
	unsetenv("HEXO_STATE");
	return 0;
}

static struct hexo_node sample(const char *name)
{
	struct hexo_node n = {0};

	snprintf(n.name, sizeof(n.name), "%s", name);
	snprintf(n.kind, sizeof(n.kind), "board");
	snprintf(n.host, sizeof(n.host), "127.0.0.1");
	n.port = 7470;
	snprintf(n.secret, sizeof(n.secret), "%s", SECRET);
	n.isa = 2;
	n.pid = 4242;
	snprintf(n.dir, sizeof(n.dir), "/var/lib/hexo/boards/%s", name);
	return n;
}

static void assert_node_equal(const struct hexo_node *a, const struct hexo_node *b)
{
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->kind, b->kind);
	assert_string_equal(a->host, b->host);
	assert_int_equal(a->port, b->port);
	assert_string_equal(a->secret, b->secret);
	assert_int_equal(a->isa, b->isa);
	assert_int_equal(a->pid, b->pid);
	assert_string_equal(a->dir, b->dir);
}

static void test_state_dir(void **state)
{
	char buf[PATH_MAX], err[512], want[PATH_MAX];
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(hexo_state_dir(buf, sizeof(buf), err, sizeof(err)), 0);
	assert_string_equal(buf, f->state);
	assert_int_equal(stat(f->state, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	snprintf(want, sizeof(want), "%s/a", f->root);
	assert_int_equal(stat(want, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);

	/* XDG_STATE_HOME, then HOME */
	unsetenv("HEXO_STATE");
	setenv("XDG_STATE_HOME", f->root, 1);
	assert_int_equal(hexo_state_dir(buf, sizeof(buf), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/hexo", f->root);
	assert_string_equal(buf, want);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", f->root, 1);
	assert_int_equal(hexo_state_dir(buf, sizeof(buf), err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/.local/state/hexo", f->root);
	assert_string_equal(buf, want);
	unsetenv("HOME");
	assert_int_equal(hexo_state_dir(buf, sizeof(buf), err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "HEXO_STATE"));
	setenv("HEXO_STATE", f->state, 1);
}

static void test_roundtrip(void **state)
{
	struct hexo_node in = sample("board-1"), out;
	char err[512], path[PATH_MAX];
	struct fixture *f = *state;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int n = 0;

	assert_int_equal(hexo_node_save(&in, err, sizeof(err)), 0);
	assert_int_equal(hexo_node_load("board-1", &out, err, sizeof(err)), 0);
	assert_node_equal(&in, &out);

	/* the file holds the secret: 0600, in a 0700 folder, and no temp file left */
	snprintf(path, sizeof(path), "%s/nodes/board-1.json", f->state);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/nodes", f->state);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(n, 1);

	/* saving again replaces it */
	in.port = 9000;
	in.isa = 0;
	in.pid = 0;
	in.dir[0] = '\0';
	snprintf(in.kind, sizeof(in.kind), "remote");
	assert_int_equal(hexo_node_save(&in, err, sizeof(err)), 0);
	assert_int_equal(hexo_node_load("board-1", &out, err, sizeof(err)), 0);
	assert_node_equal(&in, &out);
}

static void test_names(void **state)
{
	char longname[HEXO_NODE_NAME_MAX + 1];

	(void)state;
	assert_true(hexo_node_name_valid("b1"));
	assert_true(hexo_node_name_valid("Board_2.lan-x"));
	assert_false(hexo_node_name_valid(""));
	assert_false(hexo_node_name_valid(NULL));
	assert_false(hexo_node_name_valid(".hidden"));
	assert_false(hexo_node_name_valid("-x"));
	assert_false(hexo_node_name_valid("a/b"));
	assert_false(hexo_node_name_valid(".."));
	assert_false(hexo_node_name_valid("a b"));
	assert_false(hexo_node_name_valid("é"));
	memset(longname, 'a', sizeof(longname));
	longname[HEXO_NODE_NAME_MAX - 1] = '\0';
	assert_true(hexo_node_name_valid(longname));
	longname[HEXO_NODE_NAME_MAX - 1] = 'a';
	longname[HEXO_NODE_NAME_MAX] = '\0';
	assert_false(hexo_node_name_valid(longname));
}

static void test_save_refused(void **state)
{
	struct hexo_node n;
	char err[512];

	(void)state;
	n = sample("../evil");
	assert_int_equal(hexo_node_save(&n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not valid"));
	n = sample("x");
	n.secret[10] = 'z';
	assert_int_equal(hexo_node_save(&n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "secret"));
	n = sample("x");
	n.port = 0;
	assert_int_equal(hexo_node_save(&n, err, sizeof(err)), -EINVAL);
	n = sample("x");
	snprintf(n.kind, sizeof(n.kind), "cloud");
	assert_int_equal(hexo_node_save(&n, err, sizeof(err)), -EINVAL);
	n = sample("x");
	n.host[0] = '\0';
	assert_int_equal(hexo_node_save(&n, err, sizeof(err)), -EINVAL);
	assert_int_equal(hexo_node_load("x", &n, err, sizeof(err)), -ENOENT);
	assert_int_equal(hexo_node_load("../x", &n, err, sizeof(err)), -EINVAL);
}

static int collect(const struct hexo_node *n, void *arg)
{
	char *names = arg;

	strcat(names, n->name);
	strcat(names, ",");
	return 0;
}

static int stop_at_b(const struct hexo_node *n, void *arg)
{
	(void)arg;
	return n->name[0] == 'b' ? 7 : 0;
}

static void test_foreach_and_remove(void **state)
{
	const char *order[] = {"c", "a", "b"};
	struct hexo_node n;
	char names[256] = "", err[512];

	(void)state;
	/* no folder yet: no nodes, no error */
	assert_int_equal(hexo_node_foreach(collect, names, err, sizeof(err)), 0);
	assert_string_equal(names, "");
	for (int i = 0; i < 3; i++) {
		n = sample(order[i]);
		assert_int_equal(hexo_node_save(&n, err, sizeof(err)), 0);
	}
	assert_int_equal(hexo_node_foreach(collect, names, err, sizeof(err)), 0);
	assert_string_equal(names, "a,b,c,");
	assert_int_equal(hexo_node_foreach(stop_at_b, NULL, err, sizeof(err)), 7);

	assert_int_equal(hexo_node_remove("b", err, sizeof(err)), 0);
	assert_int_equal(hexo_node_remove("b", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no node named 'b'"));
	names[0] = '\0';
	assert_int_equal(hexo_node_foreach(collect, names, err, sizeof(err)), 0);
	assert_string_equal(names, "a,c,");
}

static void write_node_file(const char *state, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/nodes", state);
	mkdir(state, 0700);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/nodes/%s.json", state, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_damaged(void **state)
{
	struct fixture *f = *state;
	struct hexo_node n;
	char err[512], text[512], buf[PATH_MAX];

	assert_int_equal(hexo_state_dir(buf, sizeof(buf), err, sizeof(err)), 0);
	write_node_file(f->state, "bad", "{ not json");
	assert_int_equal(hexo_node_load("bad", &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad.json"));
	assert_non_null(strstr(err, "hexo node rm bad"));

	snprintf(text, sizeof(text),
	         "{\"name\":\"other\",\"kind\":\"remote\",\"host\":\"h\",\"port\":1,"
	         "\"secret\":\"%s\"}",
	         SECRET);
	write_node_file(f->state, "renamed", text);
	assert_int_equal(hexo_node_load("renamed", &n, err, sizeof(err)), -EINVAL);

	snprintf(text, sizeof(text),
	         "{\"name\":\"p\",\"kind\":\"remote\",\"host\":\"h\",\"port\":70000,"
	         "\"secret\":\"%s\"}",
	         SECRET);
	write_node_file(f->state, "p", text);
	assert_int_equal(hexo_node_load("p", &n, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'port'"));

	/* optional fields may be missing; isa may be a number */
	snprintf(text, sizeof(text),
	         "{\"name\":\"m\",\"kind\":\"remote\",\"host\":\"h\",\"port\":5,"
	         "\"secret\":\"%s\",\"isa\":1}",
	         SECRET);
	write_node_file(f->state, "m", text);
	assert_int_equal(hexo_node_load("m", &n, err, sizeof(err)), 0);
	assert_int_equal(n.isa, 1);
	assert_int_equal(n.pid, 0);
	assert_string_equal(n.dir, "");

	/* a damaged file makes listing fail with its name */
	assert_int_equal(hexo_node_foreach(collect, text, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bad.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_state_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test_setup_teardown(test_save_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreach_and_remove, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
