/* SPDX-License-Identifier: MIT */
/* hexo: fma() for every guest ISA; see fma_core.h. Copied over newlib's
   libm/common/s_fma.c and libm/machine/aarch64/s_fma.c by build.sh. */
#include <math.h>

#include "fma_core.h"

double fma(double x, double y, double z)
{
	static const struct hx_fmt f = {53, 1023, 11};
	uint64_t bx, by, bz, mx, my, mz, r;
	int ex, ey, ez;
	double d;

	if (!isfinite(x) || !isfinite(y))
		return x * y + z; /* NaN or infinite product: exact rules */
	if (!isfinite(z))
		return z + x; /* finite product plus NaN or infinity */
	if (x == 0 || y == 0)
		return x * y + z; /* exact zero product */
	if (z == 0)
		return x * y; /* one rounding of the exact product */
	__builtin_memcpy(&bx, &x, 8);
	__builtin_memcpy(&by, &y, 8);
	__builtin_memcpy(&bz, &z, 8);
	hx_unpack(&f, bx, &mx, &ex);
	hx_unpack(&f, by, &my, &ey);
	hx_unpack(&f, bz, &mz, &ez);
	r = hx_fma_bits(&f, (int)((bx ^ by) >> 63), mx, ex, my, ey, (int)(bz >> 63), mz, ez);
	__builtin_memcpy(&d, &r, 8);
	return d;
}
