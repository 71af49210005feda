// Per-environment state shared by the syscall families.
//
// The addon may be loaded by the main thread and by worker threads; each
// environment gets its own AddonData (napi instance data), never a global.
#pragma once
#include <napi.h>
#include <uv.h>

namespace posixkit {

struct AddonData {
  uv_loop_t* loop = nullptr;
  // True on the thread that started the process (pid == tid).
  bool main_thread = false;
  // Set by lib/errors.ts: (code, errno, syscall, message, path) -> Error.
  Napi::FunctionReference error_factory;
  // Set by lib/signal.ts: runs the JS handlers of pending signals.
  Napi::FunctionReference signal_dispatch;
  // Set by lib/os.ts in a forked child: natural end of the child's loop.
  Napi::FunctionReference child_before_exit;
  Napi::FunctionReference child_exit;
};

AddonData* GetData(Napi::Env env);

// process.cc: called in a fork child right after uv_loop_fork.
void DropInheritedPidWatches(uv_loop_t* loop);

// Family initialisers; each adds its functions and constants to `exports`.
void InitErrors(Napi::Env env, Napi::Object exports);
void InitProcess(Napi::Env env, Napi::Object exports);
void InitFork(Napi::Env env, Napi::Object exports);
void InitSignal(Napi::Env env, Napi::Object exports);
void InitSelect(Napi::Env env, Napi::Object exports);
void InitSocket(Napi::Env env, Napi::Object exports);
void InitMman(Napi::Env env, Napi::Object exports);
void InitFile(Napi::Env env, Napi::Object exports);
void InitFcntl(Napi::Env env, Napi::Object exports);
// The os module beyond process control (one file each).
void InitIds(Napi::Env env, Napi::Object exports);
void InitSched(Napi::Env env, Napi::Object exports);
void InitResource(Napi::Env env, Napi::Object exports);
void InitSysinfo(Napi::Env env, Napi::Object exports);
void InitWait(Napi::Env env, Napi::Object exports);
void InitFdio(Napi::Env env, Napi::Object exports);
void InitFdcopy(Napi::Env env, Napi::Object exports);
void InitEventfd(Napi::Env env, Napi::Object exports);
void InitTty(Napi::Env env, Napi::Object exports);
void InitSpawn(Napi::Env env, Napi::Object exports);
#ifdef POSIXKIT_TEST_HOOKS
void InitTestHooks(Napi::Env env, Napi::Object exports);  // test build only
#endif

}  // namespace posixkit
