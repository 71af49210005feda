// Copies between fds inside the kernel: sendfile, splice, copy_file_range.
// Each may block on a pipe or socket: EINTR rule.
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>

#include "binding.h"
#include "os_args.h"

namespace posixkit::fdcopy {

static bool ArgFdNamed(const CallbackInfo& info, size_t i, const char* name, int* out) {
  int64_t v;
  if (!ArgInt(info, i, name, 0, INT32_MAX, &v)) return false;
  *out = static_cast<int>(v);
  return true;
}

// An optional offset: null/undefined means "the fd's own position" (a null pointer).
static bool ArgOptOffset(const CallbackInfo& info, size_t i, const char* name, loff_t* storage, loff_t** out) {
  int64_t v;
  if (!ArgOptInt(info, i, name, 0, kMaxSafeInt, -1, &v)) return false;
  *storage = static_cast<loff_t>(v);
  *out = v < 0 ? nullptr : storage;
  return true;
}

static bool ArgCount(const CallbackInfo& info, size_t i, size_t* out) {
  int64_t v;
  if (!ArgInt(info, i, "count", 0, kMaxSafeInt, &v)) return false;
  *out = static_cast<size_t>(v);
  return true;
}

// sendfile(out_fd, in_fd, offset|null, count) -> bytes sent. With an offset,
// in_fd's own position is left alone.
static Value JS_sendfile(const CallbackInfo& info) {
  int out_fd, in_fd;
  loff_t off, *poff;
  size_t count;
  if (!ArgFdNamed(info, 0, "out_fd", &out_fd) || !ArgFdNamed(info, 1, "in_fd", &in_fd) ||
      !ArgOptOffset(info, 2, "offset", &off, &poff) || !ArgCount(info, 3, &count))
    return UNDEF;
  return BlockingCall(ENV, "sendfile", [&] { return sendfile(out_fd, in_fd, poff, count); });
}

// splice(src, dst, count, offset_src|null, offset_dst|null, flags) -> bytes moved.
static Value JS_splice(const CallbackInfo& info) {
  int src, dst;
  size_t count;
  loff_t so, dof, *pso, *pdo;
  int64_t flags;
  if (!ArgFdNamed(info, 0, "src", &src) || !ArgFdNamed(info, 1, "dst", &dst) || !ArgCount(info, 2, &count) ||
      !ArgOptOffset(info, 3, "offset_src", &so, &pso) || !ArgOptOffset(info, 4, "offset_dst", &dof, &pdo) ||
      !ArgInt(info, 5, "flags", 0, UINT32_MAX, &flags))
    return UNDEF;
  return BlockingCall(ENV, "splice", [&] {
    return splice(src, pso, dst, pdo, count, static_cast<unsigned>(flags));
  });
}

static Value JS_copy_file_range(const CallbackInfo& info) {
  int src, dst;
  size_t count;
  loff_t so, dof, *pso, *pdo;
  if (!ArgFdNamed(info, 0, "src", &src) || !ArgFdNamed(info, 1, "dst", &dst) || !ArgCount(info, 2, &count) ||
      !ArgOptOffset(info, 3, "offset_src", &so, &pso) || !ArgOptOffset(info, 4, "offset_dst", &dof, &pdo))
    return UNDEF;
  return BlockingCall(ENV, "copy_file_range", [&] { return copy_file_range(src, pso, dst, pdo, count, 0); });
}

}  // namespace posixkit::fdcopy

namespace posixkit {

void InitFdcopy(Napi::Env env, Napi::Object exports) {
  using namespace fdcopy;
  EXPORT_FN(exports, sendfile);
  EXPORT_FN(exports, splice);
  EXPORT_FN(exports, copy_file_range);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(SPLICE_F_MOVE); K(SPLICE_F_NONBLOCK); K(SPLICE_F_MORE);
#undef K
  exports.Set("fdcopyConstants", c);
}

}  // namespace posixkit
