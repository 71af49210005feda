// The wait calls beyond waitpid (process.cc): waitid with siginfo, and
// wait3/wait4 with the child's resource usage. Both block: EINTR rule.
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "binding.h"
#include "os_args.h"
#include "resource.h"

namespace posixkit::wait {

// waitid(idtype, id, options) -> [si_pid, si_uid, si_signo, si_status, si_code],
// or null when WNOHANG found no child to report (si_pid stays 0).
static Value JS_waitid(const CallbackInfo& info) {
  int32_t idtype, options;
  int64_t id;
  if (!ArgInt32(info, 0, "idtype", &idtype) || !ArgInt(info, 1, "id", 0, UINT32_MAX, &id) ||
      !ArgInt32(info, 2, "options", &options))
    return UNDEF;
  siginfo_t si;
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  for (;;) {
    memset(&si, 0, sizeof si);
    if (waitid(static_cast<idtype_t>(idtype), static_cast<id_t>(id), &si, options) == 0) break;
    if (errno != EINTR) return ThrowErrno(ENV, errno, "waitid");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
  if (si.si_pid == 0) return ENV.Null();
  return NumberArray(ENV, {static_cast<double>(si.si_pid), static_cast<double>(si.si_uid),
                           static_cast<double>(si.si_signo), static_cast<double>(si.si_status),
                           static_cast<double>(si.si_code)});
}

// wait4(pid, options) -> [pid, status, rusage fields]; wait3 is wait4(-1, options).
static Value JS_wait4(const CallbackInfo& info) {
  int32_t pid, options;
  if (!ArgInt32(info, 0, "pid", &pid) || !ArgInt32(info, 1, "options", &options)) return UNDEF;
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  pid_t r;
  for (;;) {
    r = wait4(pid, &status, options, &ru);
    if (r >= 0) break;
    if (errno != EINTR) return ThrowErrno(ENV, errno, "wait4");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
  Napi::Array a = Napi::Array::New(ENV, 3);
  a.Set(0u, Napi::Number::New(ENV, r));
  a.Set(1u, Napi::Number::New(ENV, r == 0 ? 0 : status));
  a.Set(2u, RusageArray(ENV, ru));
  return a;
}

}  // namespace posixkit::wait

namespace posixkit {

void InitWait(Napi::Env env, Napi::Object exports) {
  using namespace wait;
  EXPORT_FN(exports, waitid);
  EXPORT_FN(exports, wait4);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(P_ALL); K(P_PID); K(P_PGID);
#if __GLIBC_PREREQ(2, 36)
  K(P_PIDFD);
#else
  c.Set("P_PIDFD", Napi::Number::New(env, 3));  // linux/wait.h; glibc's idtype_t gained it in 2.36
#endif
  K(WEXITED); K(WSTOPPED); K(WNOWAIT); K(WCONTINUED); K(WUNTRACED); K(WNOHANG);
  K(CLD_EXITED); K(CLD_KILLED); K(CLD_DUMPED); K(CLD_TRAPPED); K(CLD_STOPPED); K(CLD_CONTINUED);
#undef K
  exports.Set("waitConstants", c);
}

}  // namespace posixkit
