// Internal to the mman family (mman.cc, mman_file.cc): the mapping behind a
// JS handle, and what both files do with it.
#pragma once
#include <napi.h>
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace posixkit::mman {

struct Mapping {
  void* addr;
  size_t len;
  int prot;
  std::atomic<int> refs;  // the handle, and the ArrayBuffer when there is one
  std::atomic<bool> unmapped{false};
  Mapping(void* a, size_t l, int p, int r) : addr(a), len(l), prot(p), refs(r) {}
};

inline constexpr int kReadWrite = PROT_READ | PROT_WRITE;

// A Mapping for pages just mapped; only PROT_READ | PROT_WRITE ones get an
// ArrayBuffer (so a second reference).
inline Mapping* NewMapping(void* addr, size_t len, int prot) {
  return new Mapping(addr, len, prot, (prot & kReadWrite) == kReadWrite ? 2 : 1);
}

// munmap once (a no-op after the first call or for a retired mapping).
void Unmap(Mapping* m);
// Drops one reference; the last one unmaps and frees.
void Release(Mapping* m);
// The Mapping behind handle info[i], or nullptr after throwing.
Mapping* ArgMapping(const Napi::CallbackInfo& info, size_t i);
// [offset, offset + length) of a live mapping with `need` protection, or
// nullptr after throwing.
uint8_t* Window(const Napi::CallbackInfo& info, Mapping* m, int need, const char* syscall, int64_t offset,
                int64_t length);
// Registers m and wraps it in a new handle object (with `buffer`); on
// failure releases m and throws.
Napi::Value NewHandle(Napi::Env env, Mapping* m);
// Detaches handle.buffer (every view of it becomes empty); false after throwing.
bool DetachBuffer(Napi::Env env, napi_value handle, Mapping* m, const char* syscall);

}  // namespace posixkit::mman

namespace posixkit {
void InitMmanFile(Napi::Env env, Napi::Object exports);
}
