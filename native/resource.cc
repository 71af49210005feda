// Resource limits and usage: getrlimit/setrlimit/prlimit, getrusage, times,
// the page size. Limits cross as numbers, RLIM_INFINITY as -1 (Python's value).
#include "resource.h"

#include <sys/resource.h>
#include <sys/times.h>
#include <unistd.h>

#include <cerrno>

#include "binding.h"
#include "os_args.h"

namespace posixkit {

static double TimevalSeconds(const struct timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
}

Napi::Array RusageArray(Napi::Env env, const struct rusage& ru) {
  return NumberArray(env, {
      TimevalSeconds(ru.ru_utime), TimevalSeconds(ru.ru_stime),
      static_cast<double>(ru.ru_maxrss), static_cast<double>(ru.ru_ixrss),
      static_cast<double>(ru.ru_idrss), static_cast<double>(ru.ru_isrss),
      static_cast<double>(ru.ru_minflt), static_cast<double>(ru.ru_majflt),
      static_cast<double>(ru.ru_nswap), static_cast<double>(ru.ru_inblock),
      static_cast<double>(ru.ru_oublock), static_cast<double>(ru.ru_msgsnd),
      static_cast<double>(ru.ru_msgrcv), static_cast<double>(ru.ru_nsignals),
      static_cast<double>(ru.ru_nvcsw), static_cast<double>(ru.ru_nivcsw)});
}

}  // namespace posixkit

namespace posixkit::resource {

static double FromRlim(rlim_t v) { return v == RLIM_INFINITY ? -1 : static_cast<double>(v); }

static bool ArgRlim(const CallbackInfo& info, size_t i, const char* name, rlim_t* out) {
  int64_t v;
  if (!ArgInt(info, i, name, -1, kMaxSafeInt, &v)) return false;
  *out = v < 0 ? RLIM_INFINITY : static_cast<rlim_t>(v);
  return true;
}

static Value JS_getrlimit(const CallbackInfo& info) {
  int32_t res;
  if (!ArgInt32(info, 0, "resource", &res)) return UNDEF;
  struct rlimit rl;
  if (getrlimit(static_cast<__rlimit_resource_t>(res), &rl) < 0) return ThrowErrno(ENV, errno, "getrlimit");
  return NumberPair(ENV, FromRlim(rl.rlim_cur), FromRlim(rl.rlim_max));
}

static Value JS_setrlimit(const CallbackInfo& info) {
  int32_t res;
  struct rlimit rl;
  if (!ArgInt32(info, 0, "resource", &res) || !ArgRlim(info, 1, "soft", &rl.rlim_cur) ||
      !ArgRlim(info, 2, "hard", &rl.rlim_max))
    return UNDEF;
  if (setrlimit(static_cast<__rlimit_resource_t>(res), &rl) < 0) return ThrowErrno(ENV, errno, "setrlimit");
  return UNDEF;
}

// prlimit(pid, resource[, soft, hard]) -> the previous [soft, hard].
static Value JS_prlimit(const CallbackInfo& info) {
  int64_t pid;
  int32_t res;
  if (!ArgInt(info, 0, "pid", 0, INT32_MAX, &pid) || !ArgInt32(info, 1, "resource", &res)) return UNDEF;
  struct rlimit nl, old;
  bool set = info.Length() > 2 && !info[2].IsUndefined();
  if (set && (!ArgRlim(info, 2, "soft", &nl.rlim_cur) || !ArgRlim(info, 3, "hard", &nl.rlim_max))) return UNDEF;
  if (prlimit(static_cast<pid_t>(pid), static_cast<__rlimit_resource>(res), set ? &nl : nullptr, &old) < 0)
    return ThrowErrno(ENV, errno, "prlimit");
  return NumberPair(ENV, FromRlim(old.rlim_cur), FromRlim(old.rlim_max));
}

static Value JS_getrusage(const CallbackInfo& info) {
  int32_t who;
  if (!ArgInt32(info, 0, "who", &who)) return UNDEF;
  struct rusage ru;
  if (getrusage(static_cast<__rusage_who_t>(who), &ru) < 0) return ThrowErrno(ENV, errno, "getrusage");
  return RusageArray(ENV, ru);
}

// times(2) -> [user, system, children_user, children_system, elapsed] in seconds.
static Value JS_times(const CallbackInfo& info) {
  struct tms t;
  clock_t elapsed = times(&t);
  if (elapsed == static_cast<clock_t>(-1)) return ThrowErrno(ENV, errno, "times");
  double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return NumberArray(ENV, {static_cast<double>(t.tms_utime) / tick, static_cast<double>(t.tms_stime) / tick,
                           static_cast<double>(t.tms_cutime) / tick, static_cast<double>(t.tms_cstime) / tick,
                           static_cast<double>(elapsed) / tick});
}

static Value JS_getpagesize(const CallbackInfo& info) {
  return Napi::Number::New(ENV, static_cast<double>(sysconf(_SC_PAGESIZE)));
}

}  // namespace posixkit::resource

namespace posixkit {

void InitResource(Napi::Env env, Napi::Object exports) {
  using namespace resource;
  EXPORT_FN(exports, getrlimit); EXPORT_FN(exports, setrlimit); EXPORT_FN(exports, prlimit); EXPORT_FN(exports, getrusage); EXPORT_FN(exports, times); EXPORT_FN(exports, getpagesize);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(RLIMIT_CPU); K(RLIMIT_FSIZE); K(RLIMIT_DATA); K(RLIMIT_STACK); K(RLIMIT_CORE); K(RLIMIT_RSS);
  K(RLIMIT_NPROC); K(RLIMIT_NOFILE); K(RLIMIT_MEMLOCK); K(RLIMIT_AS);
#ifdef RLIMIT_OFILE
  K(RLIMIT_OFILE);
#endif
#ifdef RLIMIT_SIGPENDING
  K(RLIMIT_SIGPENDING);
#endif
#ifdef RLIMIT_MSGQUEUE
  K(RLIMIT_MSGQUEUE);
#endif
#ifdef RLIMIT_NICE
  K(RLIMIT_NICE);
#endif
#ifdef RLIMIT_RTPRIO
  K(RLIMIT_RTPRIO);
#endif
#ifdef RLIMIT_RTTIME
  K(RLIMIT_RTTIME);
#endif
  K(RUSAGE_SELF); K(RUSAGE_CHILDREN);
#ifdef RUSAGE_THREAD
  K(RUSAGE_THREAD);
#endif
#undef K
  c.Set("RLIM_INFINITY", Napi::Number::New(env, -1));  // Python's spelling of (rlim_t)-1
  exports.Set("resourceConstants", c);
}

}  // namespace posixkit
