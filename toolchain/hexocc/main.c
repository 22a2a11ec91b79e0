// SPDX-License-Identifier: MIT
/* hexocc: builds C programs into .hexo images. See docs/hexocc.md. */
#include <signal.h>
#include <stdio.h>

#include "hexocc.h"

/* Ends like the signal would have ended us, after removing temporaries. */
static void die_of_signal(int sig)
{
	tmpdir_remove();
	signal(sig, SIG_DFL);
	raise(sig);
}

int main(int argc, char **argv)
{
	struct options o;
	int ret, sig;

	ret = parse_options(argc, argv, &o);
	if (ret)
		goto out_free;
	if (o.action == ACT_HELP) {
		print_help();
		goto out_free;
	}
	if (o.action == ACT_VERSION || (o.verbose && !o.n_inputs)) {
		print_version();
		goto out_free;
	}
	set_verbose(o.verbose);
	install_signal_handlers();
	ret = do_build(&o);
	sig = caught_signal();
	if (sig)
		die_of_signal(sig);
out_free:
	free_options(&o);
	return ret ? 1 : 0;
}
