// Argument readers shared by the os families (ids, sched, fdio, spawn...).
//
// Byte views are read through napi_get_typedarray_info / napi_get_dataview_info,
// which give the data pointer of SharedArrayBuffer views too. A caller that
// lets JS run between reading a view and using it (a signal handler after
// EINTR) must read it again: JS may have detached or shrunk the buffer.
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "errors.h"

namespace posixkit {

// The bytes of any ArrayBufferView, or false (nothing thrown) for another value.
// A detached or empty view gives len 0 and a non-null pointer.
bool ViewBytes(napi_env env, napi_value v, uint8_t** data, size_t* len);

// ViewBytes on info[i], throwing ERR_INVALID_ARG_TYPE for a non-view.
bool ArgView(const Napi::CallbackInfo& info, size_t i, const char* name, uint8_t** data, size_t* len);

// info[i] as an integer in [min, max], or `absent` when it is undefined or null.
bool ArgOptInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
               int64_t absent, int64_t* out);

// A JS array read once into handles (its elements may be getters: each is
// read exactly once). Refuses more than `max` elements.
bool ArgArraySnapshot(const Napi::CallbackInfo& info, size_t i, const char* name, uint32_t max,
                      std::vector<Napi::Value>* out);

// An integer element of an array snapshot, checked like ArgInt.
bool ElementInt(Napi::Env env, const Napi::Value& v, const char* name, int64_t min, int64_t max,
                int64_t* out);

// A string without NUL bytes (a path, a user name).
bool ArgCString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);

// [a, b, c, ...] as numbers: the tuples of Python's results (waitid, times, rusage...).
Napi::Array NumberArray(Napi::Env env, std::initializer_list<double> values);

// The largest integer a JS number holds exactly: offsets and counts beyond it are refused.
constexpr int64_t kMaxSafeInt = 9007199254740991LL;

// A uid_t/gid_t argument: -1 (the kernel's "unchanged") or 0 .. 2^32-2.
constexpr int64_t kIdMax = 4294967294LL;

}  // namespace posixkit
