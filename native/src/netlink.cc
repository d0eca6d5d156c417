// The kernel neighbour table over rtnetlink: socket helpers, message parsing and the neighList dump.
#include "netlink.h"

#include <arpa/inet.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "rtnl_request.h"

namespace tortie {

namespace {

const rtattr *FirstAttr(const ndmsg *nd) {
  return reinterpret_cast<const rtattr *>(reinterpret_cast<const char *>(nd) + NLMSG_ALIGN(sizeof(*nd)));
}

std::string FormatMac(const uint8_t *b) {
  char s[18];
  snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
  return s;
}

// One RTM_GETNEIGH dump into `out`. On kFailed, `op`/`err` say what failed.
Dump DumpOnce(int fd, uint32_t seq, int ifindex, std::vector<Neigh> &out, const char **op, int *err) {
  MsgBuf req;
  req.Begin<ndmsg>(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq)->ndm_family = AF_INET;
  req.End();
  return SendDump(
      fd, req, seq, "RTM_GETNEIGH",
      [&](const nlmsghdr *h) {
        Neigh neigh;
        if (ParseNeigh(h, &neigh) && (ifindex == 0 || neigh.ifindex == ifindex)) out.push_back(std::move(neigh));
      },
      op, err);
}

Napi::Value NeighList(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "ifindex");
  int ifindex = I32(info[0]);
  return DumpToJs<Neigh>(
      info.Env(), "RTM_GETNEIGH", "neighbour list",
      [ifindex](int fd, uint32_t seq, std::vector<Neigh> &out, const char **op, int *err) {
        return DumpOnce(fd, seq, ifindex, out, op, err);
      },
      [](Napi::Env env, const Neigh &n) { return NeighToJs(env, n, false); });
}

}  // namespace

int RtnlOpen(uint32_t groups, bool nonblock) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), NETLINK_ROUTE);
  if (fd < 0) return -1;
  sockaddr_nl addr = {};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = groups;
  if (bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

ssize_t RecvKernel(int fd, std::vector<char> &buf, int flags) {
  for (;;) {
    sockaddr_nl from = {};
    socklen_t fromLen = sizeof(from);
    ssize_t n = recvfrom(fd, buf.data(), buf.size(), flags, reinterpret_cast<sockaddr *>(&from), &fromLen);
    if (n < 0 && errno == EINTR) continue;
    if (n >= 0 && from.nl_pid != 0) continue;
    return n;
  }
}

Dump ReadDump(int fd, uint32_t seq, const char *request, const std::function<void(const nlmsghdr *)> &each, const char **op, int *err) {
  std::vector<char> buf(kRecvBuf);
  bool interrupted = false;
  for (;;) {
    ssize_t n = RecvKernel(fd, buf);
    if (n < 0) {
      *op = "recv";
      *err = LastErrno();
      return Dump::kFailed;
    }
    int len = static_cast<int>(n);
    for (auto *h = reinterpret_cast<const nlmsghdr *>(buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_seq != seq) continue;  // a late answer to an earlier attempt
      if (h->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
      if (h->nlmsg_type == NLMSG_DONE) return interrupted ? Dump::kInterrupted : Dump::kDone;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto *e = static_cast<const nlmsgerr *>(NLMSG_DATA(h));
        *op = request;
        *err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? -e->error : EPROTO;
        return Dump::kFailed;
      }
      each(h);
    }
  }
}

bool ParseNeigh(const nlmsghdr *h, Neigh *out) {
  if (h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH) return false;
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(ndmsg))) return false;
  const auto *nd = static_cast<const ndmsg *>(NLMSG_DATA(h));
  if (nd->ndm_family != AF_INET) return false;
  out->deleted = h->nlmsg_type == RTM_DELNEIGH;
  out->ifindex = nd->ndm_ifindex;
  out->state = nd->ndm_state;
  out->flags = nd->ndm_flags;
  out->ip.clear();
  out->mac.clear();
  int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
  for (const rtattr *a = FirstAttr(nd); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    const void *data = RTA_DATA(a);
    if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == 4) {
      char s[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, data, s, sizeof(s))) out->ip = s;
    } else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
      out->mac = FormatMac(static_cast<const uint8_t *>(data));
    }
  }
  return !out->ip.empty();
}

Napi::Object NeighToJs(Napi::Env env, const Neigh &n, bool withType) {
  Napi::Object o = Napi::Object::New(env);
  if (withType) o.Set("type", n.deleted ? "del" : "new");
  o.Set("ifindex", n.ifindex);
  o.Set("ip", n.ip);
  o.Set("mac", n.mac.empty() ? env.Null() : Napi::String::New(env, n.mac));
  o.Set("state", n.state);
  o.Set("flags", n.flags);
  return o;
}

void InitNetlink(Napi::Env env, Napi::Object exports) { Export(env, exports, "neighList", NeighList); }

}  // namespace tortie
