/* SPDX-License-Identifier: MIT */
/*
 * Calibration kernel "fp": floating-point compute. SIZE Duffing oscillators
 * (x'' = -d x' - a x - b x^3 + f, each with its own constants), kept in a
 * few KiB, advanced 64 fourth-order Runge-Kutta steps per iteration: adds,
 * multiplies and a division, no memory traffic beyond the first-level cache,
 * no libm. Usage: fp [SIZE [ITERS | SECONDSs]] (kernel.h).
 */
#include "kernel.h"

#define STEPS 64

struct osc {
	double *x, *v, *a, *b;
	uint64_t n;
};

static double accel(double x, double v, double a, double b)
{
	return -0.15 * v - a * x - b * x * x * x + 0.3;
}

static void iteration(uint64_t it, void *ctx)
{
	struct osc *o = ctx;
	const double h = 1.0 / 128.0, h2 = h / 2.0, h6 = h / 6.0;

	(void)it;
	for (uint64_t i = 0; i < o->n; i++) {
		double x = o->x[i], v = o->v[i], a = o->a[i], b = o->b[i];

		for (int s = 0; s < STEPS; s++) {
			double k1x = v, k1v = accel(x, v, a, b);
			double k2x = v + h2 * k1v, k2v = accel(x + h2 * k1x, k2x, a, b);
			double k3x = v + h2 * k2v, k3v = accel(x + h2 * k2x, k3x, a, b);
			double k4x = v + h * k3v, k4v = accel(x + h * k3x, k4x, a, b);

			x += h6 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
			v += h6 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v);
		}
		/* keep every oscillator in range whatever the iteration count */
		x = x / (1.0 + x * x * 1e-3);
		o->x[i] = x;
		o->v[i] = v;
	}
}

int main(int argc, char **argv)
{
	struct kargs args = k_args(argc, argv, "fp", "oscillators", 256, 1);
	struct osc o = {.n = args.size};
	uint64_t seed = 42, sum = 0, iters;
	double secs;

	o.x = k_alloc(o.n * sizeof(double));
	o.v = k_alloc(o.n * sizeof(double));
	o.a = k_alloc(o.n * sizeof(double));
	o.b = k_alloc(o.n * sizeof(double));
	for (uint64_t i = 0; i < o.n; i++) {
		o.x[i] = (double)(k_rand(&seed) % 2000) / 1000.0 - 1.0;
		o.v[i] = 0.0;
		o.a[i] = -1.0 + (double)(k_rand(&seed) % 100) / 400.0;
		o.b[i] = 1.0 + (double)(k_rand(&seed) % 100) / 200.0;
	}
	iters = k_run(&args, iteration, &o, &secs);
	for (uint64_t i = 0; i < o.n; i++)
		sum = k_mix(k_mix(sum, k_bits(o.x[i])), k_bits(o.v[i]));
	k_report("fp", o.n, iters, sum, secs);
	return 0;
}
