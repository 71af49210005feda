#include "errors.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <string>

#include "addon.h"
#include "args.h"
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
    napi_value args[] = {Napi::String::New(env, code), Napi::Number::New(env, -err),
                         Napi::String::New(env, syscall), Napi::String::New(env, message),
                         path ? Napi::String::New(env, path) : env.Undefined()};
    napi_value recv = env.Undefined(), e = nullptr;
    // Raw call: at exit JS may no longer run, and that must not be fatal.
    if (napi_call_function(env, recv, data->error_factory.Value(), 5, args, &e) == napi_ok && e)
      return Napi::Value(env, e);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) env.GetAndClearPendingException();  // fall back to a plain Error
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

Napi::Value ThrowCodedError(Napi::Env env, ErrorKind kind, const char* code, const std::string& msg) {
  Napi::Error e = kind == ErrorKind::kRange ? Napi::Error(Napi::RangeError::New(env, msg))
                  : kind == ErrorKind::kType ? Napi::Error(Napi::TypeError::New(env, msg))
                                             : Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowTypeError(Napi::Env env, const char* name, const char* expected) {
  return ThrowCodedError(env, ErrorKind::kType, "ERR_INVALID_ARG_TYPE",
                         std::string("The \"") + name + "\" argument must be " + expected);
}

Napi::Value ThrowRangeError(Napi::Env env, const char* name, const char* range) {
  return ThrowCodedError(env, ErrorKind::kRange, "ERR_OUT_OF_RANGE",
                         std::string("The value of \"") + name + "\" is out of range. It must be " + range);
}

void CallFromLoop(Napi::Env env, napi_async_context context, const Napi::FunctionReference& fn,
                  std::initializer_list<napi_value> args) {
  if (fn.IsEmpty()) return;
  napi_value recv, result;
  napi_get_global(env, &recv);
  napi_status st = napi_make_callback(env, context, recv, fn.Value(), args.size(), args.begin(), &result);
  if (st == napi_ok) return;
  // The callback threw: report it like any event-loop callback's throw. When
  // JS could not run at all (the env is stopping), nothing is pending.
  bool pending = false;
  napi_value err;
  if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
      napi_get_and_clear_last_exception(env, &err) == napi_ok)
    napi_fatal_exception(env, err);
}

// ---- EINTR ----------------------------------------------------------------

// The handlers are JavaScript: they may detach or shrink the buffers of the
// call they interrupted, so AroundJs checks those again before the retry.
bool RunSignalHandlersAfterEINTR(Napi::Env env) {
  AddonData* data = GetData(env);
  // Signal handlers run on the main thread only (as in Python); a worker
  // thread interrupted by a stray signal simply retries.
  if (!data || !data->main_thread || data->signal_dispatch.IsEmpty()) return true;
  return AroundJs(env, [&] { data->signal_dispatch.Call({}); });
}

bool RunPendingSignalsBeforeBlocking(Napi::Env env) {
  // A handful of relaxed loads: cheap enough for the hot paths too.
  if (!sig::AnyPending()) return true;
  AddonData* data = GetData(env);
  if (!data || !data->main_thread || data->signal_dispatch.IsEmpty()) return true;
  // `true`: not inside a handler's own blocking call. A handler running now
  // is left alone; the dispatcher that runs it takes these signals next.
  return AroundJs(env, [&] { data->signal_dispatch.Call({Napi::Boolean::New(env, true)}); });
}

static struct timespec Now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts;
}

Deadline::Deadline(double seconds) : infinite_(seconds < 0 || !std::isfinite(seconds)) {
  end_ = Now();
  if (infinite_) return;
  if (seconds > kMaxTimeoutSeconds) seconds = kMaxTimeoutSeconds;
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

// strerror(errno), with Node's negative errnos accepted: -2**31 has no int
// negation in int, so the sign is dropped in 64 bits and that one value is
// passed as it came (strerror names it "Unknown error -2147483648", as Python).
static Napi::Value Strerror(const Napi::CallbackInfo& info) {
  int64_t err;
  if (!ArgInt(info, 0, "errno", INT32_MIN, INT32_MAX, &err)) return info.Env().Undefined();
  int64_t e = err < 0 ? -err : err;
  return Napi::String::New(info.Env(), strerror(e > INT32_MAX ? INT32_MIN : static_cast<int>(e)));
}

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory, "setErrorFactory"));
  exports.Set("setSignalDispatcher",
              Napi::Function::New(env, SetSignalDispatcher, "setSignalDispatcher"));
  exports.Set("strerror", Napi::Function::New(env, Strerror, "strerror"));
  Napi::Object errnos = Napi::Object::New(env);
  for (int e = 1; e < 4096; e++)
    if (const char* n = ErrnoName(e)) errnos.Set(n, Napi::Number::New(env, e));
  exports.Set("errno", errnos);
}

}  // namespace posixkit
