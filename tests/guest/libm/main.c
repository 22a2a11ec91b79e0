/* libm: every common function over a spread of arguments, printed with %.17g
 * (doubles) or %.9g (floats) so that every bit of the result shows. The
 * guest's results must be deterministic and the same on every ISA; see
 * README in this folder for where they may differ from glibc's. */
#include <float.h>
#include <math.h>
#include <stdio.h>

typedef double (*fn1)(double);

/* %.17g, except that every NaN prints as "nan": the sign and payload of a
 * NaN result are not specified by C and differ between libms. */
static const char *fmt(char *buf, double v)
{
	if (isnan(v))
		return "nan";
	snprintf(buf, 32, "%.17g", v);
	return buf;
}

static const char *fmtf(char *buf, float v)
{
	if (isnan(v))
		return "nan";
	snprintf(buf, 32, "%.9g", (double)v);
	return buf;
}

typedef double (*fn2)(double, double);

static const double args1[] = {
    0.0,
    -0.0,
    1e-300,
    1e-10,
    0.001,
    0.1,
    0.25,
    0.5,
    0.75,
    0.9,
    1.0,
    1.5,
    2.0,
    2.5,
    3.0,
    3.141592653589793,
    4.0,
    6.0,
    10.0,
    22.5,
    100.0,
    710.0,
    1e5,
    1e10,
    1e22,
    -0.5,
    -1.0,
    -2.75,
    -10.0,
    -100.0,
    0.7853981633974483,
    1.5707963267948966,
    1e300,
};

struct f1 {
	const char *name;
	fn1 f;
};

struct f2 {
	const char *name;
	fn2 f;
};

static double my_ldexp5(double x)
{
	return ldexp(x, 5);
}
static double my_ldexpm1074(double x)
{
	return ldexp(x, -1074);
}
static double my_frexp(double x)
{
	int e;
	double m = frexp(x, &e);
	return m + e * 1000.0;
}
static double my_modf(double x)
{
	double ip;
	double fp = modf(x, &ip);
	return fp * 1e6 + ip;
}
static double my_lround(double x)
{
	return fabs(x) < 1e18 ? (double)lround(x) : -1.0;
}
static double my_llrint(double x)
{
	return fabs(x) < 1e18 ? (double)llrint(x) : -1.0;
}
static double my_ilogb(double x)
{
	return x == 0.0 ? -12345.0 : (double)ilogb(x);
}

static const struct f1 funcs1[] = {
    {"sin", sin},
    {"cos", cos},
    {"tan", tan},
    {"asin", asin},
    {"acos", acos},
    {"atan", atan},
    {"sinh", sinh},
    {"cosh", cosh},
    {"tanh", tanh},
    {"asinh", asinh},
    {"acosh", acosh},
    {"atanh", atanh},
    {"exp", exp},
    {"exp2", exp2},
    {"expm1", expm1},
    {"log", log},
    {"log2", log2},
    {"log10", log10},
    {"log1p", log1p},
    {"sqrt", sqrt},
    {"cbrt", cbrt},
    {"floor", floor},
    {"ceil", ceil},
    {"trunc", trunc},
    {"round", round},
    {"rint", rint},
    {"nearbyint", nearbyint},
    {"fabs", fabs},
    {"erf", erf},
    {"erfc", erfc},
    {"lgamma", lgamma},
    {"logb", logb},
    {"ldexp5", my_ldexp5},
    {"ldexp-1074", my_ldexpm1074},
    {"frexp", my_frexp},
    {"modf", my_modf},
    {"lround", my_lround},
    {"llrint", my_llrint},
    {"ilogb", my_ilogb},
};

static const double args2[][2] = {
    {2.0, 10.0},       {2.0, 0.5},       {10.0, -3.0},    {1.5, 2.5},     {-2.0, 3.0},
    {-8.0, 1.0 / 3.0}, {0.0, 0.0},       {1.0, 1e300},    {7.0, 3.0},     {-7.0, 3.0},
    {7.5, -2.0},       {1e300, 1e-300},  {3.0, 4.0},      {1e200, 1e200}, {-1.0, 0.5},
    {5.0, 0.0},        {0.1, 0.2},       {123.456, 7.89}, {1e10, 3.0},    {2.5, 1e-5},
    {-0.0, -0.0},      {1.0000001, 1e8}, {0.5, 1074.0},   {2.0, -1074.0}, {2.0, 1024.0},
};

static const struct f2 funcs2[] = {
    {"pow", pow},           {"atan2", atan2},         {"fmod", fmod}, {"remainder", remainder},
    {"hypot", hypot},       {"fmin", fmin},           {"fmax", fmax}, {"fdim", fdim},
    {"copysign", copysign}, {"nextafter", nextafter},
};

static void floats(void)
{
	static const float fa[] = {0.0f,  0.1f,   0.5f,   1.0f,   2.0f,   3.14159265f,
	                           10.0f, 100.5f, -1.25f, -40.0f, 1e-20f, 1e20f};
	for (unsigned i = 0; i < sizeof fa / sizeof fa[0]; i++) {
		float x = fa[i];
		char b[11][32];
		printf("f %s sinf %s cosf %s expf %s logf %s sqrtf %s powf %s "
		       "floorf %s fmodf %s tanf %s atanf %s\n",
		       fmtf(b[0], x), fmtf(b[1], sinf(x)), fmtf(b[2], cosf(x)), fmtf(b[3], expf(x)),
		       fmtf(b[4], logf(x)), fmtf(b[5], sqrtf(x)), fmtf(b[6], powf(x, 1.5f)),
		       fmtf(b[7], floorf(x)), fmtf(b[8], fmodf(x, 0.75f)), fmtf(b[9], tanf(x)),
		       fmtf(b[10], atanf(x)));
	}
}

/* Loop-carried computation: a small error anywhere changes the end value. */
static void series(void)
{
	double x = 0.5, acc = 0.0;
	for (int i = 0; i < 10000; i++) {
		x = sin(x * 3.0 + 0.1) * cos(x) + exp(-x * x) + log1p(x * x) * 0.25;
		acc += sqrt(fabs(x)) + pow(fabs(x) + 1.0, 0.37) - atan(x);
	}
	printf("series x %.17g acc %.17g\n", x, acc);
}

int main(void)
{
	char b[32];
	for (unsigned j = 0; j < sizeof funcs1 / sizeof funcs1[0]; j++)
		for (unsigned i = 0; i < sizeof args1 / sizeof args1[0]; i++)
			printf("%s(%.17g) = %s\n", funcs1[j].name, args1[i],
			       fmt(b, funcs1[j].f(args1[i])));
	for (unsigned j = 0; j < sizeof funcs2 / sizeof funcs2[0]; j++)
		for (unsigned i = 0; i < sizeof args2 / sizeof args2[0]; i++)
			printf("%s(%.17g, %.17g) = %s\n", funcs2[j].name, args2[i][0], args2[i][1],
			       fmt(b, funcs2[j].f(args2[i][0], args2[i][1])));
	floats();
	series();
	printf("constants pi %.17g e %.17g sqrt2 %.17g\n", M_PI, M_E, M_SQRT2);
	printf("dbl max %.17g min %.17g eps %.17g huge %g\n", DBL_MAX, DBL_MIN, DBL_EPSILON,
	       HUGE_VAL);
	return 0;
}
