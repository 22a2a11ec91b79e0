// SPDX-License-Identifier: MIT
/*
 * What every request of a connection uses (conn.c, job*.c): receiving the
 * next frame within the timeout, and refusing a request (logged, ERROR).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "hexod.h"

int conn_refuse(struct conn *c, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	hexod_log("refused: %s", c->err);
	hexo_send_error(c->fd, ret, c->err);
	return ret < 0 ? ret : -EPROTO;
}

int conn_recv(struct conn *c, struct hexo_frame_hdr *h)
{
	char err[256];
	int ret;

	ret = hexo_frame_recv(c->fd, h, c->buf, HEXO_PROTO_MAX_FRAME,
	                      hexo_deadline(c->cfg->timeout_ms), err, sizeof(err));
	if (!ret)
		return 0;
	switch (ret) {
	case -EPIPE:
		return ret; /* closed between frames: the caller decides */
	case -ECONNRESET:
		snprintf(c->err, sizeof(c->err), "client went away: %s", err);
		hexod_log("%s", c->err);
		return ret;
	case -ETIMEDOUT:
		return conn_refuse(c, ret, "client silent for %d s: closing",
		                   c->cfg->timeout_ms / 1000);
	case -EINTR:
		return conn_refuse(c, -ESHUTDOWN, "agent stopping");
	case -EBADMSG:
		return conn_refuse(c, ret,
		                   "the data was altered on the way (or did not come from the "
		                   "client): closing");
	default:
		return conn_refuse(c, ret, "%s", err);
	}
}
