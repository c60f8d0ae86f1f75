/* Straightforward C version of the built-in model's x-advection loop (Russell–Lerner slopes,
 * periodic rows, tracer index innermost, coefficients precomputed per face and cell), used by
 * tools/bench/transport/main.ts as the speed reference. Usage: xadvect nlon nrows K iters */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void face(double al, double be, double ga, double F, const double *rm, const double *sa,
                 const double *s1, const double *s2, int K, double *f, double *p, double *y, double *z) {
  double F3 = 3.0 * F;
  for (int t = 0; t < K; t++) {
    double x = sa[t];
    double ff = al * rm[t] + be * x;
    f[t] = ff;
    p[t] = ga * x - F3 * ff;
    y[t] = al * s1[t];
    z[t] = al * s2[t];
  }
}

int main(int argc, char **argv) {
  int nlon = atoi(argv[1]), nrows = atoi(argv[2]), K = atoi(argv[3]), iters = atoi(argv[4]);
  size_t n = (size_t)nlon * nrows;
  double *rm = malloc(n * K * 8), *sa = malloc(n * K * 8), *s1 = malloc(n * K * 8), *s2 = malloc(n * K * 8);
  double *al = malloc(n * 8), *be = malloc(n * 8), *ga = malloc(n * 8), *fl = malloc(n * 8);
  double *a1 = malloc(n * 8), *a2 = malloc(n * 8), *cl = malloc(n * 8), *cr = malloc(n * 8), *inv = malloc(n * 8);
  for (size_t q = 0; q < n * K; q++) { rm[q] = 1.0 + (q % 7) * 0.1; sa[q] = 0.01 * (q % 5); s1[q] = 0; s2[q] = 0; }
  for (size_t q = 0; q < n; q++) {
    double m = 1.0, F = 0.3 * ((q % 3) ? 1 : -1) * 0.0; /* uniform flow */
    F = 0.3;
    double a = F / m;
    al[q] = a; be[q] = a * (1 - a); ga[q] = F * a * a; fl[q] = F;
    double mn = m, iv = 1 / mn;
    a1[q] = 1; a2[q] = 6 * F * iv; cl[q] = a2[q] - 3 * m * iv; cr[q] = a2[q] + 3 * m * iv; inv[q] = iv;
  }
  double *fb = malloc(4 * K * 8);
  double *fw = malloc(K * 8), *pw = malloc(K * 8), *yw = malloc(K * 8), *zw = malloc(K * 8);
  struct timespec t0, t1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
  for (int it = 0; it < iters; it++) {
    for (int r = 0; r < nrows; r++) {
      size_t off = (size_t)r * nlon;
      size_t base = off * K;
      size_t w = off + nlon - 1;
      size_t u = base + (al[w] >= 0 ? (size_t)(nlon - 1) * K : 0);
      face(al[w], be[w], ga[w], fl[w], rm + u, sa + u, s1 + u, s2 + u, K, fw, pw, yw, zw);
      for (int t = 0; t < K; t++) { fb[4 * t] = fw[t]; fb[4 * t + 1] = pw[t]; fb[4 * t + 2] = yw[t]; fb[4 * t + 3] = zw[t]; }
      /* Fused, like the TypeScript kernel: the east-face flux of cell a from the old upwind
       * values, the update of cell a, and the flux kept as the next cell's west face (the four
       * face quantities of a tracer interleaved in one buffer, as in the TypeScript kernel). */
      for (int a = 0; a < nlon - 1; a++) {
        size_t ci = off + a;
        double c1 = a1[ci], c2 = a2[ci], cL = cl[ci], cR = cr[ci], iv = inv[ci];
        double A = al[ci], Bt = be[ci], G = ga[ci], F3 = 3.0 * fl[ci];
        size_t e = base + (size_t)a * K;
        if (A >= 0) {
          for (int t = 0; t < K; t++) {
            double *b = fb + 4 * t;
            double r0 = rm[e + t], x0 = sa[e + t], y0_ = s1[e + t], z0_ = s2[e + t];
            double fr = A * r0 + Bt * x0;
            double pr = G * x0 - F3 * fr;
            double yr = A * y0_, zr = A * z0_, f_l = b[0];
            rm[e + t] = r0 + f_l - fr;
            sa[e + t] = c1 * x0 + c2 * r0 + (b[1] - pr) * iv + cL * f_l - cR * fr;
            s1[e + t] = y0_ + b[2] - yr;
            s2[e + t] = z0_ + b[3] - zr;
            b[0] = fr; b[1] = pr; b[2] = yr; b[3] = zr;
          }
          continue;
        }
        size_t uu = e + K;
        for (int t = 0; t < K; t++) {
          double *b = fb + 4 * t;
          double xu = sa[uu + t];
          double fr = A * rm[uu + t] + Bt * xu;
          double pr = G * xu - F3 * fr;
          double yr = A * s1[uu + t];
          double zr = A * s2[uu + t];
          double r0 = rm[e + t], f_l = b[0];
          rm[e + t] = r0 + f_l - fr;
          sa[e + t] = c1 * sa[e + t] + c2 * r0 + (b[1] - pr) * iv + cL * f_l - cR * fr;
          s1[e + t] += b[2] - yr;
          s2[e + t] += b[3] - zr;
          b[0] = fr; b[1] = pr; b[2] = yr; b[3] = zr;
        }
      }
      {
        size_t ci = off + nlon - 1;
        double c1 = a1[ci], c2 = a2[ci], cL = cl[ci], cR = cr[ci], iv = inv[ci];
        size_t e = base + (size_t)(nlon - 1) * K;
        for (int t = 0; t < K; t++) {
          double *b = fb + 4 * t;
          double r0 = rm[e + t], f_l = b[0], fr = fw[t];
          rm[e + t] = r0 + f_l - fr;
          sa[e + t] = c1 * sa[e + t] + c2 * r0 + (b[1] - pw[t]) * iv + cL * f_l - cR * fr;
          s1[e + t] += b[2] - yw[t];
          s2[e + t] += b[3] - zw[t];
        }
      }
    }
  }
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
  double sec = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  double chk = 0;
  for (size_t q = 0; q < n * K; q++) chk += rm[q];
  printf("%.6e %.17g\n", sec, chk);
  return 0;
}
