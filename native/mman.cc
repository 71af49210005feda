// Memory mappings, POSIX shared memory and futexes.
//
// A mapping reaches JS as two things: an opaque handle (a napi External the
// JS side cannot turn into an address) and an external ArrayBuffer over the
// pages. munmap detaches that ArrayBuffer first, so every view of it (typed
// arrays, Buffers) becomes zero-length and no JS code can touch unmapped
// memory. The pages stay mapped while either the handle or the buffer is
// alive and close() was not called; the last finalizer unmaps.
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <mutex>
#include <string>
#include <unordered_set>

#include "addon.h"
#include "errors.h"

namespace posixkit::mman {

using Napi::CallbackInfo;
using Napi::Value;

#define ENV info.Env()
#define UNDEF info.Env().Undefined()

struct Mapping {
  void* addr;
  size_t len;
  std::atomic<int> refs{2};  // the handle and the ArrayBuffer
  std::atomic<bool> unmapped{false};
};

// Live mappings of this process. A handle is checked against it before use,
// so a foreign External passed to munmap/msync is refused, not dereferenced.
// Process-wide (not per env) because addresses are: a worker thread's handle
// is as valid as the main thread's.
static std::mutex registry_mu;
static std::unordered_set<Mapping*> registry;

static void Unmap(Mapping* m) {
  if (!m->unmapped.exchange(true)) munmap(m->addr, m->len);
}

static void Release(Mapping* m) {
  if (m->refs.fetch_sub(1) != 1) return;
  {
    std::lock_guard<std::mutex> g(registry_mu);
    registry.erase(m);
  }
  Unmap(m);
  delete m;
}

static void FinalizeHandle(napi_env, void* data, void*) { Release(static_cast<Mapping*>(data)); }
static void FinalizeBuffer(napi_env, void*, void* hint) { Release(static_cast<Mapping*>(hint)); }

// The Mapping behind a handle, or nullptr after throwing.
static Mapping* ArgMapping(const CallbackInfo& info, size_t i) {
  if (i < info.Length() && info[i].IsExternal()) {
    auto* m = static_cast<Mapping*>(info[i].As<Napi::External<void>>().Data());
    std::lock_guard<std::mutex> g(registry_mu);
    if (registry.count(m)) return m;
  }
  ThrowTypeError(info.Env(), "handle", "a mapping handle returned by mmap()");
  return nullptr;
}

// mmap(fd, length, prot, flags, offset) -> [handle, ArrayBuffer]
static Value JS_mmap(const CallbackInfo& info) {
  int64_t fd, length, prot, flags, offset;
  if (!ArgInt(info, 0, "fd", -1, INT32_MAX, &fd) ||
      !ArgInt(info, 1, "length", 1, INT64_C(1) << 46, &length) ||
      !ArgInt(info, 2, "prot", 0, INT32_MAX, &prot) ||
      !ArgInt(info, 3, "flags", 0, INT32_MAX, &flags) ||
      !ArgInt(info, 4, "offset", 0, INT64_C(1) << 52, &offset))
    return UNDEF;
  void* addr = mmap(nullptr, static_cast<size_t>(length), static_cast<int>(prot),
                    static_cast<int>(flags), static_cast<int>(fd), static_cast<off_t>(offset));
  if (addr == MAP_FAILED) return ThrowErrno(ENV, errno, "mmap");
  auto* m = new Mapping{addr, static_cast<size_t>(length)};
  {
    std::lock_guard<std::mutex> g(registry_mu);
    registry.insert(m);
  }
  napi_value handle, buffer;
  if (napi_create_external(ENV, m, FinalizeHandle, nullptr, &handle) != napi_ok) {
    Release(m);
    Release(m);
    return ThrowErrno(ENV, ENOMEM, "mmap");
  }
  if (napi_create_external_arraybuffer(ENV, addr, m->len, FinalizeBuffer, m, &buffer) != napi_ok) {
    // NOTE: runtimes with the V8 sandbox refuse external buffers; the
    // handle's finalizer still unmaps once it is collected.
    Release(m);
    Unmap(m);
    Napi::Error::New(ENV, "mmap: this runtime does not allow external ArrayBuffers")
        .ThrowAsJavaScriptException();
    return UNDEF;
  }
  Napi::Array r = Napi::Array::New(ENV, 2);
  r.Set(0u, Napi::Value(ENV, handle));
  r.Set(1u, Napi::Value(ENV, buffer));
  return r;
}

// munmap(handle, buffer): detaches the buffer (every view of it) and unmaps.
// Returns false when the mapping was already closed.
static Value JS_munmap(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  if (!m) return UNDEF;
  if (m->unmapped.load()) return Napi::Boolean::New(ENV, false);
  if (info.Length() > 1 && info[1].IsArrayBuffer()) {
    napi_value ab = info[1];
    void* data = nullptr;
    size_t len = 0;
    napi_get_arraybuffer_info(ENV, ab, &data, &len);
    // Only ever detach the buffer of this very mapping.
    if (data == m->addr && napi_detach_arraybuffer(ENV, ab) != napi_ok) {
      Napi::Error::New(ENV, "munmap: cannot detach the mapping's ArrayBuffer")
          .ThrowAsJavaScriptException();
      return UNDEF;
    }
  }
  Unmap(m);
  return Napi::Boolean::New(ENV, true);
}

// msync(handle, offset, length, flags)
static Value JS_msync(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  int64_t offset, length, flags;
  if (!m || !ArgInt(info, 1, "offset", 0, INT64_C(1) << 52, &offset) ||
      !ArgInt(info, 2, "length", 0, INT64_C(1) << 52, &length) ||
      !ArgInt(info, 3, "flags", 0, INT32_MAX, &flags))
    return UNDEF;
  if (m->unmapped.load()) return ThrowErrno(ENV, EBADF, "msync");
  if (static_cast<uint64_t>(offset) + static_cast<uint64_t>(length) > m->len)
    return ThrowRangeError(ENV, "offset + length", "<= the mapping's length");
  if (msync(static_cast<uint8_t*>(m->addr) + offset, static_cast<size_t>(length),
            static_cast<int>(flags)) < 0)
    return ThrowErrno(ENV, errno, "msync");
  return UNDEF;
}

static Value JS_memfd_create(const CallbackInfo& info) {
  std::string name;
  int64_t flags;
  if (!ArgString(info, 0, "name", &name) || !ArgInt(info, 1, "flags", 0, UINT32_MAX, &flags))
    return UNDEF;
  int fd = memfd_create(name.c_str(), static_cast<unsigned>(flags));
  if (fd < 0) return ThrowErrno(ENV, errno, "memfd_create");
  return Napi::Number::New(ENV, fd);
}

static Value JS_shm_open(const CallbackInfo& info) {
  std::string name;
  int32_t oflag, mode;
  if (!ArgString(info, 0, "name", &name) || !ArgInt32(info, 1, "flags", &oflag) ||
      !ArgInt32(info, 2, "mode", &mode))
    return UNDEF;
  if (name.find('\0') != std::string::npos)
    return ThrowTypeError(ENV, "name", "a string without null bytes");
  int fd = shm_open(name.c_str(), oflag | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return ThrowErrno(ENV, errno, "shm_open", name.c_str());
  return Napi::Number::New(ENV, fd);
}

static Value JS_shm_unlink(const CallbackInfo& info) {
  std::string name;
  if (!ArgString(info, 0, "name", &name)) return UNDEF;
  if (name.find('\0') != std::string::npos)
    return ThrowTypeError(ENV, "name", "a string without null bytes");
  if (shm_unlink(name.c_str()) < 0) return ThrowErrno(ENV, errno, "shm_unlink", name.c_str());
  return UNDEF;
}

static Value JS_mman_ftruncate(const CallbackInfo& info) {
  int fd;
  int64_t length;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "length", 0, INT64_C(1) << 52, &length)) return UNDEF;
  for (;;) {
    if (ftruncate(fd, static_cast<off_t>(length)) == 0) return UNDEF;
    if (errno != EINTR) return ThrowErrno(ENV, errno, "ftruncate");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
}

// mman_fstat(fd) -> [size, ino, dev, mode]: what SharedMemory needs (the
// size) and what a worker checks before mapping an fd number it was given.
static Value JS_mman_fstat(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  struct stat st;
  if (fstat(fd, &st) < 0) return ThrowErrno(ENV, errno, "fstat");
  Napi::Array r = Napi::Array::New(ENV, 4);
  r.Set(0u, Napi::Number::New(ENV, static_cast<double>(st.st_size)));
  r.Set(1u, Napi::Number::New(ENV, static_cast<double>(st.st_ino)));
  r.Set(2u, Napi::Number::New(ENV, static_cast<double>(st.st_dev)));
  r.Set(3u, Napi::Number::New(ENV, static_cast<double>(st.st_mode)));
  return r;
}

// The int32 word `index` of an Int32Array, or nullptr after throwing.
static int32_t* ArgFutexWord(const CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    ThrowTypeError(info.Env(), "view", "an instance of Int32Array");
    return nullptr;
  }
  Napi::Int32Array view = info[0].As<Napi::Int32Array>();
  int64_t index;
  // A detached view has length 0, so every index is out of range.
  if (!ArgInt(info, 1, "index", 0, static_cast<int64_t>(view.ElementLength()) - 1, &index))
    return nullptr;
  return view.Data() + index;
}

// futex_wait(view, index, expected, timeoutSeconds | undefined)
//   -> 0 (woken), -EAGAIN (the word was not `expected`), -ETIMEDOUT.
// Not FUTEX_PRIVATE_FLAG: the word lives in memory shared between
// processes, and the kernel keys shared futexes by (inode, offset), which is
// also what makes two mappings of one memfd in one process meet.
static Value JS_futex_wait(const CallbackInfo& info) {
  int32_t* word = ArgFutexWord(info);
  int32_t expected;
  if (!word || !ArgInt32(info, 2, "expected", &expected)) return UNDEF;
  double timeout = -1;
  if (info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull()) {
    if (!ArgDouble(info, 3, "timeout", &timeout)) return UNDEF;
    if (timeout < 0) return ThrowRangeError(ENV, "timeout", ">= 0");
  }
  Deadline deadline(timeout);
  for (;;) {
    struct timespec ts, *tp = nullptr;
    // FUTEX_WAIT's timeout is relative: recompute what is left each time.
    if (!deadline.infinite()) {
      ts = deadline.RemainingTimespec();
      tp = &ts;
    }
    long r = syscall(SYS_futex, word, FUTEX_WAIT, expected, tp, nullptr, 0);
    if (r == 0) return Napi::Number::New(ENV, 0);
    int err = errno;
    if (err == EAGAIN || err == ETIMEDOUT) return Napi::Number::New(ENV, -err);
    if (err != EINTR) return ThrowErrno(ENV, err, "futex");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
    if (deadline.Expired()) return Napi::Number::New(ENV, -ETIMEDOUT);
  }
}

// futex_wake(view, index, count) -> number of waiters woken
static Value JS_futex_wake(const CallbackInfo& info) {
  int32_t* word = ArgFutexWord(info);
  int64_t count;
  if (!word || !ArgInt(info, 2, "count", 0, INT32_MAX, &count)) return UNDEF;
  long r = syscall(SYS_futex, word, FUTEX_WAKE, static_cast<int>(count), nullptr, nullptr, 0);
  if (r < 0) return ThrowErrno(ENV, errno, "futex");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

#undef ENV
#undef UNDEF

}  // namespace posixkit::mman

namespace posixkit {

void InitMman(Napi::Env env, Napi::Object exports) {
  using namespace mman;
#define FN(name) exports.Set(#name, Napi::Function::New(env, JS_##name, #name))
  FN(mmap); FN(munmap); FN(msync); FN(memfd_create); FN(shm_open); FN(shm_unlink);
  FN(mman_ftruncate); FN(mman_fstat); FN(futex_wait); FN(futex_wake);
#undef FN
  Napi::Object c = Napi::Object::New(env);
#define K(name) c.Set(#name, Napi::Number::New(env, name))
  K(PROT_NONE); K(PROT_READ); K(PROT_WRITE); K(PROT_EXEC);
  K(MAP_SHARED); K(MAP_PRIVATE); K(MAP_ANONYMOUS);
#ifdef MAP_POPULATE
  K(MAP_POPULATE);
#endif
#ifdef MAP_NORESERVE
  K(MAP_NORESERVE);
#endif
  K(MS_ASYNC); K(MS_SYNC); K(MS_INVALIDATE);
  K(MFD_CLOEXEC);
  K(O_RDONLY); K(O_RDWR); K(O_CREAT); K(O_EXCL);
  K(EAGAIN); K(ETIMEDOUT); K(EBADF); K(EINVAL);
#undef K
  c.Set("PAGESIZE", Napi::Number::New(env, static_cast<double>(sysconf(_SC_PAGESIZE))));
  exports.Set("mmanConstants", c);
}

}  // namespace posixkit
