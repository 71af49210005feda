// The host, protocol and interface databases of the socket family:
// gethostbyname_r/gethostbyaddr_r (aliases and h_errno, as Python reports
// them), getprotobyname_r, sethostname(2), and the interface index calls
// if_nameindex/if_nametoindex/if_indextoname.
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

// An h_errno failure as an Error that lib/socket/names.ts turns into a
// herror: code 'HOST_NOT_FOUND', errno the h_errno value (positive, as
// Python's herror.errno), message from hstrerror().
static Value ThrowHerror(Napi::Env env, int h, const char* syscall) {
  const char* name = "NETDB_INTERNAL";
  switch (h) {
#define H(n) case n: name = #n; break;
    H(HOST_NOT_FOUND) H(TRY_AGAIN) H(NO_RECOVERY) H(NO_DATA)
#undef H
  }
  Napi::Error e = Napi::Error::New(env, std::string(name) + ": " + hstrerror(h) + ", " + syscall);
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, h));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("herror", Napi::Boolean::New(env, true));
  napi_throw(env, e.Value());
  return env.Undefined();
}

// [h_name, aliases, addresses] of a hostent, Python's shape.
static Napi::Array HostentArray(Napi::Env env, const struct hostent* h) {
  Napi::Array aliases = Napi::Array::New(env);
  uint32_t k = 0;
  for (char** a = h->h_aliases; a && *a; a++) aliases.Set(k++, Napi::String::New(env, *a));
  Napi::Array addrs = Napi::Array::New(env);
  k = 0;
  char buf[INET6_ADDRSTRLEN];
  for (char** a = h->h_addr_list; a && *a; a++) {
    if (inet_ntop(h->h_addrtype, *a, buf, sizeof buf)) addrs.Set(k++, Napi::String::New(env, buf));
  }
  Napi::Array r = Napi::Array::New(env, 3);
  r.Set(0u, Napi::String::New(env, h->h_name ? h->h_name : ""));
  r.Set(1u, aliases);
  r.Set(2u, addrs);
  return r;
}

// The *_r lookups report a too small buffer as ERANGE: grow and retry.
template <typename Lookup>
static Value HostLookup(Napi::Env env, const char* syscall, Lookup lookup) {
  size_t size = 16384;
  for (;;) {
    std::unique_ptr<char, decltype(&free)> buf(static_cast<char*>(malloc(size)), &free);
    if (!buf) return ThrowErrno(env, ENOMEM, "malloc");
    struct hostent he, *res = nullptr;
    int h = 0;
    int rc = lookup(&he, buf.get(), size, &res, &h);
    if (rc == ERANGE && size < (1u << 24)) {
      size *= 2;
      continue;
    }
    if (res) return HostentArray(env, res);
    return ThrowHerror(env, h ? h : HOST_NOT_FOUND, syscall);
  }
}

// gethostbyname_ex(name) -> [name, aliases, IPv4 addresses]
static Value JS_gethostbyname_ex(const CallbackInfo& info) {
  std::string name;
  if (!ArgString(info, 0, "hostname", &name)) return UNDEF;
  if (name.find('\0') != std::string::npos) return ThrowTypeError(ENV, "hostname", "a string without null bytes");
  return HostLookup(ENV, "gethostbyname", [&](hostent* he, char* buf, size_t n, hostent** res, int* h) {
    return gethostbyname2_r(name.c_str(), AF_INET, he, buf, n, res, h);
  });
}

// gethostbyaddr(family, numeric address) -> [name, aliases, addresses]
static Value JS_gethostbyaddr(const CallbackInfo& info) {
  int32_t family;
  std::string ip;
  if (!ArgInt32(info, 0, "family", &family) || !ArgString(info, 1, "ip", &ip)) return UNDEF;
  if (family != AF_INET && family != AF_INET6) return ThrowErrno(ENV, EAFNOSUPPORT, "gethostbyaddr");
  unsigned char addr[sizeof(struct in6_addr)];
  if (ip.find('\0') != std::string::npos || inet_pton(family, ip.c_str(), addr) != 1)
    return ThrowErrno(ENV, EINVAL, "gethostbyaddr");
  socklen_t len = family == AF_INET ? sizeof(struct in_addr) : sizeof(struct in6_addr);
  return HostLookup(ENV, "gethostbyaddr", [&](hostent* he, char* buf, size_t n, hostent** res, int* h) {
    return gethostbyaddr_r(addr, len, family, he, buf, n, res, h);
  });
}

// getprotobyname(name) -> protocol number, or null when unknown.
static Value JS_getprotobyname(const CallbackInfo& info) {
  std::string name;
  if (!ArgString(info, 0, "protocolname", &name)) return UNDEF;
  if (name.find('\0') != std::string::npos) return ENV.Null();
  struct protoent pe, *res = nullptr;
  char buf[4096];
  getprotobyname_r(name.c_str(), &pe, buf, sizeof buf, &res);
  if (!res) return ENV.Null();
  return Napi::Number::New(ENV, res->p_proto);
}

// sethostname(name bytes): the UTS namespace's host name.
static Value JS_sethostname(const CallbackInfo& info) {
  Bytes name;
  if (!name.Read(info, 0, "name")) return UNDEF;
  if (sethostname(reinterpret_cast<const char*>(name.data()), name.size()) < 0) return ThrowErrno(ENV, errno, "sethostname");
  return UNDEF;
}

// if_nameindex() -> [index, name][]
static Value JS_if_nameindex(const CallbackInfo& info) {
  struct if_nameindex* ni = if_nameindex();
  if (!ni) return ThrowErrno(ENV, errno, "if_nameindex");
  Napi::Array out = Napi::Array::New(ENV);
  uint32_t k = 0;
  for (struct if_nameindex* p = ni; p->if_index != 0 || p->if_name != nullptr; p++) {
    Napi::Array e = Napi::Array::New(ENV, 2);
    e.Set(0u, Napi::Number::New(ENV, p->if_index));
    e.Set(1u, Napi::String::New(ENV, p->if_name ? p->if_name : ""));
    out.Set(k++, e);
  }
  if_freenameindex(ni);
  return out;
}

static Value JS_if_nametoindex(const CallbackInfo& info) {
  std::string name;
  if (!ArgString(info, 0, "if_name", &name)) return UNDEF;
  if (name.find('\0') != std::string::npos) return ThrowErrno(ENV, ENODEV, "if_nametoindex");
  errno = 0;
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) return ThrowErrno(ENV, errno ? errno : ENODEV, "if_nametoindex");
  return Napi::Number::New(ENV, idx);
}

static Value JS_if_indextoname(const CallbackInfo& info) {
  int64_t idx;
  if (!ArgInt(info, 0, "if_index", 0, UINT32_MAX, &idx)) return UNDEF;
  char buf[IF_NAMESIZE + 1] = {};
  if (!if_indextoname(static_cast<unsigned>(idx), buf)) return ThrowErrno(ENV, errno, "if_indextoname");
  return Napi::String::New(ENV, buf);
}

void InitSocketNetdb(Napi::Env env, Napi::Object exports) {
  EXPORT_FN(exports, gethostbyname_ex); EXPORT_FN(exports, gethostbyaddr); EXPORT_FN(exports, getprotobyname);
  EXPORT_FN(exports, sethostname); EXPORT_FN(exports, if_nameindex); EXPORT_FN(exports, if_nametoindex);
  EXPORT_FN(exports, if_indextoname);
}

}  // namespace posixkit::sock
