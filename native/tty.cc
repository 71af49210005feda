// Terminals: pseudo-terminal pairs (openpty, login_tty), isatty, ttyname,
// the foreground process group, the window size.
#include <fcntl.h>
#include <limits.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <utmp.h>

#include <cerrno>

#include "binding.h"
#include "os_args.h"

namespace posixkit::tty {

// openpty(3) -> [master, slave], both close-on-exec (as every fd posixkit makes).
static Value JS_openpty(const CallbackInfo& info) {
  int m, s;
  if (openpty(&m, &s, nullptr, nullptr, nullptr) < 0) return ThrowErrno(ENV, errno, "openpty");
  if (fcntl(m, F_SETFD, FD_CLOEXEC) < 0 || fcntl(s, F_SETFD, FD_CLOEXEC) < 0) {
    int err = errno;
    close(m);
    close(s);
    return ThrowErrno(ENV, err, "fcntl");
  }
  return NumberPair(ENV, m, s);
}

// login_tty(3): a new session with `fd` as controlling terminal and as
// stdin/stdout/stderr; `fd` itself is closed.
static Value JS_login_tty(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  if (login_tty(fd) < 0) return ThrowErrno(ENV, errno, "login_tty");
  return UNDEF;
}

static Value JS_isatty(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  return Napi::Boolean::New(ENV, isatty(fd) == 1);
}

static Value JS_ttyname(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  char buf[PATH_MAX];
  int err = ttyname_r(fd, buf, sizeof buf);
  if (err != 0) return ThrowErrno(ENV, err, "ttyname");
  return Napi::String::New(ENV, buf);
}

static Value JS_tcgetpgrp(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  pid_t r = tcgetpgrp(fd);
  if (r < 0) return ThrowErrno(ENV, errno, "tcgetpgrp");
  return Napi::Number::New(ENV, r);
}

static Value JS_tcsetpgrp(const CallbackInfo& info) {
  int fd;
  int32_t pgid;
  if (!ArgFd(info, 0, &fd) || !ArgInt32(info, 1, "pgid", &pgid)) return UNDEF;
  if (tcsetpgrp(fd, pgid) < 0) return ThrowErrno(ENV, errno, "tcsetpgrp");
  return UNDEF;
}

// ioctl(TIOCGWINSZ) -> [columns, lines].
static Value JS_get_terminal_size(const CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, &fd)) return UNDEF;
  struct winsize w;
  if (ioctl(fd, TIOCGWINSZ, &w) < 0) return ThrowErrno(ENV, errno, "ioctl");
  return NumberPair(ENV, w.ws_col, w.ws_row);
}

}  // namespace posixkit::tty

namespace posixkit {

void InitTty(Napi::Env env, Napi::Object exports) {
  using namespace tty;
  EXPORT_FN(exports, openpty); EXPORT_FN(exports, login_tty); EXPORT_FN(exports, isatty); EXPORT_FN(exports, ttyname); EXPORT_FN(exports, tcgetpgrp); EXPORT_FN(exports, tcsetpgrp); EXPORT_FN(exports, get_terminal_size);
}

}  // namespace posixkit
