// Credentials: user and group ids, supplementary groups, the login name and
// the umask. glibc's set*id() apply the change to every thread of the process
// (POSIX semantics), as Python's do.
#include <grp.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "binding.h"
#include "os_args.h"

namespace posixkit::ids {

static Value Num(const CallbackInfo& info, double v) { return Napi::Number::New(ENV, v); }

static Value JS_getuid(const CallbackInfo& info) { return Num(info, getuid()); }
static Value JS_geteuid(const CallbackInfo& info) { return Num(info, geteuid()); }
static Value JS_getgid(const CallbackInfo& info) { return Num(info, getgid()); }
static Value JS_getegid(const CallbackInfo& info) { return Num(info, getegid()); }

static bool ArgId(const CallbackInfo& info, size_t i, const char* name, unsigned* out) {
  int64_t v;
  if (!ArgInt(info, i, name, -1, kIdMax, &v)) return false;
  *out = static_cast<unsigned>(v);  // -1 becomes (uid_t)-1: "leave unchanged"
  return true;
}

// One id: setuid, setgid, seteuid, setegid.
#define SET1(NAME)                                                   \
  static Value JS_##NAME(const CallbackInfo& info) {                 \
    unsigned id;                                                     \
    if (!ArgId(info, 0, "id", &id)) return UNDEF;                    \
    if (NAME(id) < 0) return ThrowErrno(ENV, errno, #NAME);          \
    return UNDEF;                                                    \
  }
SET1(setuid)
SET1(setgid)
SET1(seteuid)
SET1(setegid)
#undef SET1

static Value JS_setreuid(const CallbackInfo& info) {
  unsigned r, e;
  if (!ArgId(info, 0, "ruid", &r) || !ArgId(info, 1, "euid", &e)) return UNDEF;
  if (setreuid(r, e) < 0) return ThrowErrno(ENV, errno, "setreuid");
  return UNDEF;
}

static Value JS_setregid(const CallbackInfo& info) {
  unsigned r, e;
  if (!ArgId(info, 0, "rgid", &r) || !ArgId(info, 1, "egid", &e)) return UNDEF;
  if (setregid(r, e) < 0) return ThrowErrno(ENV, errno, "setregid");
  return UNDEF;
}

static Value JS_setresuid(const CallbackInfo& info) {
  unsigned r, e, s;
  if (!ArgId(info, 0, "ruid", &r) || !ArgId(info, 1, "euid", &e) || !ArgId(info, 2, "suid", &s)) return UNDEF;
  if (setresuid(r, e, s) < 0) return ThrowErrno(ENV, errno, "setresuid");
  return UNDEF;
}

static Value JS_setresgid(const CallbackInfo& info) {
  unsigned r, e, s;
  if (!ArgId(info, 0, "rgid", &r) || !ArgId(info, 1, "egid", &e) || !ArgId(info, 2, "sgid", &s)) return UNDEF;
  if (setresgid(r, e, s) < 0) return ThrowErrno(ENV, errno, "setresgid");
  return UNDEF;
}

static Value JS_getresuid(const CallbackInfo& info) {
  uid_t r, e, s;
  if (getresuid(&r, &e, &s) < 0) return ThrowErrno(ENV, errno, "getresuid");
  return NumberArray(ENV, {static_cast<double>(r), static_cast<double>(e), static_cast<double>(s)});
}

static Value JS_getresgid(const CallbackInfo& info) {
  gid_t r, e, s;
  if (getresgid(&r, &e, &s) < 0) return ThrowErrno(ENV, errno, "getresgid");
  return NumberArray(ENV, {static_cast<double>(r), static_cast<double>(e), static_cast<double>(s)});
}

static Napi::Array IdArray(Napi::Env env, const gid_t* ids, size_t n) {
  Napi::Array a = Napi::Array::New(env, n);
  for (size_t k = 0; k < n; k++) a.Set(static_cast<uint32_t>(k), Napi::Number::New(env, ids[k]));
  return a;
}

static Value JS_getgroups(const CallbackInfo& info) {
  // The list may grow between the two calls (another thread's setgroups): retry on EINVAL.
  for (int attempt = 0; attempt < 8; attempt++) {
    int n = getgroups(0, nullptr);
    if (n < 0) return ThrowErrno(ENV, errno, "getgroups");
    std::vector<gid_t> ids(static_cast<size_t>(n) + 1);
    int got = getgroups(static_cast<int>(ids.size()), ids.data());
    if (got >= 0) return IdArray(ENV, ids.data(), static_cast<size_t>(got));
    if (errno != EINVAL) return ThrowErrno(ENV, errno, "getgroups");
  }
  return ThrowErrno(ENV, EINVAL, "getgroups");
}

static Value JS_setgroups(const CallbackInfo& info) {
  std::vector<napi_value> items;
  if (!ReadList(ENV, info[0], "groups", "an array of group ids", NGROUPS_MAX, &items)) return UNDEF;
  std::vector<gid_t> ids(items.size());
  for (size_t k = 0; k < items.size(); k++) {
    int64_t v;
    if (!IntValue(ENV, items[k], "groups", 0, kIdMax, &v)) return UNDEF;
    ids[k] = static_cast<gid_t>(v);
  }
  if (setgroups(ids.size(), ids.data()) < 0) return ThrowErrno(ENV, errno, "setgroups");
  return UNDEF;
}

// getgrouplist(user, group): the groups /etc/group (NSS) lists for `user`, plus `group`.
static Value JS_getgrouplist(const CallbackInfo& info) {
  std::string user;
  unsigned group;
  if (!ArgCString(info, 0, "user", &user) || !ArgId(info, 1, "group", &group)) return UNDEF;
  int n = 64;
  for (;;) {
    std::vector<gid_t> ids(static_cast<size_t>(n));
    int want = n;
    int r = getgrouplist(user.c_str(), group, ids.data(), &want);
    if (r >= 0) return IdArray(ENV, ids.data(), static_cast<size_t>(want));
    // -1 with `want` set to the size needed; guard against a libc that leaves it.
    if (want <= n || want > NGROUPS_MAX + 1) n *= 2;
    else n = want;
    if (n > 4 * (NGROUPS_MAX + 1)) return ThrowErrno(ENV, EINVAL, "getgrouplist");
  }
}

static Value JS_initgroups(const CallbackInfo& info) {
  std::string user;
  unsigned group;
  if (!ArgCString(info, 0, "username", &user) || !ArgId(info, 1, "gid", &group)) return UNDEF;
  if (initgroups(user.c_str(), group) < 0) return ThrowErrno(ENV, errno, "initgroups");
  return UNDEF;
}

// getlogin_r(3): the name logged in on the controlling terminal (utmp).
static Value JS_getlogin(const CallbackInfo& info) {
  char buf[LOGIN_NAME_MAX + 1];
  int err = getlogin_r(buf, sizeof buf);
  if (err != 0) return ThrowErrno(ENV, err, "getlogin");
  return Napi::String::New(ENV, buf);
}

static Value JS_umask(const CallbackInfo& info) {
  int64_t mask;
  if (!ArgInt(info, 0, "mask", 0, 07777, &mask)) return UNDEF;
  return Num(info, umask(static_cast<mode_t>(mask)));
}

}  // namespace posixkit::ids

namespace posixkit {

void InitIds(Napi::Env env, Napi::Object exports) {
  using namespace ids;
  EXPORT_FN(exports, getuid); EXPORT_FN(exports, geteuid); EXPORT_FN(exports, getgid); EXPORT_FN(exports, getegid); EXPORT_FN(exports, setuid); EXPORT_FN(exports, setgid); EXPORT_FN(exports, seteuid); EXPORT_FN(exports, setegid);
  EXPORT_FN(exports, setreuid); EXPORT_FN(exports, setregid); EXPORT_FN(exports, setresuid); EXPORT_FN(exports, setresgid); EXPORT_FN(exports, getresuid); EXPORT_FN(exports, getresgid);
  EXPORT_FN(exports, getgroups); EXPORT_FN(exports, setgroups); EXPORT_FN(exports, getgrouplist); EXPORT_FN(exports, initgroups); EXPORT_FN(exports, getlogin); EXPORT_FN(exports, umask);
  Napi::Object c = Napi::Object::New(env);
  c.Set("NGROUPS_MAX", Napi::Number::New(env, NGROUPS_MAX));
  exports.Set("idsConstants", c);
}

}  // namespace posixkit
