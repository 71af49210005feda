// The test build's hooks (binding.gyp's posixkit_variant 'test' or 'asan';
// never in the published addon): diagnostics and switches the test suite
// uses to look inside the fork and signal machinery. Their names start with
// '_'; test/helpers/native-hooks.ts declares them.
#include <signal.h>

#include "binding.h"
#include "fork.h"
#include "signal.h"

namespace posixkit::hooks {

// _fork_info() -> what the last fork did (docs/fork.md).
static Value JS__fork_info(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  forking::ForkInfo fi = forking::GetForkInfo();
  Napi::Object o = Napi::Object::New(env);
  o.Set("glibc", Napi::String::New(env, fi.glibc));
  o.Set("condvarFix", Napi::Boolean::New(env, fi.condvar_fix));
  o.Set("layout", Napi::String::New(env, fi.layout));
  o.Set("layoutReason", Napi::String::New(env, fi.layout_reason));
  o.Set("waitersAtLastFork", Napi::Number::New(env, fi.waiters_at_last_fork));
  o.Set("releasedInChild", Napi::Number::New(env, fi.released_in_child));
  o.Set("mappingsAtLastFork", Napi::Number::New(env, fi.mappings_at_last_fork));
  return o;
}

// _set_condvar_fix(on): off reproduces the hang the release prevents.
static Value JS__set_condvar_fix(const CallbackInfo& info) {
  forking::SetCondvarFix(info.Length() > 0 && info[0].ToBoolean().Value());
  return UNDEF;
}

// _signal_stats() -> { forwarded, recorded: {sig: n}, libuvHandlerKnown, chained: [sig] }
static Value JS__signal_stats(const CallbackInfo& info) {
  Napi::Env env = info.Env();
  sig::Stats st = sig::GetStats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("forwarded", Napi::Number::New(env, static_cast<double>(st.forwarded)));
  Napi::Object rec = Napi::Object::New(env);
  Napi::Array chained = Napi::Array::New(env);
  uint32_t n = 0;
  for (int s = 1; s < sig::kMax; s++) {
    if (st.recorded[s]) rec.Set(s, Napi::Number::New(env, static_cast<double>(st.recorded[s])));
    if (st.chained[s]) chained.Set(n++, Napi::Number::New(env, s));
  }
  o.Set("recorded", rec);
  o.Set("libuvHandlerKnown", Napi::Boolean::New(env, st.libuv_handler_known));
  o.Set("chained", chained);
  return o;
}

}  // namespace posixkit::hooks

namespace posixkit {

void InitTestHooks(Napi::Env env, Napi::Object exports) {
  using namespace hooks;
  EXPORT_FN(exports, _fork_info);
  EXPORT_FN(exports, _set_condvar_fix);
  EXPORT_FN(exports, _signal_stats);
  forking::InitForkHazard(env, exports);
}

}  // namespace posixkit
