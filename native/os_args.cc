#include "os_args.h"

#include <cmath>

namespace posixkit {

static size_t ElementSize(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: return 1;
    case napi_int16_array: case napi_uint16_array: return 2;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: return 4;
    default: return 8;  // float64, bigint64, biguint64
  }
}

bool ViewBytes(napi_env env, napi_value v, uint8_t** data, size_t* len) {
  static uint8_t empty;
  bool is = false;
  void* d = nullptr;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length;
    if (napi_get_typedarray_info(env, v, &type, &length, &d, nullptr, nullptr) != napi_ok) return false;
    *len = length * ElementSize(type);
  } else if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, v, len, &d, nullptr, nullptr) != napi_ok) return false;
  } else {
    return false;
  }
  if (d == nullptr) *len = 0;
  *data = d ? static_cast<uint8_t*>(d) : &empty;
  return true;
}

bool HeldViews::Add(napi_env env, napi_value v, const char* name) {
  View view{v, nullptr, 0};
  if (!ViewBytes(env, v, &view.data, &view.len)) {
    ThrowTypeError(Napi::Env(env), name, "an instance of Buffer, TypedArray, or DataView");
    return false;
  }
  views_.push_back(view);
  return true;
}

bool HeldViews::Recheck(napi_env env) const {
  for (const View& v : views_) {
    uint8_t* data;
    size_t len;
    if (ViewBytes(env, v.value, &data, &len) && (data == v.data || v.len == 0) && len >= v.len) continue;
    Napi::Error e = Napi::TypeError::New(Napi::Env(env),
        "a buffer of this call was detached, moved or shrunk while a signal handler ran");
    e.Set("code", Napi::String::New(Napi::Env(env), "ERR_BUFFER_CHANGED"));
    e.ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

bool ArgOptInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
               int64_t absent, int64_t* out) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) {
    *out = absent;
    return true;
  }
  return ArgInt(info, i, name, min, max, out);
}

bool ArgArraySnapshot(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t max,
                      std::vector<Napi::Value>* out) {
  if (i >= info.Length() || !info[i].IsArray()) {
    ThrowTypeError(info.Env(), name, "an array");
    return false;
  }
  Napi::Array a = info[i].As<Napi::Array>();
  uint32_t n = a.Length();
  if (n > max) {
    std::string r = "at most " + std::to_string(max) + " elements";
    ThrowRangeError(info.Env(), name, r.c_str());
    return false;
  }
  out->clear();
  out->reserve(n);
  for (uint32_t k = 0; k < n; k++) {
    Napi::Value v = a.Get(k);
    if (info.Env().IsExceptionPending()) return false;  // a throwing getter
    out->push_back(v);
  }
  return true;
}

bool ElementInt(Napi::Env env, const Napi::Value& v, const char* name, int64_t min, int64_t max,
                int64_t* out) {
  if (!v.IsNumber()) {
    ThrowTypeError(env, name, "an array of numbers");
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d || d < static_cast<double>(min) ||
      d > static_cast<double>(max)) {
    std::string r = "integers >= " + std::to_string(min) + " && <= " + std::to_string(max);
    ThrowRangeError(env, name, r.c_str());
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

Napi::Array NumberArray(Napi::Env env, std::initializer_list<double> values) {
  Napi::Array a = Napi::Array::New(env, values.size());
  uint32_t k = 0;
  for (double v : values) a.Set(k++, Napi::Number::New(env, v));
  return a;
}

bool ArgCString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (!ArgString(info, i, name, out)) return false;
  if (out->find('\0') != std::string::npos) {
    ThrowTypeError(info.Env(), name, "a string without null bytes");
    return false;
  }
  return true;
}

}  // namespace posixkit
