/* SPDX-License-Identifier: MIT */
/* hexo: fmaf() for every guest ISA; see fma_core.h. Copied over newlib's
   libm/common/sf_fma.c and libm/machine/aarch64/sf_fma.c by build.sh. */
#include <math.h>

#include "fma_core.h"

float fmaf(float x, float y, float z)
{
	static const struct hx_fmt f = {24, 127, 8};
	uint32_t bx, by, bz, r;
	uint64_t mx, my, mz;
	int ex, ey, ez;
	float v;

	if (!isfinite(x) || !isfinite(y))
		return x * y + z; /* NaN or infinite product: exact rules */
	if (!isfinite(z))
		return z + x; /* finite product plus NaN or infinity */
	if (x == 0 || y == 0)
		return x * y + z; /* exact zero product */
	if (z == 0)
		return x * y; /* one rounding of the exact product */
	__builtin_memcpy(&bx, &x, 4);
	__builtin_memcpy(&by, &y, 4);
	__builtin_memcpy(&bz, &z, 4);
	hx_unpack(&f, bx, &mx, &ex);
	hx_unpack(&f, by, &my, &ey);
	hx_unpack(&f, bz, &mz, &ez);
	r = (uint32_t)hx_fma_bits(&f, (int)((bx ^ by) >> 31), mx, ex, my, ey, (int)(bz >> 31), mz,
	                          ez);
	__builtin_memcpy(&v, &r, 4);
	return v;
}
