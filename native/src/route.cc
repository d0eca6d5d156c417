// IPv4 routes of the main table over rtnetlink, for the calling thread's current netns: batched
// writes (routeWrite), the way out of an interface to addresses (routeLookup) and a dump by route
// protocol (routeDump). A mechanism only: which routes to write is decided in TypeScript.
//
// Requests go out many per sendmsg. The kernel handles a NETLINK_ROUTE sendmsg synchronously and
// queues one answer per request (an ack, or the looked-up route) on our socket before sendmsg
// returns, so requests are sent in chunks small enough for their answers to fit the receive buffer
// (else answers are dropped: ENOBUFS). Answers are matched to requests by sequence number (index + 1).
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "netlink.h"

namespace tortie {

namespace {

// Larger than any single skb the kernel sends on a route socket (dumps cap theirs at 32 KiB).
constexpr size_t kRecvBuf = 64 * 1024;
// Room for a chunk's answers; FORCE (root) may exceed net.core.rmem_max.
constexpr int kSockBuf = 4 * 1024 * 1024;
// Generous bounds on what one queued answer costs against the receive buffer (skb truesize): an
// ack is a small skb, a looked-up route is allocated at NLMSG_GOODSIZE.
constexpr size_t kAckCost = 2048;
constexpr size_t kRouteAnswerCost = 8192;
constexpr size_t kMinChunk = 16;
constexpr size_t kMaxChunk = 1024;
// No answer for this long means it was lost; the requests still unanswered are reported as such.
constexpr int kAnswerTimeoutSec = 5;
constexpr int kDumpAttempts = 5;
// Marks a request not answered yet.
constexpr int kPending = -1;

// A request socket: large receive buffer, error acks without the request echoed (NETLINK_CAP_ACK),
// a receive timeout so a lost answer cannot hang the caller. -1 with *op/*err on failure.
int OpenRequestSocket(bool strictDump, const char **op, int *err) {
  int fd = RtnlOpen(0, false);
  if (fd < 0) {
    *op = "socket";
    *err = LastErrno();
    return -1;
  }
  int one = 1;
  timeval timeout = {kAnswerTimeoutSec, 0};
  if ((setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSockBuf, sizeof(kSockBuf)) < 0 &&
       setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSockBuf, sizeof(kSockBuf)) < 0) ||
      setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) < 0) {
    *op = "setsockopt";
    *err = LastErrno();
    close(fd);
    return -1;
  }
  // Both are optimisations: the first keeps error acks small, the second lets the kernel filter a
  // dump by protocol and table (4.20+); answers are checked here either way.
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  if (strictDump) setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
  return fd;
}

// How many requests to send before reading their answers, so that the answers fit the socket's
// receive buffer (the kernel reports twice the usable size).
size_t ChunkFor(int fd, size_t answerCost) {
  int rcvbuf = 0;
  socklen_t len = sizeof(rcvbuf);
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) < 0 || rcvbuf <= 0) return kMinChunk;
  size_t n = static_cast<size_t>(rcvbuf) / 2 / answerCost;
  return n < kMinChunk ? kMinChunk : n > kMaxChunk ? kMaxChunk : n;
}

// Netlink messages appended to one buffer (offsets, not pointers: the buffer grows).
class MsgBuf {
 public:
  void Clear() { buf_.clear(); }
  const char *Data() const { return buf_.data(); }
  size_t Size() const { return buf_.size(); }

  // Starts a message: header and rtmsg. Finish it with End().
  rtmsg *Begin(uint16_t type, uint16_t flags, uint32_t seq) {
    msg_ = buf_.size();
    buf_.resize(msg_ + NLMSG_SPACE(sizeof(rtmsg)), 0);
    nlmsghdr *h = Header();
    h->nlmsg_type = type;
    h->nlmsg_flags = flags;
    h->nlmsg_seq = seq;
    return static_cast<rtmsg *>(NLMSG_DATA(h));
  }

  void Attr(uint16_t type, const void *data, size_t len) {
    size_t at = buf_.size();
    buf_.resize(at + RTA_SPACE(len), 0);
    auto *a = reinterpret_cast<rtattr *>(&buf_[at]);
    a->rta_type = type;
    a->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
    if (len) memcpy(RTA_DATA(a), data, len);
  }

  void U32(uint16_t type, uint32_t v) { Attr(type, &v, sizeof(v)); }

  size_t BeginNest(uint16_t type) {
    size_t at = buf_.size();
    Attr(type, nullptr, 0);
    return at;
  }

  void EndNest(size_t at) { reinterpret_cast<rtattr *>(&buf_[at])->rta_len = static_cast<uint16_t>(buf_.size() - at); }

  void End() { Header()->nlmsg_len = static_cast<uint32_t>(buf_.size() - msg_); }

 private:
  nlmsghdr *Header() { return reinterpret_cast<nlmsghdr *>(&buf_[msg_]); }

  std::vector<char> buf_;
  size_t msg_ = 0;
};

bool SendAll(int fd, const MsgBuf &msgs) {
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd, msgs.Data(), msgs.Size(), 0, reinterpret_cast<sockaddr *>(&kernel), sizeof(kernel));
    if (n < 0 && errno == EINTR) continue;
    return n >= 0;
  }
}

// The errno an NLMSG_ERROR carries (0 for an ack).
int AckErrno(const nlmsghdr *h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return EPROTO;
  return -static_cast<const nlmsgerr *>(NLMSG_DATA(h))->error;
}

// Sends requests [0, n) (build(i, msgs) appends request i with sequence number i + 1) in chunks and
// waits for one answer each: answer(i, h) gets the first message with sequence i + 1 and returns
// the request's errno (0 = done). Requests whose answer was lost get ENOBUFS (the socket overran)
// or ETIMEDOUT in `errs`. False with *op/*err when sending or receiving itself failed.
template <typename Build, typename Answer>
bool Transact(int fd, size_t n, size_t chunk, std::vector<int> &errs, Build build, Answer answer, const char **op,
              int *err) {
  errs.assign(n, kPending);
  MsgBuf msgs;
  std::vector<char> buf(kRecvBuf);
  for (size_t start = 0; start < n; start += chunk) {
    size_t end = start + chunk < n ? start + chunk : n;
    msgs.Clear();
    for (size_t i = start; i < end; i++) build(i, msgs);
    if (!SendAll(fd, msgs)) {
      *op = "sendto";
      *err = LastErrno();
      return false;
    }
    size_t waiting = end - start;
    bool overrun = false;
    while (waiting > 0) {
      // Every answer is queued by the time sendto returns: after an overrun, read what is left.
      ssize_t got = RecvKernel(fd, buf, overrun ? MSG_DONTWAIT : 0);
      if (got < 0 && errno == ENOBUFS) {
        overrun = true;
        continue;
      }
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (got < 0) {
        *op = "recv";
        *err = LastErrno();
        return false;
      }
      int len = static_cast<int>(got);
      for (auto *h = reinterpret_cast<const nlmsghdr *>(buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
        if (h->nlmsg_seq <= start || h->nlmsg_seq > end) continue;  // late: given up on already
        size_t i = h->nlmsg_seq - 1;
        if (errs[i] != kPending) continue;
        errs[i] = answer(i, h);
        waiting--;
      }
    }
    for (size_t i = start; i < end; i++) {
      if (errs[i] == kPending) errs[i] = overrun ? ENOBUFS : ETIMEDOUT;
    }
  }
  return true;
}

// ---- reading JS arguments -----------------------------------------------------------------

bool ParseIpv4(const Napi::Value &v, uint32_t *out) {
  if (!v.IsString()) return false;
  std::string s = v.As<Napi::String>().Utf8Value();
  return inet_pton(AF_INET, s.c_str(), out) == 1;
}

// Throws a TypeError naming `ops[i].field`; returns false for `if (!...) return`.
bool FieldError(const Napi::Value &got, size_t i, const char *field, const char *expected) {
  std::string name = "ops[" + std::to_string(i) + "]." + field;
  ArgTypeError(got, name.c_str(), expected);
  return false;
}

struct RouteOp {
  bool del;
  uint32_t dst;  // network byte order
  uint8_t prefixLen;
  bool hasGateway;
  uint32_t gateway;
  uint32_t ifindex;  // 0 = none
  bool onlink;
  uint32_t mtu;  // 0 = none
  uint8_t protocol;
};

// Property names made once per call: Get(napi_value) skips re-creating them per element.
struct OpKeys {
  Napi::String op, dst, prefixLen, gateway, ifindex, onlink, mtu, protocol;
  explicit OpKeys(Napi::Env env)
      : op(Napi::String::New(env, "op")),
        dst(Napi::String::New(env, "dst")),
        prefixLen(Napi::String::New(env, "prefixLen")),
        gateway(Napi::String::New(env, "gateway")),
        ifindex(Napi::String::New(env, "ifindex")),
        onlink(Napi::String::New(env, "onlink")),
        mtu(Napi::String::New(env, "mtu")),
        protocol(Napi::String::New(env, "protocol")) {}
};

// Types only (ranges are checked in TypeScript); an address that does not parse is a type error.
bool ReadOp(const Napi::Value &v, size_t i, const OpKeys &k, RouteOp *out) {
  if (!v.IsObject()) {
    std::string name = "ops[" + std::to_string(i) + "]";
    ArgTypeError(v, name.c_str(), "object");
    return false;
  }
  Napi::Object o = v.As<Napi::Object>();
  Napi::Value op = o.Get(k.op);
  std::string opName = op.IsString() ? op.As<Napi::String>().Utf8Value() : "";
  if (opName != "replace" && opName != "delete") return FieldError(op, i, "op", "'replace' or 'delete'");
  out->del = opName == "delete";
  Napi::Value dst = o.Get(k.dst);
  if (!ParseIpv4(dst, &out->dst)) return FieldError(dst, i, "dst", "IPv4 address string");
  Napi::Value prefixLen = o.Get(k.prefixLen);
  if (!prefixLen.IsNumber()) return FieldError(prefixLen, i, "prefixLen", "number");
  out->prefixLen = static_cast<uint8_t>(U32(prefixLen));
  Napi::Value gateway = o.Get(k.gateway);
  out->hasGateway = !gateway.IsUndefined();
  if (out->hasGateway && !ParseIpv4(gateway, &out->gateway)) {
    return FieldError(gateway, i, "gateway", "IPv4 address string or undefined");
  }
  Napi::Value ifindex = o.Get(k.ifindex);
  if (!ifindex.IsUndefined() && !ifindex.IsNumber()) return FieldError(ifindex, i, "ifindex", "number or undefined");
  out->ifindex = ifindex.IsUndefined() ? 0 : U32(ifindex);
  Napi::Value onlink = o.Get(k.onlink);
  if (!onlink.IsUndefined() && !onlink.IsBoolean()) return FieldError(onlink, i, "onlink", "boolean or undefined");
  out->onlink = onlink.IsBoolean() && onlink.As<Napi::Boolean>().Value();
  Napi::Value mtu = o.Get(k.mtu);
  if (!mtu.IsUndefined() && !mtu.IsNumber()) return FieldError(mtu, i, "mtu", "number or undefined");
  out->mtu = mtu.IsUndefined() ? 0 : U32(mtu);
  Napi::Value protocol = o.Get(k.protocol);
  if (!protocol.IsNumber()) return FieldError(protocol, i, "protocol", "number");
  out->protocol = static_cast<uint8_t>(U32(protocol));
  return true;
}

// RTM_NEWROUTE (create or replace) / RTM_DELROUTE in the main table, acked. A delete matches like
// `ip route del`: any scope and type, and only the fields given (protocol always).
void BuildWrite(const RouteOp &op, uint32_t seq, MsgBuf &msgs) {
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | (op.del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
  rtmsg *rt = msgs.Begin(op.del ? RTM_DELROUTE : RTM_NEWROUTE, flags, seq);
  rt->rtm_family = AF_INET;
  rt->rtm_dst_len = op.prefixLen;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = op.protocol;
  if (op.del) {
    rt->rtm_scope = RT_SCOPE_NOWHERE;
    rt->rtm_type = RTN_UNSPEC;
  } else {
    // As iproute2: a route without a gateway reaches its destinations directly on the device.
    rt->rtm_scope = op.hasGateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rt->rtm_type = RTN_UNICAST;
  }
  if (op.onlink) rt->rtm_flags |= RTNH_F_ONLINK;
  msgs.Attr(RTA_DST, &op.dst, sizeof(op.dst));
  if (op.hasGateway) msgs.Attr(RTA_GATEWAY, &op.gateway, sizeof(op.gateway));
  if (op.ifindex) msgs.U32(RTA_OIF, op.ifindex);
  if (op.mtu) {
    size_t nest = msgs.BeginNest(RTA_METRICS);
    msgs.U32(RTAX_MTU, op.mtu);
    msgs.EndNest(nest);
  }
  msgs.End();
}

Napi::Value RouteWrite(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) return ArgTypeError(info[0], "ops", "array");
  Napi::Array arr = info[0].As<Napi::Array>();
  size_t n = arr.Length();
  std::vector<RouteOp> ops(n);
  OpKeys keys(env);
  for (size_t i = 0; i < n; i++) {
    if (!ReadOp(arr.Get(static_cast<uint32_t>(i)), i, keys, &ops[i])) return env.Undefined();
  }
  std::vector<int> errs;
  if (n > 0) {
    const char *op = "socket";
    int err = 0;
    // Opened per call: the calling thread may have setns()'d since the last one.
    FdGuard sock{OpenRequestSocket(false, &op, &err)};
    if (sock.fd < 0) return ThrowBpfError(env, op, err, nullptr, "NETLINK_ROUTE");
    bool ok = Transact(
        sock.fd, n, ChunkFor(sock.fd, kAckCost), errs,
        [&](size_t i, MsgBuf &msgs) { BuildWrite(ops[i], static_cast<uint32_t>(i + 1), msgs); },
        [](size_t, const nlmsghdr *h) { return h->nlmsg_type == NLMSG_ERROR ? AckErrno(h) : EPROTO; }, &op, &err);
    if (!ok) return ThrowBpfError(env, op, err, nullptr, "route write");
  }
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, errs[i]));
  return out;
}

// ---- routes from the kernel -----------------------------------------------------------------

struct Route {
  uint32_t dst = 0;  // network byte order
  uint8_t prefixLen = 0;
  bool hasGateway = false;
  uint32_t gateway = 0;
  uint32_t ifindex = 0;
  uint32_t mtu = 0;
  bool onlink = false;
  uint32_t table = 0;
  uint8_t protocol = 0;
};

const rtattr *FirstAttr(const rtmsg *rt) {
  return reinterpret_cast<const rtattr *>(reinterpret_cast<const char *>(rt) + NLMSG_ALIGN(sizeof(*rt)));
}

uint32_t AttrU32(const rtattr *a) {
  uint32_t v = 0;
  if (RTA_PAYLOAD(a) >= sizeof(v)) memcpy(&v, RTA_DATA(a), sizeof(v));
  return v;
}

// An AF_INET RTM_NEWROUTE; false for anything else. Multipath routes keep ifindex 0, no gateway.
bool ParseRoute(const nlmsghdr *h, Route *out) {
  if (h->nlmsg_type != RTM_NEWROUTE || h->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return false;
  const auto *rt = static_cast<const rtmsg *>(NLMSG_DATA(h));
  if (rt->rtm_family != AF_INET) return false;
  *out = Route();
  out->prefixLen = rt->rtm_dst_len;
  out->onlink = rt->rtm_flags & RTNH_F_ONLINK;
  out->table = rt->rtm_table;
  out->protocol = rt->rtm_protocol;
  int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(*rt)));
  for (const rtattr *a = FirstAttr(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    switch (a->rta_type) {
      case RTA_DST:
        out->dst = AttrU32(a);
        break;
      case RTA_GATEWAY:
        out->hasGateway = RTA_PAYLOAD(a) == 4;
        out->gateway = AttrU32(a);
        break;
      case RTA_OIF:
        out->ifindex = AttrU32(a);
        break;
      case RTA_TABLE:
        out->table = AttrU32(a);
        break;
      case RTA_METRICS: {
        int mlen = static_cast<int>(RTA_PAYLOAD(a));
        for (const auto *m = static_cast<const rtattr *>(RTA_DATA(a)); RTA_OK(m, mlen); m = RTA_NEXT(m, mlen)) {
          if (m->rta_type == RTAX_MTU) out->mtu = AttrU32(m);
        }
        break;
      }
      default:
        break;
    }
  }
  return true;
}

Napi::String Ipv4ToJs(Napi::Env env, uint32_t addr) {
  char s[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, s, sizeof(s));
  return Napi::String::New(env, s);
}

// { dst, prefixLen, gateway?, ifindex, mtu?, onlink }
Napi::Object RouteToJs(Napi::Env env, const Route &r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("dst", Ipv4ToJs(env, r.dst));
  o.Set("prefixLen", r.prefixLen);
  if (r.hasGateway) o.Set("gateway", Ipv4ToJs(env, r.gateway));
  o.Set("ifindex", r.ifindex);
  if (r.mtu) o.Set("mtu", r.mtu);
  o.Set("onlink", r.onlink);
  return o;
}

// One RTM_GETROUTE dump of the main table's AF_INET routes of `protocol` into `out`.
Dump DumpOnce(int fd, uint32_t seq, uint8_t protocol, std::vector<Route> &out, const char **op, int *err) {
  MsgBuf req;
  rtmsg *rt = req.Begin(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq);
  // Filters for a strict-checking kernel; others ignore them (checked below as well).
  rt->rtm_family = AF_INET;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = protocol;
  req.End();
  if (!SendAll(fd, req)) {
    *op = "sendto";
    *err = LastErrno();
    return Dump::kFailed;
  }
  return ReadDump(
      fd, seq, "RTM_GETROUTE",
      [&](const nlmsghdr *h) {
        Route r;
        if (ParseRoute(h, &r) && r.protocol == protocol && r.table == RT_TABLE_MAIN) out.push_back(r);
      },
      op, err);
}

Napi::Value RouteDump(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "protocol");
  Napi::Env env = info.Env();
  auto protocol = static_cast<uint8_t>(U32(info[0]));
  const char *op = "socket";
  int err = 0;
  FdGuard sock{OpenRequestSocket(true, &op, &err)};
  if (sock.fd < 0) return ThrowBpfError(env, op, err, nullptr, "NETLINK_ROUTE");
  std::vector<Route> found;
  err = EINTR;  // reported if every attempt was interrupted
  op = "RTM_GETROUTE";
  for (uint32_t attempt = 1; attempt <= kDumpAttempts; attempt++) {
    found.clear();
    Dump d = DumpOnce(sock.fd, attempt, protocol, found, &op, &err);
    if (d == Dump::kFailed) return ThrowBpfError(env, op, err, nullptr, "route dump");
    if (d == Dump::kDone) {
      Napi::Array out = Napi::Array::New(env, found.size());
      for (size_t i = 0; i < found.size(); i++) out.Set(static_cast<uint32_t>(i), RouteToJs(env, found[i]));
      return out;
    }
  }
  return ThrowBpfError(env, op, err, nullptr, "routing table kept changing during the dump");
}

// RTM_GETROUTE for `dst` out of `oif`, as `ip route get DST oif DEV`: the kernel's answer says
// whether it goes through a router (RTA_GATEWAY) or straight to dst.
void BuildLookup(uint32_t dst, uint32_t oif, uint32_t seq, MsgBuf &msgs) {
  rtmsg *rt = msgs.Begin(RTM_GETROUTE, NLM_F_REQUEST, seq);
  rt->rtm_family = AF_INET;
  rt->rtm_dst_len = 32;
  msgs.Attr(RTA_DST, &dst, sizeof(dst));
  msgs.U32(RTA_OIF, oif);
  msgs.End();
}

Napi::Value RouteLookup(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "oif");
  Napi::Env env = info.Env();
  if (!info[1].IsArray()) return ArgTypeError(info[1], "dsts", "array");
  uint32_t oif = U32(info[0]);
  Napi::Array arr = info[1].As<Napi::Array>();
  size_t n = arr.Length();
  std::vector<uint32_t> dsts(n);
  for (size_t i = 0; i < n; i++) {
    Napi::Value v = arr.Get(static_cast<uint32_t>(i));
    if (!ParseIpv4(v, &dsts[i])) {
      std::string name = "dsts[" + std::to_string(i) + "]";
      return ArgTypeError(v, name.c_str(), "IPv4 address string");
    }
  }
  std::vector<int> errs;
  std::vector<Route> answers(n);
  if (n > 0) {
    const char *op = "socket";
    int err = 0;
    FdGuard sock{OpenRequestSocket(false, &op, &err)};
    if (sock.fd < 0) return ThrowBpfError(env, op, err, nullptr, "NETLINK_ROUTE");
    bool ok = Transact(
        sock.fd, n, ChunkFor(sock.fd, kRouteAnswerCost), errs,
        [&](size_t i, MsgBuf &msgs) { BuildLookup(dsts[i], oif, static_cast<uint32_t>(i + 1), msgs); },
        [&](size_t i, const nlmsghdr *h) {
          if (h->nlmsg_type == NLMSG_ERROR) {
            int e = AckErrno(h);
            return e ? e : EPROTO;  // an ack without the route
          }
          return ParseRoute(h, &answers[i]) ? 0 : EPROTO;
        },
        &op, &err);
    if (!ok) return ThrowBpfError(env, op, err, nullptr, "route lookup");
  }
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("errno", errs[i]);
    o.Set("gateway", errs[i] == 0 && answers[i].hasGateway ? Napi::Value(Ipv4ToJs(env, answers[i].gateway)) : env.Null());
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

}  // namespace

void InitRoute(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "routeWrite", RouteWrite);
  Export(env, exports, "routeDump", RouteDump);
  Export(env, exports, "routeLookup", RouteLookup);
}

}  // namespace tortie
