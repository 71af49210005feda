// Constants of the Linux protocol families: netlink, AF_PACKET, CAN (raw,
// BCM, ISO-TP, J1939), TIPC, AF_ALG, vsock and RDS. Values from the kernel's
// uapi headers. Names that are macros are guarded one by one; the ones the
// headers declare as enumerators (CAN_RAW_*, the BCM opcodes, most of J1939,
// two TIPC scopes) are guarded by the presence of their header.
#include <net/ethernet.h>
#include <sys/ioctl.h>
#include <netpacket/packet.h>
#include <sys/socket.h>

#if __has_include(<linux/netlink.h>)
#include <linux/netlink.h>
#endif
#if __has_include(<linux/can.h>)
#include <linux/can.h>
#endif
#if __has_include(<linux/can/raw.h>)
#include <linux/can/raw.h>
#endif
#if __has_include(<linux/can/bcm.h>)
#include <linux/can/bcm.h>
#endif
#if __has_include(<linux/can/j1939.h>)
#include <linux/can/j1939.h>
#endif
#if __has_include(<linux/tipc.h>)
#include <linux/tipc.h>
#endif
#if __has_include(<linux/if_alg.h>)
#include <linux/if_alg.h>
#endif
#if __has_include(<linux/vm_sockets.h>)
#include <linux/vm_sockets.h>
#endif
#if __has_include(<linux/rds.h>)
#include <linux/rds.h>
#endif

#include "binding.h"
#include "socket.h"

namespace posixkit::sock {

void InitSocketConstantsLinux(Napi::Env env, Napi::Object c) {
#define K(name) EXPORT_VALUE(c, #name, name)
#define KV(name, value) EXPORT_VALUE(c, name, value)
#ifdef NETLINK_ROUTE
  K(NETLINK_ROUTE);
#endif
#ifdef NETLINK_USERSOCK
  K(NETLINK_USERSOCK);
#endif
#ifdef NETLINK_FIREWALL
  K(NETLINK_FIREWALL);
#endif
#ifdef NETLINK_NFLOG
  K(NETLINK_NFLOG);
#endif
#ifdef NETLINK_XFRM
  K(NETLINK_XFRM);
#endif
#ifdef NETLINK_IP6_FW
  K(NETLINK_IP6_FW);
#endif
#ifdef NETLINK_DNRTMSG
  K(NETLINK_DNRTMSG);
#endif
#ifdef NETLINK_CRYPTO
  K(NETLINK_CRYPTO);
#endif
#ifdef PACKET_HOST
  K(PACKET_HOST);
#endif
#ifdef PACKET_BROADCAST
  K(PACKET_BROADCAST);
#endif
#ifdef PACKET_MULTICAST
  K(PACKET_MULTICAST);
#endif
#ifdef PACKET_OTHERHOST
  K(PACKET_OTHERHOST);
#endif
#ifdef PACKET_OUTGOING
  K(PACKET_OUTGOING);
#endif
#ifdef PACKET_LOOPBACK
  K(PACKET_LOOPBACK);
#endif
#ifdef PACKET_FASTROUTE
  K(PACKET_FASTROUTE);
#endif
#ifdef ETHERTYPE_ARP
  K(ETHERTYPE_ARP);
#endif
#ifdef ETHERTYPE_IP
  K(ETHERTYPE_IP);
#endif
#ifdef ETHERTYPE_IPV6
  K(ETHERTYPE_IPV6);
#endif
#ifdef ETHERTYPE_VLAN
  K(ETHERTYPE_VLAN);
#endif
#ifdef ETH_P_ALL
  K(ETH_P_ALL);
#endif
#ifdef SOL_CAN_BASE
  K(SOL_CAN_BASE);
#endif
#ifdef SOL_CAN_RAW
  K(SOL_CAN_RAW);
#endif
#ifdef CAN_RAW
  K(CAN_RAW);
#endif
#ifdef CAN_BCM
  K(CAN_BCM);
#endif
#ifdef CAN_ISOTP
  K(CAN_ISOTP);
#endif
#ifdef CAN_J1939
  K(CAN_J1939);
#endif
#ifdef CAN_EFF_FLAG
  K(CAN_EFF_FLAG);
#endif
#ifdef CAN_RTR_FLAG
  K(CAN_RTR_FLAG);
#endif
#ifdef CAN_ERR_FLAG
  K(CAN_ERR_FLAG);
#endif
#ifdef CAN_SFF_MASK
  K(CAN_SFF_MASK);
#endif
#ifdef CAN_EFF_MASK
  K(CAN_EFF_MASK);
#endif
#ifdef CAN_ERR_MASK
  K(CAN_ERR_MASK);
#endif
#ifdef J1939_MAX_UNICAST_ADDR
  K(J1939_MAX_UNICAST_ADDR);
#endif
#ifdef J1939_IDLE_ADDR
  K(J1939_IDLE_ADDR);
#endif
#ifdef J1939_NO_ADDR
  K(J1939_NO_ADDR);
#endif
#ifdef J1939_NO_NAME
  K(J1939_NO_NAME);
#endif
#ifdef J1939_PGN_REQUEST
  K(J1939_PGN_REQUEST);
#endif
#ifdef J1939_PGN_ADDRESS_CLAIMED
  K(J1939_PGN_ADDRESS_CLAIMED);
#endif
#ifdef J1939_PGN_ADDRESS_COMMANDED
  K(J1939_PGN_ADDRESS_COMMANDED);
#endif
#ifdef J1939_PGN_PDU1_MAX
  K(J1939_PGN_PDU1_MAX);
#endif
#ifdef J1939_PGN_MAX
  K(J1939_PGN_MAX);
#endif
#ifdef J1939_NO_PGN
  K(J1939_NO_PGN);
#endif
#ifdef J1939_FILTER_MAX
  K(J1939_FILTER_MAX);
#endif
#ifdef TIPC_ADDR_NAMESEQ
  K(TIPC_ADDR_NAMESEQ);
#endif
#ifdef TIPC_ADDR_NAME
  K(TIPC_ADDR_NAME);
#endif
#ifdef TIPC_ADDR_ID
  K(TIPC_ADDR_ID);
#endif
#ifdef TIPC_ZONE_SCOPE
  K(TIPC_ZONE_SCOPE);
#endif
#ifdef TIPC_IMPORTANCE
  K(TIPC_IMPORTANCE);
#endif
#ifdef TIPC_SRC_DROPPABLE
  K(TIPC_SRC_DROPPABLE);
#endif
#ifdef TIPC_DEST_DROPPABLE
  K(TIPC_DEST_DROPPABLE);
#endif
#ifdef TIPC_CONN_TIMEOUT
  K(TIPC_CONN_TIMEOUT);
#endif
#ifdef TIPC_LOW_IMPORTANCE
  K(TIPC_LOW_IMPORTANCE);
#endif
#ifdef TIPC_MEDIUM_IMPORTANCE
  K(TIPC_MEDIUM_IMPORTANCE);
#endif
#ifdef TIPC_HIGH_IMPORTANCE
  K(TIPC_HIGH_IMPORTANCE);
#endif
#ifdef TIPC_CRITICAL_IMPORTANCE
  K(TIPC_CRITICAL_IMPORTANCE);
#endif
#ifdef TIPC_SUB_PORTS
  K(TIPC_SUB_PORTS);
#endif
#ifdef TIPC_SUB_SERVICE
  K(TIPC_SUB_SERVICE);
#endif
#ifdef TIPC_SUB_CANCEL
  K(TIPC_SUB_CANCEL);
#endif
#ifdef TIPC_WAIT_FOREVER
  K(TIPC_WAIT_FOREVER);
#endif
#ifdef TIPC_PUBLISHED
  K(TIPC_PUBLISHED);
#endif
#ifdef TIPC_WITHDRAWN
  K(TIPC_WITHDRAWN);
#endif
#ifdef TIPC_SUBSCR_TIMEOUT
  K(TIPC_SUBSCR_TIMEOUT);
#endif
#ifdef TIPC_CFG_SRV
  K(TIPC_CFG_SRV);
#endif
#ifdef TIPC_TOP_SRV
  K(TIPC_TOP_SRV);
#endif
#ifdef ALG_SET_KEY
  K(ALG_SET_KEY);
#endif
#ifdef ALG_SET_IV
  K(ALG_SET_IV);
#endif
#ifdef ALG_SET_OP
  K(ALG_SET_OP);
#endif
#ifdef ALG_SET_AEAD_ASSOCLEN
  K(ALG_SET_AEAD_ASSOCLEN);
#endif
#ifdef ALG_SET_AEAD_AUTHSIZE
  K(ALG_SET_AEAD_AUTHSIZE);
#endif
#ifdef ALG_SET_PUBKEY
  K(ALG_SET_PUBKEY);
#endif
#ifdef ALG_SET_DRBG_ENTROPY
  K(ALG_SET_DRBG_ENTROPY);
#endif
#ifdef ALG_OP_DECRYPT
  K(ALG_OP_DECRYPT);
#endif
#ifdef ALG_OP_ENCRYPT
  K(ALG_OP_ENCRYPT);
#endif
#ifdef ALG_OP_SIGN
  K(ALG_OP_SIGN);
#endif
#ifdef ALG_OP_VERIFY
  K(ALG_OP_VERIFY);
#endif
#ifdef SO_VM_SOCKETS_BUFFER_SIZE
  K(SO_VM_SOCKETS_BUFFER_SIZE);
#endif
#ifdef SO_VM_SOCKETS_BUFFER_MIN_SIZE
  K(SO_VM_SOCKETS_BUFFER_MIN_SIZE);
#endif
#ifdef SO_VM_SOCKETS_BUFFER_MAX_SIZE
  K(SO_VM_SOCKETS_BUFFER_MAX_SIZE);
#endif
#ifdef VMADDR_CID_ANY
  K(VMADDR_CID_ANY);
#endif
#ifdef VMADDR_PORT_ANY
  K(VMADDR_PORT_ANY);
#endif
#ifdef VMADDR_CID_LOCAL
  K(VMADDR_CID_LOCAL);
#endif
#ifdef VMADDR_CID_HOST
  K(VMADDR_CID_HOST);
#endif
#ifdef VM_SOCKETS_INVALID_VERSION
  K(VM_SOCKETS_INVALID_VERSION);
#endif
#ifdef IOCTL_VM_SOCKETS_GET_LOCAL_CID
  K(IOCTL_VM_SOCKETS_GET_LOCAL_CID);
#endif
#ifdef RDS_CANCEL_SENT_TO
  K(RDS_CANCEL_SENT_TO);
#endif
#ifdef RDS_GET_MR
  K(RDS_GET_MR);
#endif
#ifdef RDS_FREE_MR
  K(RDS_FREE_MR);
#endif
#ifdef RDS_RECVERR
  K(RDS_RECVERR);
#endif
#ifdef RDS_CONG_MONITOR
  K(RDS_CONG_MONITOR);
#endif
#ifdef RDS_GET_MR_FOR_DEST
  K(RDS_GET_MR_FOR_DEST);
#endif
#ifdef RDS_CMSG_RDMA_ARGS
  K(RDS_CMSG_RDMA_ARGS);
#endif
#ifdef RDS_CMSG_RDMA_DEST
  K(RDS_CMSG_RDMA_DEST);
#endif
#ifdef RDS_CMSG_RDMA_MAP
  K(RDS_CMSG_RDMA_MAP);
#endif
#ifdef RDS_CMSG_RDMA_STATUS
  K(RDS_CMSG_RDMA_STATUS);
#endif
#ifdef RDS_CMSG_RDMA_UPDATE
  K(RDS_CMSG_RDMA_UPDATE);
#endif
#ifdef RDS_RDMA_READWRITE
  K(RDS_RDMA_READWRITE);
#endif
#ifdef RDS_RDMA_FENCE
  K(RDS_RDMA_FENCE);
#endif
#ifdef RDS_RDMA_INVALIDATE
  K(RDS_RDMA_INVALIDATE);
#endif
#ifdef RDS_RDMA_USE_ONCE
  K(RDS_RDMA_USE_ONCE);
#endif
#ifdef RDS_RDMA_DONTWAIT
  K(RDS_RDMA_DONTWAIT);
#endif
#ifdef RDS_RDMA_NOTIFY_ME
  K(RDS_RDMA_NOTIFY_ME);
#endif
#ifdef RDS_RDMA_SILENT
  K(RDS_RDMA_SILENT);
#endif
#if __has_include(<linux/can/raw.h>)
  K(CAN_RAW_FILTER); K(CAN_RAW_ERR_FILTER); K(CAN_RAW_LOOPBACK); K(CAN_RAW_RECV_OWN_MSGS);
  K(CAN_RAW_FD_FRAMES); K(CAN_RAW_JOIN_FILTERS);
#endif
#if __has_include(<linux/can/bcm.h>)
  // Python prefixes the BCM opcodes and flags with CAN_BCM_.
  KV("CAN_BCM_TX_SETUP", TX_SETUP); KV("CAN_BCM_TX_DELETE", TX_DELETE); KV("CAN_BCM_TX_READ", TX_READ);
  KV("CAN_BCM_TX_SEND", TX_SEND); KV("CAN_BCM_RX_SETUP", RX_SETUP); KV("CAN_BCM_RX_DELETE", RX_DELETE);
  KV("CAN_BCM_RX_READ", RX_READ); KV("CAN_BCM_TX_STATUS", TX_STATUS); KV("CAN_BCM_TX_EXPIRED", TX_EXPIRED);
  KV("CAN_BCM_RX_STATUS", RX_STATUS); KV("CAN_BCM_RX_TIMEOUT", RX_TIMEOUT); KV("CAN_BCM_RX_CHANGED", RX_CHANGED);
  KV("CAN_BCM_SETTIMER", SETTIMER); KV("CAN_BCM_STARTTIMER", STARTTIMER); KV("CAN_BCM_TX_COUNTEVT", TX_COUNTEVT);
  KV("CAN_BCM_TX_ANNOUNCE", TX_ANNOUNCE); KV("CAN_BCM_TX_CP_CAN_ID", TX_CP_CAN_ID);
  KV("CAN_BCM_RX_FILTER_ID", RX_FILTER_ID); KV("CAN_BCM_RX_CHECK_DLC", RX_CHECK_DLC);
  KV("CAN_BCM_RX_NO_AUTOTIMER", RX_NO_AUTOTIMER); KV("CAN_BCM_RX_ANNOUNCE_RESUME", RX_ANNOUNCE_RESUME);
  KV("CAN_BCM_TX_RESET_MULTI_IDX", TX_RESET_MULTI_IDX); KV("CAN_BCM_RX_RTR_FRAME", RX_RTR_FRAME);
#ifdef CAN_FD_FRAME
  KV("CAN_BCM_CAN_FD_FRAME", CAN_FD_FRAME);
#endif
#endif
#if __has_include(<linux/can/j1939.h>)
  K(SO_J1939_FILTER); K(SO_J1939_PROMISC); K(SO_J1939_SEND_PRIO); K(SO_J1939_ERRQUEUE);
  K(SCM_J1939_DEST_ADDR); K(SCM_J1939_DEST_NAME); K(SCM_J1939_PRIO); K(SCM_J1939_ERRQUEUE);
  K(J1939_NLA_PAD); K(J1939_NLA_BYTES_ACKED); K(J1939_EE_INFO_NONE); K(J1939_EE_INFO_TX_ABORT);
#endif
#if __has_include(<linux/tipc.h>)
  K(TIPC_CLUSTER_SCOPE); K(TIPC_NODE_SCOPE);
#endif
#undef KV
#undef K
}

}  // namespace posixkit::sock
