// The thread pool: T threads take the parts of one parallel loop, so any T computes the same parts.
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "catapult_native.h"

// ---------------------------------------------------------------- the thread pool

#define MAX_THREADS 64

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  pthread_mutex_t job; /* one loop at a time: a second JS thread (a sweep worker) runs its parts itself */
  int threads, workers;
  long generation; /* bumped per loop; workers wait for it to change */
  part_fn fn;
  void *ctx;
  long parts, next, busy;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, 1, 0, 0, NULL, NULL, 0, 0, 0 };

/** Runs parts until none is left; called and returns with the lock held. */
static void take_parts(void) {
  while (pool.next < pool.parts) {
    long p = pool.next++;
    __atomic_add_fetch(&pool.busy, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&pool.lock);
    pool.fn(pool.ctx, p, pool.parts);
    pthread_mutex_lock(&pool.lock);
    if (__atomic_sub_fetch(&pool.busy, 1, __ATOMIC_RELEASE) == 0 && pool.next >= pool.parts) pthread_cond_broadcast(&pool.done);
  }
}

/** How long a thread polls before it sleeps: waking a sleeping thread costs ~0.5 ms on this VM, a 256³ product 0.3 ms. */
#define SPIN_NS 200000L

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/** Polls while (*word == value) is `equal`, for at most SPIN_NS: back-to-back products then go on without a wake-up. */
static void spin_while(const long *word, long value, int equal) {
  long long until = now_ns() + SPIN_NS;
  for (int i = 0; (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value) == equal; i++) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((i & 255) == 255 && now_ns() > until) return;
  }
}

static void *worker(void *arg) {
  int index = (int)(intptr_t)arg;
  long seen = 0;
  for (;;) {
    spin_while(&pool.generation, seen, 1);
    pthread_mutex_lock(&pool.lock);
    while (pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    seen = pool.generation;
    if (index < pool.threads - 1) take_parts(); /* workers beyond the current count sit out */
    pthread_mutex_unlock(&pool.lock);
  }
  return NULL;
}

/** fn(ctx, p, parts) for every part; the parts run on up to T threads, each part's arithmetic on one. */
void parallel(int64_t parts, part_fn fn, void *ctx) {
  if (parts > 1 && pool.threads > 1 && pthread_mutex_trylock(&pool.job) == 0) {
    pthread_mutex_lock(&pool.lock);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.parts = parts;
    pool.next = 0;
    __atomic_store_n(&pool.generation, pool.generation + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool.wake);
    take_parts();
    if (pool.busy > 0) { /* a worker still runs its last part: poll for it before sleeping */
      pthread_mutex_unlock(&pool.lock);
      spin_while(&pool.busy, 0, 0);
      pthread_mutex_lock(&pool.lock);
    }
    while (pool.busy > 0) pthread_cond_wait(&pool.done, &pool.lock);
    pool.parts = 0;
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.job);
    return;
  }
  for (int64_t p = 0; p < parts; p++) fn(ctx, p, parts);
}

/** Sets T, starting workers on first need (they are never stopped: they sleep on a condition variable). */
int set_pool_threads(int t) {
  if (t > MAX_THREADS) t = MAX_THREADS;
  pthread_mutex_lock(&pool.lock);
  while (pool.workers < t - 1) {
    pthread_t id;
    if (pthread_create(&id, NULL, worker, (void *)(intptr_t)pool.workers) != 0) break;
    pthread_detach(id);
    pool.workers++;
  }
  pool.threads = pool.workers + 1 < t ? pool.workers + 1 : t;
  pthread_mutex_unlock(&pool.lock);
  return pool.threads;
}

int pool_threads(void) {
  return pool.threads;
}
