// fcntl(2) and flock(2), Python's fcntl module. F_SETLKW and a flock()
// without LOCK_NB sleep until another process lets go of the lock, so every
// call here follows the EINTR rule (Python retries them all the same way).
#include <fcntl.h>
#include <sys/file.h>

#include <cstring>

#include "binding.h"

namespace posixkit::fcntl_family {

// Python's FCNTL_BUFSZ: a buffer argument is copied into this much stack,
// so a command that writes more than the caller passed (a struct flock into
// two bytes) stays inside memory of ours.
constexpr size_t kBufSize = 1024;

// fcntl(fd, cmd, arg) with an integer arg -> the syscall's result.
// arg is taken as C int (an unsigned value wraps, as Python's "I" format).
static Value JS_fcntl(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  int32_t cmd;
  int64_t arg;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "cmd", &cmd) ||
      !ArgInt(info, 2, "arg", INT32_MIN, UINT32_MAX, &arg))
    return env.Undefined();
  int a = static_cast<int>(static_cast<uint32_t>(arg));
  return BlockingCall(env, "fcntl", [&] { return fcntl(fd, cmd, a); });
}

// fcntl(fd, cmd, bytes) -> a new Buffer of the same length with what the
// kernel left in the copy (F_GETLK's struct flock, for one).
static Value JS_fcntl_buf(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  int32_t cmd;
  Bytes arg;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "cmd", &cmd) || !arg.Read(info, 2, "arg")) return env.Undefined();
  size_t len = arg.size();
  if (len > kBufSize) return ThrowRangeError(env, "arg", "at most 1024 bytes long");
  // The kernel works on this copy, made before any JS (a signal handler) can
  // run; the caller's buffer is never touched again.
  alignas(8) char buf[kBufSize];
  memset(buf, 0, sizeof buf);
  memcpy(buf, arg.data(), len);
  Value r = BlockingCall(env, "fcntl", [&] { return fcntl(fd, cmd, buf); });
  if (r.IsUndefined() || env.IsExceptionPending()) return env.Undefined();
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(buf), len);
}

// flock(fd, operation) -> undefined.
static Value JS_flock(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  int32_t op;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "operation", &op)) return env.Undefined();
  Value r = BlockingCall(env, "flock", [&] { return flock(fd, op); });
  return r.IsUndefined() ? r : env.Undefined();
}

// fcntl_lockf(fd, cmd, len, start, whence): Python's fcntl.lockf, a record lock of the
// process made with fcntl(F_SETLK / F_SETLKW) as glibc's lockf(3) does,
// but taking LOCK_* like flock (LOCK_SH gives a read lock, which lockf(3)
// has no way to ask for).
static Value JS_fcntl_lockf(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  int32_t code;
  int64_t len, start, whence;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "cmd", &code) ||
      !ArgInt(info, 2, "len", INT64_MIN, INT64_MAX, &len) || !ArgInt(info, 3, "start", INT64_MIN, INT64_MAX, &start) ||
      !ArgInt(info, 4, "whence", INT16_MIN, INT16_MAX, &whence))
    return env.Undefined();
  struct flock l;
  memset(&l, 0, sizeof l);
  if (code == LOCK_UN) {
    l.l_type = F_UNLCK;
  } else if (code & LOCK_SH) {
    l.l_type = F_RDLCK;
  } else if (code & LOCK_EX) {
    l.l_type = F_WRLCK;
  } else {
    return ThrowRangeError(env, "cmd", "LOCK_UN, or LOCK_SH or LOCK_EX (with LOCK_NB or not)");
  }
  l.l_start = static_cast<off_t>(start);
  l.l_len = static_cast<off_t>(len);
  l.l_whence = static_cast<short>(whence);
  int op = (code & LOCK_NB) ? F_SETLK : F_SETLKW;
  Value r = BlockingCall(env, "fcntl", [&] { return fcntl(fd, op, &l); });
  return r.IsUndefined() ? r : env.Undefined();
}

}  // namespace posixkit::fcntl_family

namespace posixkit {

void InitFcntl(Napi::Env env, Napi::Object exports) {
  using namespace fcntl_family;
  EXPORT_FN(exports, fcntl);
  EXPORT_FN(exports, fcntl_buf);
  EXPORT_FN(exports, flock);
  EXPORT_FN(exports, fcntl_lockf);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(LOCK_SH); K(LOCK_EX); K(LOCK_NB); K(LOCK_UN); K(F_EXLCK); K(F_SHLCK);
  K(LOCK_MAND); K(LOCK_READ); K(LOCK_WRITE); K(LOCK_RW); K(FASYNC);
  K(F_DUPFD); K(F_DUPFD_CLOEXEC); K(F_GETFD); K(F_SETFD); K(FD_CLOEXEC); K(F_GETFL); K(F_SETFL);
  K(F_GETLK); K(F_SETLK); K(F_SETLKW); K(F_GETLK64); K(F_SETLK64); K(F_SETLKW64); K(F_RDLCK); K(F_WRLCK); K(F_UNLCK);
  K(F_OFD_GETLK); K(F_OFD_SETLK); K(F_OFD_SETLKW);
  K(F_GETOWN); K(F_SETOWN); K(F_GETSIG); K(F_SETSIG); K(F_GETLEASE); K(F_SETLEASE); K(F_NOTIFY);
  K(F_GETPIPE_SZ); K(F_SETPIPE_SZ); K(F_ADD_SEALS); K(F_GET_SEALS);
  K(F_SEAL_SEAL); K(F_SEAL_SHRINK); K(F_SEAL_GROW); K(F_SEAL_WRITE);
  K(DN_ACCESS); K(DN_MODIFY); K(DN_CREATE); K(DN_DELETE); K(DN_RENAME); K(DN_ATTRIB); K(DN_MULTISHOT);
#undef K
  exports.Set("fcntlConstants", c);
}

}  // namespace posixkit
