// Shared between fork.cc and its test-only companion fork_hazard.cc.
#pragma once
#include <napi.h>
#include <sys/types.h>

#include <cstdint>

namespace posixkit::forking {

// The futex word a thread sleeps on in FUTEX_WAIT_BITSET (read from
// /proc/self/task/<tid>/syscall), or 0 when it is doing something else.
uintptr_t CondvarWaitAddress(pid_t tid);

// Registers the _condvar_hazard_* test hooks.
void InitForkHazard(Napi::Env env, Napi::Object exports);

}  // namespace posixkit::forking
