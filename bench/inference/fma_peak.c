// Measured fp32 FMA throughput: THREADS threads, each a loop of independent vector FMAs (12
// accumulators hide the FMA latency on two pipes). Cross-checks the peak derived from lscpu:
// a guest sees the TSC clock, not the boost clock its cores actually run at.
//
//   gcc -O3 -mavx2 -mfma -pthread fma_peak.c -o fma_peak && ./fma_peak THREADS WIDTH SECONDS
//
// The accumulators must live in registers: a loop gcc does not unroll keeps them in memory and
// measures store forwarding instead (-O2 without the pragma: 24 of 58 GFMA/s per core here).
//
// WIDTH 256 (AVX2) or 512 (AVX-512F). Prints one JSON line: FMA lanes per second, all threads.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ACC 12
#define INNER 1000000L

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
  int width;
  double seconds;
  long rounds;
  float sink;
} Job;

static void *avx2(Job *job) {
  __m256 acc[ACC];
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < ACC; i++) acc[i] = _mm256_set1_ps((float)i);
  double until = now() + job->seconds;
  long rounds = 0;
  do {
    for (long n = 0; n < INNER; n++)
#pragma GCC unroll 12
      for (int i = 0; i < ACC; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    rounds++;
  } while (now() < until);
  float s = 0;
  for (int i = 0; i < ACC; i++) s += _mm256_cvtss_f32(acc[i]);
  job->rounds = rounds;
  job->sink = s;
  return NULL;
}

__attribute__((target("avx512f"))) static void *avx512(Job *job) {
  __m512 acc[ACC];
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < ACC; i++) acc[i] = _mm512_set1_ps((float)i);
  double until = now() + job->seconds;
  long rounds = 0;
  do {
    for (long n = 0; n < INNER; n++)
#pragma GCC unroll 12
      for (int i = 0; i < ACC; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    rounds++;
  } while (now() < until);
  float s = 0;
  for (int i = 0; i < ACC; i++) s += _mm512_reduce_add_ps(acc[i]);
  job->rounds = rounds;
  job->sink = s;
  return NULL;
}

static void *work(void *arg) {
  Job *job = arg;
  return job->width == 512 ? avx512(job) : avx2(job);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fma_peak THREADS WIDTH(256|512) SECONDS\n");
    return 2;
  }
  int threads = atoi(argv[1]), width = atoi(argv[2]);
  double seconds = atof(argv[3]);
  pthread_t ids[256];
  Job jobs[256];
  if (threads < 1 || threads > 256 || (width != 256 && width != 512)) return 2;
  double start = now();
  for (int t = 0; t < threads; t++) {
    jobs[t] = (Job){width, seconds, 0, 0};
    pthread_create(&ids[t], NULL, work, &jobs[t]);
  }
  double lanes = 0, sink = 0;
  for (int t = 0; t < threads; t++) {
    pthread_join(ids[t], NULL);
    lanes += (double)jobs[t].rounds * INNER * ACC * (width / 32);
    sink += jobs[t].sink;
  }
  double wall = now() - start;
  printf("{\"threads\":%d,\"width\":%d,\"seconds\":%.3f,\"fmaPerSecond\":%.6e,\"sink\":%g}\n",
         threads, width, wall, lanes / wall, sink);
  return 0;
}
