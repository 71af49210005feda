// IP-level constants of the socket family: IPPROTO_, IPPORT_, INADDR_, IP_,
// IPV6_, TCP_, UDPLITE_, and SOL_IP/SOL_TCP/SOL_UDP. Values from the headers,
// each guarded (see socket_consts.cc).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

void InitSocketConstantsInet(Napi::Env env, Napi::Object c) {
#define K(name) EXPORT_VALUE(c, #name, name)
#define KV(name, value) EXPORT_VALUE(c, name, value)
#ifdef IPPROTO_IP
  K(IPPROTO_IP);
#endif
#ifdef IPPROTO_HOPOPTS
  K(IPPROTO_HOPOPTS);
#endif
#ifdef IPPROTO_ICMP
  K(IPPROTO_ICMP);
#endif
#ifdef IPPROTO_IGMP
  K(IPPROTO_IGMP);
#endif
#ifdef IPPROTO_GGP
  K(IPPROTO_GGP);
#endif
#ifdef IPPROTO_IPV4
  K(IPPROTO_IPV4);
#endif
#ifdef IPPROTO_IPV6
  K(IPPROTO_IPV6);
#endif
#ifdef IPPROTO_IPIP
  K(IPPROTO_IPIP);
#endif
#ifdef IPPROTO_TCP
  K(IPPROTO_TCP);
#endif
#ifdef IPPROTO_EGP
  K(IPPROTO_EGP);
#endif
#ifdef IPPROTO_PUP
  K(IPPROTO_PUP);
#endif
#ifdef IPPROTO_UDP
  K(IPPROTO_UDP);
#endif
#ifdef IPPROTO_UDPLITE
  K(IPPROTO_UDPLITE);
#endif
#ifdef IPPROTO_IDP
  K(IPPROTO_IDP);
#endif
#ifdef IPPROTO_HELLO
  K(IPPROTO_HELLO);
#endif
#ifdef IPPROTO_ND
  K(IPPROTO_ND);
#endif
#ifdef IPPROTO_TP
  K(IPPROTO_TP);
#endif
#ifdef IPPROTO_ROUTING
  K(IPPROTO_ROUTING);
#endif
#ifdef IPPROTO_FRAGMENT
  K(IPPROTO_FRAGMENT);
#endif
#ifdef IPPROTO_RSVP
  K(IPPROTO_RSVP);
#endif
#ifdef IPPROTO_GRE
  K(IPPROTO_GRE);
#endif
#ifdef IPPROTO_ESP
  K(IPPROTO_ESP);
#endif
#ifdef IPPROTO_AH
  K(IPPROTO_AH);
#endif
#ifdef IPPROTO_MOBILE
  K(IPPROTO_MOBILE);
#endif
#ifdef IPPROTO_ICMPV6
  K(IPPROTO_ICMPV6);
#endif
#ifdef IPPROTO_NONE
  K(IPPROTO_NONE);
#endif
#ifdef IPPROTO_DSTOPTS
  K(IPPROTO_DSTOPTS);
#endif
#ifdef IPPROTO_XTP
  K(IPPROTO_XTP);
#endif
#ifdef IPPROTO_EON
  K(IPPROTO_EON);
#endif
#ifdef IPPROTO_PIM
  K(IPPROTO_PIM);
#endif
#ifdef IPPROTO_IPCOMP
  K(IPPROTO_IPCOMP);
#endif
#ifdef IPPROTO_VRRP
  K(IPPROTO_VRRP);
#endif
#ifdef IPPROTO_SCTP
  K(IPPROTO_SCTP);
#endif
#ifdef IPPROTO_BIP
  K(IPPROTO_BIP);
#endif
#ifdef IPPROTO_MPTCP
  K(IPPROTO_MPTCP);
#endif
#ifdef IPPROTO_RAW
  K(IPPROTO_RAW);
#endif
#ifdef UDPLITE_SEND_CSCOV
  K(UDPLITE_SEND_CSCOV);
#endif
#ifdef UDPLITE_RECV_CSCOV
  K(UDPLITE_RECV_CSCOV);
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
#ifdef INADDR_UNSPEC_GROUP
  K(INADDR_UNSPEC_GROUP);
#endif
#ifdef INADDR_ALLHOSTS_GROUP
  K(INADDR_ALLHOSTS_GROUP);
#endif
#ifdef INADDR_MAX_LOCAL_GROUP
  K(INADDR_MAX_LOCAL_GROUP);
#endif
#ifdef INADDR_NONE
  K(INADDR_NONE);
#endif
#ifdef IP_OPTIONS
  K(IP_OPTIONS);
#endif
#ifdef IP_HDRINCL
  K(IP_HDRINCL);
#endif
#ifdef IP_TOS
  K(IP_TOS);
#endif
#ifdef IP_TTL
  K(IP_TTL);
#endif
#ifdef IP_RECVERR
  K(IP_RECVERR);
#endif
#ifdef IP_RECVOPTS
  K(IP_RECVOPTS);
#endif
#ifdef IP_RECVORIGDSTADDR
  K(IP_RECVORIGDSTADDR);
#endif
#ifdef IP_RECVRETOPTS
  K(IP_RECVRETOPTS);
#endif
#ifdef IP_RECVTOS
  K(IP_RECVTOS);
#endif
#ifdef IP_RECVTTL
  K(IP_RECVTTL);
#endif
#ifdef IP_RECVDSTADDR
  K(IP_RECVDSTADDR);
#endif
#ifdef IP_RETOPTS
  K(IP_RETOPTS);
#endif
#ifdef IP_MULTICAST_IF
  K(IP_MULTICAST_IF);
#endif
#ifdef IP_MULTICAST_TTL
  K(IP_MULTICAST_TTL);
#endif
#ifdef IP_MULTICAST_LOOP
  K(IP_MULTICAST_LOOP);
#endif
#ifdef IP_ADD_MEMBERSHIP
  K(IP_ADD_MEMBERSHIP);
#endif
#ifdef IP_DROP_MEMBERSHIP
  K(IP_DROP_MEMBERSHIP);
#endif
#ifdef IP_DEFAULT_MULTICAST_TTL
  K(IP_DEFAULT_MULTICAST_TTL);
#endif
#ifdef IP_DEFAULT_MULTICAST_LOOP
  K(IP_DEFAULT_MULTICAST_LOOP);
#endif
#ifdef IP_MAX_MEMBERSHIPS
  K(IP_MAX_MEMBERSHIPS);
#endif
#ifdef IP_FREEBIND
  K(IP_FREEBIND);
#endif
#ifdef IP_TRANSPARENT
  K(IP_TRANSPARENT);
#endif
#ifdef IP_PKTINFO
  K(IP_PKTINFO);
#endif
#ifdef IP_BIND_ADDRESS_NO_PORT
  K(IP_BIND_ADDRESS_NO_PORT);
#endif
#ifdef IP_UNBLOCK_SOURCE
  K(IP_UNBLOCK_SOURCE);
#endif
#ifdef IP_BLOCK_SOURCE
  K(IP_BLOCK_SOURCE);
#endif
#ifdef IP_ADD_SOURCE_MEMBERSHIP
  K(IP_ADD_SOURCE_MEMBERSHIP);
#endif
#ifdef IP_DROP_SOURCE_MEMBERSHIP
  K(IP_DROP_SOURCE_MEMBERSHIP);
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
#ifdef IPV6_UNICAST_HOPS
  K(IPV6_UNICAST_HOPS);
#endif
#ifdef IPV6_V6ONLY
  K(IPV6_V6ONLY);
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
#ifdef IPV6_RECVERR
  K(IPV6_RECVERR);
#endif
#ifdef IPV6_RECVHOPLIMIT
  K(IPV6_RECVHOPLIMIT);
#endif
#ifdef IPV6_RECVHOPOPTS
  K(IPV6_RECVHOPOPTS);
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
#ifdef IPV6_RTHDR_TYPE_0
  K(IPV6_RTHDR_TYPE_0);
#endif
#ifdef IPV6_RECVPATHMTU
  K(IPV6_RECVPATHMTU);
#endif
#ifdef IPV6_TCLASS
  K(IPV6_TCLASS);
#endif
#ifdef IPV6_USE_MIN_MTU
  K(IPV6_USE_MIN_MTU);
#endif
#ifdef TCP_NODELAY
  K(TCP_NODELAY);
#endif
#ifdef TCP_MAXSEG
  K(TCP_MAXSEG);
#endif
#ifdef TCP_CORK
  K(TCP_CORK);
#endif
#ifdef TCP_KEEPIDLE
  K(TCP_KEEPIDLE);
#endif
#ifdef TCP_KEEPINTVL
  K(TCP_KEEPINTVL);
#endif
#ifdef TCP_KEEPCNT
  K(TCP_KEEPCNT);
#endif
#ifdef TCP_SYNCNT
  K(TCP_SYNCNT);
#endif
#ifdef TCP_LINGER2
  K(TCP_LINGER2);
#endif
#ifdef TCP_DEFER_ACCEPT
  K(TCP_DEFER_ACCEPT);
#endif
#ifdef TCP_WINDOW_CLAMP
  K(TCP_WINDOW_CLAMP);
#endif
#ifdef TCP_INFO
  K(TCP_INFO);
#endif
#ifdef TCP_QUICKACK
  K(TCP_QUICKACK);
#endif
#ifdef TCP_CONGESTION
  K(TCP_CONGESTION);
#endif
#ifdef TCP_MD5SIG
  K(TCP_MD5SIG);
#endif
#ifdef TCP_THIN_LINEAR_TIMEOUTS
  K(TCP_THIN_LINEAR_TIMEOUTS);
#endif
#ifdef TCP_THIN_DUPACK
  K(TCP_THIN_DUPACK);
#endif
#ifdef TCP_USER_TIMEOUT
  K(TCP_USER_TIMEOUT);
#endif
#ifdef TCP_REPAIR
  K(TCP_REPAIR);
#endif
#ifdef TCP_REPAIR_QUEUE
  K(TCP_REPAIR_QUEUE);
#endif
#ifdef TCP_QUEUE_SEQ
  K(TCP_QUEUE_SEQ);
#endif
#ifdef TCP_REPAIR_OPTIONS
  K(TCP_REPAIR_OPTIONS);
#endif
#ifdef TCP_FASTOPEN
  K(TCP_FASTOPEN);
#endif
#ifdef TCP_TIMESTAMP
  K(TCP_TIMESTAMP);
#endif
#ifdef TCP_NOTSENT_LOWAT
  K(TCP_NOTSENT_LOWAT);
#endif
#ifdef TCP_CC_INFO
  K(TCP_CC_INFO);
#endif
#ifdef TCP_SAVE_SYN
  K(TCP_SAVE_SYN);
#endif
#ifdef TCP_SAVED_SYN
  K(TCP_SAVED_SYN);
#endif
#ifdef TCP_REPAIR_WINDOW
  K(TCP_REPAIR_WINDOW);
#endif
#ifdef TCP_FASTOPEN_CONNECT
  K(TCP_FASTOPEN_CONNECT);
#endif
#ifdef TCP_ULP
  K(TCP_ULP);
#endif
#ifdef TCP_MD5SIG_EXT
  K(TCP_MD5SIG_EXT);
#endif
#ifdef TCP_FASTOPEN_KEY
  K(TCP_FASTOPEN_KEY);
#endif
#ifdef TCP_FASTOPEN_NO_COOKIE
  K(TCP_FASTOPEN_NO_COOKIE);
#endif
#ifdef TCP_ZEROCOPY_RECEIVE
  K(TCP_ZEROCOPY_RECEIVE);
#endif
#ifdef TCP_INQ
  K(TCP_INQ);
#endif
#ifdef TCP_TX_DELAY
  K(TCP_TX_DELAY);
#endif
  // glibc names the IP-level option levels only as IPPROTO_*; the SOL_ names
  // are the same numbers (Python defines them so too).
#ifdef SOL_IP
  K(SOL_IP);
#elif defined(IPPROTO_IP)
  KV("SOL_IP", IPPROTO_IP);
#endif
#ifdef SOL_TCP
  K(SOL_TCP);
#elif defined(IPPROTO_TCP)
  KV("SOL_TCP", IPPROTO_TCP);
#endif
#ifdef SOL_UDP
  K(SOL_UDP);
#elif defined(IPPROTO_UDP)
  KV("SOL_UDP", IPPROTO_UDP);
#endif
  // glibc declares these as enumerators, not macros, so #ifdef cannot see them.
#if defined(IPPORT_RESERVED) || defined(__GLIBC__)
  K(IPPORT_RESERVED);
  K(IPPORT_USERRESERVED);
#endif
#undef KV
#undef K
}

}  // namespace posixkit::sock
