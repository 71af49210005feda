// What Python's mmap object does beyond reading and writing: mremap(2) for
// resize(), madvise(2), memmove within a mapping (move()), and find/rfind
// over the mapped bytes. Every call checks the handle, the protection and the
// range first (mman.h Window), so none can touch memory outside the mapping
// or fault on its protection.
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "binding.h"
#include "mman.h"

namespace posixkit::mman {

// mremap(handle, newLength) -> [newHandle, errno]. The old handle's buffer is
// detached first (the pages may move: no view may keep the old address), and
// the old handle is retired. On success newHandle covers the resized pages;
// when mremap fails (errno != 0) it covers the unchanged ones, so the caller
// always has a live handle and a fresh buffer.
static Value JS_mremap(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  int64_t length;
  if (!m || !ArgInt(info, 1, "length", 1, INT64_C(1) << 46, &length)) return UNDEF;
  if (m->unmapped.load()) return ThrowErrno(ENV, EBADF, "mremap");
  if (!DetachBuffer(ENV, info[0], m, "mremap")) return UNDEF;
  void* addr = mremap(m->addr, m->len, static_cast<size_t>(length), MREMAP_MAYMOVE);
  int err = addr == MAP_FAILED ? errno : 0;
  Mapping* next = err ? NewMapping(m->addr, m->len, m->prot) : NewMapping(addr, static_cast<size_t>(length), m->prot);
  // The pages now belong to `next`: the old Mapping must never munmap them.
  m->unmapped.store(true);
  Napi::Value h = NewHandle(ENV, next);
  if (h.IsUndefined()) return UNDEF;
  Napi::Array r = Napi::Array::New(ENV, 2);
  r.Set(0u, h);
  r.Set(1u, Napi::Number::New(ENV, err));
  return r;
}

// The advice values that cannot make a later access fault. MADV_DONTFORK
// would leave a forked child's views over unmapped memory, MADV_HWPOISON and
// MADV_SOFT_OFFLINE poison pages (SIGBUS), MADV_GUARD_INSTALL makes guard
// pages (SIGSEGV); those and any value not listed here are refused.
static bool SafeAdvice(int64_t advice) {
  switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED: case MADV_DONTNEED:
#ifdef MADV_FREE
    case MADV_FREE:
#endif
#ifdef MADV_REMOVE
    case MADV_REMOVE:
#endif
#ifdef MADV_DOFORK
    case MADV_DOFORK:
#endif
#ifdef MADV_MERGEABLE
    case MADV_MERGEABLE: case MADV_UNMERGEABLE:
#endif
#ifdef MADV_HUGEPAGE
    case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
#endif
#ifdef MADV_DONTDUMP
    case MADV_DONTDUMP: case MADV_DODUMP:
#endif
#ifdef MADV_WIPEONFORK
    case MADV_WIPEONFORK: case MADV_KEEPONFORK:
#endif
#ifdef MADV_COLD
    case MADV_COLD: case MADV_PAGEOUT:
#endif
#ifdef MADV_POPULATE_READ
    case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
#endif
#ifdef MADV_COLLAPSE
    case MADV_COLLAPSE:
#endif
      return true;
    default:
      return false;
  }
}

// madvise(handle, offset, length, advice)
static Value JS_madvise(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  int64_t offset, length, advice;
  if (!m || !ArgInt(info, 1, "start", 0, INT64_C(1) << 52, &offset) ||
      !ArgInt(info, 2, "length", 0, INT64_C(1) << 52, &length) ||
      !ArgInt(info, 3, "option", INT32_MIN, INT32_MAX, &advice))
    return UNDEF;
  if (!SafeAdvice(advice)) {
    return ThrowCodedError(ENV, ErrorKind::kType, "ERR_MMAP_UNSAFE_ADVICE",
                           "madvise: advice " + std::to_string(advice) +
                               " is refused: it could make a later access to the mapping fault "
                               "(MADV_DONTFORK, MADV_HWPOISON, MADV_SOFT_OFFLINE, guard pages) or is unknown");
  }
  uint8_t* p = Window(info, m, 0, "madvise", offset, length);
  if (!p) return UNDEF;
  if (madvise(p, static_cast<size_t>(length), static_cast<int>(advice)) < 0) return ThrowErrno(ENV, errno, "madvise");
  return UNDEF;
}

// mmap_move(handle, dest, src, count): memmove inside the mapping.
static Value JS_mmap_move(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  int64_t dest, src, count;
  if (!m || !ArgInt(info, 1, "dest", 0, INT64_C(1) << 52, &dest) ||
      !ArgInt(info, 2, "src", 0, INT64_C(1) << 52, &src) || !ArgInt(info, 3, "count", 0, INT64_C(1) << 52, &count))
    return UNDEF;
  uint8_t* to = Window(info, m, kReadWrite, "move", dest, count);
  uint8_t* from = to ? Window(info, m, kReadWrite, "move", src, count) : nullptr;
  if (!from) return UNDEF;
  memmove(to, from, static_cast<size_t>(count));
  return UNDEF;
}

// mmap_find(handle, sub, start, end, reverse) -> the offset of the first (or
// last) occurrence of sub inside [start, end), or -1.
static Value JS_mmap_find(const CallbackInfo& info) {
  Mapping* m = ArgMapping(info, 0);
  Bytes sub;
  int64_t start, end;
  if (!m || !sub.Read(info, 1, "sub") || !ArgInt(info, 2, "start", 0, INT64_C(1) << 52, &start) ||
      !ArgInt(info, 3, "end", 0, INT64_C(1) << 52, &end))
    return UNDEF;
  bool reverse = info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value();
  if (end < start) return Napi::Number::New(ENV, -1);
  uint8_t* p = Window(info, m, PROT_READ, "find", start, end - start);
  if (!p) return UNDEF;
  size_t hay = static_cast<size_t>(end - start), n = sub.size();
  if (n > hay) return Napi::Number::New(ENV, -1);
  if (!reverse) {
    void* hit = n == 0 ? p : memmem(p, hay, sub.data(), n);
    return Napi::Number::New(ENV, hit ? static_cast<double>(start + (static_cast<uint8_t*>(hit) - p)) : -1);
  }
  for (size_t i = hay - n + 1; i-- > 0;) {
    if (n == 0 || (p[i] == sub.data()[0] && memcmp(p + i, sub.data(), n) == 0))
      return Napi::Number::New(ENV, static_cast<double>(start + static_cast<int64_t>(i)));
  }
  return Napi::Number::New(ENV, -1);
}

}  // namespace posixkit::mman

namespace posixkit {

void InitMmanFile(Napi::Env env, Napi::Object exports) {
  using namespace mman;
  EXPORT_FN(exports, mremap); EXPORT_FN(exports, madvise); EXPORT_FN(exports, mmap_move);
  EXPORT_FN(exports, mmap_find);
  Napi::Object c = exports.Get("mmanConstants").As<Napi::Object>();
#define K(name) EXPORT_VALUE(c, #name, name)
  // Python's mmap names; each guarded so an older libc just lacks it.
#ifdef MADV_NORMAL
  K(MADV_NORMAL);
#endif
#ifdef MADV_RANDOM
  K(MADV_RANDOM);
#endif
#ifdef MADV_SEQUENTIAL
  K(MADV_SEQUENTIAL);
#endif
#ifdef MADV_WILLNEED
  K(MADV_WILLNEED);
#endif
#ifdef MADV_DONTNEED
  K(MADV_DONTNEED);
#endif
#ifdef MADV_FREE
  K(MADV_FREE);
#endif
#ifdef MADV_REMOVE
  K(MADV_REMOVE);
#endif
#ifdef MADV_DONTFORK
  K(MADV_DONTFORK);
#endif
#ifdef MADV_DOFORK
  K(MADV_DOFORK);
#endif
#ifdef MADV_HWPOISON
  K(MADV_HWPOISON);
#endif
#ifdef MADV_MERGEABLE
  K(MADV_MERGEABLE);
#endif
#ifdef MADV_UNMERGEABLE
  K(MADV_UNMERGEABLE);
#endif
#ifdef MADV_SOFT_OFFLINE
  K(MADV_SOFT_OFFLINE);
#endif
#ifdef MADV_HUGEPAGE
  K(MADV_HUGEPAGE);
#endif
#ifdef MADV_NOHUGEPAGE
  K(MADV_NOHUGEPAGE);
#endif
#ifdef MADV_DONTDUMP
  K(MADV_DONTDUMP);
#endif
#ifdef MADV_DODUMP
  K(MADV_DODUMP);
#endif
#ifdef MADV_WIPEONFORK
  K(MADV_WIPEONFORK);
#endif
#ifdef MADV_KEEPONFORK
  K(MADV_KEEPONFORK);
#endif
#ifdef MADV_COLD
  K(MADV_COLD);
#endif
#ifdef MADV_PAGEOUT
  K(MADV_PAGEOUT);
#endif
#ifdef MADV_POPULATE_READ
  K(MADV_POPULATE_READ);
#endif
#ifdef MADV_POPULATE_WRITE
  K(MADV_POPULATE_WRITE);
#endif
#ifdef MAP_DENYWRITE
  K(MAP_DENYWRITE);
#endif
#ifdef MAP_EXECUTABLE
  K(MAP_EXECUTABLE);
#endif
#ifdef MAP_STACK
  K(MAP_STACK);
#endif
#undef K
}

}  // namespace posixkit
