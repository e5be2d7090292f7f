// Fork safety for OpenBLAS. OpenBLAS's pthread_atfork "prepare" handler shuts its worker threads down; if another
// thread is inside a threaded GEMM at that moment, that GEMM waits forever for threads that are gone (a deadlock
// seen with child_process.spawn during training). Every BLAS call holds this lock shared; our own prepare
// handler, registered after OpenBLAS's and therefore run before it, takes it exclusively, so a fork waits for
// in-flight BLAS calls to finish (and new ones wait for the fork). Writer preference keeps forks from starving.
#include "blas.h"

#include <pthread.h>

#include <mutex>

namespace descent::blas {

#if defined(__GLIBC__)
pthread_rwlock_t g_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
#else
pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;  // writer preference is a glibc extension
#endif

void InstallForkGuard() {
  static std::once_flag once;
  std::call_once(once, [] {
#if !defined(_WIN32)  // Windows has no fork
    pthread_atfork([] { pthread_rwlock_wrlock(&g_lock); }, [] { pthread_rwlock_unlock(&g_lock); },
                   [] { pthread_rwlock_unlock(&g_lock); });
#endif
  });
}

}  // namespace descent::blas
