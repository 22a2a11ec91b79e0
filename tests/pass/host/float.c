/* Floating point values live across calls: bit-exact results. */
#include <hexo/migrate.h>
#include <math.h>
#include <stdio.h>

static double step(double x, float f)
{
	hexo_check_migrate();
	return x * 0.999 + sin(x) * f;
}

static double integrate(int n)
{
	double h = 1.0 / n, sum = 0.0;
	float weight = 0.5f;

	for (int i = 0; i <= n; i++) {
		double x = i * h;
		double fx = step(x, weight); /* x, h, sum, weight live across */
		sum += (i == 0 || i == n ? 0.5 : 1.0) * fx * h;
		weight = weight * 1.0001f;
	}
	return sum;
}

static long double ld(long double a, int n)
{
	hexo_check_migrate();
	return n ? ld(a * 1.5L, n - 1) / 1.25L + a : a;
}

int main(void)
{
	double v[6] = {0};
	for (int i = 0; i < 6; i++)
		v[i] = integrate(100 * (i + 1)) + step(v[i > 0 ? i - 1 : 0] * (i > 0), 0.25f);
	for (int i = 0; i < 6; i++)
		printf("%.17g\n", v[i]);
	printf("%.17Lg\n", ld(1.0L, 30));
	return 0;
}
