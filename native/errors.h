// errno -> JS Error, argument checks, and the EINTR rule: the one place every
// syscall family uses to report failure and to survive signals.
#pragma once
#include <napi.h>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <initializer_list>
#include <string>

namespace posixkit {

// "ECHILD", or nullptr for an errno this table does not know.
const char* ErrnoName(int err);

// Builds the Error for a failed syscall: code 'ECHILD', errno -10,
// syscall 'waitpid', message "ECHILD: no child processes, waitpid".
// lib/errors.ts registers a factory so the object is a posixkit OSError
// subclass; before that a plain Error with the same fields is built.
Napi::Value MakeErrnoError(Napi::Env env, int err, const char* syscall,
                           const char* path = nullptr);

// Throws MakeErrnoError(...) and returns undefined, for `return Throw...;`.
Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall,
                       const char* path = nullptr);

// [a, b] as numbers: the shape of pipe(), socketpair(), waitpid() and the itimer calls.
inline Napi::Array NumberPair(Napi::Env env, double a, double b) {
  Napi::Array r = Napi::Array::New(env, 2);
  r.Set(0u, Napi::Number::New(env, a));
  r.Set(1u, Napi::Number::New(env, b));
  return r;
}

// Calls `fn` from a libuv callback with MakeCallback semantics (microtasks
// run after it); a throw becomes an uncaught exception, as for any event-loop
// callback. At process exit Node may still run pending libuv callbacks after
// JavaScript is no longer allowed (FreeEnvironment's handle cleanup): the
// call is then skipped, never a fatal error.
void CallFromLoop(Napi::Env env, napi_async_context context, const Napi::FunctionReference& fn,
                  std::initializer_list<napi_value> args);

// Node-style argument errors (code ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE).
Napi::Value ThrowTypeError(Napi::Env env, const char* name, const char* expected);
Napi::Value ThrowRangeError(Napi::Env env, const char* name, const char* range);

// Any other refusal: a TypeError, RangeError or Error with a stable `code`.
enum class ErrorKind { kError, kType, kRange };
Napi::Value ThrowCodedError(Napi::Env env, ErrorKind kind, const char* code, const std::string& message);

// ---- The EINTR rule (PEP 475) -------------------------------------------
// Every blocking call that gets EINTR calls this before it retries. On the
// main thread it runs the JS handlers of the signals that arrived; if one of
// them threw, it returns false with that exception pending and the blocking
// call must return at once (the exception propagates). Otherwise it returns
// true and the call retries with its remaining timeout (see Deadline).
bool RunSignalHandlersAfterEINTR(Napi::Env env);

// The other half of the rule: a signal that landed while JS ran (between two
// syscalls) has only been recorded; its EINTR is spent. Every blocking call
// runs such pending handlers before it blocks, so it never sleeps through a
// signal that has already arrived. Same return value as above.
bool RunPendingSignalsBeforeBlocking(Napi::Env env);

// One blocking syscall under both halves of the EINTR rule: call() returns
// >= 0, or -1 with errno set. The result as a Number; on failure, a thrown
// errno error naming `syscall`, or with syscall == nullptr (the *_raw calls)
// the Number -errno. Undefined with the exception pending if a handler threw.
template <typename Call>
Napi::Value BlockingCall(Napi::Env env, const char* syscall, Call call) {
  if (!RunPendingSignalsBeforeBlocking(env)) return env.Undefined();
  for (;;) {
    auto r = call();
    if (r >= 0) return Napi::Number::New(env, static_cast<double>(r));
    if (errno != EINTR) {
      return syscall ? ThrowErrno(env, errno, syscall) : Napi::Number::New(env, -errno);
    }
    if (!RunSignalHandlersAfterEINTR(env)) return env.Undefined();
  }
}

// A monotonic deadline so a retried wait sleeps only for what is left.
class Deadline {
 public:
  // seconds < 0 (or not finite) means "no deadline" (block). Seconds above
  // kMaxTimeoutSeconds (args.h) count as that much: the argument readers
  // refuse them first, this only keeps the arithmetic defined.
  explicit Deadline(double seconds);
  bool infinite() const { return infinite_; }
  // Milliseconds left, rounded up, >= 0; -1 when infinite (poll/epoll_wait).
  int RemainingMs() const;
  // Time left as a timespec, zero when passed; only valid if !infinite().
  struct timespec RemainingTimespec() const;
  bool Expired() const;

 private:
  bool infinite_;
  struct timespec end_;
};

}  // namespace posixkit
