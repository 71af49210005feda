// File descriptor I/O beyond read/write (process.cc): open, positioned and
// vectored reads and writes, seeking, fstat, syncing, truncation, locks,
// advice and allocation, FIFOs, closerange.
//
// Buffers are held as Bytes (args.h): a signal handler that detaches, moves
// or shrinks one between two attempts makes the call fail (ERR_BUFFER_CHANGED)
// instead of the kernel writing through a stale pointer.
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "binding.h"
#include "os_args.h"

namespace posixkit::fdio {

static bool ArgOffset(const CallbackInfo& info, size_t i, const char* name, off_t* out) {
  int64_t v;
  if (!ArgInt(info, i, name, -kMaxSafeInt, kMaxSafeInt, &v)) return false;
  *out = static_cast<off_t>(v);
  return true;
}

// open(path, flags, mode, dir_fd) through openat(2). Opening a FIFO blocks
// until the other end comes: EINTR rule. Failures name the path, as Python's.
static Value JS_open(const CallbackInfo& info) {
  std::string path;
  int32_t flags, dirfd;
  int64_t mode;
  if (!ArgCString(info, 0, "path", &path) || !ArgInt32(info, 1, "flags", &flags) ||
      !ArgInt(info, 2, "mode", 0, 07777, &mode) || !ArgInt32(info, 3, "dir_fd", &dirfd))
    return UNDEF;
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  for (;;) {
    int fd = openat(dirfd, path.c_str(), flags, static_cast<mode_t>(mode));
    if (fd >= 0) return Napi::Number::New(ENV, fd);
    if (errno != EINTR) return ThrowErrno(ENV, errno, "open", path.c_str());
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
}

// closerange(lo, hi): closes [lo, hi), ignoring errors (as Python). One
// close_range(2) (Linux 5.9), else a loop bounded by the fd limit.
static Value JS_closerange(const CallbackInfo& info) {
  int64_t lo, hi;
  if (!ArgInt(info, 0, "fd_low", 0, INT32_MAX, &lo) || !ArgInt(info, 1, "fd_high", 0, INT32_MAX, &hi)) return UNDEF;
  if (lo >= hi) return UNDEF;
  if (syscall(SYS_close_range, static_cast<unsigned>(lo), static_cast<unsigned>(hi - 1), 0u) == 0) return UNDEF;
  long max = sysconf(_SC_OPEN_MAX);
  if (max > 0 && hi > max) hi = max;
  for (int64_t fd = lo; fd < hi; fd++) close(static_cast<int>(fd));
  return UNDEF;
}

static Value JS_lseek(const CallbackInfo& info) {
  int fd;
  off_t pos;
  int32_t how;
  if (!ArgFd(info, 0, &fd) || !ArgOffset(info, 1, "position", &pos) || !ArgInt32(info, 2, "whence", &how))
    return UNDEF;
  off_t r = lseek(fd, pos, how);
  if (r < 0) return ThrowErrno(ENV, errno, "lseek");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

// pread(fd, buffer, offset) -> bytes read into buffer.
static Value JS_pread(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  off_t off;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "buffer") || !ArgOffset(info, 2, "offset", &off)) return UNDEF;
  return BlockingCall(ENV, "pread", [&] { return pread(fd, buf.data(), buf.size(), off); });
}

static Value JS_pwrite(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  off_t off;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "data") || !ArgOffset(info, 2, "offset", &off)) return UNDEF;
  return BlockingCall(ENV, "pwrite", [&] { return pwrite(fd, buf.data(), buf.size(), off); });
}

// vectored(fd, buffers[, offset, flags]); `write` picks the direction and
// `positioned` preadv/pwritev (preadv2/pwritev2 when flags != 0). The list is
// a snapshot (read once), every element a view, at most IOV_MAX of them; the
// iovecs stay valid across EINTR retries because BlockingCall refuses the
// call once a handler moved or shrank any of them.
static Value Vectored(const CallbackInfo& info, bool write, bool positioned, const char* name) {
  int fd;
  std::vector<napi_value> items;
  off_t off = 0;
  int32_t flags = 0;
  if (!ArgFd(info, 0, &fd) ||
      !ReadList(ENV, info[1], "buffers", "an array of Buffer, TypedArray, or DataView", IOV_MAX, &items))
    return UNDEF;
  std::unique_ptr<Bytes[]> views(new Bytes[items.size()]);
  for (size_t k = 0; k < items.size(); k++)
    if (!views[k].Read(ENV, items[k], "buffers[]")) return UNDEF;
  if (positioned && (!ArgOffset(info, 2, "offset", &off) || !ArgInt32(info, 3, "flags", &flags))) return UNDEF;
  std::vector<struct iovec> iov(items.size());
  for (size_t k = 0; k < items.size(); k++) iov[k] = {views[k].data(), views[k].size()};
  return BlockingCall(ENV, name, [&]() -> ssize_t {
    int n = static_cast<int>(iov.size());
    if (!positioned) return write ? writev(fd, iov.data(), n) : readv(fd, iov.data(), n);
    if (flags == 0) return write ? pwritev(fd, iov.data(), n, off) : preadv(fd, iov.data(), n, off);
    return write ? pwritev2(fd, iov.data(), n, off, flags) : preadv2(fd, iov.data(), n, off, flags);
  });
}

static Value JS_readv(const CallbackInfo& info) { return Vectored(info, false, false, "readv"); }
static Value JS_writev(const CallbackInfo& info) { return Vectored(info, true, false, "writev"); }
static Value JS_preadv(const CallbackInfo& info) { return Vectored(info, false, true, "preadv"); }
static Value JS_pwritev(const CallbackInfo& info) { return Vectored(info, true, true, "pwritev"); }

// fstat(fd) -> the 16 values of Python's stat_result, in its order: the 10
// tuple fields (integer times), then st_atime/st_mtime/st_ctime as floats,
// the three *_ns as BigInt, st_blksize, st_blocks, st_rdev.
static Value JS_fstat(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  struct stat st;
  if (fstat(fd, &st) < 0) return ThrowErrno(ENV, errno, "fstat");
  Napi::Env env = ENV;
  Napi::Array a = Napi::Array::New(env, 19);
  uint32_t k = 0;
  auto num = [&](double v) { a.Set(k++, Napi::Number::New(env, v)); };
  num(st.st_mode); num(static_cast<double>(st.st_ino)); num(static_cast<double>(st.st_dev));
  num(static_cast<double>(st.st_nlink)); num(st.st_uid); num(st.st_gid); num(static_cast<double>(st.st_size));
  const struct timespec* ts[] = {&st.st_atim, &st.st_mtim, &st.st_ctim};
  for (auto* t : ts) num(static_cast<double>(t->tv_sec));
  for (auto* t : ts) num(static_cast<double>(t->tv_sec) + static_cast<double>(t->tv_nsec) * 1e-9);
  for (auto* t : ts)
    a.Set(k++, Napi::BigInt::New(env, static_cast<int64_t>(static_cast<int64_t>(t->tv_sec) * 1000000000LL + t->tv_nsec)));
  num(static_cast<double>(st.st_blksize)); num(static_cast<double>(st.st_blocks)); num(static_cast<double>(st.st_rdev));
  return a;
}

static Value JS_fsync(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  BlockingCall(ENV, "fsync", [&] { return fsync(fd); });
  return UNDEF;  // undefined, or the exception pending
}

static Value JS_fdatasync(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  BlockingCall(ENV, "fdatasync", [&] { return fdatasync(fd); });
  return UNDEF;  // undefined, or the exception pending
}

static Value JS_ftruncate(const CallbackInfo& info) {
  int fd;
  off_t len;
  if (!ArgFd(info, 0, &fd) || !ArgOffset(info, 1, "length", &len)) return UNDEF;
  BlockingCall(ENV, "ftruncate", [&] { return ftruncate(fd, len); });
  return UNDEF;  // undefined, or the exception pending
}

static Value JS_mkfifo(const CallbackInfo& info) {
  std::string path;
  int64_t mode;
  int32_t dirfd;
  if (!ArgCString(info, 0, "path", &path) || !ArgInt(info, 1, "mode", 0, 07777, &mode) ||
      !ArgInt32(info, 2, "dir_fd", &dirfd))
    return UNDEF;
  if (mkfifoat(dirfd, path.c_str(), static_cast<mode_t>(mode)) < 0)
    return ThrowErrno(ENV, errno, "mkfifo", path.c_str());
  return UNDEF;
}

// lockf(fd, cmd, len): F_LOCK waits for a conflicting lock (EINTR rule).
static Value JS_lockf(const CallbackInfo& info) {
  int fd;
  int32_t cmd;
  off_t len;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "command", &cmd) || !ArgOffset(info, 2, "length", &len))
    return UNDEF;
  BlockingCall(ENV, "lockf", [&] { return lockf(fd, cmd, len); });
  return UNDEF;  // undefined, or the exception pending
}

// posix_fadvise and posix_fallocate return the error instead of setting errno.
static Value JS_posix_fadvise(const CallbackInfo& info) {
  int fd;
  off_t off, len;
  int32_t advice;
  if (!ArgFd(info, 0, &fd) || !ArgOffset(info, 1, "offset", &off) || !ArgOffset(info, 2, "length", &len) ||
      !ArgInt32(info, 3, "advice", &advice))
    return UNDEF;
  BlockingCall(ENV, "posix_fadvise", [&] {
    int err = posix_fadvise(fd, off, len, advice);
    errno = err;
    return err ? -1 : 0;
  });
  return UNDEF;  // undefined, or the exception pending
}

static Value JS_posix_fallocate(const CallbackInfo& info) {
  int fd;
  off_t off, len;
  if (!ArgFd(info, 0, &fd) || !ArgOffset(info, 1, "offset", &off) || !ArgOffset(info, 2, "length", &len))
    return UNDEF;
  BlockingCall(ENV, "posix_fallocate", [&] {
    int err = posix_fallocate(fd, off, len);
    errno = err;
    return err ? -1 : 0;
  });
  return UNDEF;  // undefined, or the exception pending
}

}  // namespace posixkit::fdio

namespace posixkit {

void InitFdio(Napi::Env env, Napi::Object exports) {
  using namespace fdio;
  EXPORT_FN(exports, open); EXPORT_FN(exports, closerange); EXPORT_FN(exports, lseek); EXPORT_FN(exports, pread); EXPORT_FN(exports, pwrite); EXPORT_FN(exports, readv); EXPORT_FN(exports, writev); EXPORT_FN(exports, preadv);
  EXPORT_FN(exports, pwritev); EXPORT_FN(exports, fstat); EXPORT_FN(exports, fsync); EXPORT_FN(exports, fdatasync); EXPORT_FN(exports, ftruncate); EXPORT_FN(exports, mkfifo); EXPORT_FN(exports, lockf);
  EXPORT_FN(exports, posix_fadvise); EXPORT_FN(exports, posix_fallocate);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(O_RDONLY); K(O_WRONLY); K(O_RDWR); K(O_ACCMODE); K(O_APPEND); K(O_ASYNC); K(O_CLOEXEC); K(O_CREAT);
  K(O_DIRECT); K(O_DIRECTORY); K(O_DSYNC); K(O_EXCL); K(O_FSYNC); K(O_LARGEFILE); K(O_NDELAY);
  K(O_NOATIME); K(O_NOCTTY); K(O_NOFOLLOW); K(O_NONBLOCK); K(O_PATH); K(O_RSYNC); K(O_SYNC);
  K(O_TMPFILE); K(O_TRUNC);
  K(SEEK_SET); K(SEEK_CUR); K(SEEK_END);
#ifdef SEEK_DATA
  K(SEEK_DATA); K(SEEK_HOLE);
#endif
  K(F_LOCK); K(F_TLOCK); K(F_ULOCK); K(F_TEST);
  K(POSIX_FADV_NORMAL); K(POSIX_FADV_SEQUENTIAL); K(POSIX_FADV_RANDOM); K(POSIX_FADV_NOREUSE);
  K(POSIX_FADV_WILLNEED); K(POSIX_FADV_DONTNEED);
#ifdef RWF_HIPRI
  K(RWF_HIPRI); K(RWF_DSYNC); K(RWF_SYNC); K(RWF_NOWAIT);
#endif
#ifdef RWF_APPEND
  K(RWF_APPEND);
#endif
  K(AT_FDCWD);
#undef K
  exports.Set("fdioConstants", c);
}

}  // namespace posixkit
