// Opening files: openat2(2), the one open(2) whose resolution rules
// (RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS...) the kernel enforces atomically,
// which is what a path jail needs and what open(2) plus checks cannot give.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
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

// One syscall that may be interrupted, retried under the EINTR rule; false
// with an exception pending when a signal handler threw (or changed one of
// the call's buffers).
template <typename Call>
static bool Retry(Napi::Env env, long* r, Call call) {
  for (;;) {
    *r = call();
    if (*r >= 0 || errno != EINTR) return true;
    if (!RunSignalHandlersAfterEINTR(env)) return false;
  }
}

// openat2_read(dirfd, path, resolve, maxBytes, into, meta) -> bytes or -errno.
// A static file server's whole file access in one call: openat2(O_RDONLY |
// O_NONBLOCK | O_CLOEXEC) under `resolve`, fstat, and for a regular file of at
// most maxBytes (and at most into's length) pread of the whole file into
// `into` at 0, then close. meta (a Float64Array of 4) gets
// [st_size, st_mtime in ms, st_mode, fd]: fd is -1 when the call closed it
// (a file read, or anything not a regular file), else the open fd of a regular
// file too large to read here, which the caller owns. Returns the bytes read
// (fewer than st_size: the file shrank meanwhile), 0 when nothing was read,
// or -errno of the first call that failed (the fd then closed). O_NONBLOCK: a
// FIFO swapped in must not block the open.
static Value JS_openat2_read(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t dirfd, resolve, max_bytes;
  std::string path;
  Bytes into, meta;
  if (!ArgInt(info, 0, "dirfd", INT32_MIN, INT32_MAX, &dirfd) || !ArgString(info, 1, "path", &path) ||
      !ArgInt(info, 2, "resolve", 0, INT32_MAX, &resolve) ||
      !ArgInt(info, 3, "maxBytes", 0, INT32_MAX, &max_bytes) || !into.Read(info, 4, "into") ||
      !meta.Read(info, 5, "meta", ViewKind::kFloat64))
    return env.Undefined();
  if (path.find('\0') != std::string::npos) return ThrowTypeError(env, "path", "a string without null bytes");
  if (meta.size() < 4 * sizeof(double)) return ThrowRangeError(env, "meta", "a Float64Array of at least 4 elements");
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC;
  how.resolve = static_cast<uint64_t>(resolve);
  if (!RunPendingSignalsBeforeBlocking(env)) return env.Undefined();
  long fd;
  if (!Retry(env, &fd, [&] { return syscall(SYS_openat2, static_cast<int>(dirfd), path.c_str(), &how, sizeof how); }))
    return env.Undefined();
  if (fd < 0) return Napi::Number::New(env, -errno);
  struct stat st;
  long r;
  bool ok = Retry(env, &r, [&] { return static_cast<long>(fstat(static_cast<int>(fd), &st)); });
  int err = errno;
  if (!ok || r < 0) {
    close(static_cast<int>(fd));
    return ok ? Napi::Number::New(env, -err) : env.Undefined();
  }
  size_t size = static_cast<size_t>(st.st_size);
  // into.size() is the length checked at entry; a handler that ran since
  // cannot have shrunk or moved it (Retry's recheck throws if one did).
  bool read_here = S_ISREG(st.st_mode) && st.st_size <= max_bytes && size <= into.size();
  size_t got = 0;
  if (read_here) {
    int f = static_cast<int>(fd);
    while (got < size) {
      ok = Retry(env, &r, [&] { return static_cast<long>(pread(f, into.data() + got, size - got, static_cast<off_t>(got))); });
      if (!ok || r <= 0) break;  // 0: the file shrank since fstat
      got += static_cast<size_t>(r);
    }
    err = errno;
    if (!ok || r < 0) {
      close(static_cast<int>(fd));
      return ok ? Napi::Number::New(env, -err) : env.Undefined();
    }
  }
  double* m = meta.float64s();
  m[0] = static_cast<double>(st.st_size);
  m[1] = static_cast<double>(st.st_mtim.tv_sec) * 1000.0 + static_cast<double>(st.st_mtim.tv_nsec) / 1e6;
  m[2] = static_cast<double>(st.st_mode);
  if (read_here || !S_ISREG(st.st_mode)) {
    close(static_cast<int>(fd));
    m[3] = -1;
  } else {
    m[3] = static_cast<double>(fd);
  }
  return Napi::Number::New(env, static_cast<double>(got));
}

}  // namespace posixkit::file

namespace posixkit {

void InitFile(Napi::Env env, Napi::Object exports) {
  using namespace file;
  EXPORT_FN(exports, openat2);
  EXPORT_FN(exports, openat2_read);
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
