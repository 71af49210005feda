// Argument readers shared by the os families (ids, sched, fdio, spawn...).
//
// Byte views are read through napi_get_typedarray_info / napi_get_dataview_info,
// which give the data pointer of SharedArrayBuffer views too. A caller that
// lets JS run between reading a view and using it (a signal handler after
// EINTR) must read it again: JS may have detached or shrunk the buffer.
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "errors.h"

namespace posixkit {

// The bytes of any ArrayBufferView, or false (nothing thrown) for another value.
// A detached or empty view gives len 0 and a non-null pointer.
bool ViewBytes(napi_env env, napi_value v, uint8_t** data, size_t* len);

// info[i] as an integer in [min, max], or `absent` when it is undefined or null.
bool ArgOptInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
               int64_t absent, int64_t* out);

// The caller's buffers of one call, held as their JS views. After JS ran (a
// signal handler between EINTR retries) Recheck() reads each view again and
// refuses the call (TypeError, code ERR_BUFFER_CHANGED) when one was
// detached, moved or shrunk, so no syscall touches memory the call no longer
// owns and no read silently becomes a zero-length one.
class HeldViews {
 public:
  // Adds a view, or throws ERR_INVALID_ARG_TYPE naming `name` and returns false.
  bool Add(napi_env env, napi_value v, const char* name);
  size_t size() const { return views_.size(); }
  uint8_t* data(size_t k) const { return views_[k].data; }
  size_t length(size_t k) const { return views_[k].len; }
  bool Recheck(napi_env env) const;

 private:
  struct View {
    napi_value value;
    uint8_t* data;
    size_t len;
  };
  std::vector<View> views_;
};

// BlockingCall (errors.h) for a syscall on held views: they are checked
// again whenever signal handlers ran before an attempt.
template <typename Call>
Napi::Value BlockingViewsCall(Napi::Env env, const char* syscall, const HeldViews& views, Call call) {
  if (!RunPendingSignalsBeforeBlocking(env) || !views.Recheck(env)) return env.Undefined();
  for (;;) {
    auto r = call();
    if (r >= 0) return Napi::Number::New(env, static_cast<double>(r));
    if (errno != EINTR) return ThrowErrno(env, errno, syscall);
    if (!RunSignalHandlersAfterEINTR(env) || !views.Recheck(env)) return env.Undefined();
  }
}

// A JS array read once into handles (its elements may be getters: each is
// read exactly once). Refuses more than `max` elements.
bool ArgArraySnapshot(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t max,
                      std::vector<Napi::Value>* out);

// An integer element of an array snapshot, checked like ArgInt.
bool ElementInt(Napi::Env env, const Napi::Value& v, const char* name, int64_t min, int64_t max,
                int64_t* out);

// A string without NUL bytes (a path, a user name).
bool ArgCString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);

// [a, b, c, ...] as numbers: the tuples of Python's results (waitid, times, rusage...).
Napi::Array NumberArray(Napi::Env env, std::initializer_list<double> values);

// The largest integer a JS number holds exactly: offsets and counts beyond it are refused.
constexpr int64_t kMaxSafeInt = 9007199254740991LL;

// A uid_t/gid_t argument: -1 (the kernel's "unchanged") or 0 .. 2^32-2.
constexpr int64_t kIdMax = 4294967294LL;

}  // namespace posixkit
