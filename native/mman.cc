// Memory mappings, POSIX shared memory and futexes.
//
// A mapping reaches JS as an opaque handle object (napi_wrap'ed; the address
// never becomes a JS value). When the pages are readable and writable, its
// read-only `buffer` property is an external ArrayBuffer over them; any other
// protection gets `buffer: null` and only the copying calls mmap_read and
// mmap_write, which check the protection first: a JS view can never fault.
// munmap detaches that ArrayBuffer first, so every view of it (typed arrays,
// Buffers) becomes zero-length and no JS code can touch unmapped memory. The
// handle holds the buffer; the pages stay mapped until close() or until both
// are collected.
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>

#include "binding.h"
#include "mman.h"

namespace posixkit::mman {

// napi_no_external_buffers_allowed, which Node 20's headers do not name yet.
static constexpr int kNoExternalBuffersAllowed = 22;

// Live mappings of this process. A handle is checked against it before use,
// so a foreign External passed to munmap/msync is refused, not dereferenced.
// Process-wide (not per env) because addresses are: a worker thread's handle
// is as valid as the main thread's.
static std::mutex registry_mu;
static std::unordered_set<Mapping*> registry;

void Unmap(Mapping* m) {
  if (!m->unmapped.exchange(true)) munmap(m->addr, m->len);
}

void Release(Mapping* m) {
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
Mapping* ArgMapping(const CallbackInfo& info, size_t i) {
  void* data = nullptr;
  if (i < info.Length() && info[i].IsObject() && napi_unwrap(info.Env(), info[i], &data) == napi_ok) {
    auto* m = static_cast<Mapping*>(data);
    std::lock_guard<std::mutex> g(registry_mu);
    // Something another addon wrapped is not ours: never dereference it.
    if (registry.count(m)) return m;
  }
  ThrowTypeError(info.Env(), "handle", "a mapping handle returned by mmap()");
  return nullptr;
}

// Flags that would place the mapping over memory the process already uses
// (the V8 heap, the addon itself): never from JS.
static constexpr int64_t kRefusedFlags = MAP_FIXED
#ifdef MAP_FIXED_NOREPLACE
                                         | MAP_FIXED_NOREPLACE
#endif
                                         | MAP_GROWSDOWN;

// mmap(fd, length, prot, flags, offset) -> handle; handle.buffer is the
// pages when they are PROT_READ | PROT_WRITE, else null.
static Value JS_mmap(const CallbackInfo& info) {
  int64_t fd, length, prot, flags, offset;
  if (!ArgInt(info, 0, "fd", -1, INT32_MAX, &fd) ||
      !ArgInt(info, 1, "length", 1, INT64_C(1) << 46, &length) ||
      !ArgInt(info, 2, "prot", 0, INT32_MAX, &prot) ||
      !ArgInt(info, 3, "flags", 0, INT32_MAX, &flags) ||
      !ArgInt(info, 4, "offset", 0, INT64_C(1) << 52, &offset))
    return UNDEF;
  if (flags & kRefusedFlags) {
    return ThrowCodedError(ENV, ErrorKind::kType, "ERR_INVALID_ARG_VALUE",
                           "The argument 'flags' must not include MAP_FIXED, MAP_FIXED_NOREPLACE or "
                           "MAP_GROWSDOWN: the kernel chooses where a mapping goes");
  }
  void* addr = mmap(nullptr, static_cast<size_t>(length), static_cast<int>(prot),
                    static_cast<int>(flags), static_cast<int>(fd), static_cast<off_t>(offset));
  if (addr == MAP_FAILED) return ThrowErrno(ENV, errno, "mmap");
  return NewHandle(ENV, NewMapping(addr, static_cast<size_t>(length), static_cast<int>(prot)));
}

Value NewHandle(Napi::Env env, Mapping* m) {
  bool exposed = (m->prot & kReadWrite) == kReadWrite;
  {
    std::lock_guard<std::mutex> g(registry_mu);
    registry.insert(m);
  }
  napi_value buffer = nullptr, handle;
  napi_status st = napi_ok;
  if (!exposed) {
    napi_get_null(env, &buffer);
  } else if ((st = napi_create_external_arraybuffer(env, m->addr, m->len, FinalizeBuffer, m, &buffer)) != napi_ok) {
    // Node caps external buffers (4 GiB on Node 20) and runtimes with the V8
    // sandbox refuse them: a clear error, never the pending exception plus a
    // second throw. Node runs (or schedules) the finalizer of a refused
    // buffer, which drops the buffer's reference; only the sandbox refusal
    // never calls it.
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) env.GetAndClearPendingException();
    size_t len = m->len;
    Unmap(m);
    if (static_cast<int>(st) == kNoExternalBuffersAllowed) Release(m);
    Release(m);
    return ThrowCodedError(env, ErrorKind::kRange, "ERR_OUT_OF_RANGE",
                           "mmap: a mapping of " + std::to_string(len) +
                               " bytes is larger than the biggest ArrayBuffer this runtime can make "
                               "(or the runtime refuses external ones): map a smaller window "
                               "(a length and a page-aligned offset)");
  }
  napi_property_descriptor prop = {"buffer", nullptr, nullptr, nullptr, nullptr, buffer, napi_enumerable, nullptr};
  if (napi_create_object(env, &handle) != napi_ok ||
      napi_define_properties(env, handle, 1, &prop) != napi_ok ||
      napi_wrap(env, handle, m, FinalizeHandle, nullptr, nullptr) != napi_ok) {
    // The buffer's finalizer (if any) drops its reference; drop the handle's.
    Unmap(m);
    Release(m);
    return ThrowErrno(env, ENOMEM, "mmap");
  }
  return Napi::Value(env, handle);
}

bool DetachBuffer(Napi::Env env, napi_value handle, Mapping* m, const char* syscall) {
  if ((m->prot & kReadWrite) != kReadWrite) return true;
  napi_value ab;
  void* data = nullptr;
  size_t len = 0;
  bool is_ab = false;
  // `buffer` is read-only and non-configurable, so this is the mapping's own
  // ArrayBuffer (already detached only if someone transferred it away).
  if (napi_get_named_property(env, handle, "buffer", &ab) != napi_ok ||
      napi_is_arraybuffer(env, ab, &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, ab, &data, &len) != napi_ok) {
    ThrowTypeError(env, "handle", "a mapping handle returned by mmap()");
    return false;
  }
  if (data == m->addr && napi_detach_arraybuffer(env, ab) != napi_ok) {
    ThrowCodedError(env, ErrorKind::kError, "ERR_MMAP_DETACH",
                    std::string(syscall) + ": cannot detach the mapping's ArrayBuffer");
    return false;
  }
  return true;
}

// munmap(handle): detaches handle.buffer (every view of it) and unmaps.
// Returns false when the mapping was already closed.
static Value JS_munmap(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  if (!m) return UNDEF;
  if (m->unmapped.load()) return Napi::Boolean::New(ENV, false);
  if (!DetachBuffer(ENV, info[0], m, "munmap")) return UNDEF;
  Unmap(m);
  return Napi::Boolean::New(ENV, true);
}

// [offset, offset + length) of a live mapping with `need` protection, or
// nullptr after throwing.
uint8_t* Window(const CallbackInfo& info, Mapping* m, int need, const char* syscall, int64_t offset,
                int64_t length) {
  if (m->unmapped.load()) {
    ThrowErrno(info.Env(), EBADF, syscall);
    return nullptr;
  }
  if ((m->prot & need) != need) {
    ThrowCodedError(info.Env(), ErrorKind::kType, "ERR_MMAP_PROTECTION",
                    std::string(syscall) + ": the mapping is not " +
                        (need == PROT_READ ? "readable (no PROT_READ)" : "writable (no PROT_WRITE)"));
    return nullptr;
  }
  if (static_cast<uint64_t>(offset) + static_cast<uint64_t>(length) > m->len) {
    ThrowRangeError(info.Env(), "offset + length", "<= the mapping's length");
    return nullptr;
  }
  return static_cast<uint8_t*>(m->addr) + offset;
}

// mmap_read(handle, offset, length) -> a new Buffer with a copy of the bytes.
static Value JS_mmap_read(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  int64_t offset, length;
  if (!m || !ArgInt(info, 1, "offset", 0, INT64_C(1) << 52, &offset) ||
      !ArgInt(info, 2, "length", 0, INT32_MAX, &length))
    return UNDEF;
  uint8_t* p = Window(info, m, PROT_READ, "mmap_read", offset, length);
  if (!p) return UNDEF;
  return Napi::Buffer<uint8_t>::Copy(ENV, p, static_cast<size_t>(length));
}

// mmap_write(handle, offset, data) -> bytes written (all of data).
static Value JS_mmap_write(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  int64_t offset;
  Bytes data;
  if (!m || !ArgInt(info, 1, "offset", 0, INT64_C(1) << 52, &offset) || !data.Read(info, 2, "data")) return UNDEF;
  uint8_t* p = Window(info, m, PROT_WRITE, "mmap_write", offset, static_cast<int64_t>(data.size()));
  if (!p) return UNDEF;
  memmove(p, data.data(), data.size());  // data may be a view of this very mapping
  return Napi::Number::New(ENV, static_cast<double>(data.size()));
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
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
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

// futex_wait / futex_wake sit on the contended path of every lock hand-off,
// so they read their arguments with the raw N-API calls (one
// napi_get_typedarray_info, no wrapper objects): each N-API round trip is a
// measurable share of a futex syscall. Every check is still made.

// The index of the int32 word of an Int32Array (held in *view, so a signal
// handler that detaches it between EINTR retries is caught), or -1 after
// throwing.
static int64_t FutexWord(napi_env env, napi_value* argv, size_t argc, Bytes* view) {
  if (!view->Read(env, argv[0], "view", ViewKind::kInt32)) return -1;
  size_t length = view->int32_count();
  double index;
  napi_valuetype vt = napi_undefined;
  if (argc < 2 || napi_typeof(env, argv[1], &vt) != napi_ok || vt != napi_number) {
    ThrowTypeError(Napi::Env(env), "index", "of type number");
    return -1;
  }
  napi_get_value_double(env, argv[1], &index);
  // A detached view has length 0, so every index is out of range.
  if (!(index >= 0 && index < static_cast<double>(length)) || index != static_cast<double>(static_cast<int64_t>(index))) {
    std::string r = length ? ">= 0 && <= " + std::to_string(length - 1) + " (an integer)" : "a valid index (the view is empty)";
    ThrowRangeError(Napi::Env(env), "index", r.c_str());
    return -1;
  }
  return static_cast<int64_t>(index);
}

// An int32 argument (a number that is an integer in range), or false after throwing.
static bool Int32Arg(napi_env env, napi_value* argv, size_t argc, size_t i, const char* name,
                     int64_t min, int64_t max, int64_t* out) {
  napi_valuetype vt = napi_undefined;
  if (i >= argc || napi_typeof(env, argv[i], &vt) != napi_ok || vt != napi_number) {
    ThrowTypeError(Napi::Env(env), name, "of type number");
    return false;
  }
  double v;
  napi_get_value_double(env, argv[i], &v);
  if (!(v >= static_cast<double>(min) && v <= static_cast<double>(max)) ||
      v != static_cast<double>(static_cast<int64_t>(v))) {
    std::string r = "an integer >= " + std::to_string(min) + " && <= " + std::to_string(max);
    ThrowRangeError(Napi::Env(env), name, r.c_str());
    return false;
  }
  *out = static_cast<int64_t>(v);
  return true;
}

static napi_value Int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

// futex_wait(view, index, expected, timeoutSeconds | undefined)
//   -> 0 (woken), -EAGAIN (the word was not `expected`), -ETIMEDOUT.
// Not FUTEX_PRIVATE_FLAG: the word lives in memory shared between
// processes, and the kernel keys shared futexes by (inode, offset), which is
// also what makes two mappings of one memfd in one process meet.
static napi_value JS_futex_wait(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  Bytes view;
  int64_t index = FutexWord(env, argv, argc, &view);
  int64_t expected;
  if (index < 0 || !Int32Arg(env, argv, argc, 2, "expected", INT32_MIN, INT32_MAX, &expected)) return nullptr;
  double timeout = -1;
  napi_valuetype vt = napi_undefined;
  if (argc > 3) napi_typeof(env, argv[3], &vt);
  if (vt != napi_undefined && vt != napi_null) {
    if (vt != napi_number) {
      ThrowTypeError(Napi::Env(env), "timeout", "of type number");
      return nullptr;
    }
    napi_get_value_double(env, argv[3], &timeout);
    if (!(timeout >= 0) || (timeout > kMaxTimeoutSeconds && timeout != INFINITY)) {
      ThrowRangeError(Napi::Env(env), "timeout", ">= 0 && <= 9223372036 (or Infinity for none)");
      return nullptr;
    }
    if (timeout == INFINITY) timeout = -1;
  }
  Deadline deadline(timeout);
  if (!RunPendingSignalsBeforeBlocking(Napi::Env(env))) return nullptr;
  for (;;) {
    struct timespec ts, *tp = nullptr;
    // FUTEX_WAIT's timeout is relative: recompute what is left each time.
    if (!deadline.infinite()) {
      ts = deadline.RemainingTimespec();
      tp = &ts;
    }
    int32_t* word = view.int32s() + index;  // as of the last check
    long r = syscall(SYS_futex, word, FUTEX_WAIT, static_cast<int>(expected), tp, nullptr, 0);
    if (r == 0) return Int(env, 0);
    int err = errno;
    if (err == EAGAIN || err == ETIMEDOUT) return Int(env, -err);
    if (err != EINTR) {
      ThrowErrno(Napi::Env(env), err, "futex");
      return nullptr;
    }
    if (!RunSignalHandlersAfterEINTR(Napi::Env(env))) return nullptr;
    if (deadline.Expired()) return Int(env, -ETIMEDOUT);
  }
}

// futex_wake(view, index, count) -> number of waiters woken
static napi_value JS_futex_wake(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, cbinfo, &argc, argv, nullptr, nullptr);
  Bytes view;
  int64_t index = FutexWord(env, argv, argc, &view);
  int64_t count;
  if (index < 0 || !Int32Arg(env, argv, argc, 2, "count", 0, INT32_MAX, &count)) return nullptr;
  long r = syscall(SYS_futex, view.int32s() + index, FUTEX_WAKE, static_cast<int>(count), nullptr, nullptr, 0);
  if (r < 0) {
    ThrowErrno(Napi::Env(env), errno, "futex");
    return nullptr;
  }
  return Int(env, r);
}

}  // namespace posixkit::mman

namespace posixkit {

void InitMman(Napi::Env env, Napi::Object exports) {
  using namespace mman;
  EXPORT_FN(exports, mmap); EXPORT_FN(exports, munmap); EXPORT_FN(exports, mmap_read);
  EXPORT_FN(exports, mmap_write); EXPORT_FN(exports, msync); EXPORT_FN(exports, memfd_create);
  EXPORT_FN(exports, shm_open); EXPORT_FN(exports, shm_unlink); EXPORT_FN(exports, mman_ftruncate);
  EXPORT_FN(exports, mman_fstat);
  napi_value fn;
  napi_create_function(env, "futex_wait", NAPI_AUTO_LENGTH, JS_futex_wait, nullptr, &fn);
  exports.Set("futex_wait", Napi::Value(env, fn));
  napi_create_function(env, "futex_wake", NAPI_AUTO_LENGTH, JS_futex_wake, nullptr, &fn);
  exports.Set("futex_wake", Napi::Value(env, fn));
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(PROT_NONE); K(PROT_READ); K(PROT_WRITE); K(PROT_EXEC);
  K(MAP_SHARED); K(MAP_PRIVATE); K(MAP_ANONYMOUS); K(MAP_FIXED); K(MAP_GROWSDOWN);
#ifdef MAP_FIXED_NOREPLACE
  K(MAP_FIXED_NOREPLACE);
#endif
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
  InitMmanFile(env, exports);
}

}  // namespace posixkit
