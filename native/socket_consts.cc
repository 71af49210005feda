// The socket family's constants: AF_/PF_, SOCK_, SO_, SOL_, SCM_, MSG_, SHUT_,
// getaddrinfo's EAI_/AI_/NI_, and the errno names Python's socket module
// re-exports. The IP-level options are in socket_consts_inet.cc, the Linux
// protocol families (CAN, TIPC, AF_ALG, vsock, netlink ...) in
// socket_consts_linux.cc. The names are the ones CPython's socket module
// exposes on Linux; every value comes from the system headers (never from
// Python), and each is guarded so a libc without it still builds and simply
// lacks the name.
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

void InitSocketConstants(Napi::Env env, Napi::Object c) {
#define K(name) EXPORT_VALUE(c, #name, name)
#ifdef AF_UNSPEC
  K(AF_UNSPEC);
#endif
#ifdef AF_INET
  K(AF_INET);
#endif
#ifdef AF_INET6
  K(AF_INET6);
#endif
#ifdef AF_UNIX
  K(AF_UNIX);
#endif
#ifdef AF_AX25
  K(AF_AX25);
#endif
#ifdef AF_IPX
  K(AF_IPX);
#endif
#ifdef AF_APPLETALK
  K(AF_APPLETALK);
#endif
#ifdef AF_NETROM
  K(AF_NETROM);
#endif
#ifdef AF_BRIDGE
  K(AF_BRIDGE);
#endif
#ifdef AF_ATMPVC
  K(AF_ATMPVC);
#endif
#ifdef AF_AAL5
  K(AF_AAL5);
#endif
#ifdef AF_ALG
  K(AF_ALG);
#endif
#ifdef AF_X25
  K(AF_X25);
#endif
#ifdef AF_ROSE
  K(AF_ROSE);
#endif
#ifdef AF_DECnet
  K(AF_DECnet);
#endif
#ifdef AF_NETBEUI
  K(AF_NETBEUI);
#endif
#ifdef AF_SECURITY
  K(AF_SECURITY);
#endif
#ifdef AF_KEY
  K(AF_KEY);
#endif
#ifdef AF_NETLINK
  K(AF_NETLINK);
#endif
#ifdef AF_QIPCRTR
  K(AF_QIPCRTR);
#endif
#ifdef AF_VSOCK
  K(AF_VSOCK);
#endif
#ifdef AF_ROUTE
  K(AF_ROUTE);
#endif
#ifdef AF_LINK
  K(AF_LINK);
#endif
#ifdef AF_ASH
  K(AF_ASH);
#endif
#ifdef AF_ECONET
  K(AF_ECONET);
#endif
#ifdef AF_ATMSVC
  K(AF_ATMSVC);
#endif
#ifdef AF_SNA
  K(AF_SNA);
#endif
#ifdef AF_IRDA
  K(AF_IRDA);
#endif
#ifdef AF_PPPOX
  K(AF_PPPOX);
#endif
#ifdef AF_WANPIPE
  K(AF_WANPIPE);
#endif
#ifdef AF_LLC
  K(AF_LLC);
#endif
#ifdef AF_BLUETOOTH
  K(AF_BLUETOOTH);
#endif
#ifdef AF_CAN
  K(AF_CAN);
#endif
#ifdef PF_CAN
  K(PF_CAN);
#endif
#ifdef AF_RDS
  K(AF_RDS);
#endif
#ifdef PF_RDS
  K(PF_RDS);
#endif
#ifdef AF_PACKET
  K(AF_PACKET);
#endif
#ifdef PF_PACKET
  K(PF_PACKET);
#endif
#ifdef AF_TIPC
  K(AF_TIPC);
#endif
#ifdef SOCK_STREAM
  K(SOCK_STREAM);
#endif
#ifdef SOCK_DGRAM
  K(SOCK_DGRAM);
#endif
#ifdef SOCK_RAW
  K(SOCK_RAW);
#endif
#ifdef SOCK_SEQPACKET
  K(SOCK_SEQPACKET);
#endif
#ifdef SOCK_RDM
  K(SOCK_RDM);
#endif
#ifdef SOCK_CLOEXEC
  K(SOCK_CLOEXEC);
#endif
#ifdef SOCK_NONBLOCK
  K(SOCK_NONBLOCK);
#endif
#ifdef SO_DEBUG
  K(SO_DEBUG);
#endif
#ifdef SO_ACCEPTCONN
  K(SO_ACCEPTCONN);
#endif
#ifdef SO_REUSEADDR
  K(SO_REUSEADDR);
#endif
#ifdef SO_EXCLUSIVEADDRUSE
  K(SO_EXCLUSIVEADDRUSE);
#endif
#ifdef SO_INCOMING_CPU
  K(SO_INCOMING_CPU);
#endif
#ifdef SO_KEEPALIVE
  K(SO_KEEPALIVE);
#endif
#ifdef SO_DONTROUTE
  K(SO_DONTROUTE);
#endif
#ifdef SO_BROADCAST
  K(SO_BROADCAST);
#endif
#ifdef SO_USELOOPBACK
  K(SO_USELOOPBACK);
#endif
#ifdef SO_LINGER
  K(SO_LINGER);
#endif
#ifdef SO_OOBINLINE
  K(SO_OOBINLINE);
#endif
#ifdef SO_REUSEPORT
  K(SO_REUSEPORT);
#endif
#ifdef SO_SNDBUF
  K(SO_SNDBUF);
#endif
#ifdef SO_RCVBUF
  K(SO_RCVBUF);
#endif
#ifdef SO_SNDLOWAT
  K(SO_SNDLOWAT);
#endif
#ifdef SO_RCVLOWAT
  K(SO_RCVLOWAT);
#endif
#ifdef SO_SNDTIMEO
  K(SO_SNDTIMEO);
#endif
#ifdef SO_RCVTIMEO
  K(SO_RCVTIMEO);
#endif
#ifdef SO_ERROR
  K(SO_ERROR);
#endif
#ifdef SO_TYPE
  K(SO_TYPE);
#endif
#ifdef SO_PASSCRED
  K(SO_PASSCRED);
#endif
#ifdef SO_PEERCRED
  K(SO_PEERCRED);
#endif
#ifdef SO_PASSSEC
  K(SO_PASSSEC);
#endif
#ifdef SO_PEERSEC
  K(SO_PEERSEC);
#endif
#ifdef SO_BINDTODEVICE
  K(SO_BINDTODEVICE);
#endif
#ifdef SO_BINDTOIFINDEX
  K(SO_BINDTOIFINDEX);
#endif
#ifdef SO_PRIORITY
  K(SO_PRIORITY);
#endif
#ifdef SO_MARK
  K(SO_MARK);
#endif
#ifdef SO_DOMAIN
  K(SO_DOMAIN);
#endif
#ifdef SO_PROTOCOL
  K(SO_PROTOCOL);
#endif
#ifdef SOMAXCONN
  K(SOMAXCONN);
#endif
#ifdef SCM_RIGHTS
  K(SCM_RIGHTS);
#endif
#ifdef SCM_CREDENTIALS
  K(SCM_CREDENTIALS);
#endif
#ifdef SCM_CREDS
  K(SCM_CREDS);
#endif
#ifdef MSG_OOB
  K(MSG_OOB);
#endif
#ifdef MSG_PEEK
  K(MSG_PEEK);
#endif
#ifdef MSG_DONTROUTE
  K(MSG_DONTROUTE);
#endif
#ifdef MSG_DONTWAIT
  K(MSG_DONTWAIT);
#endif
#ifdef MSG_EOR
  K(MSG_EOR);
#endif
#ifdef MSG_TRUNC
  K(MSG_TRUNC);
#endif
#ifdef MSG_CTRUNC
  K(MSG_CTRUNC);
#endif
#ifdef MSG_WAITALL
  K(MSG_WAITALL);
#endif
#ifdef MSG_NOSIGNAL
  K(MSG_NOSIGNAL);
#endif
#ifdef MSG_CMSG_CLOEXEC
  K(MSG_CMSG_CLOEXEC);
#endif
#ifdef MSG_ERRQUEUE
  K(MSG_ERRQUEUE);
#endif
#ifdef MSG_CONFIRM
  K(MSG_CONFIRM);
#endif
#ifdef MSG_MORE
  K(MSG_MORE);
#endif
#ifdef MSG_EOF
  K(MSG_EOF);
#endif
#ifdef MSG_FASTOPEN
  K(MSG_FASTOPEN);
#endif
#ifdef SOL_SOCKET
  K(SOL_SOCKET);
#endif
#ifdef SOL_IPX
  K(SOL_IPX);
#endif
#ifdef SOL_AX25
  K(SOL_AX25);
#endif
#ifdef SOL_ATALK
  K(SOL_ATALK);
#endif
#ifdef SOL_NETROM
  K(SOL_NETROM);
#endif
#ifdef SOL_ROSE
  K(SOL_ROSE);
#endif
#ifdef SOL_RDS
  K(SOL_RDS);
#endif
#ifdef SOL_ALG
  K(SOL_ALG);
#endif
#ifdef SOL_TIPC
  K(SOL_TIPC);
#endif
#ifdef SHUT_RD
  K(SHUT_RD);
#endif
#ifdef SHUT_WR
  K(SHUT_WR);
#endif
#ifdef SHUT_RDWR
  K(SHUT_RDWR);
#endif
#ifdef EAI_ADDRFAMILY
  K(EAI_ADDRFAMILY);
#endif
#ifdef EAI_AGAIN
  K(EAI_AGAIN);
#endif
#ifdef EAI_BADFLAGS
  K(EAI_BADFLAGS);
#endif
#ifdef EAI_FAIL
  K(EAI_FAIL);
#endif
#ifdef EAI_FAMILY
  K(EAI_FAMILY);
#endif
#ifdef EAI_MEMORY
  K(EAI_MEMORY);
#endif
#ifdef EAI_NODATA
  K(EAI_NODATA);
#endif
#ifdef EAI_NONAME
  K(EAI_NONAME);
#endif
#ifdef EAI_OVERFLOW
  K(EAI_OVERFLOW);
#endif
#ifdef EAI_SERVICE
  K(EAI_SERVICE);
#endif
#ifdef EAI_SOCKTYPE
  K(EAI_SOCKTYPE);
#endif
#ifdef EAI_SYSTEM
  K(EAI_SYSTEM);
#endif
#ifdef EAI_BADHINTS
  K(EAI_BADHINTS);
#endif
#ifdef EAI_PROTOCOL
  K(EAI_PROTOCOL);
#endif
#ifdef EAI_MAX
  K(EAI_MAX);
#endif
#ifdef AI_PASSIVE
  K(AI_PASSIVE);
#endif
#ifdef AI_CANONNAME
  K(AI_CANONNAME);
#endif
#ifdef AI_NUMERICHOST
  K(AI_NUMERICHOST);
#endif
#ifdef AI_NUMERICSERV
  K(AI_NUMERICSERV);
#endif
#ifdef AI_MASK
  K(AI_MASK);
#endif
#ifdef AI_ALL
  K(AI_ALL);
#endif
#ifdef AI_V4MAPPED_CFG
  K(AI_V4MAPPED_CFG);
#endif
#ifdef AI_ADDRCONFIG
  K(AI_ADDRCONFIG);
#endif
#ifdef AI_V4MAPPED
  K(AI_V4MAPPED);
#endif
#ifdef AI_DEFAULT
  K(AI_DEFAULT);
#endif
#ifdef NI_MAXHOST
  K(NI_MAXHOST);
#endif
#ifdef NI_MAXSERV
  K(NI_MAXSERV);
#endif
#ifdef NI_NOFQDN
  K(NI_NOFQDN);
#endif
#ifdef NI_NUMERICHOST
  K(NI_NUMERICHOST);
#endif
#ifdef NI_NAMEREQD
  K(NI_NAMEREQD);
#endif
#ifdef NI_NUMERICSERV
  K(NI_NUMERICSERV);
#endif
#ifdef NI_DGRAM
  K(NI_DGRAM);
#endif
#ifdef NI_IDN
  K(NI_IDN);
#endif
#ifdef EAGAIN
  K(EAGAIN);
#endif
#ifdef EBADF
  K(EBADF);
#endif
#ifdef EWOULDBLOCK
  K(EWOULDBLOCK);
#endif
#undef K
  InitSocketConstantsInet(env, c);
  InitSocketConstantsLinux(env, c);
}

}  // namespace posixkit::sock
