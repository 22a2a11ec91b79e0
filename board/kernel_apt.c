// SPDX-License-Identifier: MIT
/*
 * The board kernel's part that asks apt (multiarch arm64, kernel.c): which
 * versioned package Debian's metapackage stands for, its candidate version,
 * and `apt-get download` of it. Without apt lists these fail and kernel.c
 * falls back to the newest cached kernel.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board_int.h"

static void apt_error(const char *out, char *buf, size_t len)
{
	board_last_line(out ? out : "", "E: ", buf, len);
	if (!buf[0])
		board_last_line(out ? out : "", "", buf, len);
	if (!buf[0])
		snprintf(buf, len, "no output");
}

static int arm64_enabled(char *err, size_t errlen)
{
	char *argv[] = {"dpkg", "--print-foreign-architectures", NULL};
	char *out = NULL;
	int ret;

	ret = board_run(argv, NULL, &out);
	if (!ret && !strstr(out, "arm64"))
		ret = -ENOPKG;
	free(out);
	if (ret)
		hexo_seterr(err, errlen,
		            "apt has no arm64 packages: run as root: dpkg --add-architecture arm64 "
		            "&& apt-get update");
	return ret;
}

/* Finds the versioned kernel package the metapackage depends on. */
/*
 * Runs `apt-cache CMD SPEC`: the value after the first `key` in its output
 * (from key's byte `skip` on, up to a character of `stop`) goes to val.
 * -ENOPKG, with apt's last error in why, when there is none or it is
 * "(none)".
 */
static int apt_cache_value(const char *cmd, char *spec, const char *key, size_t skip,
                           const char *stop, char *val, size_t vlen, char *why, size_t wlen)
{
	char *argv[] = {"apt-cache", (char *)cmd, spec, NULL};
	char *out = NULL, *p;
	int ret;

	ret = board_run(argv, NULL, &out);
	p = out ? strstr(out, key) : NULL;
	if (ret || !p || !strncmp(p + skip, "(none)", 6)) {
		apt_error(out, why, wlen);
		free(out);
		return -ENOPKG;
	}
	p += skip;
	snprintf(val, vlen, "%.*s", (int)strcspn(p, stop), p);
	free(out);
	return 0;
}

/* Finds the versioned kernel package the metapackage depends on. */
static int apt_resolve(const char *meta, char *pkg, size_t plen, char *err, size_t errlen)
{
	char spec[160], line[256];

	snprintf(spec, sizeof(spec), "%s:arm64", meta);
	if (apt_cache_value("depends", spec, "Depends: linux-image-", strlen("Depends: "), ":< \n",
	                    pkg, plen, line, sizeof(line)))
		return hexo_fail(err, errlen, -ENOPKG,
		                 "cannot resolve %s with apt-cache (%s): run apt-get update", spec,
		                 line);
	return 0;
}

static int apt_candidate(const char *pkg, char *ver, size_t vlen, char *err, size_t errlen)
{
	char spec[160], line[256];

	snprintf(spec, sizeof(spec), "%s:arm64", pkg);
	if (apt_cache_value("policy", spec, "Candidate: ", strlen("Candidate: "), " \n", ver, vlen,
	                    line, sizeof(line)))
		return hexo_fail(err, errlen, -ENOPKG,
		                 "apt has no installable %s (%s): run apt-get update", spec, line);
	return 0;
}

int board_apt_resolve(const char *meta, char *pkg, size_t plen, char *ver, size_t vlen, char *err,
                      size_t errlen)
{
	int ret = arm64_enabled(err, errlen);

	if (!ret)
		ret = apt_resolve(meta, pkg, plen, err, errlen);
	if (!ret)
		ret = apt_candidate(pkg, ver, vlen, err, errlen);
	return ret;
}

int board_apt_download(const char *pkg, const char *ver, const char *dir, char *deb, size_t deblen,
                       char *err, size_t errlen)
{
	char spec[256], line[256], *out = NULL;
	char *argv[] = {"apt-get", "download", "-q", spec, NULL};
	struct dirent *e;
	DIR *d;
	int ret;

	snprintf(spec, sizeof(spec), "%s:arm64=%s", pkg, ver);
	ret = board_run(argv, dir, &out);
	if (ret) {
		apt_error(out, line, sizeof(line));
		hexo_seterr(err, errlen, "apt-get download %s failed: %s", spec, line);
		free(out);
		return ret;
	}
	free(out);
	d = opendir(dir);
	if (!d)
		return -errno;
	ret = -ENOENT;
	while (ret && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (n > 4 && !strcmp(e->d_name + n - 4, ".deb"))
			ret = board_path(deb, deblen, dir, e->d_name);
	}
	closedir(d);
	if (ret)
		hexo_seterr(err, errlen, "apt-get download %s left no .deb in %s", spec, dir);
	return ret;
}
