// Opening files: openat2(2), the one open(2) whose resolution rules
// (RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS...) the kernel enforces atomically,
// which is what a path jail needs and what open(2) plus checks cannot give.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "binding.h"

namespace posixkit::file {

// openat2(dirfd, path, flags, mode, resolve, raw) -> fd. With raw true a
// failure is returned as -errno instead of thrown: a static file server
// answers 404s without paying for an exception and its stack trace.
static Value JS_openat2(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t dirfd, flags, mode, resolve;
  std::string path;
  if (!ArgInt(info, 0, "dirfd", INT32_MIN, INT32_MAX, &dirfd) || !ArgString(info, 1, "path", &path) ||
      !ArgInt(info, 2, "flags", 0, INT32_MAX, &flags) || !ArgInt(info, 3, "mode", 0, 07777, &mode) ||
      !ArgInt(info, 4, "resolve", 0, INT32_MAX, &resolve))
    return env.Undefined();
  if (path.find('\0') != std::string::npos) {
    return ThrowTypeError(env, "path", "a string without null bytes");
  }
  bool raw = info.Length() > 5 && info[5].ToBoolean().Value();
  struct open_how how;
  memset(&how, 0, sizeof how);
  // Unlike open(2), openat2 refuses unknown flag bits and a mode without
  // O_CREAT/O_TMPFILE (EINVAL), so mode is passed only when it means something.
  how.flags = static_cast<uint64_t>(flags);
  // O_TMPFILE includes O_DIRECTORY's bit: test the whole mask.
  bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
  how.mode = creates ? static_cast<uint64_t>(mode) : 0;
  how.resolve = static_cast<uint64_t>(resolve);
  int dfd = static_cast<int>(dirfd);
  const char* p = path.c_str();
  // A FIFO opened without O_NONBLOCK blocks until a writer comes: the EINTR rule applies.
  return BlockingCall(env, raw ? nullptr : "openat2",
                      [&] { return syscall(SYS_openat2, dfd, p, &how, sizeof how); });
}

}  // namespace posixkit::file

namespace posixkit {

void InitFile(Napi::Env env, Napi::Object exports) {
  using namespace file;
  EXPORT_FN(exports, openat2);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(AT_FDCWD); K(O_RDONLY); K(O_WRONLY); K(O_RDWR); K(O_CREAT); K(O_EXCL); K(O_TRUNC);
  K(O_APPEND); K(O_NONBLOCK); K(O_CLOEXEC); K(O_NOFOLLOW); K(O_DIRECTORY); K(O_PATH);
  K(O_NOCTTY); K(O_SYNC); K(O_DSYNC); K(O_NOATIME);
  K(RESOLVE_NO_XDEV); K(RESOLVE_NO_MAGICLINKS); K(RESOLVE_NO_SYMLINKS); K(RESOLVE_BENEATH);
  K(RESOLVE_IN_ROOT); K(RESOLVE_CACHED);
#undef K
  exports.Set("fileConstants", c);
}

}  // namespace posixkit
