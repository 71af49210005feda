// Reading JS arguments in native code: the one way every entry point does it,
// so that no JavaScript call can make native code touch memory it does not own.
//
// The rule (CONTRIBUTING.md, "Native arguments"):
//  1. Every JS value is read once. A list is snapshotted by ReadList: its
//     length is capped before anything is allocated, then each element is
//     read exactly once; sizes are computed from the snapshot, never by
//     reading the list again.
//  2. The memory of a bytes-like argument is held by a Bytes, which keeps the
//     JS view, not just a pointer. JavaScript that runs in the middle of a
//     call (a getter of a later argument, a signal handler between EINTR
//     retries) runs through AroundJs; when it returns, every Bytes of the call
//     is fetched again, and one that was detached, moved or shrunk is refused
//     (TypeError, code ERR_BUFFER_CHANGED) before a syscall can touch it.
//  3. Lengths are checked against Bytes::size() where the syscall is made.
// Views on a SharedArrayBuffer are ordinary memory and accepted everywhere.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "errors.h"

namespace posixkit {

// ---- scalars ------------------------------------------------------------------
// Each returns false after throwing when the argument is missing, of the
// wrong type, not an integer or out of [min, max]; the caller then returns
// at once. Nothing is coerced (no valueOf/toString), so no JS runs here.
bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
            int64_t* out);
bool ArgFd(const Napi::CallbackInfo& info, size_t i, int* out);
bool ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t* out);
bool ArgDouble(const Napi::CallbackInfo& info, size_t i, const char* name, double* out);
bool ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name, Napi::Function* out);
bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);

// The largest timeout any call accepts, in seconds: Python's (its clocks
// count int64 nanoseconds), and far below where deadline arithmetic on a
// 64-bit time_t could overflow.
inline constexpr double kMaxTimeoutSeconds = 9223372036.0;

// A timeout in seconds: < 0 or +Infinity means none (block); NaN and finite
// values above kMaxTimeoutSeconds are a RangeError, before any syscall.
bool ArgTimeout(const Napi::CallbackInfo& info, size_t i, double* out);

// ---- bytes-like arguments: the buffer rule ---------------------------------------

enum class ViewKind { kAny, kInt32, kFloat64 };  // any ArrayBufferView / only an Int32Array / Float64Array

class Bytes {
 public:
  Bytes() = default;
  Bytes(const Bytes&) = delete;
  Bytes& operator=(const Bytes&) = delete;
  ~Bytes();

  // Reads a view (TypedArray, Buffer or DataView; Int32Array for kInt32,
  // Float64Array for kFloat64), or throws ERR_INVALID_ARG_TYPE naming `name`
  // and returns false.
  bool Read(napi_env env, napi_value v, const char* name, ViewKind kind = ViewKind::kAny);
  bool Read(const Napi::CallbackInfo& info, size_t i, const char* name,
            ViewKind kind = ViewKind::kAny);

  // The memory as of the last check: never null (a dummy for zero bytes).
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  int32_t* int32s() const { return reinterpret_cast<int32_t*>(data_); }
  double* float64s() const { return reinterpret_cast<double*>(data_); }
  size_t int32_count() const { return size_ / sizeof(int32_t); }

 private:
  friend bool RecheckBuffers(napi_env env);
  bool Recheck(napi_env env);
  void Link();
  void Unlink();

  napi_value value_ = nullptr;  // valid for the whole native call
  ViewKind kind_ = ViewKind::kAny;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  const char* name_ = "";
  Bytes* prev_ = nullptr;
  Bytes* next_ = nullptr;
  bool linked_ = false;
};

// Fetches every Bytes of the current call again; false after throwing
// ERR_BUFFER_CHANGED for one whose memory moved or shrank.
bool RecheckBuffers(napi_env env);

namespace detail {
// The Bytes of the innermost native call on this thread. A call made from
// JS that AroundJs runs starts its own list, so each call checks only its own.
Bytes* EnterJs();
void LeaveJs(Bytes* saved);
}  // namespace detail

// Runs `js`, code that may run JavaScript (a getter, a callback), on behalf
// of the current call. Returns false with an exception pending if the JS
// threw, or if it detached, moved or shrank one of the call's buffers.
template <typename F>
bool AroundJs(napi_env env, F js) {
  Bytes* saved = detail::EnterJs();
  js();
  detail::LeaveJs(saved);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  return !pending && RecheckBuffers(env);
}

// ---- lists ---------------------------------------------------------------------------

// A JS array read exactly once: TypeError ("`name` must be `expected`")
// unless it is an array; RangeError when its length exceeds `max`, before
// anything is allocated; then each element once, in order (getters run
// through AroundJs). Holes read as undefined.
bool ReadList(napi_env env, napi_value v, const char* name, const char* expected, uint32_t max,
              std::vector<napi_value>* out);

// The length of a JS array, or false after throwing the TypeError above.
bool ListLength(napi_env env, napi_value v, const char* name, const char* expected, uint32_t* len);

// A number that is an integer in [min, max] (an element of a snapshot), or
// false after throwing naming `name`.
bool IntValue(napi_env env, napi_value v, const char* name, int64_t min, int64_t max, int64_t* out);

}  // namespace posixkit
