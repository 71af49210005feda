// Internal to the socket family (socket.cc, socket_addr.cc, socket_msg.cc, socket_netdb.cc):
// sockaddr conversion both ways and the wait-for-readiness helper.
#pragma once
#include <napi.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include "args.h"
#include "errors.h"

namespace posixkit::sock {

struct SockAddr {
  struct sockaddr_storage ss;
  socklen_t len;
};

// Reads a Python-shaped address for `family` from info[i] into *out:
// AF_INET [host, port]; AF_INET6 [host, port, flowinfo?, scope_id?];
// AF_UNIX a string or bytes (abstract when the first byte is NUL).
// Host names are resolved with getaddrinfo (blocking, as in CPython).
// Returns false with an exception pending.
bool ArgSockaddr(const Napi::CallbackInfo& info, size_t i, int family, SockAddr* out,
                 const char* syscall);

// The JS value for a kernel sockaddr (null when len is 0).
Napi::Value MakeSockaddr(Napi::Env env, const struct sockaddr* sa, socklen_t len);

// Sentinel result: a JS signal handler threw; its exception is pending.
inline constexpr ssize_t kThrown = -100000;

// Waits for `events` until the deadline. 0 = ready, -ETIMEDOUT, -errno or kThrown.
// The deadline of one call. Only a call with a timeout reads the clock (the
// blocking and non-blocking hot paths never wait in poll); a blocking call
// that must wait anyway (an interrupted connect) waits without a limit.
class CallDeadline {
 public:
  explicit CallDeadline(double timeout) {
    if (timeout > 0) d_.emplace(timeout);
  }
  const Deadline& get() {
    if (!d_) d_.emplace(-1);
    return *d_;
  }

 private:
  std::optional<Deadline> d_;
};

inline ssize_t WaitFd(Napi::Env env, int fd, short events, CallDeadline& cdl) {
  const Deadline& dl = cdl.get();
  if (!RunPendingSignalsBeforeBlocking(env)) return kThrown;
  for (;;) {
    struct pollfd p = {fd, events, 0};
    int r = poll(&p, 1, dl.RemainingMs());
    if (r > 0) return 0;  // POLLERR/POLLHUP too: the syscall reports them
    // poll's timeout is an int of ms (24.8 days at most): a longer deadline
    // sleeps in several polls.
    if (r == 0) {
      if (dl.Expired()) return -ETIMEDOUT;
      continue;
    }
    if (errno != EINTR) return -errno;
    if (!RunSignalHandlersAfterEINTR(env)) return kThrown;
  }
}

// The retry loop every blocking socket call shares. `op` makes one syscall
// and returns >= 0 or -1 with errno. Returns the result, -errno or kThrown.
// NOTE: unlike CPython, the call is tried before polling: when data is ready
// (the common case) this saves the poll syscall; the outcome is the same.
template <typename Op>
inline ssize_t SockCall(Napi::Env env, int fd, double timeout, short events, CallDeadline& dl,
                        Op op) {
  if (!RunPendingSignalsBeforeBlocking(env)) return kThrown;
  for (;;) {
    ssize_t r = op();
    if (r >= 0) return r;
    int err = errno;
    if (err == EINTR) {
      if (!RunSignalHandlersAfterEINTR(env)) return kThrown;
      continue;
    }
    if ((err == EAGAIN || err == EWOULDBLOCK) && timeout > 0) {
      ssize_t w = WaitFd(env, fd, events, dl);
      if (w < 0) return w;
      continue;
    }
    return -err;
  }
}

// Turns a SockCall result into a thrown error; returns undefined.
inline Napi::Value Fail(Napi::Env env, ssize_t r, const char* syscall) {
  if (r == kThrown) return env.Undefined();
  return ThrowErrno(env, static_cast<int>(-r), syscall);
}

// Fail() for a call that loops (sendall, sendfile): the error also says how
// many bytes went out before it (`bytesSent`).
inline Napi::Value FailPartial(Napi::Env env, ssize_t r, const char* syscall, double sent) {
  if (r == kThrown) return env.Undefined();
  Napi::Value e = MakeErrnoError(env, static_cast<int>(-r), syscall);
  if (e.IsObject()) e.As<Napi::Object>().Set("bytesSent", Napi::Number::New(env, sent));
  napi_throw(env, e);
  return env.Undefined();
}

void InitSocketMsg(Napi::Env env, Napi::Object exports);
void InitSocketNames(Napi::Env env, Napi::Object exports);
void InitSocketNetdb(Napi::Env env, Napi::Object exports);
void InitSocketConstants(Napi::Env env, Napi::Object exports);
void InitSocketConstantsInet(Napi::Env env, Napi::Object c);
void InitSocketConstantsLinux(Napi::Env env, Napi::Object c);

}  // namespace posixkit::sock
