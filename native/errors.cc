#include "errors.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

#include "addon.h"
#include "signal.h"

namespace posixkit {

const char* ErrnoName(int err) {
  switch (err) {
#define E(name) case name: return #name;
    E(EPERM) E(ENOENT) E(ESRCH) E(EINTR) E(EIO) E(ENXIO) E(E2BIG) E(ENOEXEC)
    E(EBADF) E(ECHILD) E(EAGAIN) E(ENOMEM) E(EACCES) E(EFAULT) E(ENOTBLK)
    E(EBUSY) E(EEXIST) E(EXDEV) E(ENODEV) E(ENOTDIR) E(EISDIR) E(EINVAL)
    E(ENFILE) E(EMFILE) E(ENOTTY) E(ETXTBSY) E(EFBIG) E(ENOSPC) E(ESPIPE)
    E(EROFS) E(EMLINK) E(EPIPE) E(EDOM) E(ERANGE) E(EDEADLK) E(ENAMETOOLONG)
    E(ENOLCK) E(ENOSYS) E(ENOTEMPTY) E(ELOOP) E(ENOMSG) E(EIDRM) E(ENOSTR)
    E(ENODATA) E(ETIME) E(ENOSR) E(ENOLINK) E(EPROTO) E(EBADMSG) E(EOVERFLOW)
    E(EILSEQ) E(EUSERS) E(ENOTSOCK) E(EDESTADDRREQ) E(EMSGSIZE) E(EPROTOTYPE)
    E(ENOPROTOOPT) E(EPROTONOSUPPORT) E(ESOCKTNOSUPPORT) E(EOPNOTSUPP)
    E(EPFNOSUPPORT) E(EAFNOSUPPORT) E(EADDRINUSE) E(EADDRNOTAVAIL) E(ENETDOWN)
    E(ENETUNREACH) E(ENETRESET) E(ECONNABORTED) E(ECONNRESET) E(ENOBUFS)
    E(EISCONN) E(ENOTCONN) E(ESHUTDOWN) E(ETOOMANYREFS) E(ETIMEDOUT)
    E(ECONNREFUSED) E(EHOSTDOWN) E(EHOSTUNREACH) E(EALREADY) E(EINPROGRESS)
    E(ESTALE) E(EDQUOT) E(ECANCELED) E(EOWNERDEAD) E(ENOTRECOVERABLE)
    E(ERFKILL) E(EHWPOISON) E(ENOKEY) E(EKEYEXPIRED) E(EKEYREVOKED)
    E(EKEYREJECTED) E(EREMOTEIO) E(ENOMEDIUM) E(EMEDIUMTYPE)
#undef E
    default: return nullptr;
  }
}

Napi::Value MakeErrnoError(Napi::Env env, int err, const char* syscall, const char* path) {
  const char* name = ErrnoName(err);
  std::string code = name ? name : ("Unknown system error " + std::to_string(err));
  // Node's messages are strerror() with a lower-case first letter.
  std::string desc = strerror(err);
  if (!desc.empty() && desc[0] >= 'A' && desc[0] <= 'Z' &&
      !(desc.size() > 1 && desc[1] >= 'A' && desc[1] <= 'Z'))
    desc[0] = static_cast<char>(desc[0] - 'A' + 'a');
  std::string message = code + ": " + desc + ", " + syscall;
  if (path) message += std::string(" '") + path + "'";

  AddonData* data = GetData(env);
  if (data && !data->error_factory.IsEmpty()) {
    Napi::Value e = data->error_factory.Call(
        {Napi::String::New(env, code), Napi::Number::New(env, -err),
         Napi::String::New(env, syscall), Napi::String::New(env, message),
         path ? Napi::String::New(env, path) : env.Undefined()});
    if (!env.IsExceptionPending()) return e;
    env.GetAndClearPendingException();  // fall back to a plain Error
  }
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("code", Napi::String::New(env, code));
  e.Set("syscall", Napi::String::New(env, syscall));
  if (path) e.Set("path", Napi::String::New(env, path));
  return e.Value();
}

Napi::Value ThrowErrno(Napi::Env env, int err, const char* syscall, const char* path) {
  Napi::Value e = MakeErrnoError(env, err, syscall, path);
  napi_throw(env, e);
  return env.Undefined();
}

static Napi::Value ThrowCoded(Napi::Env env, bool range, const char* code, const std::string& msg) {
  Napi::Error e = range ? Napi::Error(Napi::RangeError::New(env, msg))
                        : Napi::Error(Napi::TypeError::New(env, msg));
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowTypeError(Napi::Env env, const char* name, const char* expected) {
  return ThrowCoded(env, false, "ERR_INVALID_ARG_TYPE",
                    std::string("The \"") + name + "\" argument must be " + expected);
}

Napi::Value ThrowRangeError(Napi::Env env, const char* name, const char* range) {
  return ThrowCoded(env, true, "ERR_OUT_OF_RANGE",
                    std::string("The value of \"") + name + "\" is out of range. It must be " + range);
}

bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min,
            int64_t max, int64_t* out) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsNumber()) {
    ThrowTypeError(env, name, "of type number");
    return false;
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || std::trunc(v) != v) {
    ThrowRangeError(env, name, "an integer");
    return false;
  }
  if (v < static_cast<double>(min) || v > static_cast<double>(max)) {
    std::string r = ">= " + std::to_string(min) + " && <= " + std::to_string(max);
    ThrowRangeError(env, name, r.c_str());
    return false;
  }
  *out = static_cast<int64_t>(v);
  return true;
}

bool ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t* out) {
  int64_t v;
  if (!ArgInt(info, i, name, INT32_MIN, INT32_MAX, &v)) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

bool ArgFd(const Napi::CallbackInfo& info, size_t i, int* out) {
  int64_t v;
  if (!ArgInt(info, i, "fd", 0, INT32_MAX, &v)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool ArgDouble(const Napi::CallbackInfo& info, size_t i, const char* name, double* out) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    ThrowTypeError(info.Env(), name, "of type number");
    return false;
  }
  *out = info[i].As<Napi::Number>().DoubleValue();
  if (std::isnan(*out)) {
    ThrowRangeError(info.Env(), name, "a number (not NaN)");
    return false;
  }
  return true;
}

bool ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name, Napi::Function* out) {
  if (i >= info.Length() || !info[i].IsFunction()) {
    ThrowTypeError(info.Env(), name, "of type function");
    return false;
  }
  *out = info[i].As<Napi::Function>();
  return true;
}

bool ArgBytes(const Napi::CallbackInfo& info, size_t i, const char* name, uint8_t** data,
              size_t* len) {
  if (i < info.Length() && info[i].IsTypedArray()) {
    Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
    Napi::ArrayBuffer ab = ta.ArrayBuffer();
    *data = static_cast<uint8_t*>(ab.Data()) + ta.ByteOffset();
    *len = ta.ByteLength();
    if (*data == nullptr && *len == 0) *data = reinterpret_cast<uint8_t*>(len);  // any non-null
    return true;
  }
  if (i < info.Length() && info[i].IsDataView()) {
    Napi::DataView dv = info[i].As<Napi::DataView>();
    *data = static_cast<uint8_t*>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
    *len = dv.ByteLength();
    return true;
  }
  ThrowTypeError(info.Env(), name, "an instance of Buffer, TypedArray, or DataView");
  return false;
}

bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (i >= info.Length() || !info[i].IsString()) {
    ThrowTypeError(info.Env(), name, "of type string");
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

// ---- EINTR ----------------------------------------------------------------

bool RunSignalHandlersAfterEINTR(Napi::Env env) {
  AddonData* data = GetData(env);
  // Signal handlers run on the main thread only (as in Python); a worker
  // thread interrupted by a stray signal simply retries.
  if (!data || !data->main_thread || data->signal_dispatch.IsEmpty()) return true;
  data->signal_dispatch.Call({});
  return !env.IsExceptionPending();
}

bool RunPendingSignalsBeforeBlocking(Napi::Env env) {
  // A handful of relaxed loads: cheap enough for the hot paths too.
  if (!sig::AnyPending()) return true;
  AddonData* data = GetData(env);
  if (!data || !data->main_thread || data->signal_dispatch.IsEmpty()) return true;
  // `true`: not inside a handler's own blocking call. A handler running now
  // is left alone; the dispatcher that runs it takes these signals next.
  data->signal_dispatch.Call({Napi::Boolean::New(env, true)});
  return !env.IsExceptionPending();
}

static struct timespec Now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts;
}

Deadline::Deadline(double seconds) : infinite_(seconds < 0 || !std::isfinite(seconds)) {
  end_ = Now();
  if (infinite_) return;
  double whole = std::floor(seconds);
  end_.tv_sec += static_cast<time_t>(whole);
  end_.tv_nsec += static_cast<long>((seconds - whole) * 1e9);
  if (end_.tv_nsec >= 1000000000L) {
    end_.tv_sec += 1;
    end_.tv_nsec -= 1000000000L;
  }
}

struct timespec Deadline::RemainingTimespec() const {
  struct timespec now = Now(), left = {0, 0};
  if (infinite_) return left;
  left.tv_sec = end_.tv_sec - now.tv_sec;
  left.tv_nsec = end_.tv_nsec - now.tv_nsec;
  if (left.tv_nsec < 0) {
    left.tv_sec -= 1;
    left.tv_nsec += 1000000000L;
  }
  if (left.tv_sec < 0) left.tv_sec = left.tv_nsec = 0;
  return left;
}

int Deadline::RemainingMs() const {
  if (infinite_) return -1;
  struct timespec left = RemainingTimespec();
  int64_t ms = static_cast<int64_t>(left.tv_sec) * 1000 + (left.tv_nsec + 999999) / 1000000;
  return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

bool Deadline::Expired() const {
  if (infinite_) return false;
  struct timespec left = RemainingTimespec();
  return left.tv_sec == 0 && left.tv_nsec == 0;
}

// The JS side registers its error factory here (lib/errors.ts).
static Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Function fn;
  if (!ArgFunction(info, 0, "factory", &fn)) return info.Env().Undefined();
  GetData(info.Env())->error_factory = Napi::Persistent(fn);
  return info.Env().Undefined();
}

static Napi::Value SetSignalDispatcher(const Napi::CallbackInfo& info) {
  Napi::Function fn;
  if (!ArgFunction(info, 0, "dispatcher", &fn)) return info.Env().Undefined();
  GetData(info.Env())->signal_dispatch = Napi::Persistent(fn);
  return info.Env().Undefined();
}

static Napi::Value Strerror(const Napi::CallbackInfo& info) {
  int32_t err;
  if (!ArgInt32(info, 0, "errno", &err)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), strerror(err < 0 ? -err : err));
}

static Napi::Value ErrnoNameJS(const Napi::CallbackInfo& info) {
  int32_t err;
  if (!ArgInt32(info, 0, "errno", &err)) return info.Env().Undefined();
  const char* n = ErrnoName(err < 0 ? -err : err);
  return n ? Napi::Value(Napi::String::New(info.Env(), n)) : info.Env().Undefined();
}

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  exports.Set("setSignalDispatcher",
              Napi::Function::New(env, SetSignalDispatcher, "setSignalDispatcher"));
  exports.Set("strerror", Napi::Function::New(env, Strerror, "strerror"));
  exports.Set("errnoName", Napi::Function::New(env, ErrnoNameJS, "errnoName"));
  Napi::Object errnos = Napi::Object::New(env);
  for (int e = 1; e < 4096; e++)
    if (const char* n = ErrnoName(e)) errnos.Set(n, Napi::Number::New(env, e));
  exports.Set("errno", errnos);
}

}  // namespace posixkit
