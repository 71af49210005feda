// sendmsg/recvmsg with ancillary data (SCM_RIGHTS fd passing rides on these),
// and sendfile(2): bytes of a file onto the socket without passing through JS.
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <climits>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "socket.h"

namespace posixkit::sock {

using Napi::CallbackInfo;
using Napi::Value;

#define ENV info.Env()
#define UNDEF info.Env().Undefined()

static bool ViewBytes(Napi::Value v, uint8_t** data, size_t* len) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  *data = static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  *len = ta.ByteLength();
  return true;
}

// sendmsg(fd, buffers, ancdata, flags, family, address|null, timeout) -> bytes
// buffers: ArrayBufferView[]; ancdata: [level, type, bytes][].
static Value JS_sendmsg(const CallbackInfo& info) {
  int fd;
  int32_t flags, family;
  double timeout;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  if (info.Length() < 3 || !info[1].IsArray() || !info[2].IsArray())
    return ThrowTypeError(ENV, "buffers", "an array of bytes-like objects");
  if (!ArgInt32(info, 3, "flags", &flags) || !ArgInt32(info, 4, "family", &family) ||
      !ArgDouble(info, 6, "timeout", &timeout))
    return UNDEF;
  Napi::Array bufs = info[1].As<Napi::Array>();
  std::vector<struct iovec> iov(bufs.Length());
  for (uint32_t k = 0; k < bufs.Length(); k++) {
    uint8_t* d;
    size_t n;
    if (!ViewBytes(bufs.Get(k), &d, &n))
      return ThrowTypeError(ENV, "buffers", "an array of bytes-like objects");
    iov[k].iov_base = d;
    iov[k].iov_len = n;
  }
  Napi::Array anc = info[2].As<Napi::Array>();
  size_t space = 0;
  for (uint32_t k = 0; k < anc.Length(); k++) {
    Napi::Value item = anc.Get(k);
    uint8_t* d;
    size_t n;
    if (!item.IsArray() || item.As<Napi::Array>().Length() != 3 ||
        !item.As<Napi::Array>().Get(0u).IsNumber() || !item.As<Napi::Array>().Get(1u).IsNumber() ||
        !ViewBytes(item.As<Napi::Array>().Get(2u), &d, &n))
      return ThrowTypeError(ENV, "ancdata", "an array of [level, type, bytes]");
    space += CMSG_SPACE(n);
  }
  std::vector<char> control(space);
  struct msghdr msg = {};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (space) {
    msg.msg_control = control.data();
    msg.msg_controllen = space;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    for (uint32_t k = 0; k < anc.Length(); k++) {
      Napi::Array item = anc.Get(k).As<Napi::Array>();
      uint8_t* d;
      size_t n;
      ViewBytes(item.Get(2u), &d, &n);
      c->cmsg_level = item.Get(0u).As<Napi::Number>().Int32Value();
      c->cmsg_type = item.Get(1u).As<Napi::Number>().Int32Value();
      c->cmsg_len = CMSG_LEN(n);
      memcpy(CMSG_DATA(c), d, n);
      c = CMSG_NXTHDR(&msg, c);
    }
  }
  SockAddr sa;
  if (info.Length() > 5 && !info[5].IsNull() && !info[5].IsUndefined()) {
    if (!ArgSockaddr(info, 5, family, &sa, "sendmsg")) return UNDEF;
    msg.msg_name = &sa.ss;
    msg.msg_namelen = sa.len;
  }
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl,
                       [&] { return sendmsg(fd, &msg, flags | MSG_NOSIGNAL); });
  if (r < 0) return Fail(ENV, r, "sendmsg");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

// [data, ancdata, msg_flags, address] of a completed recvmsg: the shape both
// recvmsg and recvmsg_into return (data is the bytes or their count).
static Value RecvmsgResult(Napi::Env env, Napi::Value data, const struct msghdr& msg, int flags, const SockAddr& sa) {
  Napi::Array anc = Napi::Array::New(env);
  uint32_t k = 0;
  if (msg.msg_controllen > 0) {
    const char* end = reinterpret_cast<const char*>(msg.msg_control) + msg.msg_controllen;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(const_cast<struct msghdr*>(&msg), c)) {
      const char* d = reinterpret_cast<const char*>(CMSG_DATA(c));
      if (d > end || c->cmsg_len < CMSG_LEN(0)) break;
      size_t n = c->cmsg_len - CMSG_LEN(0);
      // A truncated message may claim more than the buffer holds.
      if (d + n > end) n = static_cast<size_t>(end - d);
      Napi::Array item = Napi::Array::New(env, 3);
      item.Set(0u, Napi::Number::New(env, c->cmsg_level));
      item.Set(1u, Napi::Number::New(env, c->cmsg_type));
      item.Set(2u, Napi::Buffer<char>::Copy(env, d, n));
      anc.Set(k++, item);
    }
  }
  Napi::Array out = Napi::Array::New(env, 4);
  out.Set(0u, data);
  out.Set(1u, anc);
  // The kernel echoes MSG_CMSG_CLOEXEC back; report it only if the caller asked.
  int mflags = (flags & MSG_CMSG_CLOEXEC) ? msg.msg_flags : (msg.msg_flags & ~MSG_CMSG_CLOEXEC);
  out.Set(2u, Napi::Number::New(env, mflags));
  out.Set(3u, MakeSockaddr(env, reinterpret_cast<const sockaddr*>(&sa.ss), msg.msg_namelen));
  return out;
}

// recvmsg(fd, bufsize, ancbufsize, flags, timeout) -> [data, ancdata, msg_flags, address]
// MSG_CMSG_CLOEXEC is always added: received fds are born close-on-exec. When
// the control buffer is too small the kernel sets MSG_CTRUNC and closes the
// fds that did not fit, so nothing leaks; the ones that fit are reported.
static Value JS_recvmsg(const CallbackInfo& info) {
  int fd;
  int64_t bufsize, ancbufsize;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "bufsize", 0, INT32_MAX, &bufsize) ||
      !ArgInt(info, 2, "ancbufsize", 0, 1 << 20, &ancbufsize) ||
      !ArgInt32(info, 3, "flags", &flags) || !ArgDouble(info, 4, "timeout", &timeout))
    return UNDEF;
  // malloc, not std::vector: a huge bufsize must be ENOMEM, not an abort.
  std::unique_ptr<char, decltype(&free)> data(static_cast<char*>(malloc(bufsize ? bufsize : 1)), &free);
  if (!data) return ThrowErrno(ENV, ENOMEM, "malloc");
  // Aligned for struct cmsghdr.
  std::vector<struct cmsghdr> control((static_cast<size_t>(ancbufsize) + sizeof(cmsghdr) - 1) / sizeof(cmsghdr));
  struct iovec iov = {data.get(), static_cast<size_t>(bufsize)};
  SockAddr sa;
  struct msghdr msg = {};
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] {
    msg = {};
    msg.msg_name = &sa.ss;
    msg.msg_namelen = sizeof sa.ss;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ancbufsize ? control.data() : nullptr;
    msg.msg_controllen = static_cast<size_t>(ancbufsize);
    return recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC);
  });
  if (r < 0) return Fail(ENV, r, "recvmsg");
  return RecvmsgResult(ENV, Napi::Buffer<char>::Copy(ENV, data.get(), static_cast<size_t>(r)), msg, flags, sa);
}

// The current memory of an ArrayBufferView (nullptr, 0 once it is detached).
// Read again before every attempt: a signal handler that ran between two
// attempts may have detached or transferred the buffer.
static void ViewMemory(Napi::Env env, napi_value v, void** data, size_t* len) {
  Napi::Value val(env, v);
  uint8_t* base;
  if (val.IsTypedArray()) {
    Napi::TypedArray ta = val.As<Napi::TypedArray>();
    base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
    *data = base ? base + ta.ByteOffset() : nullptr;
    *len = base ? ta.ByteLength() : 0;
  } else {
    Napi::DataView dv = val.As<Napi::DataView>();
    base = static_cast<uint8_t*>(dv.ArrayBuffer().Data());
    *data = base ? base + dv.ByteOffset() : nullptr;
    *len = base ? dv.ByteLength() : 0;
  }
}

// recvmsg_into(fd, buffers, ancbufsize, flags, timeout) -> [nbytes, ancdata, msg_flags, address]
// The data is scattered into the caller's buffers (one iovec each), as
// Python's recvmsg_into.
static Value JS_recvmsg_into(const CallbackInfo& info) {
  int fd;
  int64_t ancbufsize;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  if (info.Length() < 2 || !info[1].IsArray()) return ThrowTypeError(ENV, "buffers", "an array of bytes-like objects");
  if (!ArgInt(info, 2, "ancbufsize", 0, 1 << 20, &ancbufsize) || !ArgInt32(info, 3, "flags", &flags) ||
      !ArgDouble(info, 4, "timeout", &timeout))
    return UNDEF;
  Napi::Array list = info[1].As<Napi::Array>();
  uint32_t n = list.Length();
  if (n > IOV_MAX) return ThrowErrno(ENV, EMSGSIZE, "recvmsg_into");
  // The list is read once; each item must be a view.
  std::vector<napi_value> views(n);
  for (uint32_t k = 0; k < n; k++) {
    Napi::Value v = list.Get(k);
    if (!v.IsTypedArray() && !v.IsDataView()) return ThrowTypeError(ENV, "buffers", "an array of bytes-like objects");
    views[k] = v;
  }
  std::vector<struct iovec> iov(n);
  std::vector<struct cmsghdr> control((static_cast<size_t>(ancbufsize) + sizeof(cmsghdr) - 1) / sizeof(cmsghdr));
  SockAddr sa;
  struct msghdr msg = {};
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] {
    for (uint32_t k = 0; k < n; k++) ViewMemory(ENV, views[k], &iov[k].iov_base, &iov[k].iov_len);
    msg = {};
    msg.msg_name = &sa.ss;
    msg.msg_namelen = sizeof sa.ss;
    msg.msg_iov = n ? iov.data() : nullptr;
    msg.msg_iovlen = n;
    msg.msg_control = ancbufsize ? control.data() : nullptr;
    msg.msg_controllen = static_cast<size_t>(ancbufsize);
    return recvmsg(fd, &msg, flags | MSG_CMSG_CLOEXEC);
  });
  if (r < 0) return Fail(ENV, r, "recvmsg_into");
  return RecvmsgResult(ENV, Napi::Number::New(ENV, static_cast<double>(r)), msg, flags, sa);
}

// CPython's limits: the result must fit the socklen limit (INT_MAX on Linux).
static Value JS_CMSG_LEN(const CallbackInfo& info) {
  int64_t n;
  if (!ArgInt(info, 0, "length", 0, INT32_MAX - static_cast<int64_t>(CMSG_LEN(0)), &n)) return UNDEF;
  return Napi::Number::New(ENV, static_cast<double>(CMSG_LEN(static_cast<size_t>(n))));
}

static Value JS_CMSG_SPACE(const CallbackInfo& info) {
  int64_t n;
  if (!ArgInt(info, 0, "length", 0, INT32_MAX - static_cast<int64_t>(CMSG_SPACE(1)), &n)) return UNDEF;
  return Napi::Number::New(ENV, static_cast<double>(CMSG_SPACE(static_cast<size_t>(n))));
}

// sendfile(2) never moves in_fd's own offset here: the offset is passed in.
static bool ArgSendfile(const CallbackInfo& info, int* out_fd, int* in_fd, int64_t* off, int64_t* count) {
  return ArgFd(info, 0, out_fd) && ArgFd(info, 1, in_fd) &&
         ArgInt(info, 2, "offset", 0, INT64_C(1) << 53, off) && ArgInt(info, 3, "count", 0, INT64_C(1) << 53, count);
}

// sendfile(sock, file, offset, count, timeout) -> bytes sent: loops like
// sendall until `count` bytes went out or the file ended (a short total, as
// Python's socket.sendfile), under the socket's timeout.
static Value JS_sendfile(const CallbackInfo& info) {
  int out_fd, in_fd;
  int64_t off, count;
  double timeout;
  if (!ArgSendfile(info, &out_fd, &in_fd, &off, &count) || !ArgDouble(info, 4, "timeout", &timeout)) return UNDEF;
  CallDeadline dl(timeout);
  int64_t sent = 0;
  while (sent < count) {
    off_t o = static_cast<off_t>(off + sent);
    size_t chunk = static_cast<size_t>(std::min<int64_t>(count - sent, 0x7ffff000));
    ssize_t r = SockCall(ENV, out_fd, timeout, POLLOUT, dl, [&] { return sendfile(out_fd, in_fd, &o, chunk); });
    if (r < 0) return FailPartial(ENV, r, "sendfile", static_cast<double>(sent));
    if (r == 0) break;  // end of file
    sent += r;
  }
  return Napi::Number::New(ENV, static_cast<double>(sent));
}

// sendfile_raw(sock, file, offset, count) -> bytes or -errno: one call, for
// event loops on non-blocking sockets (0 means the file ended).
static Value JS_sendfile_raw(const CallbackInfo& info) {
  int out_fd, in_fd;
  int64_t off, count;
  if (!ArgSendfile(info, &out_fd, &in_fd, &off, &count)) return UNDEF;
  off_t o = static_cast<off_t>(off);
  size_t chunk = static_cast<size_t>(std::min<int64_t>(count, 0x7ffff000));
  return BlockingCall(ENV, nullptr, [&] { return sendfile(out_fd, in_fd, &o, chunk); });
}

#undef ENV
#undef UNDEF

void InitSocketMsg(Napi::Env env, Napi::Object s) {
#define FN(name) s.Set(#name, Napi::Function::New(env, JS_##name, #name))
  FN(sendmsg); FN(recvmsg); FN(recvmsg_into); FN(CMSG_LEN); FN(CMSG_SPACE); FN(sendfile); FN(sendfile_raw);
#undef FN
}

}  // namespace posixkit::sock
