// What every syscall family file (native/*.cc) includes: the per-env state,
// errors and the EINTR rule, the argument readers and the buffer rule, and
// the few macros an entry point and an Init<Family> function are written with.
// Only .cc files include it (the short macro names stay out of headers).
#pragma once
#include <napi.h>

#include "addon.h"
#include "args.h"
#include "errors.h"

namespace posixkit {
using Napi::CallbackInfo;
using Napi::Value;
}  // namespace posixkit

// Inside `static Value JS_x(const CallbackInfo& info)`.
#define ENV info.Env()
#define UNDEF info.Env().Undefined()

// Inside `void Init<Family>(Napi::Env env, Napi::Object ...)`: obj.name = JS_name,
// and obj.NAME = the C constant NAME. A constants table may shorten the
// latter with `#define K(name) EXPORT_VALUE(c, #name, name)` (stringified
// there: an alias passing `name` on would stringify its expansion).
#define EXPORT_FN(obj, name) (obj).Set(#name, Napi::Function::New(env, JS_##name, #name))
#define EXPORT_VALUE(obj, str, value) (obj).Set(str, Napi::Number::New(env, static_cast<double>(value)))
#define EXPORT_CONST(obj, name) EXPORT_VALUE(obj, #name, name)
