// Argument readers and result shapes the os families (ids, sched, fdio,
// spawn, resource...) share beyond args.h: optional integers, C strings,
// Python's tuples, and the ranges of offsets and ids.
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "args.h"

namespace posixkit {

// info[i] as an integer in [min, max], or `absent` when it is undefined or null.
bool ArgOptInt(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t min, int64_t max,
               int64_t absent, int64_t* out);

// A string without NUL bytes (a path, a user name).
bool ArgCString(const Napi::CallbackInfo& info, size_t i, const char* name, std::string* out);

// A string element of a list snapshot (ReadList), without NUL bytes.
bool CStringValue(napi_env env, napi_value v, const char* name, std::string* out);

// [a, b, c, ...] as numbers: the tuples of Python's results (waitid, times, rusage...).
Napi::Array NumberArray(Napi::Env env, std::initializer_list<double> values);

// The largest integer a JS number holds exactly: offsets and counts beyond it are refused.
constexpr int64_t kMaxSafeInt = 9007199254740991LL;

// A uid_t/gid_t argument: -1 (the kernel's "unchanged") or 0 .. 2^32-2.
constexpr int64_t kIdMax = 4294967294LL;

}  // namespace posixkit
