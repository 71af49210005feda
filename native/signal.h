// Internal to the signal family (signal.cc, signal_calls.cc).
#pragma once
#include <napi.h>
#include <signal.h>

#include <cstdint>

namespace posixkit::sig {

constexpr int kMax = _NSIG;  // signals are 1 .. kMax-1

// signalnum in [1, kMax); throws and returns false otherwise.
bool ArgSignum(const Napi::CallbackInfo& info, size_t i, int* out);
// Throws ERR_SIGNAL_NOT_MAIN_THREAD and returns false off the main thread.
bool RequireMain(Napi::Env env, const char* what);
// Some signal was recorded and its JS handler has not run yet.
bool AnyPending();
// After a call that may have signalled this process (kill, killpg,
// pthread_kill, pidfd_send_signal): runs the JS handlers of what arrived, as
// Python does before such a call returns. Returns undefined; a handler's
// exception stays pending and propagates.
Napi::Value HandleSignalsSentToSelf(Napi::Env env);
// si_value of the signal SteerAway queues to a helper thread: OnSignal there
// only blocks the signal for good (signal_threads.cc).
constexpr int kSteerCookie = 0x706b7374;
// Once per signal, when its first JS handler is installed: every other
// thread of the process blocks it before this returns.
void SteerAway(int signo);
// Called by OnSignal on a helper thread that took SteerAway's signal (async-signal-safe).
void SteerAck();
// kill(getpid(), signo). When the calling thread is the main thread and
// blocks signo, the signal is queued on it directly (same siginfo as kill):
// pending at once, as in a single-threaded process. -1 and errno on failure.
int KillSelf(int signo);
// Adds alarm, itimers, masks, sigwait and signalfd to the family's object.
void InitSignalCalls(Napi::Env env, Napi::Object f);

// The faults the kernel raises synchronously on the faulting thread. V8
// handles SIGSEGV/SIGBUS itself (WebAssembly bounds checks trap into its
// handler and become a RuntimeError), so a JS handler or SIG_IGN/SIG_DFL
// would break that, and a handler that returns re-runs the faulting
// instruction forever: their disposition is never changed.
inline bool IsFaultSignal(int signo) {
  return signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE || signo == SIGILL;
}

#ifdef POSIXKIT_TEST_HOOKS
// Delivery counters, for tests only (native/test_hooks.cc).
struct Stats {
  uint64_t forwarded = 0;
  uint64_t recorded[kMax] = {};
  bool chained[kMax] = {};
  bool libuv_handler_known = false;
};
Stats GetStats();
#endif

}  // namespace posixkit::sig
