// Socket addresses (JS <-> sockaddr) and the name service: getaddrinfo (sync
// and on the libuv pool), getnameinfo, gethostname, getservbyname,
// inet_pton/ntop/aton/ntoa.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

// A getaddrinfo failure as an Error with code 'EAI_NONAME' and the EAI
// number; lib/socket.ts turns it into a gaierror (an OSError subclass).
static Napi::Value MakeGaiError(Napi::Env env, int rc, const char* syscall) {
  if (rc == EAI_SYSTEM) return MakeErrnoError(env, errno, syscall);
  const char* name = "EAI_UNKNOWN";
  switch (rc) {
#define G(n) case n: name = #n; break;
    G(EAI_BADFLAGS) G(EAI_NONAME) G(EAI_AGAIN) G(EAI_FAIL) G(EAI_FAMILY)
    G(EAI_SOCKTYPE) G(EAI_SERVICE) G(EAI_MEMORY) G(EAI_OVERFLOW)
#ifdef EAI_NODATA
    G(EAI_NODATA)
#endif
#ifdef EAI_ADDRFAMILY
    G(EAI_ADDRFAMILY)
#endif
#undef G
  }
  Napi::Error e = Napi::Error::New(env, std::string(name) + ": " + gai_strerror(rc) + ", " + syscall);
  e.Set("code", Napi::String::New(env, name));
  e.Set("errno", Napi::Number::New(env, rc));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("gai", Napi::Boolean::New(env, true));
  return e.Value();
}

static Value ThrowGai(Napi::Env env, int rc, const char* syscall) {
  napi_throw(env, MakeGaiError(env, rc, syscall));
  return env.Undefined();
}

static bool ReadPort(Napi::Env env, Napi::Value v, uint16_t* port) {
  if (!v.IsNumber()) {
    ThrowTypeError(env, "port", "of type number");
    return false;
  }
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 65535) || d != static_cast<double>(static_cast<int>(d))) {
    ThrowRangeError(env, "port", ">= 0 && <= 65535");
    return false;
  }
  *port = static_cast<uint16_t>(d);
  return true;
}

// CPython's setipaddr: '' is the wildcard, '<broadcast>' INADDR_BROADCAST,
// a numeric address is parsed, anything else goes through getaddrinfo.
static bool ResolveHost(Napi::Env env, const std::string& host, int family, SockAddr* out,
                        const char* syscall) {
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out->ss);
    if (host.empty()) {
      sin->sin_addr.s_addr = htonl(INADDR_ANY);
      return true;
    }
    if (host == "<broadcast>") {
      sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
      return true;
    }
    if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) == 1) return true;
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->ss);
    if (host.empty()) {
      sin6->sin6_addr = in6addr_any;
      return true;
    }
    if (host.find('%') == std::string::npos &&
        inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) == 1)
      return true;
  }
  struct addrinfo hints = {}, *res = nullptr;
  hints.ai_family = family;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    ThrowGai(env, rc, syscall);
    return false;
  }
  if (family == AF_INET) {
    reinterpret_cast<sockaddr_in*>(&out->ss)->sin_addr =
        reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr;
  } else {
    auto* src = reinterpret_cast<sockaddr_in6*>(res->ai_addr);
    auto* dst = reinterpret_cast<sockaddr_in6*>(&out->ss);
    dst->sin6_addr = src->sin6_addr;
    dst->sin6_scope_id = src->sin6_scope_id;
  }
  freeaddrinfo(res);
  return true;
}

bool ArgSockaddr(const CallbackInfo& info, size_t i, int family, SockAddr* out,
                 const char* syscall) {
  Napi::Env env = info.Env();
  memset(&out->ss, 0, sizeof(out->ss));
  Napi::Value v = i < info.Length() ? info[i] : env.Undefined();
  if (family == AF_UNIX) {
    auto* sun = reinterpret_cast<sockaddr_un*>(&out->ss);
    sun->sun_family = AF_UNIX;
    std::string bytes;
    if (v.IsString()) {
      bytes = v.As<Napi::String>().Utf8Value();
    } else if (v.IsTypedArray() || v.IsDataView()) {
      Bytes b;
      if (!b.Read(env, v, "address")) return false;
      bytes.assign(reinterpret_cast<const char*>(b.data()), b.size());
    } else {
      ThrowTypeError(env, "address", "a string or Buffer for AF_UNIX");
      return false;
    }
    // Abstract names may use all 108 bytes (no terminator); a path needs room
    // for its NUL, as CPython checks.
    bool abstract = !bytes.empty() && bytes[0] == '\0';
    size_t max = abstract ? sizeof(sun->sun_path) : sizeof(sun->sun_path) - 1;
    if (bytes.size() > max) {
      std::string shown = abstract ? "(abstract name)" : bytes.substr(0, 40) + "...";
      ThrowErrno(env, ENAMETOOLONG, syscall, shown.c_str());
      return false;
    }
    memcpy(sun->sun_path, bytes.data(), bytes.size());
    // bind('') gives addrlen == sizeof(sa_family_t): Linux autobinds.
    out->len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + bytes.size() +
                                      (abstract || bytes.empty() ? 0 : 1));
    return true;
  }
  if (family != AF_INET && family != AF_INET6) {
    ThrowErrno(env, EAFNOSUPPORT, syscall);
    return false;
  }
  const char* shape = family == AF_INET ? "an array [host, port]" : "an array [host, port, flowinfo?, scope_id?]";
  uint32_t n;
  std::vector<napi_value> a;
  if (!ListLength(env, v, "address", shape, &n)) return false;
  if (family == AF_INET ? n != 2 : (n < 2 || n > 4)) {
    ThrowTypeError(env, "address", shape);
    return false;
  }
  if (!ReadList(env, v, "address", shape, 4, &a)) return false;
  n = static_cast<uint32_t>(a.size());  // the snapshot's, whatever a getter did to the array
  Napi::Value h(env, a[0]);
  if (!h.IsString()) {
    ThrowTypeError(env, "host", "of type string");
    return false;
  }
  uint16_t port;
  if (!ReadPort(env, Napi::Value(env, a[1]), &port)) return false;
  std::string host = h.As<Napi::String>().Utf8Value();
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&out->ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    out->len = sizeof(sockaddr_in);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out->ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    for (uint32_t k = 2; k < n; k++) {
      int64_t d;
      const char* name = k == 2 ? "flowinfo" : "scope_id";
      if (!IntValue(env, a[k], name, 0, k == 2 ? 0xfffff : UINT32_MAX, &d)) return false;
      if (k == 2) sin6->sin6_flowinfo = htonl(static_cast<uint32_t>(d));
      else sin6->sin6_scope_id = static_cast<uint32_t>(d);
    }
    out->len = sizeof(sockaddr_in6);
  }
  return ResolveHost(env, host, family, out, syscall);
}

Value MakeSockaddr(Napi::Env env, const struct sockaddr* sa, socklen_t len) {
  if (len == 0) return env.Null();
  char buf[INET6_ADDRSTRLEN];
  switch (sa->sa_family) {
    case AF_INET: {
      auto* sin = reinterpret_cast<const sockaddr_in*>(sa);
      inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
      Napi::Array r = Napi::Array::New(env, 2);
      r.Set(0u, Napi::String::New(env, buf));
      r.Set(1u, Napi::Number::New(env, ntohs(sin->sin_port)));
      return r;
    }
    case AF_INET6: {
      auto* sin6 = reinterpret_cast<const sockaddr_in6*>(sa);
      inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
      Napi::Array r = Napi::Array::New(env, 4);
      r.Set(0u, Napi::String::New(env, buf));
      r.Set(1u, Napi::Number::New(env, ntohs(sin6->sin6_port)));
      r.Set(2u, Napi::Number::New(env, ntohl(sin6->sin6_flowinfo)));
      r.Set(3u, Napi::Number::New(env, sin6->sin6_scope_id));
      return r;
    }
    case AF_UNIX: {
      auto* sun = reinterpret_cast<const sockaddr_un*>(sa);
      size_t off = offsetof(sockaddr_un, sun_path);
      if (len <= off) return Napi::String::New(env, "");  // unbound / unnamed
      size_t n = len - off;
      if (n > sizeof(sun->sun_path)) n = sizeof(sun->sun_path);
      // Abstract names are bytes with explicit length (NULs included), as
      // CPython returns them; path names stop at their terminator.
      if (sun->sun_path[0] == '\0')
        return Napi::Buffer<char>::Copy(env, sun->sun_path, n);
      return Napi::String::New(env, sun->sun_path, strnlen(sun->sun_path, n));
    }
    default: {
      Napi::Array r = Napi::Array::New(env, 2);
      r.Set(0u, Napi::Number::New(env, sa->sa_family));
      r.Set(1u, Napi::Buffer<char>::Copy(env, reinterpret_cast<const char*>(sa), len));
      return r;
    }
  }
}

// ---- name service -----------------------------------------------------------

static Value JS_gethostname(const CallbackInfo& info) {
  char buf[256];
  if (gethostname(buf, sizeof buf) < 0) return ThrowErrno(ENV, errno, "gethostname");
  buf[sizeof buf - 1] = 0;
  return Napi::String::New(ENV, buf);
}

static Napi::Array AddrinfoArray(Napi::Env env, struct addrinfo* res) {
  Napi::Array out = Napi::Array::New(env);
  uint32_t k = 0;
  for (struct addrinfo* p = res; p; p = p->ai_next) {
    Napi::Array e = Napi::Array::New(env, 5);
    e.Set(0u, Napi::Number::New(env, p->ai_family));
    e.Set(1u, Napi::Number::New(env, p->ai_socktype));
    e.Set(2u, Napi::Number::New(env, p->ai_protocol));
    e.Set(3u, Napi::String::New(env, p->ai_canonname ? p->ai_canonname : ""));
    e.Set(4u, MakeSockaddr(env, p->ai_addr, p->ai_addrlen));
    out.Set(k++, e);
  }
  return out;
}

struct GaiArgs {
  std::string host, port;
  bool has_host = false, has_port = false;
  struct addrinfo hints = {};
};

// getaddrinfo(host|null, port|null (string), family, type, proto, flags)
static bool ReadGaiArgs(const CallbackInfo& info, GaiArgs* a) {
  if (info.Length() > 0 && info[0].IsString()) {
    a->host = info[0].As<Napi::String>().Utf8Value();
    a->has_host = true;
  } else if (info.Length() > 0 && !info[0].IsNull() && !info[0].IsUndefined()) {
    ThrowTypeError(info.Env(), "host", "a string or null");
    return false;
  }
  if (info.Length() > 1 && info[1].IsString()) {
    a->port = info[1].As<Napi::String>().Utf8Value();
    a->has_port = true;
  } else if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
    ThrowTypeError(info.Env(), "port", "a string or null");
    return false;
  }
  int32_t family, type, proto, flags;
  if (!ArgInt32(info, 2, "family", &family) || !ArgInt32(info, 3, "type", &type) ||
      !ArgInt32(info, 4, "proto", &proto) || !ArgInt32(info, 5, "flags", &flags))
    return false;
  a->hints.ai_family = family;
  a->hints.ai_socktype = type;
  a->hints.ai_protocol = proto;
  a->hints.ai_flags = flags;
  return true;
}

static Value JS_getaddrinfo(const CallbackInfo& info) {
  GaiArgs a;
  if (!ReadGaiArgs(info, &a)) return UNDEF;
  struct addrinfo* res = nullptr;
  int rc = getaddrinfo(a.has_host ? a.host.c_str() : nullptr, a.has_port ? a.port.c_str() : nullptr,
                       &a.hints, &res);
  if (rc != 0) return ThrowGai(ENV, rc, "getaddrinfo");
  Napi::Array out = AddrinfoArray(ENV, res);
  freeaddrinfo(res);
  return out;
}

// getaddrinfo on the libuv thread pool (napi async work): the lookup may
// take seconds (DNS) and must not block the event loop.
class GaiWorker : public Napi::AsyncWorker {
 public:
  GaiWorker(Napi::Env env, GaiArgs args)
      : Napi::AsyncWorker(env, "posixkit.getaddrinfo"), args_(std::move(args)),
        deferred_(Napi::Promise::Deferred::New(env)) {}
  ~GaiWorker() override {
    if (res_) freeaddrinfo(res_);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    rc_ = getaddrinfo(args_.has_host ? args_.host.c_str() : nullptr,
                      args_.has_port ? args_.port.c_str() : nullptr, &args_.hints, &res_);
    if (rc_ == EAI_SYSTEM) err_ = errno;
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (rc_ != 0) {
      if (rc_ == EAI_SYSTEM) errno = err_;
      deferred_.Reject(MakeGaiError(env, rc_, "getaddrinfo"));
      return;
    }
    deferred_.Resolve(AddrinfoArray(env, res_));
  }

 private:
  GaiArgs args_;
  Napi::Promise::Deferred deferred_;
  struct addrinfo* res_ = nullptr;
  int rc_ = 0, err_ = 0;
};

static Value JS_getaddrinfo_async(const CallbackInfo& info) {
  GaiArgs a;
  if (!ReadGaiArgs(info, &a)) return UNDEF;
  auto* w = new GaiWorker(ENV, std::move(a));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

// getnameinfo(family, address, flags) -> [host, service]
static Value JS_getnameinfo(const CallbackInfo& info) {
  int32_t family, flags;
  if (!ArgInt32(info, 0, "family", &family)) return UNDEF;
  SockAddr sa;
  if (!ArgSockaddr(info, 1, family, &sa, "getnameinfo")) return UNDEF;
  if (!ArgInt32(info, 2, "flags", &flags)) return UNDEF;
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  int rc = getnameinfo(reinterpret_cast<sockaddr*>(&sa.ss), sa.len, host, sizeof host, serv,
                       sizeof serv, flags);
  if (rc != 0) return ThrowGai(ENV, rc, "getnameinfo");
  Napi::Array r = Napi::Array::New(ENV, 2);
  r.Set(0u, Napi::String::New(ENV, host));
  r.Set(1u, Napi::String::New(ENV, serv));
  return r;
}

// getservbyname(name, proto|null) -> port, or null when unknown.
static Value JS_getservbyname(const CallbackInfo& info) {
  std::string name, proto;
  if (!ArgString(info, 0, "servicename", &name)) return UNDEF;
  bool has_proto = info.Length() > 1 && info[1].IsString();
  if (has_proto) proto = info[1].As<Napi::String>().Utf8Value();
  struct servent se, *res = nullptr;
  char buf[1024];
  getservbyname_r(name.c_str(), has_proto ? proto.c_str() : nullptr, &se, buf, sizeof buf, &res);
  if (!res) return ENV.Null();
  return Napi::Number::New(ENV, ntohs(static_cast<uint16_t>(res->s_port)));
}

static Value JS_getservbyport(const CallbackInfo& info) {
  int64_t port;
  if (!ArgInt(info, 0, "port", 0, 65535, &port)) return UNDEF;
  std::string proto;
  bool has_proto = info.Length() > 1 && info[1].IsString();
  if (has_proto) proto = info[1].As<Napi::String>().Utf8Value();
  struct servent se, *res = nullptr;
  char buf[1024];
  getservbyport_r(htons(static_cast<uint16_t>(port)), has_proto ? proto.c_str() : nullptr, &se, buf,
                  sizeof buf, &res);
  if (!res) return ENV.Null();
  return Napi::String::New(ENV, res->s_name);
}

// inet_pton(family, string) -> Buffer, or null when the string is not an address.
static Value JS_inet_pton(const CallbackInfo& info) {
  int32_t family;
  std::string s;
  if (!ArgInt32(info, 0, "family", &family) || !ArgString(info, 1, "ip_string", &s)) return UNDEF;
  unsigned char out[sizeof(struct in6_addr)];
  int rc = inet_pton(family, s.c_str(), out);
  if (rc < 0) return ThrowErrno(ENV, errno, "inet_pton");
  if (rc == 0 || s.find('\0') != std::string::npos) return ENV.Null();
  return Napi::Buffer<unsigned char>::Copy(ENV, out, family == AF_INET ? 4 : 16);
}

// inet_ntop(family, packed) -> string. The view must be exactly the
// family's address size (Python's ValueError; lib/socket says it the same
// way), and is never read past.
static Value JS_inet_ntop(const CallbackInfo& info) {
  int32_t family;
  Bytes packed;
  if (!ArgInt32(info, 0, "family", &family) || !packed.Read(info, 1, "packed_ip")) return UNDEF;
  size_t want = family == AF_INET ? sizeof(struct in_addr) : family == AF_INET6 ? sizeof(struct in6_addr) : 0;
  if (want == 0) return ThrowErrno(ENV, EAFNOSUPPORT, "inet_ntop");
  if (packed.size() != want) return ThrowRangeError(ENV, "packed_ip.byteLength", want == 4 ? "4" : "16");
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(family, packed.data(), buf, sizeof buf)) return ThrowErrno(ENV, errno, "inet_ntop");
  return Napi::String::New(ENV, buf);
}

// inet_aton accepts the legacy forms ('127.1', '0x7f.1'); null when invalid.
static Value JS_inet_aton(const CallbackInfo& info) {
  std::string s;
  if (!ArgString(info, 0, "ip_string", &s)) return UNDEF;
  struct in_addr a;
  if (s.find('\0') != std::string::npos || inet_aton(s.c_str(), &a) == 0) return ENV.Null();
  return Napi::Buffer<unsigned char>::Copy(ENV, reinterpret_cast<unsigned char*>(&a), 4);
}

void InitSocketNames(Napi::Env env, Napi::Object exports) {
  EXPORT_FN(exports, gethostname); EXPORT_FN(exports, getaddrinfo); EXPORT_FN(exports, getaddrinfo_async);
  EXPORT_FN(exports, getnameinfo); EXPORT_FN(exports, getservbyname); EXPORT_FN(exports, getservbyport);
  EXPORT_FN(exports, inet_pton); EXPORT_FN(exports, inet_ntop); EXPORT_FN(exports, inet_aton);
}

}  // namespace posixkit::sock
