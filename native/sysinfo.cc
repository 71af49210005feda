// The system as a whole: uname, load averages, and the os module's constants
// that belong to no syscall family posixkit wraps (exit codes, access modes,
// statvfs flags, dlopen modes, xattr and getrandom flags).
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <linux/limits.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>

#include "binding.h"
#include "os_args.h"

namespace posixkit::sysinfo {

// uname(2) -> [sysname, nodename, release, version, machine]
static Value JS_uname(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct utsname u;
  if (uname(&u) < 0) return ThrowErrno(env, errno, "uname");
  const char* fields[] = {u.sysname, u.nodename, u.release, u.version, u.machine};
  Napi::Array a = Napi::Array::New(env, 5);
  for (uint32_t k = 0; k < 5; k++) a.Set(k, Napi::String::New(env, fields[k]));
  return a;
}

// getloadavg(3) (reads /proc/loadavg) -> [1, 5, 15 minutes].
static Value JS_getloadavg(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  double avg[3];
  if (getloadavg(avg, 3) != 3) return ThrowErrno(env, errno ? errno : EIO, "getloadavg");
  return NumberArray(env, {avg[0], avg[1], avg[2]});
}

}  // namespace posixkit::sysinfo

namespace posixkit {

void InitSysinfo(Napi::Env env, Napi::Object exports) {
  using namespace sysinfo;
  EXPORT_FN(exports, uname);
  EXPORT_FN(exports, getloadavg);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(EX_OK); K(EX_USAGE); K(EX_DATAERR); K(EX_NOINPUT); K(EX_NOUSER); K(EX_NOHOST); K(EX_UNAVAILABLE);
  K(EX_SOFTWARE); K(EX_OSERR); K(EX_OSFILE); K(EX_CANTCREAT); K(EX_IOERR); K(EX_TEMPFAIL);
  K(EX_PROTOCOL); K(EX_NOPERM); K(EX_CONFIG);
  K(F_OK); K(R_OK); K(W_OK); K(X_OK);
  K(TMP_MAX);
  K(ST_RDONLY); K(ST_NOSUID);
#ifdef ST_NODEV
  K(ST_NODEV); K(ST_NOEXEC); K(ST_SYNCHRONOUS); K(ST_MANDLOCK); K(ST_WRITE); K(ST_APPEND);
  K(ST_NOATIME); K(ST_NODIRATIME); K(ST_RELATIME);
#endif
  K(RTLD_LAZY); K(RTLD_NOW); K(RTLD_GLOBAL); K(RTLD_LOCAL);
#ifdef RTLD_NODELETE
  K(RTLD_NODELETE); K(RTLD_NOLOAD);
#endif
#ifdef RTLD_DEEPBIND
  K(RTLD_DEEPBIND);
#endif
  K(XATTR_CREATE); K(XATTR_REPLACE); K(XATTR_SIZE_MAX);
#ifdef GRND_NONBLOCK
  K(GRND_NONBLOCK); K(GRND_RANDOM);
#endif
#undef K
  exports.Set("sysConstants", c);
}

}  // namespace posixkit
