/* Floating point through the compiler and libm: printf/strtod conversions,
 * float/double arithmetic, fenv rounding modes and exception flags. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static volatile double vd_one = 1.0, vd_three = 3.0, vd_zero = 0.0;
static volatile float vf_one = 1.0f, vf_three = 3.0f;

int main(void) {
  double d = 1.0 / 3.0;
  float f = 1.0f / 3.0f;
  printf("%.17g %.9g\n", d, (double)f);
  printf("%f %e %g %a\n", 3.14159265358979, 6.02214076e23, 1e-10, 0.1);
  printf("%.3f %.0f %.0f %.0f\n", 2.0005, 0.5, 1.5, 2.5);
  printf("%g %g %g %g\n", INFINITY, -INFINITY, NAN, -0.0);
  printf("%.20e\n", DBL_MIN);
  printf("%a %a\n", DBL_TRUE_MIN, (double)FLT_MAX);
  printf("strtod %.17g %.17g %a\n", strtod("0.1", NULL), strtod("2.2250738585072011e-308", NULL),
         strtod("0x1.fffffffffffffp1023", NULL));
  printf("strtof %.9g\n", (double)strtof("3.4028235e38", NULL));
  printf("sqrt %.17g %.9g\n", sqrt(2.0), (double)sqrtf(2.0f));
  printf("fma %a\n", fma(1.0 + 0x1p-27, 1.0 + 0x1p-27, -(1.0 + 0x1p-26)));
  printf("libm %.12g %.12g %.12g %.12g %.12g\n", sin(1.0), cos(1.0), exp(1.0), log(10.0), pow(2.0, 0.5));
  printf("round %g %g %g %g %g\n", floor(-2.5), ceil(-2.5), trunc(-2.5), round(-2.5), rint(-2.5));
  printf("lrint %ld llround %lld\n", lrint(3.5), llround(-3.5));
  printf("nextafter %a %a\n", nextafter(1.0, 2.0), (double)nextafterf(1.0f, 0.0f));
  printf("frexp/ldexp %g %g\n", ldexp(0.75, 10), scalbn(1.0, -1074));
  int e;
  double m = frexp(1000.0, &e);
  printf("frexp %g %d\n", m, e);

  const int modes[] = {FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO};
  const char *names[] = {"nearest", "upward", "downward", "towardzero"};
  for (int i = 0; i < 4; i++) {
    fesetround(modes[i]);
    double q = vd_one / vd_three;
    float qf = -vf_one / vf_three;
    printf("%s %a %a rint(2.5)=%g\n", names[i], q, (double)qf, rint(2.5));
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  volatile double r = vd_one / vd_zero;
  printf("div0 %g flags DZ=%d NV=%d\n", r, !!fetestexcept(FE_DIVBYZERO), !!fetestexcept(FE_INVALID));
  feclearexcept(FE_ALL_EXCEPT);
  r = vd_zero / vd_zero;
  printf("0/0 nan=%d NV=%d\n", isnan(r), !!fetestexcept(FE_INVALID));
  feclearexcept(FE_ALL_EXCEPT);
  r = DBL_MAX * vd_three;
  printf("overflow %g OF=%d NX=%d\n", r, !!fetestexcept(FE_OVERFLOW), !!fetestexcept(FE_INEXACT));

  double acc = 0;
  for (int i = 1; i <= 100000; i++) acc += 1.0 / ((double)i * i);
  printf("basel %.15f\n", acc);
  float facc = 0;
  for (int i = 1; i <= 1000; i++) facc += 1.0f / (float)i;
  printf("harmonic %.7f\n", (double)facc);
  long long ll = (long long)-1e18;
  unsigned long long ull = (unsigned long long)1.8e19;
  printf("conv %lld %llu %d %u\n", ll, ull, (int)-2.9, (unsigned)3.9f);
  return 0;
}
