#include "args.h"

#include <cmath>
#include <string>

namespace posixkit {

// ---- scalars ------------------------------------------------------------------

bool ArgInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
            int64_t* out) {
  if (i >= info.Length()) {
    ThrowTypeError(info.Env(), name, "of type number");
    return false;
  }
  return IntValue(info.Env(), info[i], name, min, max, out);
}

bool IntValue(napi_env env, napi_value v, const char* name, int64_t min, int64_t max, int64_t* out) {
  napi_valuetype t = napi_undefined;
  double d = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    ThrowTypeError(Napi::Env(env), name, "of type number");
    return false;
  }
  if (!std::isfinite(d) || std::trunc(d) != d) {
    ThrowRangeError(Napi::Env(env), name, "an integer");
    return false;
  }
  // Compared as doubles: INT64_MAX rounds up to 2^63, and no integral double
  // in [min, max] converts out of range below.
  if (d < static_cast<double>(min) || d > static_cast<double>(max) || d >= 9223372036854775808.0) {
    std::string r = ">= " + std::to_string(min) + " && <= " + std::to_string(max);
    ThrowRangeError(Napi::Env(env), name, r.c_str());
    return false;
  }
  *out = static_cast<int64_t>(d);
  return true;
}

bool ArgInt32(const Napi::CallbackInfo& info, size_t i, const char* name, int32_t* out) {
  int64_t v;
  if (!ArgInt(info, i, name, INT32_MIN, INT32_MAX, &v)) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

bool ArgFd(const Napi::CallbackInfo& info, size_t i, int* out) {
  int64_t v;
  if (!ArgInt(info, i, "fd", 0, INT32_MAX, &v)) return false;
  *out = static_cast<int>(v);
  return true;
}

bool ArgDouble(const Napi::CallbackInfo& info, size_t i, const char* name, double* out) {
  if (i >= info.Length() || !info[i].IsNumber()) {
    ThrowTypeError(info.Env(), name, "of type number");
    return false;
  }
  *out = info[i].As<Napi::Number>().DoubleValue();
  if (std::isnan(*out)) {
    ThrowRangeError(info.Env(), name, "a number (not NaN)");
    return false;
  }
  return true;
}

bool ArgTimeout(const Napi::CallbackInfo& info, size_t i, double* out) {
  if (!ArgDouble(info, i, "timeout", out)) return false;
  if (*out < 0 || *out == INFINITY) {
    *out = -1;
    return true;
  }
  if (*out > kMaxTimeoutSeconds) {
    ThrowRangeError(info.Env(), "timeout", "<= 9223372036 seconds (or negative / Infinity for none)");
    return false;
  }
  return true;
}

bool ArgFunction(const Napi::CallbackInfo& info, size_t i, const char* name, Napi::Function* out) {
  if (i >= info.Length() || !info[i].IsFunction()) {
    ThrowTypeError(info.Env(), name, "of type function");
    return false;
  }
  *out = info[i].As<Napi::Function>();
  return true;
}

bool ArgString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out) {
  if (i >= info.Length() || !info[i].IsString()) {
    ThrowTypeError(info.Env(), name, "of type string");
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

// ---- bytes-like arguments -----------------------------------------------------------

static thread_local Bytes* t_live = nullptr;
static uint8_t g_empty[1];

namespace detail {
Bytes* EnterJs() {
  Bytes* saved = t_live;
  t_live = nullptr;
  return saved;
}
void LeaveJs(Bytes* saved) { t_live = saved; }
}  // namespace detail

static size_t ElementSize(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:
      return 0;  // a kind this build does not know: refused, never guessed
  }
}

// The view's memory now. napi_get_typedarray_info/napi_get_dataview_info
// read the backing store itself, which works for a SharedArrayBuffer too (an
// ArrayBuffer object is never needed). A detached view is zero bytes.
static bool Fetch(napi_env env, napi_value v, ViewKind kind, uint8_t** data, size_t* size) {
  bool is = false;
  void* d = nullptr;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t length = 0;
    if (napi_get_typedarray_info(env, v, &type, &length, &d, nullptr, nullptr) != napi_ok) return false;
    if (kind == ViewKind::kInt32 && type != napi_int32_array) return false;
    if (kind == ViewKind::kFloat64 && type != napi_float64_array) return false;
    size_t es = ElementSize(type);
    if (es == 0) return false;
    *size = length * es;
  } else if (kind == ViewKind::kAny && napi_is_dataview(env, v, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, v, size, &d, nullptr, nullptr) != napi_ok) return false;
  } else {
    return false;
  }
  *data = d ? static_cast<uint8_t*>(d) : g_empty;
  if (*size == 0) *data = g_empty;
  return true;
}

void Bytes::Link() {
  if (linked_) return;
  prev_ = nullptr;
  next_ = t_live;
  if (t_live) t_live->prev_ = this;
  t_live = this;
  linked_ = true;
}

void Bytes::Unlink() {
  if (!linked_) return;
  if (prev_) prev_->next_ = next_;
  else if (t_live == this) t_live = next_;
  if (next_) next_->prev_ = prev_;
  prev_ = next_ = nullptr;
  linked_ = false;
}

Bytes::~Bytes() { Unlink(); }

bool Bytes::Read(napi_env env, napi_value v, const char* name, ViewKind kind) {
  if (!Fetch(env, v, kind, &data_, &size_)) {
    ThrowTypeError(Napi::Env(env), name,
                   kind == ViewKind::kInt32     ? "an instance of Int32Array"
                   : kind == ViewKind::kFloat64 ? "an instance of Float64Array"
                                                : "an instance of Buffer, TypedArray, or DataView");
    return false;
  }
  value_ = v;
  kind_ = kind;
  name_ = name;
  Link();
  return true;
}

bool Bytes::Read(const Napi::CallbackInfo& info, size_t i, const char* name, ViewKind kind) {
  napi_value v = i < info.Length() ? static_cast<napi_value>(info[i]) : nullptr;
  if (!v) {
    napi_get_undefined(info.Env(), &v);
  }
  return Read(info.Env(), v, name, kind);
}

bool Bytes::Recheck(napi_env env) {
  uint8_t* d = nullptr;
  size_t n = 0;
  // Growth (a length-tracking view on a growable buffer) is harmless: the
  // call goes on with the length it checked. A move or a shrink is not.
  bool same = Fetch(env, value_, kind_, &d, &n) && (size_ == 0 || (d == data_ && n >= size_));
  if (same) return true;
  std::string msg = std::string("The \"") + name_ +
                    "\" buffer was detached or shrunk by JavaScript that ran during the call "
                    "(a signal handler or a getter); nothing was read or written through it afterwards";
  ThrowCodedError(Napi::Env(env), ErrorKind::kType, "ERR_BUFFER_CHANGED", msg);
  return false;
}

bool RecheckBuffers(napi_env env) {
  for (Bytes* b = t_live; b; b = b->next_)
    if (!b->Recheck(env)) return false;
  return true;
}

// ---- lists ----------------------------------------------------------------------------

bool ListLength(napi_env env, napi_value v, const char* name, const char* expected, uint32_t* len) {
  bool is = false;
  if (!v || napi_is_array(env, v, &is) != napi_ok || !is || napi_get_array_length(env, v, len) != napi_ok) {
    ThrowTypeError(Napi::Env(env), name, expected);
    return false;
  }
  return true;
}

bool ReadList(napi_env env, napi_value v, const char* name, const char* expected, uint32_t max,
              std::vector<napi_value>* out) {
  uint32_t n;
  if (!ListLength(env, v, name, expected, &n)) return false;
  if (n > max) {
    std::string what = std::string(name) + ".length";
    std::string r = "<= " + std::to_string(max);
    ThrowRangeError(Napi::Env(env), what.c_str(), r.c_str());
    return false;
  }
  out->assign(n, nullptr);
  for (uint32_t k = 0; k < n; k++) {
    napi_value e = nullptr;
    if (!AroundJs(env, [&] { napi_get_element(env, v, k, &e); })) return false;
    if (!e) napi_get_undefined(env, &e);
    (*out)[k] = e;
  }
  return true;
}

}  // namespace posixkit
