// IPv4 routes of the main table over rtnetlink, for the calling thread's current netns: batched
// writes (routeWrite), the way out of an interface to addresses (routeLookup) and a dump by route
// protocol (routeDump). A mechanism only: which routes to write is decided in TypeScript. Requests
// are batched as rtnl_request.h describes.
#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "netlink.h"
#include "rtnl_request.h"

namespace tortie {

namespace {

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
  uint32_t nhid;  // a next hop object (RTA_NH_ID) instead of gateway/ifindex/onlink; 0 = none
};

// Property names made once per call: Get(napi_value) skips re-creating them per element.
struct OpKeys {
  Napi::String op, dst, prefixLen, gateway, ifindex, onlink, mtu, protocol, nhid;
  explicit OpKeys(Napi::Env env)
      : op(Napi::String::New(env, "op")),
        dst(Napi::String::New(env, "dst")),
        prefixLen(Napi::String::New(env, "prefixLen")),
        gateway(Napi::String::New(env, "gateway")),
        ifindex(Napi::String::New(env, "ifindex")),
        onlink(Napi::String::New(env, "onlink")),
        mtu(Napi::String::New(env, "mtu")),
        protocol(Napi::String::New(env, "protocol")),
        nhid(Napi::String::New(env, "nhid")) {}
};

// Types only (ranges are checked in TypeScript); an address that does not parse is a type error.
bool ReadOp(const Napi::Value &v, size_t i, const OpKeys &k, RouteOp *out) {
  OpReader r(v, i);
  if (!r.Object()) return false;
  std::string op = r.String(k.op);
  if (op != "replace" && op != "delete") return r.Fail(k.op, "op", "'replace' or 'delete'");
  out->del = op == "delete";
  uint32_t prefixLen = 0;
  uint32_t protocol = 0;
  if (!r.Ipv4(k.dst, "dst", &out->dst) || !r.Number(k.prefixLen, "prefixLen", &prefixLen) ||
      !r.OptionalIpv4(k.gateway, "gateway", &out->hasGateway, &out->gateway) ||
      !r.OptionalNumber(k.ifindex, "ifindex", &out->ifindex) || !r.OptionalBool(k.onlink, "onlink", &out->onlink) ||
      !r.OptionalNumber(k.mtu, "mtu", &out->mtu) || !r.Number(k.protocol, "protocol", &protocol) ||
      !r.OptionalNumber(k.nhid, "nhid", &out->nhid)) {
    return false;
  }
  out->prefixLen = static_cast<uint8_t>(prefixLen);
  out->protocol = static_cast<uint8_t>(protocol);
  return true;
}

// RTM_NEWROUTE (create or replace) / RTM_DELROUTE in the main table, acked. A delete matches like
// `ip route del`: any scope and type, and only the fields given (protocol always).
void BuildWrite(const RouteOp &op, uint32_t seq, MsgBuf &msgs) {
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | (op.del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
  rtmsg *rt = msgs.Begin<rtmsg>(op.del ? RTM_DELROUTE : RTM_NEWROUTE, flags, seq);
  rt->rtm_family = AF_INET;
  rt->rtm_dst_len = op.prefixLen;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = op.protocol;
  if (op.del) {
    rt->rtm_scope = RT_SCOPE_NOWHERE;
    rt->rtm_type = RTN_UNSPEC;
  } else {
    // As iproute2: a route without a gateway reaches its destinations directly on the device (one
    // through a next hop object is left to the next hop).
    rt->rtm_scope = op.hasGateway || op.nhid ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    rt->rtm_type = RTN_UNICAST;
  }
  if (op.onlink) rt->rtm_flags |= RTNH_F_ONLINK;
  msgs.Attr(RTA_DST, &op.dst, sizeof(op.dst));
  if (op.hasGateway) msgs.Attr(RTA_GATEWAY, &op.gateway, sizeof(op.gateway));
  if (op.ifindex) msgs.U32(RTA_OIF, op.ifindex);
  if (op.nhid) msgs.U32(RTA_NH_ID, op.nhid);
  if (op.mtu) {
    size_t nest = msgs.BeginNest(RTA_METRICS);
    msgs.U32(RTAX_MTU, op.mtu);
    msgs.EndNest(nest);
  }
  msgs.End();
}

Napi::Value RouteWrite(const Napi::CallbackInfo &info) {
  return WriteAcked<RouteOp, OpKeys>(info, "route write", ReadOp, BuildWrite);
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
  uint32_t nhid = 0;
};

const rtattr *FirstAttr(const rtmsg *rt) {
  return reinterpret_cast<const rtattr *>(reinterpret_cast<const char *>(rt) + NLMSG_ALIGN(sizeof(*rt)));
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
      case RTA_NH_ID:
        out->nhid = AttrU32(a);
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

// { dst, prefixLen, gateway?, ifindex, mtu?, onlink, nhid? }
Napi::Object RouteToJs(Napi::Env env, const Route &r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("dst", Ipv4ToJs(env, r.dst));
  o.Set("prefixLen", r.prefixLen);
  if (r.hasGateway) o.Set("gateway", Ipv4ToJs(env, r.gateway));
  o.Set("ifindex", r.ifindex);
  if (r.mtu) o.Set("mtu", r.mtu);
  o.Set("onlink", r.onlink);
  if (r.nhid) o.Set("nhid", r.nhid);
  return o;
}

// One RTM_GETROUTE dump of the main table's AF_INET routes of `protocol` into `out`.
Dump DumpOnce(int fd, uint32_t seq, uint8_t protocol, std::vector<Route> &out, const char **op, int *err) {
  MsgBuf req;
  rtmsg *rt = req.Begin<rtmsg>(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq);
  // Filters for a strict-checking kernel; others ignore them (checked below as well).
  rt->rtm_family = AF_INET;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = protocol;
  req.End();
  return SendDump(
      fd, req, seq, "RTM_GETROUTE",
      [&](const nlmsghdr *h) {
        Route r;
        if (ParseRoute(h, &r) && r.protocol == protocol && r.table == RT_TABLE_MAIN) out.push_back(r);
      },
      op, err);
}

Napi::Value RouteDump(const Napi::CallbackInfo &info) {
  REQUIRE_ARG_NUMBER(0, "protocol");
  auto protocol = static_cast<uint8_t>(U32(info[0]));
  return DumpToJs<Route>(
      info.Env(), "RTM_GETROUTE", "route dump",
      [protocol](int fd, uint32_t seq, std::vector<Route> &out, const char **op, int *err) {
        return DumpOnce(fd, seq, protocol, out, op, err);
      },
      RouteToJs);
}

// RTM_GETROUTE for `dst` out of `oif`, as `ip route get DST oif DEV`: the kernel's answer says
// whether it goes through a router (RTA_GATEWAY) or straight to dst.
void BuildLookup(uint32_t dst, uint32_t oif, uint32_t seq, MsgBuf &msgs) {
  rtmsg *rt = msgs.Begin<rtmsg>(RTM_GETROUTE, NLM_F_REQUEST, seq);
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
  if (n > 0 &&
      !TransactOnNewSocket(
          env, n, kRouteAnswerCost, errs,
          [&](size_t i, MsgBuf &msgs) { BuildLookup(dsts[i], oif, static_cast<uint32_t>(i + 1), msgs); },
          [&](size_t i, const nlmsghdr *h) {
            if (h->nlmsg_type == NLMSG_ERROR) {
              int e = AckErrno(h);
              return e ? e : EPROTO;  // an ack without the route
            }
            return ParseRoute(h, &answers[i]) ? 0 : EPROTO;
          },
          "route lookup")) {
    return env.Undefined();
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
