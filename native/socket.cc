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

#include "addon.h"
#include "errors.h"
#include "socket.h"

namespace posixkit::sock {

using Napi::CallbackInfo;
using Napi::Value;

#define ENV info.Env()
#define UNDEF info.Env().Undefined()

// Scratch space for recv()/recvfrom()/recvmsg() that return a fresh Buffer of
// the received size. thread_local, not per-env state: it holds no JS values and
// each env (main or worker) runs on its own thread.
static thread_local std::vector<char> scratch;
static constexpr size_t kScratchMax = 1 << 20;

struct HeapBuf {
  char* p = nullptr;
  ~HeapBuf() { free(p); }
};

static bool ArgTimeout(const CallbackInfo& info, size_t i, double* t) {
  return ArgDouble(info, i, "timeout", t);
}

// (buffer, nbytes) -> pointer and length; nbytes 0 means the whole buffer.
static bool ArgInto(const CallbackInfo& info, size_t i, uint8_t** buf, size_t* len) {
  if (!ArgBytes(info, i, "buffer", buf, len)) return false;
  int64_t n;
  if (!ArgInt(info, i + 1, "nbytes", 0, static_cast<int64_t>(*len), &n)) return false;
  if (n > 0) *len = static_cast<size_t>(n);
  return true;
}

// A receive buffer of n bytes; null (ENOMEM) only for a huge request, since
// std::vector would abort on bad_alloc in a build without exceptions.
static char* Scratch(size_t n, HeapBuf* big) {
  if (n > kScratchMax) {
    big->p = static_cast<char*>(malloc(n));
    return big->p;
  }
  if (scratch.size() < n) scratch.resize(n < 65536 ? 65536 : n);
  return scratch.data();
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
  HeapBuf big;
  char* buf = Scratch(static_cast<size_t>(bufsize), &big);
  if (!buf) return ThrowErrno(ENV, ENOMEM, "malloc");
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl,
                       [&] { return recv(fd, buf, static_cast<size_t>(bufsize), flags); });
  if (r < 0) return Fail(ENV, r, "recv");
  return Napi::Buffer<char>::Copy(ENV, buf, static_cast<size_t>(r));
}

// recv_into(fd, buffer, nbytes, flags, timeout) -> bytes received.
static Value JS_recv_into(const CallbackInfo& info) {
  int fd;
  uint8_t* buf;
  size_t len;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInto(info, 1, &buf, &len) || !ArgInt32(info, 3, "flags", &flags) ||
      !ArgTimeout(info, 4, &timeout))
    return UNDEF;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] { return recv(fd, buf, len, flags); });
  if (r < 0) return Fail(ENV, r, "recv_into");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

// recv_into_raw(fd, buffer, flags) -> bytes or -errno, one recv (hot path of
// the event models: -EAGAIN ends an edge-triggered drain).
static Value JS_recv_into_raw(const CallbackInfo& info) {
  int fd;
  uint8_t* buf;
  size_t len;
  int32_t flags;
  if (!ArgFd(info, 0, &fd) || !ArgBytes(info, 1, "buffer", &buf, &len) ||
      !ArgInt32(info, 2, "flags", &flags))
    return UNDEF;
  return BlockingCall(ENV, nullptr, [&] { return recv(fd, buf, len, flags); });
}

static Value JS_recvfrom(const CallbackInfo& info) {
  int fd;
  int64_t bufsize;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgInt(info, 1, "bufsize", 0, INT32_MAX, &bufsize) ||
      !ArgInt32(info, 2, "flags", &flags) || !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  HeapBuf big;
  char* buf = Scratch(static_cast<size_t>(bufsize), &big);
  if (!buf) return ThrowErrno(ENV, ENOMEM, "malloc");
  SockAddr sa;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLIN, dl, [&] {
    sa.len = sizeof sa.ss;
    return recvfrom(fd, buf, static_cast<size_t>(bufsize), flags, reinterpret_cast<sockaddr*>(&sa.ss),
                    &sa.len);
  });
  if (r < 0) return Fail(ENV, r, "recvfrom");
  Napi::Array out = Napi::Array::New(ENV, 2);
  out.Set(0u, Napi::Buffer<char>::Copy(ENV, buf, static_cast<size_t>(r)));
  out.Set(1u, MakeSockaddr(ENV, reinterpret_cast<sockaddr*>(&sa.ss), sa.len));
  return out;
}

static Value JS_recvfrom_into(const CallbackInfo& info) {
  int fd;
  uint8_t* buf;
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
    return recvfrom(fd, buf, len, flags, reinterpret_cast<sockaddr*>(&sa.ss), &sa.len);
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
  uint8_t* buf;
  size_t len;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgBytes(info, 1, "data", &buf, &len) ||
      !ArgInt32(info, 2, "flags", &flags) || !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl,
                       [&] { return send(fd, buf, len, flags | MSG_NOSIGNAL); });
  if (r < 0) return Fail(ENV, r, "send");
  return Napi::Number::New(ENV, static_cast<double>(r));
}

// send_raw(fd, data, offset, length, flags) -> bytes or -errno, one send.
static Value JS_send_raw(const CallbackInfo& info) {
  int fd;
  uint8_t* buf;
  size_t len;
  int64_t off, n;
  int32_t flags;
  if (!ArgFd(info, 0, &fd) || !ArgBytes(info, 1, "data", &buf, &len) ||
      !ArgInt(info, 2, "offset", 0, static_cast<int64_t>(len), &off) ||
      !ArgInt(info, 3, "length", 0, static_cast<int64_t>(len) - off, &n) ||
      !ArgInt32(info, 4, "flags", &flags))
    return UNDEF;
  return BlockingCall(ENV, nullptr, [&] {
    return send(fd, buf + off, static_cast<size_t>(n), flags | MSG_NOSIGNAL);
  });
}

// sendall(fd, data, flags, timeout): the timeout bounds the whole call. On
// failure the error carries `bytesSent`, what went out before it.
static Value JS_sendall(const CallbackInfo& info) {
  int fd;
  uint8_t* buf;
  size_t len;
  int32_t flags;
  double timeout;
  if (!ArgFd(info, 0, &fd) || !ArgBytes(info, 1, "data", &buf, &len) ||
      !ArgInt32(info, 2, "flags", &flags) || !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  CallDeadline dl(timeout);
  size_t sent = 0;
  do {
    ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl,
                         [&] { return send(fd, buf + sent, len - sent, flags | MSG_NOSIGNAL); });
    if (r < 0) return FailPartial(ENV, r, "sendall", static_cast<double>(sent));
    sent += static_cast<size_t>(r);
  } while (sent < len);
  return UNDEF;
}

static Value JS_sendto(const CallbackInfo& info) {
  int fd;
  uint8_t* buf;
  size_t len;
  int32_t flags, family;
  double timeout;
  SockAddr sa;
  if (!ArgFd(info, 0, &fd) || !ArgBytes(info, 1, "data", &buf, &len) ||
      !ArgInt32(info, 2, "flags", &flags) || !ArgInt32(info, 3, "family", &family) ||
      !ArgSockaddr(info, 4, family, &sa, "sendto") || !ArgTimeout(info, 5, &timeout))
    return UNDEF;
  CallDeadline dl(timeout);
  ssize_t r = SockCall(ENV, fd, timeout, POLLOUT, dl, [&] {
    return sendto(fd, buf, len, flags | MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&sa.ss), sa.len);
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
    uint8_t* buf;
    size_t len;
    if (!ArgBytes(info, 3, "value", &buf, &len)) return UNDEF;
    r = setsockopt(fd, level, name, buf, static_cast<socklen_t>(len));
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

#undef ENV
#undef UNDEF

}  // namespace posixkit::sock

namespace posixkit {

void InitSocket(Napi::Env env, Napi::Object exports) {
  using namespace sock;
  Napi::Object s = Napi::Object::New(env);
#define FN(name) s.Set(#name, Napi::Function::New(env, JS_##name, #name))
  FN(socket); FN(socketpair); FN(close); FN(bind); FN(listen);
  FN(accept); FN(accept_raw); FN(connect); FN(recv); FN(recv_into); FN(recv_into_raw);
  FN(recvfrom); FN(recvfrom_into); FN(send); FN(send_raw); FN(sendall); FN(sendto);
  FN(shutdown); FN(getsockopt);
  FN(setsockopt); FN(getsockname); FN(getpeername);
#undef FN
  InitSocketMsg(env, s);
  InitSocketNames(env, s);
  InitSocketNetdb(env, s);
  Napi::Object c = Napi::Object::New(env);
  InitSocketConstants(env, c);
  s.Set("constants", c);
  exports.Set("socket", s);
}

}  // namespace posixkit
