// SPDX-License-Identifier: MIT
/*
 * hexocc's private temporary folder ($TMPDIR/hexocc-XXXXXX). Only hexocc
 * writes into it; hexo_tree_rm() removes it.
 * It is removed at exit (atexit) and by main() before re-raising a signal;
 * -save-temps keeps it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "hexocc.h"

static char *dir;
static bool keep;

const char *tmpdir_path(void)
{
	return dir;
}

void tmpdir_remove(void)
{
	if (!dir || keep)
		return;
	hexo_tree_rm(dir);
	free(dir);
	dir = NULL;
}

static void tmpdir_at_exit(void)
{
	if (dir && keep)
		fprintf(stderr, "hexocc: temporary files kept in %s\n", dir);
	tmpdir_remove();
}

int tmpdir_create(bool keep_it)
{
	const char *base = getenv("TMPDIR");
	char *tmpl;

	if (!base || !*base)
		base = "/tmp";
	tmpl = xasprintf("%s/hexocc-XXXXXX", base);
	if (!mkdtemp(tmpl)) {
		int err = errno;

		fprintf(stderr, "hexocc: %s: cannot create a temporary folder: %s (set TMPDIR)\n",
		        tmpl, strerror(err));
		free(tmpl);
		return -err;
	}
	dir = tmpl;
	keep = keep_it;
	atexit(tmpdir_at_exit);
	return 0;
}
