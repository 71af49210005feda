// The socket family's constants, each guarded so a libc without one still builds.
// The list is the names CPython's socket module exposes on Linux (generated once
// from dir(socket)); values always come from the headers, never from Python.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

void InitSocketConstants(Napi::Env env, Napi::Object c) {
#define K(name) EXPORT_VALUE(c, #name, name)
#ifdef AF_ALG
  K(AF_ALG);
#endif
#ifdef AF_APPLETALK
  K(AF_APPLETALK);
#endif
#ifdef AF_ASH
  K(AF_ASH);
#endif
#ifdef AF_ATMPVC
  K(AF_ATMPVC);
#endif
#ifdef AF_ATMSVC
  K(AF_ATMSVC);
#endif
#ifdef AF_AX25
  K(AF_AX25);
#endif
#ifdef AF_BRIDGE
  K(AF_BRIDGE);
#endif
#ifdef AF_CAN
  K(AF_CAN);
#endif
#ifdef AF_ECONET
  K(AF_ECONET);
#endif
#ifdef AF_INET
  K(AF_INET);
#endif
#ifdef AF_INET6
  K(AF_INET6);
#endif
#ifdef AF_IPX
  K(AF_IPX);
#endif
#ifdef AF_IRDA
  K(AF_IRDA);
#endif
#ifdef AF_KEY
  K(AF_KEY);
#endif
#ifdef AF_LLC
  K(AF_LLC);
#endif
#ifdef AF_NETBEUI
  K(AF_NETBEUI);
#endif
#ifdef AF_NETLINK
  K(AF_NETLINK);
#endif
#ifdef AF_NETROM
  K(AF_NETROM);
#endif
#ifdef AF_PACKET
  K(AF_PACKET);
#endif
#ifdef AF_PPPOX
  K(AF_PPPOX);
#endif
#ifdef AF_QIPCRTR
  K(AF_QIPCRTR);
#endif
#ifdef AF_RDS
  K(AF_RDS);
#endif
#ifdef AF_ROSE
  K(AF_ROSE);
#endif
#ifdef AF_ROUTE
  K(AF_ROUTE);
#endif
#ifdef AF_SECURITY
  K(AF_SECURITY);
#endif
#ifdef AF_SNA
  K(AF_SNA);
#endif
#ifdef AF_TIPC
  K(AF_TIPC);
#endif
#ifdef AF_UNIX
  K(AF_UNIX);
#endif
#ifdef AF_UNSPEC
  K(AF_UNSPEC);
#endif
#ifdef AF_VSOCK
  K(AF_VSOCK);
#endif
#ifdef AF_WANPIPE
  K(AF_WANPIPE);
#endif
#ifdef AF_X25
  K(AF_X25);
#endif
#ifdef AI_ADDRCONFIG
  K(AI_ADDRCONFIG);
#endif
#ifdef AI_ALL
  K(AI_ALL);
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
#ifdef AI_PASSIVE
  K(AI_PASSIVE);
#endif
#ifdef AI_V4MAPPED
  K(AI_V4MAPPED);
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
#ifdef IPPROTO_AH
  K(IPPROTO_AH);
#endif
#ifdef IPPROTO_DSTOPTS
  K(IPPROTO_DSTOPTS);
#endif
#ifdef IPPROTO_EGP
  K(IPPROTO_EGP);
#endif
#ifdef IPPROTO_ESP
  K(IPPROTO_ESP);
#endif
#ifdef IPPROTO_FRAGMENT
  K(IPPROTO_FRAGMENT);
#endif
#ifdef IPPROTO_GRE
  K(IPPROTO_GRE);
#endif
#ifdef IPPROTO_HOPOPTS
  K(IPPROTO_HOPOPTS);
#endif
#ifdef IPPROTO_ICMP
  K(IPPROTO_ICMP);
#endif
#ifdef IPPROTO_ICMPV6
  K(IPPROTO_ICMPV6);
#endif
#ifdef IPPROTO_IDP
  K(IPPROTO_IDP);
#endif
#ifdef IPPROTO_IGMP
  K(IPPROTO_IGMP);
#endif
#ifdef IPPROTO_IP
  K(IPPROTO_IP);
#endif
#ifdef IPPROTO_IPIP
  K(IPPROTO_IPIP);
#endif
#ifdef IPPROTO_IPV6
  K(IPPROTO_IPV6);
#endif
#ifdef IPPROTO_MPTCP
  K(IPPROTO_MPTCP);
#endif
#ifdef IPPROTO_NONE
  K(IPPROTO_NONE);
#endif
#ifdef IPPROTO_PIM
  K(IPPROTO_PIM);
#endif
#ifdef IPPROTO_PUP
  K(IPPROTO_PUP);
#endif
#ifdef IPPROTO_RAW
  K(IPPROTO_RAW);
#endif
#ifdef IPPROTO_ROUTING
  K(IPPROTO_ROUTING);
#endif
#ifdef IPPROTO_RSVP
  K(IPPROTO_RSVP);
#endif
#ifdef IPPROTO_SCTP
  K(IPPROTO_SCTP);
#endif
#ifdef IPPROTO_TCP
  K(IPPROTO_TCP);
#endif
#ifdef IPPROTO_TP
  K(IPPROTO_TP);
#endif
#ifdef IPPROTO_UDP
  K(IPPROTO_UDP);
#endif
#ifdef IPPROTO_UDPLITE
  K(IPPROTO_UDPLITE);
#endif
#ifdef IPV6_CHECKSUM
  K(IPV6_CHECKSUM);
#endif
#ifdef IPV6_DONTFRAG
  K(IPV6_DONTFRAG);
#endif
#ifdef IPV6_DSTOPTS
  K(IPV6_DSTOPTS);
#endif
#ifdef IPV6_HOPLIMIT
  K(IPV6_HOPLIMIT);
#endif
#ifdef IPV6_HOPOPTS
  K(IPV6_HOPOPTS);
#endif
#ifdef IPV6_JOIN_GROUP
  K(IPV6_JOIN_GROUP);
#endif
#ifdef IPV6_LEAVE_GROUP
  K(IPV6_LEAVE_GROUP);
#endif
#ifdef IPV6_MULTICAST_HOPS
  K(IPV6_MULTICAST_HOPS);
#endif
#ifdef IPV6_MULTICAST_IF
  K(IPV6_MULTICAST_IF);
#endif
#ifdef IPV6_MULTICAST_LOOP
  K(IPV6_MULTICAST_LOOP);
#endif
#ifdef IPV6_NEXTHOP
  K(IPV6_NEXTHOP);
#endif
#ifdef IPV6_PATHMTU
  K(IPV6_PATHMTU);
#endif
#ifdef IPV6_PKTINFO
  K(IPV6_PKTINFO);
#endif
#ifdef IPV6_RECVDSTOPTS
  K(IPV6_RECVDSTOPTS);
#endif
#ifdef IPV6_RECVHOPLIMIT
  K(IPV6_RECVHOPLIMIT);
#endif
#ifdef IPV6_RECVHOPOPTS
  K(IPV6_RECVHOPOPTS);
#endif
#ifdef IPV6_RECVPATHMTU
  K(IPV6_RECVPATHMTU);
#endif
#ifdef IPV6_RECVPKTINFO
  K(IPV6_RECVPKTINFO);
#endif
#ifdef IPV6_RECVRTHDR
  K(IPV6_RECVRTHDR);
#endif
#ifdef IPV6_RECVTCLASS
  K(IPV6_RECVTCLASS);
#endif
#ifdef IPV6_RTHDR
  K(IPV6_RTHDR);
#endif
#ifdef IPV6_RTHDRDSTOPTS
  K(IPV6_RTHDRDSTOPTS);
#endif
#ifdef IPV6_TCLASS
  K(IPV6_TCLASS);
#endif
#ifdef IPV6_UNICAST_HOPS
  K(IPV6_UNICAST_HOPS);
#endif
#ifdef IPV6_V6ONLY
  K(IPV6_V6ONLY);
#endif
#ifdef IP_ADD_MEMBERSHIP
  K(IP_ADD_MEMBERSHIP);
#endif
#ifdef IP_BIND_ADDRESS_NO_PORT
  K(IP_BIND_ADDRESS_NO_PORT);
#endif
#ifdef IP_DROP_MEMBERSHIP
  K(IP_DROP_MEMBERSHIP);
#endif
#ifdef IP_HDRINCL
  K(IP_HDRINCL);
#endif
#ifdef IP_MULTICAST_IF
  K(IP_MULTICAST_IF);
#endif
#ifdef IP_MULTICAST_LOOP
  K(IP_MULTICAST_LOOP);
#endif
#ifdef IP_MULTICAST_TTL
  K(IP_MULTICAST_TTL);
#endif
#ifdef IP_OPTIONS
  K(IP_OPTIONS);
#endif
#ifdef IP_RECVOPTS
  K(IP_RECVOPTS);
#endif
#ifdef IP_RECVRETOPTS
  K(IP_RECVRETOPTS);
#endif
#ifdef IP_RECVTOS
  K(IP_RECVTOS);
#endif
#ifdef IP_RETOPTS
  K(IP_RETOPTS);
#endif
#ifdef IP_TOS
  K(IP_TOS);
#endif
#ifdef IP_TRANSPARENT
  K(IP_TRANSPARENT);
#endif
#ifdef IP_TTL
  K(IP_TTL);
#endif
#ifdef MSG_CMSG_CLOEXEC
  K(MSG_CMSG_CLOEXEC);
#endif
#ifdef MSG_CONFIRM
  K(MSG_CONFIRM);
#endif
#ifdef MSG_CTRUNC
  K(MSG_CTRUNC);
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
#ifdef MSG_ERRQUEUE
  K(MSG_ERRQUEUE);
#endif
#ifdef MSG_FASTOPEN
  K(MSG_FASTOPEN);
#endif
#ifdef MSG_MORE
  K(MSG_MORE);
#endif
#ifdef MSG_NOSIGNAL
  K(MSG_NOSIGNAL);
#endif
#ifdef MSG_OOB
  K(MSG_OOB);
#endif
#ifdef MSG_PEEK
  K(MSG_PEEK);
#endif
#ifdef MSG_TRUNC
  K(MSG_TRUNC);
#endif
#ifdef MSG_WAITALL
  K(MSG_WAITALL);
#endif
#ifdef NI_DGRAM
  K(NI_DGRAM);
#endif
#ifdef NI_MAXHOST
  K(NI_MAXHOST);
#endif
#ifdef NI_MAXSERV
  K(NI_MAXSERV);
#endif
#ifdef NI_NAMEREQD
  K(NI_NAMEREQD);
#endif
#ifdef NI_NOFQDN
  K(NI_NOFQDN);
#endif
#ifdef NI_NUMERICHOST
  K(NI_NUMERICHOST);
#endif
#ifdef NI_NUMERICSERV
  K(NI_NUMERICSERV);
#endif
#ifdef SCM_CREDENTIALS
  K(SCM_CREDENTIALS);
#endif
#ifdef SCM_RIGHTS
  K(SCM_RIGHTS);
#endif
#ifdef SHUT_RD
  K(SHUT_RD);
#endif
#ifdef SHUT_RDWR
  K(SHUT_RDWR);
#endif
#ifdef SHUT_WR
  K(SHUT_WR);
#endif
#ifdef SOCK_CLOEXEC
  K(SOCK_CLOEXEC);
#endif
#ifdef SOCK_DGRAM
  K(SOCK_DGRAM);
#endif
#ifdef SOCK_NONBLOCK
  K(SOCK_NONBLOCK);
#endif
#ifdef SOCK_RAW
  K(SOCK_RAW);
#endif
#ifdef SOCK_RDM
  K(SOCK_RDM);
#endif
#ifdef SOCK_SEQPACKET
  K(SOCK_SEQPACKET);
#endif
#ifdef SOCK_STREAM
  K(SOCK_STREAM);
#endif
#ifdef SOL_SOCKET
  K(SOL_SOCKET);
#endif
#ifdef SOMAXCONN
  K(SOMAXCONN);
#endif
#ifdef SO_ACCEPTCONN
  K(SO_ACCEPTCONN);
#endif
#ifdef SO_BINDTODEVICE
  K(SO_BINDTODEVICE);
#endif
#ifdef SO_BROADCAST
  K(SO_BROADCAST);
#endif
#ifdef SO_DEBUG
  K(SO_DEBUG);
#endif
#ifdef SO_DOMAIN
  K(SO_DOMAIN);
#endif
#ifdef SO_DONTROUTE
  K(SO_DONTROUTE);
#endif
#ifdef SO_ERROR
  K(SO_ERROR);
#endif
#ifdef SO_INCOMING_CPU
  K(SO_INCOMING_CPU);
#endif
#ifdef SO_KEEPALIVE
  K(SO_KEEPALIVE);
#endif
#ifdef SO_LINGER
  K(SO_LINGER);
#endif
#ifdef SO_MARK
  K(SO_MARK);
#endif
#ifdef SO_OOBINLINE
  K(SO_OOBINLINE);
#endif
#ifdef SO_PASSCRED
  K(SO_PASSCRED);
#endif
#ifdef SO_PASSSEC
  K(SO_PASSSEC);
#endif
#ifdef SO_PEERCRED
  K(SO_PEERCRED);
#endif
#ifdef SO_PEERSEC
  K(SO_PEERSEC);
#endif
#ifdef SO_PRIORITY
  K(SO_PRIORITY);
#endif
#ifdef SO_PROTOCOL
  K(SO_PROTOCOL);
#endif
#ifdef SO_RCVBUF
  K(SO_RCVBUF);
#endif
#ifdef SO_RCVLOWAT
  K(SO_RCVLOWAT);
#endif
#ifdef SO_RCVTIMEO
  K(SO_RCVTIMEO);
#endif
#ifdef SO_REUSEADDR
  K(SO_REUSEADDR);
#endif
#ifdef SO_REUSEPORT
  K(SO_REUSEPORT);
#endif
#ifdef SO_SNDBUF
  K(SO_SNDBUF);
#endif
#ifdef SO_SNDLOWAT
  K(SO_SNDLOWAT);
#endif
#ifdef SO_SNDTIMEO
  K(SO_SNDTIMEO);
#endif
#ifdef SO_TYPE
  K(SO_TYPE);
#endif
#ifdef TCP_CONGESTION
  K(TCP_CONGESTION);
#endif
#ifdef TCP_CORK
  K(TCP_CORK);
#endif
#ifdef TCP_DEFER_ACCEPT
  K(TCP_DEFER_ACCEPT);
#endif
#ifdef TCP_FASTOPEN
  K(TCP_FASTOPEN);
#endif
#ifdef TCP_INFO
  K(TCP_INFO);
#endif
#ifdef TCP_KEEPCNT
  K(TCP_KEEPCNT);
#endif
#ifdef TCP_KEEPIDLE
  K(TCP_KEEPIDLE);
#endif
#ifdef TCP_KEEPINTVL
  K(TCP_KEEPINTVL);
#endif
#ifdef TCP_LINGER2
  K(TCP_LINGER2);
#endif
#ifdef TCP_MAXSEG
  K(TCP_MAXSEG);
#endif
#ifdef TCP_NODELAY
  K(TCP_NODELAY);
#endif
#ifdef TCP_NOTSENT_LOWAT
  K(TCP_NOTSENT_LOWAT);
#endif
#ifdef TCP_QUICKACK
  K(TCP_QUICKACK);
#endif
#ifdef TCP_SYNCNT
  K(TCP_SYNCNT);
#endif
#ifdef TCP_USER_TIMEOUT
  K(TCP_USER_TIMEOUT);
#endif
#ifdef TCP_WINDOW_CLAMP
  K(TCP_WINDOW_CLAMP);
#endif
#ifdef SOL_IP
  K(SOL_IP);
#endif
#ifdef SOL_TCP
  K(SOL_TCP);
#endif
#ifdef SOL_UDP
  K(SOL_UDP);
#endif
#ifdef INADDR_ANY
  K(INADDR_ANY);
#endif
#ifdef INADDR_BROADCAST
  K(INADDR_BROADCAST);
#endif
#ifdef INADDR_LOOPBACK
  K(INADDR_LOOPBACK);
#endif
#ifdef INADDR_NONE
  K(INADDR_NONE);
#endif
#undef K
}

}  // namespace posixkit::sock
