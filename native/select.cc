// IO multiplexing: select(2), poll(2), epoll(7), plus a libuv watcher on one
// fd that the async forms use (the epoll fd itself, never the user's fds, so
// nothing here competes with Node's own uv_poll watchers on a socket).
//
// Every wait follows the EINTR rule (errors.h): a Deadline so a retried wait
// sleeps only for what is left, and RunSignalHandlersAfterEINTR between tries.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "binding.h"

namespace posixkit::multiplex {

// The fd lists, the pollfd table and the event buffer are Int32Arrays held
// as Bytes (args.h): a signal handler run between EINTR retries may detach
// one, and the retry must not write through it. Timeouts cross as seconds
// (ArgTimeout: < 0 blocks).

// ---- select -----------------------------------------------------------------

// select(fds: Int32Array, nr, nw, nx, timeoutSec, out: Int32Array) -> count
// fds holds the read list, then the write list, then the except list. On
// return out[0..count) are the indices into fds of the ready entries, in
// input order, so the TS layer hands back the caller's own objects and walks
// only what is ready.
static bool FillSet(const int32_t* fds, size_t n, fd_set* set, int* maxfd, Napi::Env env) {
  FD_ZERO(set);
  for (size_t i = 0; i < n; i++) {
    // NOTE: FD_SET past FD_SETSIZE writes outside the fd_set (glibc only
    // checks with _FORTIFY_SOURCE); refuse before touching the set.
    if (fds[i] < 0 || fds[i] >= FD_SETSIZE) {
      ThrowRangeError(env, "fd", ">= 0 && < FD_SETSIZE (1024) for select()");
      return false;
    }
    FD_SET(fds[i], set);
    if (fds[i] > *maxfd) *maxfd = fds[i];
  }
  return true;
}

static Value JS_select(const CallbackInfo& info) {
  Bytes fdarg, outarg;
  int64_t nr, nw, nx;
  double timeout;
  if (!fdarg.Read(info, 0, "fds", ViewKind::kInt32)) return UNDEF;
  const int32_t* fds = fdarg.int32s();
  size_t len = fdarg.int32_count();
  if (!ArgInt(info, 1, "nr", 0, len, &nr) || !ArgInt(info, 2, "nw", 0, len, &nw) ||
      !ArgInt(info, 3, "nx", 0, len, &nx) || !ArgTimeout(info, 4, &timeout) ||
      !outarg.Read(info, 5, "out", ViewKind::kInt32))
    return UNDEF;
  size_t outlen = outarg.int32_count();
  size_t total = static_cast<size_t>(nr + nw + nx);
  if (total > len) return ThrowRangeError(ENV, "nr + nw + nx", "<= fds.length");
  if (outlen < total) return ThrowRangeError(ENV, "out", "at least one entry per fd");
  const int32_t *r = fds, *w = fds + nr, *x = fds + nr + nw;
  fd_set rs0, ws0, xs0, rs, ws, xs;
  int maxfd = -1;
  if (!FillSet(r, nr, &rs0, &maxfd, ENV) || !FillSet(w, nw, &ws0, &maxfd, ENV) ||
      !FillSet(x, nx, &xs0, &maxfd, ENV))
    return UNDEF;
  // Copy the lists: a signal handler run between EINTR retries may reuse
  // the caller's table (the TS layer avoids that, a direct caller may not).
  // malloc, not std::vector: without exceptions a failed allocation would abort.
  struct Buf {
    int32_t* p;
    ~Buf() { free(p); }
  } copy{static_cast<int32_t*>(malloc((total + 1) * sizeof(int32_t)))};
  if (!copy.p) return ThrowErrno(ENV, ENOMEM, "select");
  memcpy(copy.p, fds, total * sizeof(int32_t));
  r = copy.p, w = r + nr, x = w + nw;
  Deadline deadline(timeout);
  int n;
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  for (;;) {
    // select() rewrites the sets (and, on Linux, the timeval): start afresh.
    rs = rs0, ws = ws0, xs = xs0;
    struct timeval tv, *tvp = nullptr;
    if (!deadline.infinite()) {
      struct timespec left = deadline.RemainingTimespec();
      tv.tv_sec = left.tv_sec;
      tv.tv_usec = (left.tv_nsec + 999) / 1000;  // round up: never return early
      if (tv.tv_usec >= 1000000) tv.tv_sec += 1, tv.tv_usec -= 1000000;
      tvp = &tv;
    }
    n = select(maxfd + 1, &rs, &ws, &xs, tvp);
    if (n >= 0) break;
    if (errno != EINTR) return ThrowErrno(ENV, errno, "select");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
  int k = 0;
  int32_t* out = outarg.int32s();  // checked again after the last handler ran
  if (n > 0) {
    for (int64_t i = 0; i < nr; i++) if (FD_ISSET(r[i], &rs)) out[k++] = static_cast<int32_t>(i);
    for (int64_t i = 0; i < nw; i++) if (FD_ISSET(w[i], &ws)) out[k++] = static_cast<int32_t>(nr + i);
    for (int64_t i = 0; i < nx; i++) if (FD_ISSET(x[i], &xs)) out[k++] = static_cast<int32_t>(nr + nw + i);
  }
  return Napi::Number::New(ENV, k);
}

// ---- poll -------------------------------------------------------------------

// poll(table: Int32Array, nfds, timeoutSec) -> count
// `table` is the caller's struct pollfd array itself: per entry one int32 fd,
// then the 16-bit events and revents (the TS poll object writes them through
// a Uint16Array over the same buffer). No copy, no rebuild per call.
static_assert(sizeof(struct pollfd) == 8, "struct pollfd is {int, short, short}");

static Value JS_poll(const CallbackInfo& info) {
  Bytes table;
  int64_t nfds;
  double timeout;
  if (!table.Read(info, 0, "table", ViewKind::kInt32) ||
      !ArgInt(info, 1, "nfds", 0, static_cast<int64_t>(table.int32_count() / 2), &nfds) ||
      !ArgTimeout(info, 2, &timeout))
    return UNDEF;
  Deadline deadline(timeout);
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  for (;;) {
    auto* fds = reinterpret_cast<struct pollfd*>(table.int32s());
    int n = poll(fds, static_cast<nfds_t>(nfds), deadline.RemainingMs());
    // poll's timeout is an int of ms: a longer one sleeps in several polls.
    if (n == 0 && !deadline.Expired()) continue;
    if (n >= 0) return Napi::Number::New(ENV, n);
    if (errno != EINTR) return ThrowErrno(ENV, errno, "poll");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
}

// ---- epoll ------------------------------------------------------------------

static Value JS_epoll_create1(const CallbackInfo& info) {
  int32_t flags;
  if (!ArgInt32(info, 0, "flags", &flags)) return UNDEF;
  int fd = epoll_create1(flags | EPOLL_CLOEXEC);
  if (fd < 0) return ThrowErrno(ENV, errno, "epoll_create1");
  return Napi::Number::New(ENV, fd);
}

// epoll_ctl(epfd, op, fd, events) -> 0 or -errno (the TS layer names the op).
static Value JS_epoll_ctl(const CallbackInfo& info) {
  int epfd, fd;
  int32_t op;
  int64_t events;
  if (!ArgFd(info, 0, &epfd) || !ArgInt32(info, 1, "op", &op) || !ArgFd(info, 2, &fd) ||
      !ArgInt(info, 3, "eventmask", INT32_MIN, UINT32_MAX, &events))
    return UNDEF;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = static_cast<uint32_t>(events);
  ev.data.fd = fd;
  int r = epoll_ctl(epfd, op, fd, &ev);
  return Napi::Number::New(ENV, r < 0 ? -errno : 0);
}

// The kernel's struct epoll_event is packed on x86-64 and padded elsewhere,
// so events land in a per-thread scratch array and are copied out as plain
// fd/events pairs. NOTE: a signal handler run between EINTR retries may call
// back in here on the same thread and grow the scratch; re-read data().
static thread_local std::vector<struct epoll_event> t_scratch;

// Returns >= 0 events, or -errno; sets *threw when a signal handler threw.
// More events per call than this are never asked for: a bigger buffer just
// gets at most this many (epoll_wait may always return fewer than asked).
static constexpr int kMaxBatch = 1 << 16;

static int WaitPairs(Napi::Env env, int epfd, const Bytes& outarg, int maxevents, double timeout,
                     bool* threw) {
  if (maxevents > kMaxBatch) maxevents = kMaxBatch;
  Deadline deadline(timeout);
  if (!RunPendingSignalsBeforeBlocking(env)) {
    *threw = true;
    return -EINTR;
  }
  for (;;) {
    if (t_scratch.size() < static_cast<size_t>(maxevents)) t_scratch.resize(maxevents);
    struct epoll_event* evs = t_scratch.data();
    int n = epoll_wait(epfd, evs, maxevents, deadline.RemainingMs());
    if (n == 0 && !deadline.Expired()) continue;  // longer than one int of ms
    if (n >= 0) {
      int32_t* out = outarg.int32s();  // checked again after any handler ran
      for (int i = 0; i < n; i++) {
        out[2 * i] = evs[i].data.fd;
        out[2 * i + 1] = static_cast<int32_t>(evs[i].events);
      }
      return n;
    }
    if (errno != EINTR) return -errno;
    if (!RunSignalHandlersAfterEINTR(env)) {
      *threw = true;
      return -EINTR;
    }
  }
}

// epoll_wait(epfd, out: Int32Array, maxevents, timeoutSec) -> count or -errno
// The hot path of the event-loop servers: no allocation, no throw on errno.
static Value JS_epoll_wait(const CallbackInfo& info) {
  int64_t epfd, maxevents;
  Bytes out;
  double timeout;
  if (!ArgInt(info, 0, "epfd", 0, INT32_MAX, &epfd) || !out.Read(info, 1, "events", ViewKind::kInt32) ||
      !ArgInt(info, 2, "maxevents", 1, INT32_MAX, &maxevents) || !ArgTimeout(info, 3, &timeout))
    return UNDEF;
  if (static_cast<size_t>(maxevents) > out.int32_count() / 2)
    return ThrowRangeError(ENV, "maxevents", "<= events.length / 2");
  bool threw = false;
  int n = WaitPairs(ENV, static_cast<int>(epfd), out, static_cast<int>(maxevents), timeout, &threw);
  if (threw) return UNDEF;
  return Napi::Number::New(ENV, n);
}

// ---- a libuv watcher on one fd (the async forms) ----------------------------

// One uv_poll_t per watched fd (libuv allows one per fd and loop). Freed
// when both the handle is closed and the JS External is collected.
struct FdWatch {
  uv_poll_t poll;
  napi_env env;
  Napi::FunctionReference callback;
  Napi::AsyncContext* context = nullptr;
  bool active = false, closing = false, closed = false, external_gone = false;
  bool env_gone = false;  // the env ran its cleanup hooks (worker teardown)
};

static void OnWatchClosed(uv_handle_t* h);

static void CloseWatch(FdWatch* w) {
  if (w->closing) return;
  w->closing = true;
  w->callback.Reset();
  delete w->context;  // while the env is still alive (napi_async_destroy)
  w->context = nullptr;
  // uv_poll_stop removes the fd from libuv's epoll set at once, so the
  // caller may close the fd right after this returns.
  uv_poll_stop(&w->poll);
  uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnWatchClosed);
}

// NOTE: at env teardown the close callback runs after the env is gone, so
// it must not call napi_remove_env_cleanup_hook (a hook that ran is removed).
static void OnEnvTeardown(void* arg) {
  auto* w = static_cast<FdWatch*>(arg);
  w->env_gone = true;
  CloseWatch(w);
}

static void OnWatchClosed(uv_handle_t* h) {
  auto* w = static_cast<FdWatch*>(h->data);
  w->closed = true;
  if (!w->env_gone) napi_remove_env_cleanup_hook(w->env, OnEnvTeardown, w);
  if (w->external_gone) delete w;
}

static void OnExternalGone(Napi::Env, FdWatch* w) {
  w->external_gone = true;
  if (w->closed) delete w;
  else CloseWatch(w);
}

static void OnReadable(uv_poll_t* handle, int status, int events) {
  auto* w = static_cast<FdWatch*>(handle->data);
  if (w->closing || w->callback.IsEmpty()) return;
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  Napi::Value err = status < 0 ? MakeErrnoError(env, -status, "uv_poll") : env.Null();
  CallFromLoop(env, *w->context, w->callback, {err});
}

// Tags our Externals, so one made by another addon is refused, never cast.
static const napi_type_tag kWatchTag = {0x706f7369786b6974ULL, 0x66645f7761746368ULL};

// The FdWatch behind info[0], or nullptr after throwing.
static FdWatch* WatchArg(const CallbackInfo& info) {
  bool ours = false;
  if (info.Length() < 1 || !info[0].IsExternal() ||
      napi_check_object_type_tag(info.Env(), info[0], &kWatchTag, &ours) != napi_ok || !ours) {
    ThrowTypeError(info.Env(), "watch", "a watch handle");
    return nullptr;
  }
  return info[0].As<Napi::External<FdWatch>>().Data();
}

static FdWatch* GetWatch(const CallbackInfo& info) {
  FdWatch* w = WatchArg(info);
  if (!w) return nullptr;
  if (w->closing) {
    ThrowErrno(info.Env(), EBADF, "uv_poll");
    return nullptr;
  }
  return w;
}

// fd_watch_new(fd, callback(err)) -> handle; created stopped.
static Value JS_fd_watch_new(const CallbackInfo& info) {
  int fd;
  Napi::Function cb;
  if (!ArgFd(info, 0, &fd) || !ArgFunction(info, 1, "callback", &cb)) return UNDEF;
  auto* w = new FdWatch();
  int rc = uv_poll_init(GetData(ENV)->loop, &w->poll, fd);
  if (rc < 0) {
    delete w;
    return ThrowErrno(ENV, -rc, "uv_poll_init");
  }
  w->poll.data = w;
  w->env = ENV;
  w->callback = Napi::Persistent(cb);
  w->context = new Napi::AsyncContext(ENV, "posixkit.select");
  napi_add_env_cleanup_hook(ENV, OnEnvTeardown, w);
  Napi::External<FdWatch> handle = Napi::External<FdWatch>::New(ENV, w, OnExternalGone);
  napi_type_tag_object(ENV, handle, &kWatchTag);
  return handle;
}

// Started = keeps the loop alive, as any pending IO does.
static Value JS_fd_watch_start(const CallbackInfo& info) {
  FdWatch* w = GetWatch(info);
  if (!w) return UNDEF;
  if (!w->active) {
    int rc = uv_poll_start(&w->poll, UV_READABLE, OnReadable);
    if (rc < 0) return ThrowErrno(ENV, -rc, "uv_poll_start");
    w->active = true;
  }
  return UNDEF;
}

static Value JS_fd_watch_stop(const CallbackInfo& info) {
  FdWatch* w = GetWatch(info);
  if (!w) return UNDEF;
  if (w->active) uv_poll_stop(&w->poll);
  w->active = false;
  return UNDEF;
}

static Value JS_fd_watch_close(const CallbackInfo& info) {
  FdWatch* w = WatchArg(info);
  if (!w) return UNDEF;
  CloseWatch(w);
  return UNDEF;
}

}  // namespace posixkit::multiplex

namespace posixkit {

void InitSelect(Napi::Env env, Napi::Object exports) {
  using namespace multiplex;
  EXPORT_FN(exports, select); EXPORT_FN(exports, poll); EXPORT_FN(exports, epoll_create1);
  EXPORT_FN(exports, epoll_ctl); EXPORT_FN(exports, epoll_wait); EXPORT_FN(exports, fd_watch_new);
  EXPORT_FN(exports, fd_watch_start); EXPORT_FN(exports, fd_watch_stop); EXPORT_FN(exports, fd_watch_close);
  Napi::Object c = Napi::Object::New(env);
#define K(name) EXPORT_VALUE(c, #name, name)
  K(FD_SETSIZE); K(PIPE_BUF);
  K(POLLIN); K(POLLPRI); K(POLLOUT); K(POLLERR); K(POLLHUP); K(POLLNVAL);
#ifdef POLLRDNORM
  K(POLLRDNORM);
#endif
#ifdef POLLRDBAND
  K(POLLRDBAND);
#endif
#ifdef POLLWRNORM
  K(POLLWRNORM);
#endif
#ifdef POLLWRBAND
  K(POLLWRBAND);
#endif
#ifdef POLLMSG
  K(POLLMSG);
#endif
#ifdef POLLRDHUP
  K(POLLRDHUP);
#endif
  K(EPOLL_CLOEXEC); K(EPOLL_CTL_ADD); K(EPOLL_CTL_MOD); K(EPOLL_CTL_DEL);
  // The EPOLL* flags are enum members in glibc's <sys/epoll.h>, each
  // shadowed by a #define of the same name, so #ifdef works on them.
#ifdef EPOLLIN
  K(EPOLLIN);
#endif
#ifdef EPOLLPRI
  K(EPOLLPRI);
#endif
#ifdef EPOLLOUT
  K(EPOLLOUT);
#endif
#ifdef EPOLLRDNORM
  K(EPOLLRDNORM);
#endif
#ifdef EPOLLRDBAND
  K(EPOLLRDBAND);
#endif
#ifdef EPOLLWRNORM
  K(EPOLLWRNORM);
#endif
#ifdef EPOLLWRBAND
  K(EPOLLWRBAND);
#endif
#ifdef EPOLLMSG
  K(EPOLLMSG);
#endif
#ifdef EPOLLERR
  K(EPOLLERR);
#endif
#ifdef EPOLLHUP
  K(EPOLLHUP);
#endif
#ifdef EPOLLRDHUP
  K(EPOLLRDHUP);
#endif
#ifdef EPOLLEXCLUSIVE
  K(EPOLLEXCLUSIVE);
#endif
#ifdef EPOLLWAKEUP
  K(EPOLLWAKEUP);
#endif
#ifdef EPOLLONESHOT
  K(EPOLLONESHOT);
#endif
#ifdef EPOLLET
  // 1u << 31: exported unsigned (2147483648), as Python does.
  K(EPOLLET);
#endif
#undef K
  exports.Set("selectConstants", c);
}

}  // namespace posixkit
