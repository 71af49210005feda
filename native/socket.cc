// BSD sockets on real fds. One syscall per call; a blocking call follows the
// EINTR rule (errors.h) and, when the socket has a timeout, waits with poll()
// on the O_NONBLOCK fd as CPython's sock_call_ex does. `timeout` arguments are
// seconds: < 0 blocks (the fd is blocking), 0 is non-blocking (EAGAIN throws),
// > 0 waits at most that long in total and then throws ETIMEDOUT.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

// Scratch space for recv()/recvfrom() that return a fresh Buffer of the
// received size. thread_local, not per-env state: it holds no JS values and
// each env (main or worker) runs on its own thread.
static thread_local std::vector<char> scratch;
static constexpr size_t kScratchMax = 1 << 20;

// A receive buffer of n bytes. Small ones share the thread's scratch, which a
// signal handler's own recv() may grow (and move) between EINTR retries: ask
// for data() again after any JS ran, never keep it across a retry. Big ones
// are malloc'ed (std::vector would abort on bad_alloc without exceptions).
class RecvBuf {
 public:
  explicit RecvBuf(size_t n) : n_(n) {
    if (n > kScratchMax) big_ = static_cast<char*>(malloc(n));
  }
  ~RecvBuf() { free(big_); }
  bool ok() const { return n_ <= kScratchMax || big_; }
  char* data() {
    if (big_) return big_;
    if (scratch.size() < n_) scratch.resize(n_ < 65536 ? 65536 : n_);
    return scratch.data();
  }
  size_t size() const { return n_; }
  // What recv returned, as data: with MSG_TRUNC the kernel reports the
  // datagram's full length, but only size() bytes were written.
  Napi::Value Copy(Napi::Env env, ssize_t r) {
    size_t got = static_cast<size_t>(r) < n_ ? static_cast<size_t>(r) : n_;
    return Napi::Buffer<char>::Copy(env, data(), got);
  }

 private:
  size_t n_;
  char* big_ = nullptr;
};

// (buffer, nbytes) -> the buffer and the byte count; nbytes 0 means all of it.
static bool ArgInto(const CallbackInfo& info, size_t i, Bytes* buf, size_t* len) {
  if (!buf->Read(info, i, "buffer")) return false;
  int64_t n;
  if (!ArgInt(info, i + 1, "nbytes", 0, static_cast<int64_t>(buf->size()), &n)) return false;
  *len = n > 0 ? static_cast<size_t>(n) : buf->size();
  return true;
}

// ---- lifecycle ----------------------------------------------------------------

static Value JS_socket(const CallbackInfo& info) {
  int32_t family, type, proto;
  if (!ArgInt32(info, 0, "family", &family) || !ArgInt32(info, 1, "type", &type) ||
      !ArgInt32(info, 2, "proto", &proto))
    return UNDEF;
  int fd = socket(family, type | SOCK_CLOEXEC, proto);
  if (fd < 0) return ThrowErrno(ENV, errno, "socket");
  return Napi::Number::New(ENV, fd);
}

static Value JS_socketpair(const CallbackInfo& info) {
  int32_t family, type, proto;
  if (!ArgInt32(info, 0, "family", &family) || !ArgInt32(info, 1, "type", &type) ||
      !ArgInt32(info, 2, "proto", &proto))
    return UNDEF;
  int sv[2];
  if (socketpair(family, type | SOCK_CLOEXEC, proto, sv) < 0)
    return ThrowErrno(ENV, errno, "socketpair");
  return NumberPair(ENV, sv[0], sv[1]);
}

// close(2) is never retried: on Linux the fd is gone even after EINTR.
static Value JS_close(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  if (close(fd) < 0 && errno != EINTR && errno != ECONNRESET) return ThrowErrno(ENV, errno, "close");
  return UNDEF;
}

static Value JS_bind(const CallbackInfo& info) {
  int fd;
  int32_t family;
  SockAddr sa;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "family", &family) ||
      !ArgSockaddr(info, 2, family, &sa, "bind"))
    return UNDEF;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa.ss), sa.len) < 0) return ThrowErrno(ENV, errno, "bind");
  return UNDEF;
}

static Value JS_listen(const CallbackInfo& info) {
  int fd;
  int32_t backlog;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "backlog", &backlog)) return UNDEF;
  if (listen(fd, backlog) < 0) return ThrowErrno(ENV, errno, "listen");
  return UNDEF;
}

// accept(fd, timeout) -> [fd, address]; accept4(SOCK_CLOEXEC): the new fd is
// blocking whatever the listener's O_NONBLOCK is (bpo-7995).
static Value JS_accept(const CallbackInfo& info) {
  int fd;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgTimeout(info, 1, &timeout)) return UNDEF;
  SockAddr sa;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] {
    sa.len = sizeof sa.ss;
    return static_cast<ssize_t>(accept4(fd, reinterpret_cast<sockaddr*>(&sa.ss), &sa.len, SOCK_CLOEXEC));
  });
  if (r < 0) return Fail(ENV, r, "accept");
  Napi::Array out = Napi::Array::New(ENV, 2);
  out.Set(0u, Napi::Number::New(ENV, static_cast<double>(r)));
  out.Set(1u, MakeSockaddr(ENV, reinterpret_cast<sockaddr*>(&sa.ss), sa.len));
  return out;
}

// accept_raw(fd, flags) -> new fd or -errno: one accept4 for event loops
// (EAGAIN ends a drain and is not exceptional). flags may add SOCK_NONBLOCK,
// saving the fcntl an event loop would make next. The caller wraps the fd.
static Value JS_accept_raw(const CallbackInfo& info) {
  int fd;
  int32_t flags;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "flags", &flags)) return UNDEF;
  if (flags & ~SOCK_NONBLOCK) return ThrowRangeError(ENV, "flags", "0 or SOCK_NONBLOCK");
  return BlockingCall(ENV, nullptr, [&] {
    return accept4(fd, nullptr, nullptr, SOCK_CLOEXEC | flags);
  });
}

// connect(fd, family, address, timeout, ex). With ex, returns the errno (0 on
// success) instead of throwing, as connect_ex does. An interrupted or
// in-progress connect cannot be restarted, so it waits for writability and
// reads SO_ERROR (CPython's internal_connect).
static Value JS_connect(const CallbackInfo& info) {
  int fd;
  int32_t family;
  double timeout;
  SockAddr sa;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "family", &family) ||
      !ArgSockaddr(info, 2, family, &sa, "connect") || !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  bool ex = info.Length() > 4 && info[4].ToBoolean().Value();
  CallDeadline dl(timeout);
  int err = 0;
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa.ss), sa.len) < 0) {
    err = errno;
    bool wait;
    if (err == EINTR) {
      if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
      wait = timeout != 0;
    } else {
      wait = timeout > 0 && err == EINPROGRESS;
    }
    while (wait) {
      ssize_t w = WaitFd(ENV, fd, POLLOUT, dl);
      if (w == kThrown) return UNDEF;
      if (w < 0) {
        // CPython's connect_ex reports a timeout as EWOULDBLOCK.
        err = w == -ETIMEDOUT && ex ? EWOULDBLOCK : static_cast<int>(-w);
        break;
      }
      socklen_t len = sizeof err;
      if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
      if (err != EINTR) break;
      if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
    }
  }
  if (ex) return Napi::Number::New(ENV, err);
  if (err) return ThrowErrno(ENV, err, "connect");
  return UNDEF;
}

// ---- receiving ------------------------------------------------------------------

// recv(fd, bufsize, flags, timeout) -> Buffer (empty when the peer closed).
static Value JS_recv(const CallbackInfo& info) {
  int fd;
  int64_t bufsize;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "bufsize", 0, INT32_MAX, &bufsize) ||
      !ArgInt32(info, 2, "flags", &flags) || !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  RecvBuf buf(static_cast<size_t>(bufsize));
  if (!buf.ok()) return ThrowErrno(ENV, ENOMEM, "malloc");
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] { return recv(fd, buf.data(), buf.size(), flags); });
  if (r < 0) return Fail(ENV, r, "recv");
  return buf.Copy(ENV, r);
}

// recv_into(fd, buffer, nbytes, flags, timeout) -> bytes received.
// With MSG_TRUNC the count may exceed nbytes (the datagram's real length, as
// in C and Python); the kernel still wrote at most nbytes.
static Value JS_recv_into(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  size_t len;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInto(info, 1, &buf, &len) || !ArgInt32(info, 3, "flags", &flags) ||
      !ArgTimeout(info, 4, &timeout))
    return UNDEF;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] { return recv(fd, buf.data(), len, flags); });
  if (r < 0) return Fail(ENV, r, "recv_into");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

// recv_into_raw(fd, buffer, flags) -> bytes or -errno, one recv (hot path of
// the event models: -EAGAIN ends an edge-triggered drain).
static Value JS_recv_into_raw(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  int32_t flags;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "buffer") || !ArgInt32(info, 2, "flags", &flags))
    return UNDEF;
  return BlockingCall(ENV, nullptr, [&] { return recv(fd, buf.data(), buf.size(), flags); });
}

static Value JS_recvfrom(const CallbackInfo& info) {
  int fd;
  int64_t bufsize;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "bufsize", 0, INT32_MAX, &bufsize) ||
      !ArgInt32(info, 2, "flags", &flags) || !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  RecvBuf buf(static_cast<size_t>(bufsize));
  if (!buf.ok()) return ThrowErrno(ENV, ENOMEM, "malloc");
  SockAddr sa;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] {
    sa.len = sizeof sa.ss;
    return recvfrom(fd, buf.data(), buf.size(), flags, reinterpret_cast<sockaddr*>(&sa.ss), &sa.len);
  });
  if (r < 0) return Fail(ENV, r, "recvfrom");
  Napi::Array out = Napi::Array::New(ENV, 2);
  out.Set(0u, buf.Copy(ENV, r));
  out.Set(1u, MakeSockaddr(ENV, reinterpret_cast<sockaddr*>(&sa.ss), sa.len));
  return out;
}

static Value JS_recvfrom_into(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  size_t len;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInto(info, 1, &buf, &len) || !ArgInt32(info, 3, "flags", &flags) ||
      !ArgTimeout(info, 4, &timeout))
    return UNDEF;
  SockAddr sa;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] {
    sa.len = sizeof sa.ss;
    return recvfrom(fd, buf.data(), len, flags, reinterpret_cast<sockaddr*>(&sa.ss), &sa.len);
  });
  if (r < 0) return Fail(ENV, r, "recvfrom_into");
  Napi::Array out = Napi::Array::New(ENV, 2);
  out.Set(0u, Napi::Number::New(ENV, static_cast<double>(r)));
  out.Set(1u, MakeSockaddr(ENV, reinterpret_cast<sockaddr*>(&sa.ss), sa.len));
  return out;
}

// ---- sending (MSG_NOSIGNAL always: EPIPE, never SIGPIPE) ------------------------

static Value JS_send(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "data") || !ArgInt32(info, 2, "flags", &flags) ||
      !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl,
                       [&] { return send(fd, buf.data(), buf.size(), flags | MSG_NOSIGNAL); });
  if (r < 0) return Fail(ENV, r, "send");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

// send_raw(fd, data, offset, length, flags) -> bytes or -errno, one send.
static Value JS_send_raw(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  int64_t off, n;
  int32_t flags;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "data") ||
      !ArgInt(info, 2, "offset", 0, static_cast<int64_t>(buf.size()), &off) ||
      !ArgInt(info, 3, "length", 0, static_cast<int64_t>(buf.size()) - off, &n) ||
      !ArgInt32(info, 4, "flags", &flags))
    return UNDEF;
  return BlockingCall(ENV, nullptr, [&] {
    return send(fd, buf.data() + off, static_cast<size_t>(n), flags | MSG_NOSIGNAL);
  });
}

// sendall(fd, data, flags, timeout): the timeout bounds the whole call. On
// failure the error carries `bytesSent`, what went out before it.
static Value JS_sendall(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "data") || !ArgInt32(info, 2, "flags", &flags) ||
      !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  const size_t len = buf.size();  // a later check refuses a buffer that shrank below it
  CallDeadline dl(timeout);
  size_t sent = 0;
  do {
    ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl,
                         [&] { return send(fd, buf.data() + sent, len - sent, flags | MSG_NOSIGNAL); });
    if (r < 0) return FailPartial(ENV, r, "sendall", static_cast<double>(sent));
    sent += static_cast<size_t>(r);
  } while (sent < len);
  return UNDEF;
}

static Value JS_sendto(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  int32_t flags, family;
  double timeout;
  SockAddr sa;
  // The address is read before the data: reading it may run getters.
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 2, "flags", &flags) || !ArgInt32(info, 3, "family", &family) ||
      !ArgSockaddr(info, 4, family, &sa, "sendto") || !ArgTimeout(info, 5, &timeout) ||
      !buf.Read(info, 1, "data"))
    return UNDEF;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl, [&] {
    return sendto(fd, buf.data(), buf.size(), flags | MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&sa.ss), sa.len);
  });
  if (r < 0) return Fail(ENV, r, "sendto");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

// ---- state and options ------------------------------------------------------------

static Value JS_shutdown(const CallbackInfo& info) {
  int fd;
  int32_t how;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "how", &how)) return UNDEF;
  if (shutdown(fd, how) < 0) return ThrowErrno(ENV, errno, "shutdown");
  return UNDEF;
}

// getsockopt(fd, level, name, buflen): an int when buflen is 0, else a Buffer
// of what the kernel wrote.
static Value JS_getsockopt(const CallbackInfo& info) {
  int fd;
  int32_t level, name;
  int64_t buflen;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "level", &level) ||
      !ArgInt32(info, 2, "optname", &name) || !ArgInt(info, 3, "buflen", 0, 1024, &buflen))
    return UNDEF;
  if (buflen == 0) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, name, &v, &len) < 0) return ThrowErrno(ENV, errno, "getsockopt");
    return Napi::Number::New(ENV, v);
  }
  char buf[1024];
  socklen_t len = static_cast<socklen_t>(buflen);
  if (getsockopt(fd, level, name, buf, &len) < 0) return ThrowErrno(ENV, errno, "getsockopt");
  return Napi::Buffer<char>::Copy(ENV, buf, len);
}

// setsockopt(fd, level, name, value): value is an int or raw bytes.
static Value JS_setsockopt(const CallbackInfo& info) {
  int fd;
  int32_t level, name;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "level", &level) ||
      !ArgInt32(info, 2, "optname", &name))
    return UNDEF;
  int r;
  if (info.Length() > 3 && info[3].IsNumber()) {
    int32_t v;
    if (!ArgInt32(info, 3, "value", &v)) return UNDEF;
    int iv = v;
    r = setsockopt(fd, level, name, &iv, sizeof iv);
  } else {
    Bytes buf;
    if (!buf.Read(info, 3, "value")) return UNDEF;
    if (buf.size() > INT32_MAX) return ThrowRangeError(ENV, "value.byteLength", "<= 2147483647");
    r = setsockopt(fd, level, name, buf.data(), static_cast<socklen_t>(buf.size()));
  }
  if (r < 0) return ThrowErrno(ENV, errno, "setsockopt");
  return UNDEF;
}

static Value JS_getsockname(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  SockAddr sa;
  sa.len = sizeof sa.ss;
  memset(&sa.ss, 0, sizeof sa.ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&sa.ss), &sa.len) < 0)
    return ThrowErrno(ENV, errno, "getsockname");
  return MakeSockaddr(ENV, reinterpret_cast<sockaddr*>(&sa.ss), sa.len);
}

static Value JS_getpeername(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  SockAddr sa;
  sa.len = sizeof sa.ss;
  memset(&sa.ss, 0, sizeof sa.ss);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&sa.ss), &sa.len) < 0)
    return ThrowErrno(ENV, errno, "getpeername");
  return MakeSockaddr(ENV, reinterpret_cast<sockaddr*>(&sa.ss), sa.len);
}

}  // namespace posixkit::sock

namespace posixkit {

void InitSocket(Napi::Env env, Napi::Object exports) {
  using namespace sock;
  Napi::Object s = Napi::Object::New(env);
  EXPORT_FN(s, socket); EXPORT_FN(s, socketpair); EXPORT_FN(s, close); EXPORT_FN(s, bind);
  EXPORT_FN(s, listen); EXPORT_FN(s, accept); EXPORT_FN(s, accept_raw); EXPORT_FN(s, connect);
  EXPORT_FN(s, recv); EXPORT_FN(s, recv_into); EXPORT_FN(s, recv_into_raw); EXPORT_FN(s, recvfrom);
  EXPORT_FN(s, recvfrom_into); EXPORT_FN(s, send); EXPORT_FN(s, send_raw); EXPORT_FN(s, sendall);
  EXPORT_FN(s, sendto); EXPORT_FN(s, shutdown); EXPORT_FN(s, getsockopt); EXPORT_FN(s, setsockopt);
  EXPORT_FN(s, getsockname); EXPORT_FN(s, getpeername);
  InitSocketMsg(env, s);
  InitSocketNames(env, s);
  InitSocketNetdb(env, s);
  Napi::Object c = Napi::Object::New(env);
  InitSocketConstants(env, c);
  s.Set("constants", c);
  exports.Set("socket", s);
}

}  // namespace posixkit
