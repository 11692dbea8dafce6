// Does OpenBLAS give the same bits when a product is cut into parts? Why the native gemm's parts come from the shape
// alone (src/linalg/native/gemm.c), never from the thread count. Single-threaded OpenBLAS, 13 shapes × 4 transposes ×
// 2, 4 and 8 parts × by rows or by columns, cut at multiples of 32 as gemm.c cuts, each against one whole call.
//   cc -O2 scripts/gemm-split-bits.c -o /tmp/gemm-split-bits -lopenblas && /tmp/gemm-split-bits
// On OpenBLAS 0.3.21 (Cooperlake kernels): 52 of 312 cuts differ, all on shapes with an odd K (129, 85, 5) or with
// parts of 64 rows or fewer; the MLP-shaped products (256×1024×1024 and its transposes) never differ. So a split
// chosen by the thread count would change a run's bits with the thread count.
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *openblas_get_corename(void);

/** Uniform on [-0.5, 0.5]. */
static double uniform(void) { return (double)rand() / RAND_MAX - 0.5; }

/** First index of part p of `parts` over [0, extent), at a multiple of 32 (gemm.c's part_start). */
static int part_start(int p, int parts, int extent) { return p >= parts ? extent : (p * extent / parts) / 32 * 32; }

/** C = alpha·op(A)·op(B) + beta·C (row-major) as `parts` calls over rows (by_rows) or columns of C. */
static void gemm_in_parts(int M, int N, int K, int ta, int tb, double alpha, const double *A, const double *B,
                          double beta, double *C, int parts, int by_rows) {
  int lda = ta ? M : K, ldb = tb ? K : N, extent = by_rows ? M : N;
  for (int p = 0; p < parts; p++) {
    int s = part_start(p, parts, extent), e = part_start(p + 1, parts, extent);
    if (e <= s) continue;
    const double *a = A, *b = B;
    double *c = C;
    if (by_rows) a += ta ? s : (long)s * lda, c += (long)s * N;
    else b += tb ? (long)s * ldb : s, c += s;
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, by_rows ? e - s : M,
                by_rows ? N : e - s, K, alpha, a, lda, b, ldb, beta, c, N);
  }
}

int main(void) {
  static const int shapes[][3] = {{256, 1024, 1024}, {1024, 1024, 256}, {1024, 256, 1024}, {64, 4096, 300},
                                  {100, 100, 100},   {130, 97, 85},     {1000, 1000, 5},   {33, 2000, 700},
                                  {300, 64, 2000},   {512, 10, 1024},   {10, 512, 1024},   {2048, 2048, 64},
                                  {257, 513, 129}};
  openblas_set_num_threads(1);
  printf("OpenBLAS core %s\n", openblas_get_corename());
  srand(1);
  int differ = 0, cuts = 0;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
    int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
    double *A = malloc(sizeof(double) * M * K), *B = malloc(sizeof(double) * K * N);
    double *whole = malloc(sizeof(double) * M * N), *cut = malloc(sizeof(double) * M * N);
    for (long i = 0; i < (long)M * K; i++) A[i] = uniform();
    for (long i = 0; i < (long)K * N; i++) B[i] = uniform();
    for (int t = 0; t < 4; t++)
      for (int parts = 2; parts <= 8; parts *= 2)
        for (int by_rows = 0; by_rows < 2; by_rows++) {
          for (long i = 0; i < (long)M * N; i++) whole[i] = cut[i] = uniform();
          gemm_in_parts(M, N, K, t & 1, t >> 1, 0.37, A, B, 0.5, whole, 1, by_rows);
          gemm_in_parts(M, N, K, t & 1, t >> 1, 0.37, A, B, 0.5, cut, parts, by_rows);
          cuts++;
          if (memcmp(whole, cut, sizeof(double) * M * N) != 0) {
            differ++;
            printf("differ: %d×%d×%d transA %d transB %d, %d parts by %s\n", M, N, K, t & 1, t >> 1, parts,
                   by_rows ? "rows" : "columns");
          }
        }
    free(A), free(B), free(whole), free(cut);
  }
  printf("%d of %d cuts differ from the whole product\n", differ, cuts);
  return 0;
}
