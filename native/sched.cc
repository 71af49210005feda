// Scheduling: policies and priorities (sched_*), CPU affinity, nice values
// (getpriority/setpriority) and the number of online CPUs.
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "binding.h"
#include "os_args.h"

namespace posixkit::sched {

// Larger CPU numbers are refused before any allocation (a 128 KiB mask).
constexpr int64_t kMaxCpus = 1 << 20;

static bool ArgPid(const CallbackInfo& info, size_t i, pid_t* out) {
  int64_t v;
  if (!ArgInt(info, i, "pid", 0, INT32_MAX, &v)) return false;
  *out = static_cast<pid_t>(v);
  return true;
}

static Value JS_sched_yield(const CallbackInfo& info) {
  sched_yield();  // cannot fail on Linux
  return UNDEF;
}

static Value JS_sched_get_priority_min(const CallbackInfo& info) {
  int32_t policy;
  if (!ArgInt32(info, 0, "policy", &policy)) return UNDEF;
  int r = sched_get_priority_min(policy);
  if (r < 0) return ThrowErrno(ENV, errno, "sched_get_priority_min");
  return Napi::Number::New(ENV, r);
}

static Value JS_sched_get_priority_max(const CallbackInfo& info) {
  int32_t policy;
  if (!ArgInt32(info, 0, "policy", &policy)) return UNDEF;
  int r = sched_get_priority_max(policy);
  if (r < 0) return ThrowErrno(ENV, errno, "sched_get_priority_max");
  return Napi::Number::New(ENV, r);
}

static Value JS_sched_getscheduler(const CallbackInfo& info) {
  pid_t pid;
  if (!ArgPid(info, 0, &pid)) return UNDEF;
  int r = sched_getscheduler(pid);
  if (r < 0) return ThrowErrno(ENV, errno, "sched_getscheduler");
  return Napi::Number::New(ENV, r);
}

static Value JS_sched_setscheduler(const CallbackInfo& info) {
  pid_t pid;
  int32_t policy, prio;
  if (!ArgPid(info, 0, &pid) || !ArgInt32(info, 1, "policy", &policy) ||
      !ArgInt32(info, 2, "sched_priority", &prio))
    return UNDEF;
  struct sched_param p = {};
  p.sched_priority = prio;
  if (sched_setscheduler(pid, policy, &p) < 0) return ThrowErrno(ENV, errno, "sched_setscheduler");
  return UNDEF;
}

static Value JS_sched_getparam(const CallbackInfo& info) {
  pid_t pid;
  if (!ArgPid(info, 0, &pid)) return UNDEF;
  struct sched_param p = {};
  if (sched_getparam(pid, &p) < 0) return ThrowErrno(ENV, errno, "sched_getparam");
  return Napi::Number::New(ENV, p.sched_priority);
}

static Value JS_sched_setparam(const CallbackInfo& info) {
  pid_t pid;
  int32_t prio;
  if (!ArgPid(info, 0, &pid) || !ArgInt32(info, 1, "sched_priority", &prio)) return UNDEF;
  struct sched_param p = {};
  p.sched_priority = prio;
  if (sched_setparam(pid, &p) < 0) return ThrowErrno(ENV, errno, "sched_setparam");
  return UNDEF;
}

static Value JS_sched_rr_get_interval(const CallbackInfo& info) {
  pid_t pid;
  if (!ArgPid(info, 0, &pid)) return UNDEF;
  struct timespec ts;
  if (sched_rr_get_interval(pid, &ts) < 0) return ThrowErrno(ENV, errno, "sched_rr_get_interval");
  return Napi::Number::New(ENV, static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9);
}

// The kernel refuses (EINVAL) a mask smaller than its own CPU count, which
// may exceed CPU_SETSIZE: grow until it fits, as Python does.
static Value JS_sched_getaffinity(const CallbackInfo& info) {
  pid_t pid;
  if (!ArgPid(info, 0, &pid)) return UNDEF;
  for (int64_t ncpus = 1024;; ncpus *= 2) {
    if (ncpus > kMaxCpus) return ThrowErrno(ENV, EINVAL, "sched_getaffinity");
    size_t size = CPU_ALLOC_SIZE(ncpus);
    std::vector<unsigned long> mask((size + sizeof(unsigned long) - 1) / sizeof(unsigned long));
    auto* set = reinterpret_cast<cpu_set_t*>(mask.data());
    if (sched_getaffinity(pid, size, set) == 0) {
      Napi::Array out = Napi::Array::New(ENV);
      uint32_t n = 0;
      for (int64_t cpu = 0; cpu < ncpus; cpu++)
        if (CPU_ISSET_S(cpu, size, set)) out.Set(n++, Napi::Number::New(ENV, static_cast<double>(cpu)));
      return out;
    }
    if (errno != EINVAL) return ThrowErrno(ENV, errno, "sched_getaffinity");
  }
}

static Value JS_sched_setaffinity(const CallbackInfo& info) {
  pid_t pid;
  std::vector<napi_value> items;
  if (!ArgPid(info, 0, &pid) || !ReadList(ENV, info[1], "mask", "an array of CPU numbers", kMaxCpus, &items))
    return UNDEF;
  std::vector<int64_t> cpus(items.size());
  int64_t top = 0;
  for (size_t k = 0; k < items.size(); k++) {
    if (!IntValue(ENV, items[k], "mask", 0, kMaxCpus - 1, &cpus[k])) return UNDEF;
    if (cpus[k] > top) top = cpus[k];
  }
  int64_t ncpus = top + 1 > 1024 ? top + 1 : 1024;
  size_t size = CPU_ALLOC_SIZE(ncpus);
  std::vector<unsigned long> mask((size + sizeof(unsigned long) - 1) / sizeof(unsigned long));
  auto* set = reinterpret_cast<cpu_set_t*>(mask.data());
  for (int64_t cpu : cpus) CPU_SET_S(cpu, size, set);
  if (sched_setaffinity(pid, size, set) < 0) return ThrowErrno(ENV, errno, "sched_setaffinity");
  return UNDEF;
}

// getpriority(2) may return -1 as a valid nice value: errno tells.
static Value JS_getpriority(const CallbackInfo& info) {
  int32_t which, who;
  if (!ArgInt32(info, 0, "which", &which) || !ArgInt32(info, 1, "who", &who)) return UNDEF;
  errno = 0;
  int r = getpriority(static_cast<__priority_which_t>(which), static_cast<id_t>(who));
  if (r == -1 && errno != 0) return ThrowErrno(ENV, errno, "getpriority");
  return Napi::Number::New(ENV, r);
}

static Value JS_setpriority(const CallbackInfo& info) {
  int32_t which, who, prio;
  if (!ArgInt32(info, 0, "which", &which) || !ArgInt32(info, 1, "who", &who) ||
      !ArgInt32(info, 2, "priority", &prio))
    return UNDEF;
  if (setpriority(static_cast<__priority_which_t>(which), static_cast<id_t>(who), prio) < 0)
    return ThrowErrno(ENV, errno, "setpriority");
  return UNDEF;
}

// sysconf(_SC_NPROCESSORS_ONLN), as Python's os.cpu_count; null when unknown.
static Value JS_cpu_count(const CallbackInfo& info) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  if (n < 1) return ENV.Null();
  return Napi::Number::New(ENV, static_cast<double>(n));
}

}  // namespace posixkit::sched

namespace posixkit {

void InitSched(Napi::Env env, Napi::Object exports) {
  using namespace sched;
  EXPORT_FN(exports, sched_yield); EXPORT_FN(exports, sched_get_priority_min); EXPORT_FN(exports, sched_get_priority_max); EXPORT_FN(exports, sched_getscheduler);
  EXPORT_FN(exports, sched_setscheduler); EXPORT_FN(exports, sched_getparam); EXPORT_FN(exports, sched_setparam); EXPORT_FN(exports, sched_rr_get_interval);
  EXPORT_FN(exports, sched_getaffinity); EXPORT_FN(exports, sched_setaffinity); EXPORT_FN(exports, getpriority); EXPORT_FN(exports, setpriority); EXPORT_FN(exports, cpu_count);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(SCHED_OTHER); K(SCHED_FIFO); K(SCHED_RR);
#ifdef SCHED_BATCH
  K(SCHED_BATCH);
#endif
#ifdef SCHED_IDLE
  K(SCHED_IDLE);
#endif
#ifdef SCHED_RESET_ON_FORK
  K(SCHED_RESET_ON_FORK);
#endif
  K(PRIO_PROCESS); K(PRIO_PGRP); K(PRIO_USER);
#undef K
  exports.Set("schedConstants", c);
}

}  // namespace posixkit
