// Shared by resource.cc and wait.cc (wait3/wait4 return a struct rusage).
#pragma once
#include <napi.h>
#include <sys/resource.h>

namespace posixkit {

// The 16 fields of struct rusage in Python's struct_rusage order; the times in seconds.
Napi::Array RusageArray(Napi::Env env, const struct rusage& ru);

}  // namespace posixkit
