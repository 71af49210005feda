// Shared between fork.cc and the test build's hooks (test_hooks.cc,
// fork_hazard.cc).
#pragma once
#include <napi.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace posixkit::forking {

// The futex word a thread sleeps on in FUTEX_WAIT_BITSET (read from
// /proc/self/task/<tid>/syscall), or 0 when it is doing something else.
uintptr_t CondvarWaitAddress(pid_t tid);

#ifdef POSIXKIT_TEST_HOOKS
// Diagnostics of the fork machinery and the switch that turns the condvar
// release off (to show the hang it prevents). Test build only.
struct ForkInfo {
  std::string glibc;
  bool condvar_fix;
  const char* layout;
  std::string layout_reason;
  int waiters_at_last_fork;
  int released_in_child;
  int mappings_at_last_fork;
};
ForkInfo GetForkInfo();
void SetCondvarFix(bool on);
// Registers the _condvar_hazard_* hooks (fork_hazard.cc).
void InitForkHazard(Napi::Env env, Napi::Object exports);
#endif

}  // namespace posixkit::forking
