// Raw NETLINK_ROUTE sockets and neighbour messages, shared by neighList (netlink.cc),
// neighWatch (neigh_watch.cc) and the route functions (route.cc). No libmnl/libnl: the few structs we need are in the uapi headers.
#pragma once

#include <linux/netlink.h>
#include <napi.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tortie {

// A NETLINK_ROUTE socket in the calling thread's current netns (sockets stay in the netns they
// were created in), bound to the multicast `groups` (0 = none). Returns the fd, or -1 with errno.
int RtnlOpen(uint32_t groups, bool nonblock);

// Closes the fd on every way out of a function.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) close(fd);
  }
};

// Receives one datagram from the kernel (port id 0) into `buf`; other senders are ignored, EINTR
// retried. `flags` as for recvfrom (MSG_DONTWAIT). Returns its length, or -1 with errno.
ssize_t RecvKernel(int fd, std::vector<char> &buf, int flags = 0);

enum class Dump { kDone, kInterrupted, kFailed };

// Reads the answers to the dump request `seq` (already sent on `fd`) until NLMSG_DONE, handing each
// message to `each`. kInterrupted: the table changed during the dump (retry). On kFailed, `op`/`err`
// say what failed; an NLMSG_ERROR answer is reported as `request`.
Dump ReadDump(int fd, uint32_t seq, const char *request, const std::function<void(const nlmsghdr *)> &each, const char **op, int *err);

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
