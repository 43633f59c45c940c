/*
 * Linked into the Native AOT binaries by packaging/publish.sh (GlibcCompatObject), with
 * -Wl,--wrap=log -Wl,--wrap=log2 -Wl,--wrap=pow. The runtime calls log and pow (and log2, through
 * Math.Log2 in the zstd port); linked against glibc 2.29 or newer those bind to the GLIBC_2.29 versions (faster code, same results for finite inputs), which would
 * make glibc 2.29 the floor and exclude RHEL 8 (glibc 2.28). Binding them to the versions every
 * x86-64 glibc has keeps the floor at what the rest needs (GLIBC_2.17, pinned by a test).
 */
double __log_glibc_2_2_5(double);
double __pow_glibc_2_2_5(double, double);
double __log2_glibc_2_2_5(double);
__asm__(".symver __log_glibc_2_2_5,log@GLIBC_2.2.5");
__asm__(".symver __pow_glibc_2_2_5,pow@GLIBC_2.2.5");
__asm__(".symver __log2_glibc_2_2_5,log2@GLIBC_2.2.5");

double __wrap_log(double x) { return __log_glibc_2_2_5(x); }
double __wrap_pow(double x, double y) { return __pow_glibc_2_2_5(x, y); }
double __wrap_log2(double x) { return __log2_glibc_2_2_5(x); }
