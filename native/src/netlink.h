// Raw NETLINK_ROUTE sockets and neighbour messages, shared by neighList (netlink.cc) and
// neighWatch (neigh_watch.cc). No libmnl/libnl: the few structs we need are in the uapi headers.
#pragma once

#include <linux/netlink.h>
#include <napi.h>

#include <cstdint>
#include <string>

namespace tortie {

// A NETLINK_ROUTE socket in the calling thread's current netns (sockets stay in the netns they
// were created in), bound to the multicast `groups` (0 = none). Returns the fd, or -1 with errno.
int RtnlOpen(uint32_t groups, bool nonblock);

// An AF_INET neighbour from an RTM_NEWNEIGH/RTM_DELNEIGH message.
struct Neigh {
  bool deleted;
  int ifindex;
  std::string ip;   // dotted quad
  std::string mac;  // "aa:bb:cc:dd:ee:ff"; empty when the entry has no 6-byte link-layer address
  uint16_t state;   // NUD_* bits
  uint8_t flags;    // NTF_*
};

// Parses one message; false for anything else (other types or families, truncated messages).
bool ParseNeigh(const nlmsghdr *h, Neigh *out);

// { ifindex, ip, mac, state, flags } plus `type` ('new' | 'del') when `withType`.
Napi::Object NeighToJs(Napi::Env env, const Neigh &n, bool withType);

}  // namespace tortie
