#include "os_args.h"

#include <string>

namespace posixkit {

bool ArgOptInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
               int64_t absent, int64_t* out) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) {
    *out = absent;
    return true;
  }
  return ArgInt(info, i, name, min, max, out);
}

bool CStringValue(napi_env env, napi_value v, const char* name, std::string* out) {
  napi_valuetype t = napi_undefined;
  size_t len = 0;
  if (!v || napi_typeof(env, v, &t) != napi_ok || t != napi_string ||
      napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) {
    ThrowTypeError(Napi::Env(env), name, "of type string");
    return false;
  }
  out->assign(len, '\0');
  if (napi_get_value_string_utf8(env, v, out->data(), len + 1, &len) != napi_ok) {
    ThrowTypeError(Napi::Env(env), name, "of type string");
    return false;
  }
  out->resize(len);
  if (out->find('\0') != std::string::npos) {
    ThrowTypeError(Napi::Env(env), name, "a string without null bytes");
    return false;
  }
  return true;
}

bool ArgCString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (!ArgString(info, i, name, out)) return false;
  if (out->find('\0') != std::string::npos) {
    ThrowTypeError(info.Env(), name, "a string without null bytes");
    return false;
  }
  return true;
}

Napi::Array NumberArray(Napi::Env env, std::initializer_list<double> values) {
  Napi::Array a = Napi::Array::New(env, values.size());
  uint32_t k = 0;
  for (double v : values) a.Set(k++, Napi::Number::New(env, v));
  return a;
}

}  // namespace posixkit
