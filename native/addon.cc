#include "addon.h"

#include <sys/syscall.h>
#include <unistd.h>

namespace posixkit {

AddonData* GetData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  napi_get_uv_event_loop(env, &data->loop);
  data->main_thread = getpid() == static_cast<pid_t>(syscall(SYS_gettid));
  env.SetInstanceData(data);  // deleted by node-addon-api at env teardown

  InitErrors(env, exports);
  InitProcess(env, exports);
  InitFork(env, exports);
  InitSignal(env, exports);
  InitSelect(env, exports);
  InitSocket(env, exports);
  InitMman(env, exports);
  InitFile(env, exports);
  InitFcntl(env, exports);
  InitIds(env, exports);
  InitSched(env, exports);
  InitResource(env, exports);
  InitSysinfo(env, exports);
  InitWait(env, exports);
  InitFdio(env, exports);
  InitFdcopy(env, exports);
  InitEventfd(env, exports);
  InitTty(env, exports);
  InitSpawn(env, exports);
#ifdef POSIXKIT_TEST_HOOKS
  InitTestHooks(env, exports);
#endif
  return exports;
}

}  // namespace posixkit

static Napi::Object InitPosixkit(Napi::Env env, Napi::Object exports) {
  return posixkit::Init(env, exports);
}

NODE_API_MODULE(posixkit, InitPosixkit)
