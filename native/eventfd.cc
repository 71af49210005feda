// eventfd(2): a kernel counter behind an fd, read and written as 8-byte
// integers. The counter is 64-bit: values past 2^53 cross as BigInt.
// Also the memfd_create(2) flags (the call itself is in mman.cc).
#include <linux/memfd.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "binding.h"
#include "os_args.h"

namespace posixkit::efd {

static Value JS_eventfd(const CallbackInfo& info) {
  int64_t initval;
  int32_t flags;
  if (!ArgInt(info, 0, "initval", 0, UINT32_MAX, &initval) || !ArgInt32(info, 1, "flags", &flags)) return UNDEF;
  int fd = eventfd(static_cast<unsigned>(initval), flags);
  if (fd < 0) return ThrowErrno(ENV, errno, "eventfd");
  return Napi::Number::New(ENV, fd);
}

// Blocks while the counter is 0 (unless EFD_NONBLOCK: EAGAIN).
static Value JS_eventfd_read(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  uint64_t v = 0;
  Value r = BlockingCall(ENV, "eventfd_read", [&] { return read(fd, &v, sizeof v); });
  if (ENV.IsExceptionPending()) return r;
  if (v > static_cast<uint64_t>(kMaxSafeInt)) return Napi::BigInt::New(ENV, v);
  return Napi::Number::New(ENV, static_cast<double>(v));
}

// Blocks while adding would overflow the counter (unless EFD_NONBLOCK).
static Value JS_eventfd_write(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  uint64_t v;
  if (info.Length() > 1 && info[1].IsBigInt()) {
    bool lossless = false;
    v = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) return ThrowRangeError(ENV, "value", ">= 0n && <= 2n ** 64n - 1n");
  } else {
    int64_t n;
    if (!ArgInt(info, 1, "value", 0, kMaxSafeInt, &n)) return UNDEF;
    v = static_cast<uint64_t>(n);
  }
  BlockingCall(ENV, "eventfd_write", [&] { return write(fd, &v, sizeof v); });
  return UNDEF;
}

}  // namespace posixkit::efd

namespace posixkit {

void InitEventfd(Napi::Env env, Napi::Object exports) {
  using namespace efd;
  EXPORT_FN(exports, eventfd);
  EXPORT_FN(exports, eventfd_read);
  EXPORT_FN(exports, eventfd_write);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(EFD_CLOEXEC); K(EFD_NONBLOCK); K(EFD_SEMAPHORE);
  K(MFD_CLOEXEC); K(MFD_ALLOW_SEALING); K(MFD_HUGETLB);
#ifdef MFD_HUGE_SHIFT
  K(MFD_HUGE_SHIFT); K(MFD_HUGE_MASK); K(MFD_HUGE_64KB); K(MFD_HUGE_512KB); K(MFD_HUGE_1MB);
  K(MFD_HUGE_2MB); K(MFD_HUGE_8MB); K(MFD_HUGE_16MB); K(MFD_HUGE_32MB); K(MFD_HUGE_256MB);
  K(MFD_HUGE_512MB); K(MFD_HUGE_1GB); K(MFD_HUGE_2GB); K(MFD_HUGE_16GB);
#endif
#undef K
  exports.Set("eventfdConstants", c);
}

}  // namespace posixkit
