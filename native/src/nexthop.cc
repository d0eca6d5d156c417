// IPv4 next hop objects (`ip nexthop`, Linux 5.3+) over rtnetlink, in the calling thread's current
// netns: batched writes (nexthopWrite) and a dump of every next hop (nexthopDump). Routes that use one
// (RTA_NH_ID, see route.cc) share it instead of each carrying its own gateway: the kernel then keeps one
// fib_info per next hop object, where routes with their own gateways cost a fib_info each, all in one
// hash bucket (the gateway is not hashed), which makes writing thousands of them quadratic. A mechanism
// only: which next hops to keep is decided in TypeScript.
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "modules.h"
#include "netlink.h"
#include "rtnl_request.h"

namespace tortie {

namespace {

enum class NexthopOpKind { kAdd, kReplace, kDelete };

struct NexthopOp {
  NexthopOpKind kind;
  uint32_t id;
  bool hasGateway;
  uint32_t gateway;  // network byte order
  uint32_t ifindex;
  bool onlink;
  uint8_t protocol;
};

// Property names made once per call.
struct NexthopKeys {
  Napi::String op, id, gateway, ifindex, onlink, protocol;
  explicit NexthopKeys(Napi::Env env)
      : op(Napi::String::New(env, "op")),
        id(Napi::String::New(env, "id")),
        gateway(Napi::String::New(env, "gateway")),
        ifindex(Napi::String::New(env, "ifindex")),
        onlink(Napi::String::New(env, "onlink")),
        protocol(Napi::String::New(env, "protocol")) {}
};

// Types only (ranges are checked in TypeScript).
bool ReadNexthopOp(const Napi::Value &v, size_t i, const NexthopKeys &k, NexthopOp *out) {
  OpReader r(v, i);
  if (!r.Object()) return false;
  std::string op = r.String(k.op);
  if (op == "add") {
    out->kind = NexthopOpKind::kAdd;
  } else if (op == "replace") {
    out->kind = NexthopOpKind::kReplace;
  } else if (op == "delete") {
    out->kind = NexthopOpKind::kDelete;
  } else {
    return r.Fail(k.op, "op", "'add', 'replace' or 'delete'");
  }
  uint32_t protocol = 0;
  if (!r.Number(k.id, "id", &out->id) || !r.OptionalIpv4(k.gateway, "gateway", &out->hasGateway, &out->gateway) ||
      !r.OptionalNumber(k.ifindex, "ifindex", &out->ifindex) || !r.OptionalBool(k.onlink, "onlink", &out->onlink) ||
      !r.OptionalNumber(k.protocol, "protocol", &protocol)) {
    return false;
  }
  out->protocol = static_cast<uint8_t>(protocol);
  return true;
}

// RTM_NEWNEXTHOP (add: fails with EEXIST if the id is taken; replace: creates or replaces) or
// RTM_DELNEXTHOP (by id; the kernel deletes the routes that use it too), acked.
void BuildNexthopWrite(const NexthopOp &op, uint32_t seq, MsgBuf &msgs) {
  bool del = op.kind == NexthopOpKind::kDelete;
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
  if (op.kind == NexthopOpKind::kAdd) flags |= NLM_F_CREATE | NLM_F_EXCL;
  if (op.kind == NexthopOpKind::kReplace) flags |= NLM_F_CREATE | NLM_F_REPLACE;
  nhmsg *nh = msgs.Begin<nhmsg>(del ? RTM_DELNEXTHOP : RTM_NEWNEXTHOP, flags, seq);
  // A delete's header must be all zero but the family.
  nh->nh_family = AF_INET;
  if (!del) {
    nh->nh_protocol = op.protocol;
    if (op.onlink) nh->nh_flags = RTNH_F_ONLINK;
  }
  msgs.U32(NHA_ID, op.id);
  if (!del) {
    if (op.hasGateway) msgs.Attr(NHA_GATEWAY, &op.gateway, sizeof(op.gateway));
    if (op.ifindex) msgs.U32(NHA_OIF, op.ifindex);
  }
  msgs.End();
}

Napi::Value NexthopWrite(const Napi::CallbackInfo &info) {
  return WriteAcked<NexthopOp, NexthopKeys>(info, "next hop write", ReadNexthopOp, BuildNexthopWrite);
}

// ---- next hops from the kernel --------------------------------------------------------------

struct Nexthop {
  uint32_t id = 0;
  uint8_t family = 0;
  uint8_t protocol = 0;
  bool onlink = false;
  bool hasGateway = false;
  uint32_t gateway = 0;  // IPv4 only
  uint32_t ifindex = 0;
  bool group = false;
  bool blackhole = false;
};

bool ParseNexthop(const nlmsghdr *h, Nexthop *out) {
  if (h->nlmsg_type != RTM_NEWNEXTHOP || h->nlmsg_len < NLMSG_LENGTH(sizeof(nhmsg))) return false;
  const auto *nh = static_cast<const nhmsg *>(NLMSG_DATA(h));
  *out = Nexthop();
  out->family = nh->nh_family;
  out->protocol = nh->nh_protocol;
  out->onlink = nh->nh_flags & RTNH_F_ONLINK;
  int len = static_cast<int>(h->nlmsg_len - NLMSG_LENGTH(sizeof(*nh)));
  const auto *first = reinterpret_cast<const rtattr *>(reinterpret_cast<const char *>(nh) + NLMSG_ALIGN(sizeof(*nh)));
  for (const rtattr *a = first; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    switch (a->rta_type) {
      case NHA_ID:
        out->id = AttrU32(a);
        break;
      case NHA_GATEWAY:
        out->hasGateway = RTA_PAYLOAD(a) == 4;
        out->gateway = AttrU32(a);
        break;
      case NHA_OIF:
        out->ifindex = AttrU32(a);
        break;
      case NHA_GROUP:
        out->group = true;
        break;
      case NHA_BLACKHOLE:
        out->blackhole = true;
        break;
      default:
        break;
    }
  }
  return out->id != 0;
}

// { id, protocol, ipv4, gateway?, ifindex, onlink, group, blackhole }
Napi::Object NexthopToJs(Napi::Env env, const Nexthop &n) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", n.id);
  o.Set("protocol", n.protocol);
  o.Set("ipv4", n.family == AF_INET);
  if (n.hasGateway) o.Set("gateway", Ipv4ToJs(env, n.gateway));
  o.Set("ifindex", n.ifindex);
  o.Set("onlink", n.onlink);
  o.Set("group", n.group);
  o.Set("blackhole", n.blackhole);
  return o;
}

Dump DumpOnce(int fd, uint32_t seq, std::vector<Nexthop> &out, const char **op, int *err) {
  MsgBuf req;
  req.Begin<nhmsg>(RTM_GETNEXTHOP, NLM_F_REQUEST | NLM_F_DUMP, seq);  // all families, all owners
  req.End();
  return SendDump(
      fd, req, seq, "RTM_GETNEXTHOP",
      [&](const nlmsghdr *h) {
        Nexthop n;
        if (ParseNexthop(h, &n)) out.push_back(n);
      },
      op, err);
}

Napi::Value NexthopDump(const Napi::CallbackInfo &info) {
  return DumpToJs<Nexthop>(info.Env(), "RTM_GETNEXTHOP", "next hop dump", DumpOnce, NexthopToJs);
}

}  // namespace

void InitNexthop(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "nexthopWrite", NexthopWrite);
  Export(env, exports, "nexthopDump", NexthopDump);
}

}  // namespace tortie
