/* SPDX-License-Identifier: MIT */
/*
 * hexo: a correctly rounded fused multiply-add in integer arithmetic, shared
 * by fma() and fmaf(). It replaces newlib's generic versions (which compute
 * x * y + z with two roundings) and the aarch64 ones (one fmadd instruction),
 * so both guest ISAs run the same code and get the same, IEEE 754 result.
 *
 * Round to nearest, ties to even; exception flags are not raised.
 * The caller handles NaN, infinite and zero operands.
 */
#ifndef HEXO_FMA_CORE_H
#define HEXO_FMA_CORE_H

#include <stdint.h>

typedef unsigned __int128 hx_u128;

/* A binary floating-point format: P significand bits (with the hidden one),
   exponent bias, width of the exponent field. */
struct hx_fmt {
	int prec;
	int bias;
	int ebits;
};

/* Splits finite non-zero bits into m * 2^e, 0 < m < 2^prec. */
static inline void hx_unpack(const struct hx_fmt *f, uint64_t bits, uint64_t *m, int *e)
{
	int fbits = f->prec - 1;
	uint64_t frac = bits & ((UINT64_C(1) << fbits) - 1);
	int be = (int)((bits >> fbits) & ((1u << f->ebits) - 1));

	if (be == 0) {
		*m = frac;
		*e = 1 - f->bias - fbits;
	} else {
		*m = frac | (UINT64_C(1) << fbits);
		*e = be - f->bias - fbits;
	}
}

static inline int hx_msb128(hx_u128 v)
{
	uint64_t hi = (uint64_t)(v >> 64);

	if (hi)
		return 127 - __builtin_clzll(hi);
	return 63 - __builtin_clzll((uint64_t)v);
}

/* v << 124 - msb(v), so the top bit is bit 124 (3 bits of headroom). */
static inline hx_u128 hx_norm(hx_u128 v, int *e)
{
	int s = 124 - hx_msb128(v);

	*e -= s;
	return v << s;
}

/*
 * Returns the bits of (-1)^sp * mx * my * 2^(ex + ey) + (-1)^sz * mz * 2^ez,
 * rounded once to format f. All significands are non-zero.
 */
static inline uint64_t hx_fma_bits(const struct hx_fmt *f, int sp, uint64_t mx, int ex, uint64_t my,
                                   int ey, int sz, uint64_t mz, int ez)
{
	int ep = ex + ey, eb, neg, d, top, lsb_e, shift;
	int min_lsb = 1 - f->bias - (f->prec - 1);
	hx_u128 a, b, s, mant;
	uint64_t bits, biased, emax = (UINT64_C(1) << f->ebits) - 1;

	/* Both terms as 125-bit significands; a gets the larger exponent. */
	a = hx_norm((hx_u128)mx * my, &ep);
	b = hx_norm((hx_u128)mz, &ez);
	neg = sp;
	if (ez > ep || (ez == ep && b > a)) {
		hx_u128 t = a;
		int te = ep;

		a = b, b = t;
		ep = ez, ez = te;
		neg = sz;
		sz = sp;
	}
	eb = ep;
	/* Align b, folding what is shifted out into a sticky low bit. Both
	   low parts are zero for small shifts, where cancellation can be
	   large, so a sticky bit only ever stands for a tiny tail. */
	d = ep - ez;
	if (d >= 128)
		b = 1;
	else if (d > 0)
		b = (b >> d) | (hx_u128)((b << (128 - d)) != 0);
	if (neg == sz)
		s = a + b;
	else
		s = a - b; /* a >= b by the choice above */
	if (s == 0)
		return 0; /* exact cancellation: +0 */

	/* Round s * 2^eb to prec bits, or to the subnormal grid. */
	top = hx_msb128(s) + eb; /* value in [2^top, 2^(top+1)) */
	lsb_e = top - (f->prec - 1);
	if (lsb_e < min_lsb)
		lsb_e = min_lsb;
	shift = lsb_e - eb;
	if (shift <= 0) {
		mant = s << -shift;
	} else if (shift >= 128) {
		mant = 0; /* s < 2^127 <= half an ulp */
	} else {
		hx_u128 rem = s & (((hx_u128)1 << shift) - 1);
		hx_u128 half = (hx_u128)1 << (shift - 1);

		mant = s >> shift;
		if (rem > half || (rem == half && (mant & 1)))
			mant++;
		if (mant >> f->prec) { /* carried into a new bit */
			mant >>= 1;
			lsb_e++;
		}
	}

	bits = (uint64_t)neg << (f->prec - 1 + f->ebits);
	if (mant >> (f->prec - 1)) {
		biased = (uint64_t)(lsb_e + (f->prec - 1) + f->bias);
		if (lsb_e + (f->prec - 1) + f->bias >= (int)emax)
			return bits | (emax << (f->prec - 1)); /* infinity */
		bits |= biased << (f->prec - 1);
		bits |= (uint64_t)mant & ((UINT64_C(1) << (f->prec - 1)) - 1);
	} else {
		bits |= (uint64_t)mant; /* subnormal or zero */
	}
	return bits;
}

#endif /* HEXO_FMA_CORE_H */
