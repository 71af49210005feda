// Internal to the signal family (signal.cc, signal_calls.cc).
#pragma once
#include <napi.h>
#include <signal.h>

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
// Adds alarm, itimers, masks, sigwait and signalfd to the family's object.
void InitSignalCalls(Napi::Env env, Napi::Object f);

}  // namespace posixkit::sig
