/* Floating-point values live across points: double, float, long double. */
#include <hexo/migrate.h>
#include <math.h>
#include <stdio.h>

static double integrate(double (*f)(double), double a, double b, int n)
{
	double h = (b - a) / n, s = 0.5 * (f(a) + f(b));

	for (int i = 1; i < n; i++) {
		if (i % 250 == 0)
			hexo_check_migrate();
		s += f(a + i * h);
	}
	return s * h;
}

static double bump(double x)
{
	return exp(-x * x) * cos(3 * x);
}

int main(void)
{
	float f = 1.0f / 3.0f;
	long double ld = 1.0L / 7.0L;
	double total = 0;

	for (int k = 1; k <= 4; k++) {
		double r = integrate(bump, -k, k, 1000 * k);

		hexo_check_migrate();
		f = f * 1.1f + (float)r;
		ld = ld * 3 + (long double)r;
		total += r;
		printf("k=%d r=%.17g f=%.9g ld=%.21Lg sqrt=%.17g\n", k, r, f, ld, sqrt(total));
	}
	return 0;
}
