// Process control: wait family, ids, kill, sessions, fds, exec.
// One syscall per call; blocking calls follow the EINTR rule (errors.h).
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "binding.h"
#include "signal.h"

namespace posixkit::process {

// waitpid(pid, options) -> [pid, status]
static Value JS_waitpid(const CallbackInfo& info) {
  int32_t pid, options;
  if (!ArgInt32(info, 0, "pid", &pid) || !ArgInt32(info, 1, "options", &options)) return UNDEF;
  int status = 0;
  if (!RunPendingSignalsBeforeBlocking(ENV)) return UNDEF;
  for (;;) {
    pid_t r = waitpid(pid, &status, options);
    if (r >= 0) return NumberPair(ENV, r, r == 0 ? 0 : status);
    if (errno != EINTR) return ThrowErrno(ENV, errno, "waitpid");
    if (!RunSignalHandlersAfterEINTR(ENV)) return UNDEF;
  }
}

// The W* macros of <sys/wait.h>, so the decoding is libc's own.
#define STATUS_FN(NAME, EXPR)                                   \
  static Value JS_##NAME(const CallbackInfo& info) {            \
    int32_t s;                                                  \
    if (!ArgInt32(info, 0, "status", &s)) return UNDEF;         \
    int status = s;                                             \
    (void)status;                                               \
    return EXPR;                                                \
  }
STATUS_FN(WIFEXITED, Napi::Boolean::New(ENV, WIFEXITED(status)))
STATUS_FN(WEXITSTATUS, Napi::Number::New(ENV, WEXITSTATUS(status)))
STATUS_FN(WIFSIGNALED, Napi::Boolean::New(ENV, WIFSIGNALED(status)))
STATUS_FN(WTERMSIG, Napi::Number::New(ENV, WTERMSIG(status)))
STATUS_FN(WIFSTOPPED, Napi::Boolean::New(ENV, WIFSTOPPED(status)))
STATUS_FN(WSTOPSIG, Napi::Number::New(ENV, WSTOPSIG(status)))
STATUS_FN(WIFCONTINUED, Napi::Boolean::New(ENV, WIFCONTINUED(status)))
STATUS_FN(WCOREDUMP, Napi::Boolean::New(ENV, WCOREDUMP(status)))

static Value JS_getpid(const CallbackInfo& info) { return Napi::Number::New(ENV, getpid()); }
static Value JS_getppid(const CallbackInfo& info) { return Napi::Number::New(ENV, getppid()); }
static Value JS_gettid(const CallbackInfo& info) {
  return Napi::Number::New(ENV, static_cast<double>(syscall(SYS_gettid)));
}

static Value JS_kill(const CallbackInfo& info) {
  int32_t pid, sig;
  if (!ArgInt32(info, 0, "pid", &pid) || !ArgInt32(info, 1, "signal", &sig)) return UNDEF;
  int r = pid == getpid() ? sig::KillSelf(sig) : kill(pid, sig);
  if (r < 0) return ThrowErrno(ENV, errno, "kill");
  return sig::HandleSignalsSentToSelf(ENV);  // its JS handler runs before kill returns
}

static Value JS_killpg(const CallbackInfo& info) {
  int32_t pgid, sig;
  if (!ArgInt32(info, 0, "pgid", &pgid) || !ArgInt32(info, 1, "signal", &sig)) return UNDEF;
  if (killpg(pgid, sig) < 0) return ThrowErrno(ENV, errno, "killpg");
  return sig::HandleSignalsSentToSelf(ENV);
}

// abort(3): SIGABRT, a core dump if enabled; never returns.
static Value JS_abort(const CallbackInfo& info) { abort(); }

static Value JS_setsid(const CallbackInfo& info) {
  pid_t r = setsid();
  if (r < 0) return ThrowErrno(ENV, errno, "setsid");
  return Napi::Number::New(ENV, r);
}

static Value JS_getsid(const CallbackInfo& info) {
  int32_t pid;
  if (!ArgInt32(info, 0, "pid", &pid)) return UNDEF;
  pid_t r = getsid(pid);
  if (r < 0) return ThrowErrno(ENV, errno, "getsid");
  return Napi::Number::New(ENV, r);
}

static Value JS_setpgid(const CallbackInfo& info) {
  int32_t pid, pgid;
  if (!ArgInt32(info, 0, "pid", &pid) || !ArgInt32(info, 1, "pgid", &pgid)) return UNDEF;
  if (setpgid(pid, pgid) < 0) return ThrowErrno(ENV, errno, "setpgid");
  return UNDEF;
}

static Value JS_getpgid(const CallbackInfo& info) {
  int32_t pid;
  if (!ArgInt32(info, 0, "pid", &pid)) return UNDEF;
  pid_t r = getpgid(pid);
  if (r < 0) return ThrowErrno(ENV, errno, "getpgid");
  return Napi::Number::New(ENV, r);
}

static Value JS_getpgrp(const CallbackInfo& info) { return Napi::Number::New(ENV, getpgrp()); }

// nice(2) may legitimately return -1, so errno is the only failure signal.
static Value JS_nice(const CallbackInfo& info) {
  int32_t inc;
  if (!ArgInt32(info, 0, "increment", &inc)) return UNDEF;
  errno = 0;
  int r = nice(inc);
  if (r == -1 && errno != 0) return ThrowErrno(ENV, errno, "nice");
  return Napi::Number::New(ENV, r);
}

// pipe() -> [r, w], both O_CLOEXEC (PEP 446), optional extra flags (O_NONBLOCK).
static Value JS_pipe2(const CallbackInfo& info) {
  int32_t flags;
  if (!ArgInt32(info, 0, "flags", &flags)) return UNDEF;
  int fds[2];
  if (pipe2(fds, flags) < 0) return ThrowErrno(ENV, errno, "pipe");
  return NumberPair(ENV, fds[0], fds[1]);
}

// read(fd, buffer) -> bytes read into the caller's buffer.
static Value JS_read(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "buffer")) return UNDEF;
  return BlockingCall(ENV, "read", [&] { return read(fd, buf.data(), buf.size()); });
}

// write(fd, data) -> bytes written (one write(2); may be partial, as in C).
static Value JS_write(const CallbackInfo& info) {
  int fd;
  Bytes buf;
  if (!ArgFd(info, 0, &fd) || !buf.Read(info, 1, "data")) return UNDEF;
  return BlockingCall(ENV, "write", [&] { return write(fd, buf.data(), buf.size()); });
}

// close(2) is never retried: on Linux the fd is gone even after EINTR.
static Value JS_close(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  if (close(fd) < 0 && errno != EINTR) return ThrowErrno(ENV, errno, "close");
  return UNDEF;
}

static Value JS_dup(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (r < 0) return ThrowErrno(ENV, errno, "dup");
  return Napi::Number::New(ENV, r);
}

// dup2(fd, fd2, inheritable): dup2 keeps fd2 inheritable, dup3 makes it CLOEXEC.
static Value JS_dup2(const CallbackInfo& info) {
  int fd, fd2;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  int64_t v;
  if (!ArgInt(info, 1, "fd2", 0, INT32_MAX, &v)) return UNDEF;
  fd2 = static_cast<int>(v);
  bool inheritable = info.Length() < 3 || info[2].ToBoolean().Value();
  int r;
  do {
    r = (inheritable || fd == fd2) ? dup2(fd, fd2) : dup3(fd, fd2, O_CLOEXEC);
  } while (r < 0 && errno == EINTR);  // dup2 EINTR is only a race with close; no handler needed
  if (r < 0) return ThrowErrno(ENV, errno, "dup2");
  return Napi::Number::New(ENV, r);
}

static Value JS_get_blocking(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return ThrowErrno(ENV, errno, "fcntl");
  return Napi::Boolean::New(ENV, !(fl & O_NONBLOCK));
}

static Value JS_set_blocking(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  bool blocking = info.Length() > 1 && info[1].ToBoolean().Value();
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return ThrowErrno(ENV, errno, "fcntl");
  int nfl = blocking ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK);
  if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0) return ThrowErrno(ENV, errno, "fcntl");
  return UNDEF;
}

static Value JS_get_inheritable(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  int fl = fcntl(fd, F_GETFD);
  if (fl < 0) return ThrowErrno(ENV, errno, "fcntl");
  return Napi::Boolean::New(ENV, !(fl & FD_CLOEXEC));
}

static Value JS_set_inheritable(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  bool inheritable = info.Length() > 1 && info[1].ToBoolean().Value();
  int fl = fcntl(fd, F_GETFD);
  if (fl < 0) return ThrowErrno(ENV, errno, "fcntl");
  int nfl = inheritable ? (fl & ~FD_CLOEXEC) : (fl | FD_CLOEXEC);
  if (fcntl(fd, F_SETFD, nfl) < 0) return ThrowErrno(ENV, errno, "fcntl");
  return UNDEF;
}

// More than the kernel takes (ARG_MAX is counted in bytes, and a pointer per
// string); a longer list is E2BIG without being read.
static constexpr uint32_t kMaxExecStrings = 1 << 20;

static bool ArgStringArray(const CallbackInfo& info, size_t i, const char* name,
                           std::vector<std::string>* out) {
  std::vector<napi_value> items;
  uint32_t n;
  if (!ListLength(ENV, i < info.Length() ? info[i] : ENV.Undefined(), name, "an array of strings", &n)) return false;
  if (n > kMaxExecStrings) {
    ThrowErrno(ENV, E2BIG, "execve");
    return false;
  }
  if (!ReadList(ENV, info[i], name, "an array of strings", kMaxExecStrings, &items)) return false;
  for (napi_value e : items) {
    Napi::Value v(ENV, e);
    if (!v.IsString()) {
      ThrowTypeError(info.Env(), name, "an array of strings");
      return false;
    }
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.find('\0') != std::string::npos) {
      ThrowTypeError(info.Env(), name, "an array of strings without null bytes");
      return false;
    }
    out->push_back(std::move(s));
  }
  return true;
}

// execve(path, argv, envp, resetSigpipe, keepFds). On success it does not return.
// NOTE: Node ignores SIGPIPE, and an ignored disposition survives execve; a
// program exec'd from Node would then never die of SIGPIPE. Like libuv's
// uv_spawn we reset it (unless the caller asked to keep it), and we clear the
// signal mask, which execve also keeps.
static Value JS_execve(const CallbackInfo& info) {
  std::string path;
  std::vector<std::string> args, envs;
  if (!ArgString(info, 0, "path", &path) || !ArgStringArray(info, 1, "args", &args) ||
      !ArgStringArray(info, 2, "env", &envs))
    return UNDEF;
  bool reset_sigpipe = info.Length() < 4 || info[3].ToBoolean().Value();
  // Node marks stdio (and every fd it inherited) close-on-exec at start-up
  // (uv_disable_stdio_inheritance). The new program must get stdio, plus
  // the extra fds the caller names.
  std::vector<int> keep = {0, 1, 2};
  if (info.Length() > 4 && !info[4].IsUndefined()) {
    std::vector<napi_value> fds;
    if (!ReadList(ENV, info[4], "keepFds", "an array of fds", 4096, &fds)) return UNDEF;
    for (napi_value v : fds) {
      int64_t fd;
      if (!IntValue(ENV, v, "keepFds[]", 0, INT32_MAX, &fd)) return UNDEF;
      keep.push_back(static_cast<int>(fd));
    }
  }
  std::vector<std::pair<int, int>> restore;  // fd, old FD_* flags
  for (int fd : keep) {
    int fl = fd >= 0 ? fcntl(fd, F_GETFD) : -1;
    if (fl >= 0 && (fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) == 0)
      restore.emplace_back(fd, fl);
  }
  std::vector<char*> argv, envp;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : envs) envp.push_back(s.data());
  envp.push_back(nullptr);

  struct sigaction old_pipe;
  sigaction(SIGPIPE, nullptr, &old_pipe);
  if (reset_sigpipe && old_pipe.sa_handler == SIG_IGN) signal(SIGPIPE, SIG_DFL);
  sigset_t empty, old_mask;
  sigemptyset(&empty);
  pthread_sigmask(SIG_SETMASK, &empty, &old_mask);
  execve(path.c_str(), argv.data(), envp.data());
  int err = errno;
  for (auto& [fd, fl] : restore) fcntl(fd, F_SETFD, fl);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  sigaction(SIGPIPE, &old_pipe, nullptr);
  return ThrowErrno(ENV, err, "execve", path.c_str());
}

// _exit(2): no atexit handlers, no stdio flush, no Node teardown.
static Value JS__exit(const CallbackInfo& info) {
  int32_t code;
  if (!ArgInt32(info, 0, "status", &code)) return UNDEF;
  _exit(code & 0xff);
}

// pidfd_open(2): an fd that becomes readable when the process exits
// (close-on-exec, as the kernel always makes it).
static Value JS_pidfd_open(const CallbackInfo& info) {
  int64_t pid;
  int32_t flags;
  if (!ArgInt(info, 0, "pid", 1, INT32_MAX, &pid) || !ArgInt32(info, 1, "flags", &flags)) return UNDEF;
  int fd = static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), static_cast<unsigned>(flags)));
  if (fd < 0) return ThrowErrno(ENV, errno, "pidfd_open");
  return Napi::Number::New(ENV, fd);
}

// prctl(PR_SET_PDEATHSIG, sig): the kernel sends `sig` to this process when
// the thread that forked it ends (0 clears it). Used for daemon children.
static Value JS_set_pdeathsig(const CallbackInfo& info) {
  int64_t sig;
  if (!ArgInt(info, 0, "sig", 0, 64, &sig)) return UNDEF;
  if (prctl(PR_SET_PDEATHSIG, static_cast<unsigned long>(sig), 0, 0, 0) < 0) return ThrowErrno(ENV, errno, "prctl");
  return UNDEF;
}

static Value JS_get_pdeathsig(const CallbackInfo& info) {
  int sig = 0;
  if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) < 0) return ThrowErrno(ENV, errno, "prctl");
  return Napi::Number::New(ENV, sig);
}

// ---- waitpidAsync: pidfd_open + uv_poll, no thread, no polling ------------

struct PidWatch {
  uv_poll_t poll;
  int pidfd;
  pid_t pid;
  napi_env env;
  Napi::FunctionReference callback;
  Napi::AsyncContext* context;
  bool closing = false;
  bool torn_down = false;  // the env is gone: no N-API calls from here on
  PidWatch* next = nullptr;  // all live watches of this process
  PidWatch* prev = nullptr;
};

static PidWatch* g_watches = nullptr;

static void Link(PidWatch* w) {
  w->next = g_watches;
  if (g_watches) g_watches->prev = w;
  g_watches = w;
}

static void Unlink(PidWatch* w) {
  if (w->prev) w->prev->next = w->next;
  else if (g_watches == w) g_watches = w->next;
  if (w->next) w->next->prev = w->prev;
  w->next = w->prev = nullptr;
}

static void OnWatchClosed(uv_handle_t* h);

// A worker thread that ends with a watch pending must not leave an open
// handle on its loop (Node aborts on uv_loop_close with live handles).
static void OnEnvTeardown(void* arg) {
  auto* w = static_cast<PidWatch*>(arg);
  // The env is being torn down: release its references now, while it is
  // valid; the close callback may run after it is gone.
  w->torn_down = true;
  w->callback.Reset();
  delete w->context;
  w->context = nullptr;
  if (!w->closing) {
    w->closing = true;
    uv_poll_stop(&w->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnWatchClosed);
  }
  // A worker's loop may never run the close callback: libuv has stopped
  // watching the fd (uv_close), so give it back now.
  close(w->pidfd);
  w->pidfd = -1;
}

static void OnWatchClosed(uv_handle_t* h) {
  auto* w = static_cast<PidWatch*>(h->data);
  if (w->pidfd >= 0) close(w->pidfd);
  Unlink(w);
  if (!w->torn_down) napi_remove_env_cleanup_hook(w->env, OnEnvTeardown, w);
  delete w->context;
  delete w;
}

static void OnPidfdReadable(uv_poll_t* handle, int status, int events) {
  auto* w = static_cast<PidWatch*>(handle->data);
  int wstatus = 0, err = 0;
  pid_t r;
  if (status < 0) {
    err = -status;
    r = -1;
  } else {
    do r = waitpid(w->pid, &wstatus, WNOHANG); while (r < 0 && errno == EINTR);
    if (r == 0) return;  // readable before the zombie is reapable: wait again
    if (r < 0) err = errno;
  }
  // Close first: the callback may fork, and the child must see this watch
  // as finished (DropInheritedPidWatches skips closing handles). `w` lives
  // until OnWatchClosed runs on a later loop turn.
  uv_poll_stop(handle);
  w->closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(handle), OnWatchClosed);
  close(w->pidfd);  // libuv no longer watches it; free it before JS runs
  w->pidfd = -1;
  Napi::Env env(w->env);
  Napi::HandleScope scope(env);
  Napi::Value e = err ? MakeErrnoError(env, err, "waitpid") : env.Null();
  Napi::FunctionReference cb = std::move(w->callback);
  CallFromLoop(env, *w->context, cb, {e, Napi::Number::New(env, r), Napi::Number::New(env, wstatus)});
}

// waitpidWatch(pid, callback(err, pid, status), ref)
static Value JS_waitpid_watch(const CallbackInfo& info) {
  int64_t pid;
  Napi::Function cb;
  if (!ArgInt(info, 0, "pid", 1, INT32_MAX, &pid) || !ArgFunction(info, 1, "callback", &cb))
    return UNDEF;
  bool ref = info.Length() < 3 || info[2].ToBoolean().Value();
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
  if (pidfd < 0) return ThrowErrno(ENV, errno, "pidfd_open");
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);  // pidfd_open sets it already; be explicit
  auto* w = new PidWatch();
  w->pidfd = pidfd;
  w->pid = static_cast<pid_t>(pid);
  w->env = ENV;
  w->callback = Napi::Persistent(cb);
  w->context = new Napi::AsyncContext(ENV, "posixkit.waitpidAsync");
  AddonData* data = GetData(ENV);
  int rc = uv_poll_init(data->loop, &w->poll, pidfd);
  if (rc < 0) {
    close(pidfd);
    delete w->context;
    delete w;
    return ThrowErrno(ENV, -rc, "uv_poll_init");
  }
  w->poll.data = w;
  uv_poll_start(&w->poll, UV_READABLE, OnPidfdReadable);
  napi_add_env_cleanup_hook(ENV, OnEnvTeardown, w);
  Link(w);
  if (!ref) uv_unref(reinterpret_cast<uv_handle_t*>(&w->poll));
  return UNDEF;
}

}  // namespace posixkit::process

namespace posixkit {

// In a forked child the parent's children are not ours: a pending
// waitpidAsync could only ever fail, and its handle would keep the child's
// loop alive. Drop them without settling (the event never happens here).
// NOTE: the list is process-wide, but only the main thread forks.
void DropInheritedPidWatches(uv_loop_t* loop) {
  using namespace process;
  for (PidWatch* w = g_watches; w; w = w->next) {
    // A worker thread's loop is gone in the child; its epoll fd is still the
    // parent's, so its handles must not be touched at all.
    if (w->closing || w->poll.loop != loop) continue;
    w->closing = true;
    uv_poll_stop(&w->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&w->poll), OnWatchClosed);
  }
}

}  // namespace posixkit

namespace posixkit {

void InitProcess(Napi::Env env, Napi::Object exports) {
  using namespace process;
  EXPORT_FN(exports, waitpid); EXPORT_FN(exports, WIFEXITED); EXPORT_FN(exports, WEXITSTATUS);
  EXPORT_FN(exports, WIFSIGNALED); EXPORT_FN(exports, WTERMSIG);
  EXPORT_FN(exports, WIFSTOPPED); EXPORT_FN(exports, WSTOPSIG); EXPORT_FN(exports, WIFCONTINUED);
  EXPORT_FN(exports, WCOREDUMP);
  EXPORT_FN(exports, getpid); EXPORT_FN(exports, getppid); EXPORT_FN(exports, gettid);
  EXPORT_FN(exports, kill); EXPORT_FN(exports, killpg); EXPORT_FN(exports, setsid);
  EXPORT_FN(exports, getsid);
  EXPORT_FN(exports, setpgid); EXPORT_FN(exports, getpgid); EXPORT_FN(exports, getpgrp);
  EXPORT_FN(exports, nice); EXPORT_FN(exports, pipe2); EXPORT_FN(exports, read); EXPORT_FN(exports, write);
  EXPORT_FN(exports, close); EXPORT_FN(exports, dup); EXPORT_FN(exports, dup2);
  EXPORT_FN(exports, get_blocking); EXPORT_FN(exports, set_blocking);
  EXPORT_FN(exports, get_inheritable); EXPORT_FN(exports, set_inheritable); EXPORT_FN(exports, execve);
  EXPORT_FN(exports, _exit); EXPORT_FN(exports, waitpid_watch); EXPORT_FN(exports, pidfd_open);
  EXPORT_FN(exports, set_pdeathsig); EXPORT_FN(exports, get_pdeathsig); EXPORT_FN(exports, abort);
}

}  // namespace posixkit
