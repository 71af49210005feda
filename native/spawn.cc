// posix_spawn(3) / posix_spawnp(3): a new program in a new process without
// fork()ing the Node process (glibc clones with CLONE_VFORK and reports
// exec failures back to the caller).
//
// Two adjustments make the child see what a C or Python parent would give it:
//  - Node marks stdio close-on-exec at start-up; for each of fds 0-2 that is
//    open, a dup2(fd, fd) file action (which clears FD_CLOEXEC, glibc >= 2.29)
//    runs before the caller's actions.
//  - Node ignores SIGPIPE and an ignored signal stays ignored across exec;
//    SIGPIPE is added to the "reset to default" set when it is ignored here
//    (as execve and libuv's uv_spawn do).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "binding.h"
#include "os_args.h"

namespace posixkit::spawn {

// Python's file-action tags (its own values, not the C library's).
enum Tag { kOpen = 0, kClose = 1, kDup2 = 2 };

constexpr uint32_t kMaxList = 1 << 20;

static bool StringList(const CallbackInfo& info, size_t i, const char* name, std::vector<std::string>* out) {
  std::vector<napi_value> items;
  if (!ReadList(ENV, info[i], name, "an array of strings", kMaxList, &items)) return false;
  out->assign(items.size(), std::string());
  for (size_t k = 0; k < items.size(); k++)
    if (!CStringValue(ENV, items[k], name, &(*out)[k])) return false;
  return true;
}

static bool SignalList(const CallbackInfo& info, size_t i, const char* name, sigset_t* set, bool* given) {
  sigemptyset(set);
  *given = !(i >= info.Length() || info[i].IsNull() || info[i].IsUndefined());
  if (!*given) return true;
  std::vector<napi_value> items;
  if (!ReadList(ENV, info[i], name, "an array of signal numbers", _NSIG, &items)) return false;
  for (napi_value v : items) {
    int64_t s;
    if (!IntValue(ENV, v, name, 1, _NSIG - 1, &s)) return false;
    sigaddset(set, static_cast<int>(s));
  }
  return true;
}

// Owns the posix_spawn objects; destroyed on every path out.
struct SpawnState {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  SpawnState() {
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
  }
  ~SpawnState() {
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
  }
};

// One file action [tag, ...] (shape checked in TS; checked again here).
static bool AddAction(Napi::Env env, napi_value item, posix_spawn_file_actions_t* fa) {
  std::vector<napi_value> f;
  if (!ReadList(env, item, "file_actions[]", "an array", 5, &f)) return false;
  int64_t tag, fd, x, mode;
  if (f.empty() || !IntValue(env, f[0], "file_actions tag", 0, 2, &tag)) {
    if (!env.IsExceptionPending()) ThrowTypeError(env, "file_actions", "arrays starting with a POSIX_SPAWN_* tag");
    return false;
  }
  size_t want = tag == kOpen ? 5 : tag == kClose ? 2 : 3;
  if (f.size() != want) {
    ThrowTypeError(env, "file_actions", "arrays of the length their tag needs");
    return false;
  }
  if (!IntValue(env, f[1], "file_actions fd", 0, INT32_MAX, &fd)) return false;
  int err = 0;
  if (tag == kOpen) {
    std::string path;
    if (!CStringValue(env, f[2], "file_actions path", &path) ||
        !IntValue(env, f[3], "file_actions flags", INT32_MIN, INT32_MAX, &x) ||
        !IntValue(env, f[4], "file_actions mode", 0, 07777, &mode))
      return false;
    // glibc copies the path.
    err = posix_spawn_file_actions_addopen(fa, static_cast<int>(fd), path.c_str(), static_cast<int>(x),
                                           static_cast<mode_t>(mode));
  } else if (tag == kClose) {
    err = posix_spawn_file_actions_addclose(fa, static_cast<int>(fd));
  } else {
    if (!IntValue(env, f[2], "file_actions new_fd", 0, INT32_MAX, &x)) return false;
    err = posix_spawn_file_actions_adddup2(fa, static_cast<int>(fd), static_cast<int>(x));
  }
  if (err) {
    ThrowErrno(env, err, "posix_spawn_file_actions");
    return false;
  }
  return true;
}

// posix_spawn(path, argv, envp, use_path, file_actions, setpgroup, resetids,
//             setsid, setsigmask, setsigdef, sched_policy, sched_priority) -> pid
// setpgroup -1: none; setsigmask/setsigdef null: none; sched_priority null:
// no scheduler, sched_policy null: only the priority (SETSCHEDPARAM).
static Value JS_posix_spawn(const CallbackInfo& info) {
  std::string path;
  std::vector<std::string> argv, envp;
  std::vector<napi_value> actions;
  int64_t pgroup, policy, prio;
  sigset_t mask, def;
  bool has_mask, has_def;
  if (!ArgCString(info, 0, "path", &path) || !StringList(info, 1, "argv", &argv) ||
      !StringList(info, 2, "env", &envp) || !ReadList(ENV, info[4], "file_actions", "an array of file actions", kMaxList, &actions) ||
      !ArgInt(info, 5, "setpgroup", -1, INT32_MAX, &pgroup) ||
      !SignalList(info, 8, "setsigmask", &mask, &has_mask) || !SignalList(info, 9, "setsigdef", &def, &has_def) ||
      !ArgOptInt(info, 10, "sched_policy", INT32_MIN, INT32_MAX, -1, &policy) ||
      !ArgOptInt(info, 11, "sched_priority", INT32_MIN, INT32_MAX, INT64_MIN, &prio))
    return UNDEF;
  bool use_path = info[3].ToBoolean().Value();
  bool resetids = info.Length() > 6 && info[6].ToBoolean().Value();
  bool setsid = info.Length() > 7 && info[7].ToBoolean().Value();
  bool has_policy = !(info.Length() <= 10 || info[10].IsNull() || info[10].IsUndefined());
  if (argv.empty()) return ThrowRangeError(ENV, "argv", "a non-empty array");

  SpawnState st;
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) posix_spawn_file_actions_adddup2(&st.fa, fd, fd);
  }
  for (auto& a : actions)
    if (!AddAction(ENV, a, &st.fa)) return UNDEF;

  // glibc refuses some values here (a policy other than OTHER, FIFO or RR): EINVAL, as Python reports.
  short flags = 0;
  int err = 0;
  if (pgroup >= 0) {
    flags |= POSIX_SPAWN_SETPGROUP;
    err = posix_spawnattr_setpgroup(&st.attr, static_cast<pid_t>(pgroup));
  }
  if (resetids) flags |= POSIX_SPAWN_RESETIDS;
  if (setsid) flags |= POSIX_SPAWN_SETSID;
  if (has_mask && !err) {
    flags |= POSIX_SPAWN_SETSIGMASK;
    err = posix_spawnattr_setsigmask(&st.attr, &mask);
  }
  struct sigaction pipe_act;
  if (sigaction(SIGPIPE, nullptr, &pipe_act) == 0 && !(pipe_act.sa_flags & SA_SIGINFO) &&
      pipe_act.sa_handler == SIG_IGN) {
    sigaddset(&def, SIGPIPE);
    has_def = true;
  }
  if (has_def && !err) {
    flags |= POSIX_SPAWN_SETSIGDEF;
    err = posix_spawnattr_setsigdefault(&st.attr, &def);
  }
  if (prio != INT64_MIN && !err) {
    struct sched_param sp = {};
    sp.sched_priority = static_cast<int>(prio);
    if (has_policy) {
      flags |= POSIX_SPAWN_SETSCHEDULER;
      err = posix_spawnattr_setschedpolicy(&st.attr, static_cast<int>(policy));
    }
    flags |= POSIX_SPAWN_SETSCHEDPARAM;
    if (!err) err = posix_spawnattr_setschedparam(&st.attr, &sp);
  }
  if (!err) err = posix_spawnattr_setflags(&st.attr, flags);
  if (err) return ThrowErrno(ENV, err, "posix_spawnattr");

  std::vector<char*> av, ev;
  for (auto& s : argv) av.push_back(s.data());
  av.push_back(nullptr);
  for (auto& s : envp) ev.push_back(s.data());
  ev.push_back(nullptr);
  pid_t pid;
  err = use_path ? posix_spawnp(&pid, path.c_str(), &st.fa, &st.attr, av.data(), ev.data())
                     : posix_spawn(&pid, path.c_str(), &st.fa, &st.attr, av.data(), ev.data());
  if (err) return ThrowErrno(ENV, err, use_path ? "posix_spawnp" : "posix_spawn", path.c_str());
  return Napi::Number::New(ENV, pid);
}

}  // namespace posixkit::spawn

namespace posixkit {

void InitSpawn(Napi::Env env, Napi::Object exports) {
  using namespace spawn;
  EXPORT_FN(exports, posix_spawn);
  Napi::Object c = Napi::Object::New(env);
  // Python's own values: the file-action tags and the spawn*() modes
  // (P_NOWAITO is P_NOWAIT on POSIX) are not C library constants.
  EXPORT_VALUE(c, "POSIX_SPAWN_OPEN", kOpen);
  EXPORT_VALUE(c, "POSIX_SPAWN_CLOSE", kClose);
  EXPORT_VALUE(c, "POSIX_SPAWN_DUP2", kDup2);
  EXPORT_VALUE(c, "P_WAIT", 0);
  EXPORT_VALUE(c, "P_NOWAIT", 1);
  EXPORT_VALUE(c, "P_NOWAITO", 1);
  exports.Set("spawnConstants", c);
}

}  // namespace posixkit
