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

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

// Python's limits, checked before anything is allocated: more iovecs than
// IOV_MAX is the kernel's EMSGSIZE, and no control message may exceed the
// kernel's own cap on ancillary data (optmem_max is far below this).
static constexpr uint32_t kMaxAncItems = 1024;
static constexpr size_t kMaxControl = 1 << 20;

// sendmsg(fd, buffers, ancdata, flags, family, address|null, timeout) -> bytes
// buffers: ArrayBufferView[]; ancdata: [level, type, bytes][]. Each list and
// each item is read once into a snapshot (getters run then); the control
// buffer is sized and filled from the snapshot, so a list that changes while
// it is read cannot make the copy outgrow the allocation.
static Value JS_sendmsg(const CallbackInfo& info) {
  int fd;
  int32_t flags, family;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 3, "flags", &flags) || !ArgInt32(info, 4, "family", &family) ||
      !ArgTimeout(info, 6, &timeout))
    return UNDEF;
  const char* bufs_shape = "an array of bytes-like objects";
  const char* anc_shape = "an array of [level, type, bytes]";
  uint32_t nbufs;
  if (!ListLength(ENV, info[1], "buffers", bufs_shape, &nbufs)) return UNDEF;
  if (nbufs > IOV_MAX) return ThrowErrno(ENV, EMSGSIZE, "sendmsg");
  std::vector<napi_value> bufs, anc;
  if (!ReadList(ENV, info[1], "buffers", bufs_shape, IOV_MAX, &bufs) ||
      !ReadList(ENV, info[2], "ancdata", anc_shape, kMaxAncItems, &anc))
    return UNDEF;
  struct Item {
    int64_t level, type;
    napi_value data;
  };
  std::vector<Item> items(anc.size());
  for (size_t k = 0; k < anc.size(); k++) {
    std::vector<napi_value> t;
    uint32_t n;
    if (!ListLength(ENV, anc[k], "ancdata", anc_shape, &n)) return UNDEF;
    if (n != 3) return ThrowTypeError(ENV, "ancdata", anc_shape);
    if (!ReadList(ENV, anc[k], "ancdata", anc_shape, 3, &t)) return UNDEF;
    if (!IntValue(ENV, t[0], "cmsg_level", INT32_MIN, INT32_MAX, &items[k].level) ||
        !IntValue(ENV, t[1], "cmsg_type", INT32_MIN, INT32_MAX, &items[k].type))
      return UNDEF;
    items[k].data = t[2];
  }
  SockAddr sa;
  bool has_addr = info.Length() > 5 && !info[5].IsNull() && !info[5].IsUndefined();
  if (has_addr && !ArgSockaddr(info, 5, family, &sa, "sendmsg")) return UNDEF;
  // Every getter has run: from here on no JS runs until the syscall, so the
  // views' memory is fetched once for the size pass and the copy.
  std::unique_ptr<Bytes[]> views(new Bytes[bufs.size() + items.size()]);
  std::vector<struct iovec> iov(bufs.size());
  for (size_t k = 0; k < bufs.size(); k++) {
    if (!views[k].Read(ENV, bufs[k], "buffers")) return UNDEF;
    iov[k] = {views[k].data(), views[k].size()};
  }
  size_t space = 0;
  for (size_t k = 0; k < items.size(); k++) {
    Bytes& d = views[bufs.size() + k];
    if (!d.Read(ENV, items[k].data, "ancdata")) return UNDEF;
    if (d.size() > kMaxControl || (space += CMSG_SPACE(d.size())) > kMaxControl)
      return ThrowErrno(ENV, ENOBUFS, "sendmsg");
  }
  // malloc, not std::vector: without exceptions a failed allocation aborts.
  std::unique_ptr<char, decltype(&free)> control(static_cast<char*>(space ? calloc(1, space) : nullptr), &free);
  if (space && !control) return ThrowErrno(ENV, ENOMEM, "sendmsg");
  struct msghdr msg = {};
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (space) {
    msg.msg_control = control.get();
    msg.msg_controllen = space;
    struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
    for (size_t k = 0; k < items.size(); k++) {
      Bytes& d = views[bufs.size() + k];
      c->cmsg_level = static_cast<int>(items[k].level);
      c->cmsg_type = static_cast<int>(items[k].type);
      c->cmsg_len = CMSG_LEN(d.size());
      memcpy(CMSG_DATA(c), d.data(), d.size());
      c = CMSG_NXTHDR(&msg, c);
    }
  }
  if (has_addr) {
    msg.msg_name = &sa.ss;
    msg.msg_namelen = sa.len;
  }
  CallDeadline dl(timeout);
  // A signal handler may detach a data buffer between retries: the check
  // after it (AroundJs) refuses that, so the iovecs stay valid.
  ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl, [&] { return sendmsg(fd, &msg, flags | MSG_NOSIGNAL); });
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
      !ArgInt32(info, 3, "flags", &flags) || !ArgTimeout(info, 4, &timeout))
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
  // With MSG_TRUNC the kernel returns the datagram's full length; only
  // bufsize bytes were written (msg_flags says MSG_TRUNC), as Python returns.
  size_t got = static_cast<size_t>(r) < static_cast<size_t>(bufsize) ? static_cast<size_t>(r) : static_cast<size_t>(bufsize);
  return RecvmsgResult(ENV, Napi::Buffer<char>::Copy(ENV, data.get(), got), msg, flags, sa);
}

// recvmsg_into(fd, buffers, ancbufsize, flags, timeout) -> [nbytes, ancdata, msg_flags, address]
// The data is scattered into the caller's views, one iovec each, as Python's
// recvmsg_into. The list is snapshotted once; a signal handler that detaches
// or shrinks one of the views between EINTR retries is refused (the buffer
// rule) before the next attempt. With MSG_TRUNC, nbytes is the datagram's
// full length, as in C and Python.
static Value JS_recvmsg_into(const CallbackInfo& info) {
  int fd;
  int64_t ancbufsize;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 2, "ancbufsize", 0, 1 << 20, &ancbufsize) ||
      !ArgInt32(info, 3, "flags", &flags) || !ArgTimeout(info, 4, &timeout))
    return UNDEF;
  const char* shape = "an array of bytes-like objects";
  uint32_t n;
  if (!ListLength(ENV, info[1], "buffers", shape, &n)) return UNDEF;
  if (n > IOV_MAX) return ThrowErrno(ENV, EMSGSIZE, "recvmsg_into");
  std::vector<napi_value> list;
  if (!ReadList(ENV, info[1], "buffers", shape, IOV_MAX, &list)) return UNDEF;
  std::unique_ptr<Bytes[]> views(new Bytes[list.size()]);
  for (size_t k = 0; k < list.size(); k++) {
    if (!views[k].Read(ENV, list[k], "buffers")) return UNDEF;
  }
  std::vector<struct iovec> iov(list.size());
  std::vector<struct cmsghdr> control((static_cast<size_t>(ancbufsize) + sizeof(cmsghdr) - 1) / sizeof(cmsghdr));
  SockAddr sa;
  struct msghdr msg = {};
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] {
    // The views' memory as of the last check (every JS run is followed by one).
    for (size_t k = 0; k < list.size(); k++) iov[k] = {views[k].data(), views[k].size()};
    msg = {};
    msg.msg_name = &sa.ss;
    msg.msg_namelen = sizeof sa.ss;
    msg.msg_iov = iov.empty() ? nullptr : iov.data();
    msg.msg_iovlen = iov.size();
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
  if (!ArgSendfile(info, &out_fd, &in_fd, &off, &count) || !ArgTimeout(info, 4, &timeout)) return UNDEF;
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

void InitSocketMsg(Napi::Env env, Napi::Object s) {
  EXPORT_FN(s, sendmsg); EXPORT_FN(s, recvmsg); EXPORT_FN(s, recvmsg_into); EXPORT_FN(s, CMSG_LEN); EXPORT_FN(s, CMSG_SPACE);
  EXPORT_FN(s, sendfile); EXPORT_FN(s, sendfile_raw);
}

}  // namespace posixkit::sock
