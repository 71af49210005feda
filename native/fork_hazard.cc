// Test build only (never in the published addon): the condvar hazard that
// docs/fork.md describes, made deterministic, so a test can show the child
// hang with the fix off and not with it on.
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "binding.h"
#include "fork.h"

namespace posixkit::forking {

// Four threads wait on one condvar; the parent signals once, so glibc moves
// three unsignalled waiters into group G1 (each holding a reference) and the
// woken one re-waits in G2. In a forked child those waiters do not exist:
// after three signals use up G1, the fourth must switch groups and waits for
// G1's references forever, unless the child released them.
namespace hazard {
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static constexpr int kThreads = 4;
static pthread_t threads[kThreads];
static pid_t tids[kThreads];
static int wakeups = 0;
static bool stop = false;
static bool running = false;

static void* Waiter(void* arg) {
  int i = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  __atomic_store_n(&tids[i], static_cast<pid_t>(syscall(SYS_gettid)), __ATOMIC_SEQ_CST);
  pthread_mutex_lock(&mu);
  while (!stop) {
    pthread_cond_wait(&cv, &mu);
    if (!stop) wakeups++;
  }
  pthread_mutex_unlock(&mu);
  return nullptr;
}

static int WaitingCount() {
  int n = 0;
  uintptr_t base = reinterpret_cast<uintptr_t>(&cv);
  for (int i = 0; i < kThreads; i++) {
    pid_t tid = __atomic_load_n(&tids[i], __ATOMIC_SEQ_CST);
    uintptr_t a = tid ? CondvarWaitAddress(tid) : 0;
    if (a == base + 40 || a == base + 44) n++;
  }
  return n;
}

static bool WaitFor(int waiting, int woken) {
  for (int i = 0; i < 3000; i++) {
    pthread_mutex_lock(&mu);
    int w = wakeups;
    pthread_mutex_unlock(&mu);
    if (w >= woken && WaitingCount() == waiting) return true;
    usleep(1000);
  }
  return false;
}
}  // namespace hazard

static Napi::Value JS__condvar_hazard_start(const Napi::CallbackInfo& info) {
  using namespace hazard;
  if (running) return Napi::Boolean::New(info.Env(), false);
  stop = false;
  wakeups = 0;
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  for (int i = 0; i < kThreads; i++) {
    tids[i] = 0;
    pthread_create(&threads[i], nullptr, Waiter, reinterpret_cast<void*>(static_cast<intptr_t>(i)));
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  running = true;
  bool ok = WaitFor(kThreads, 0);
  pthread_mutex_lock(&mu);
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  ok = ok && WaitFor(kThreads, 1);
  return Napi::Boolean::New(info.Env(), ok);
}

static Napi::Value JS__condvar_hazard_signal(const Napi::CallbackInfo& info) {
  int64_t n;
  if (!ArgInt(info, 0, "count", 0, 1000, &n)) return info.Env().Undefined();
  for (int i = 0; i < n; i++) {
    pthread_mutex_lock(&hazard::mu);
    pthread_cond_signal(&hazard::cv);
    pthread_mutex_unlock(&hazard::mu);
  }
  return info.Env().Undefined();
}

static Napi::Value JS__condvar_hazard_stop(const Napi::CallbackInfo& info) {
  using namespace hazard;
  if (!running) return info.Env().Undefined();
  pthread_mutex_lock(&mu);
  stop = true;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  for (int i = 0; i < kThreads; i++) pthread_join(threads[i], nullptr);
  running = false;
  return info.Env().Undefined();
}

void InitForkHazard(Napi::Env env, Napi::Object exports) {
  EXPORT_FN(exports, _condvar_hazard_start);
  EXPORT_FN(exports, _condvar_hazard_signal);
  EXPORT_FN(exports, _condvar_hazard_stop);
}

}  // namespace posixkit::forking
