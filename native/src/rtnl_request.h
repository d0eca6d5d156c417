// Batched NETLINK_ROUTE requests and dumps, shared by the route (route.cc), next hop (nexthop.cc) and
// neighbour (netlink.cc) functions.
//
// Requests go out many per sendmsg. The kernel handles a NETLINK_ROUTE sendmsg synchronously and
// queues one answer per request (an ack, or the looked-up object) on our socket before sendmsg
// returns, so requests are sent in chunks small enough for their answers to fit the receive buffer
// (else answers are dropped: ENOBUFS). Answers are matched to requests by sequence number (index + 1).
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <napi.h>

#include "args.h"
#include "errors.h"
#include "netlink.h"

namespace tortie {

// Larger than any single skb the kernel sends on a route socket (dumps cap theirs at 32 KiB).
constexpr size_t kRecvBuf = 64 * 1024;
// Generous bounds on what one queued answer costs against the receive buffer (skb truesize): an
// ack is a small skb, a looked-up route is allocated at NLMSG_GOODSIZE.
constexpr size_t kAckCost = 2048;
constexpr size_t kRouteAnswerCost = 8192;
// How often a dump interrupted by a change of the table is started again.
constexpr int kDumpAttempts = 5;

// A request socket: large receive buffer, error acks without the request echoed (NETLINK_CAP_ACK),
// a receive timeout so a lost answer cannot hang the caller; `strictDump` lets the kernel filter
// dumps (4.20+). -1 with *op/*err on failure.
int OpenRequestSocket(bool strictDump, const char **op, int *err);

// How many requests to send before reading their answers, so that the answers fit the socket's
// receive buffer.
size_t ChunkFor(int fd, size_t answerCost);

// Netlink messages appended to one buffer (offsets, not pointers: the buffer grows).
class MsgBuf {
 public:
  void Clear() { buf_.clear(); }
  const char *Data() const { return buf_.data(); }
  size_t Size() const { return buf_.size(); }

  // Starts a message: the netlink header and the family header T (rtmsg, nhmsg), zeroed. Finish it
  // with End(). The pointer is good until the next append.
  template <typename T>
  T *Begin(uint16_t type, uint16_t flags, uint32_t seq) {
    msg_ = buf_.size();
    buf_.resize(msg_ + NLMSG_SPACE(sizeof(T)), 0);
    nlmsghdr *h = Header();
    h->nlmsg_type = type;
    h->nlmsg_flags = flags;
    h->nlmsg_seq = seq;
    return static_cast<T *>(NLMSG_DATA(h));
  }

  void Attr(uint16_t type, const void *data, size_t len);
  void U32(uint16_t type, uint32_t v) { Attr(type, &v, sizeof(v)); }
  size_t BeginNest(uint16_t type);
  void EndNest(size_t at);
  void End() { Header()->nlmsg_len = static_cast<uint32_t>(buf_.size() - msg_); }

 private:
  nlmsghdr *Header() { return reinterpret_cast<nlmsghdr *>(&buf_[msg_]); }

  std::vector<char> buf_;
  size_t msg_ = 0;
};

// Sends all of `msgs` to the kernel in one sendmsg; false with errno.
bool SendAll(int fd, const MsgBuf &msgs);

// Sends the dump request `req` (sequence `seq`, named `request` in errors) and reads its answers,
// handing each message to `each` (see ReadDump).
Dump SendDump(int fd, const MsgBuf &req, uint32_t seq, const char *request, const std::function<void(const nlmsghdr *)> &each,
              const char **op, int *err);

// The errno an NLMSG_ERROR carries (0 for an ack).
int AckErrno(const nlmsghdr *h);

// A u32 attribute's value (0 when it is shorter).
uint32_t AttrU32(const rtattr *a);

// A dotted-quad JS string into a network-order address; false for anything else.
bool ParseIpv4(const Napi::Value &v, uint32_t *out);

// A network-order address as a dotted-quad JS string.
Napi::String Ipv4ToJs(Napi::Env env, uint32_t addr);

// Reads the fields of ops[i], a JS object, for routeWrite and nexthopWrite. Every method returns
// false after throwing a TypeError that names `ops[i].field` (types only: ranges are TypeScript's).
class OpReader {
 public:
  OpReader(const Napi::Value &v, size_t i) : v_(v), i_(i) {}
  // Whether ops[i] is an object (first: the others read from it).
  bool Object();
  // The string at key; "" for anything else.
  std::string String(const Napi::String &key);
  bool Number(const Napi::String &key, const char *field, uint32_t *out);
  // 0 when absent.
  bool OptionalNumber(const Napi::String &key, const char *field, uint32_t *out);
  // false when absent.
  bool OptionalBool(const Napi::String &key, const char *field, bool *out);
  bool Ipv4(const Napi::String &key, const char *field, uint32_t *out);
  bool OptionalIpv4(const Napi::String &key, const char *field, bool *has, uint32_t *out);
  // Throws that ops[i].field was not `expected`.
  bool Fail(const Napi::String &key, const char *field, const char *expected);

 private:
  Napi::Value v_;
  size_t i_;
};

// Marks a request not answered yet.
constexpr int kPending = -1;

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

// Transact on a socket of its own, opened now: the calling thread may have setns()'d since the last
// call. False after throwing (the socket, or sending and receiving, failed; `what` names the call).
template <typename Build, typename Answer>
bool TransactOnNewSocket(Napi::Env env, size_t n, size_t answerCost, std::vector<int> &errs, Build build, Answer answer,
                         const char *what) {
  const char *op = "socket";
  int err = 0;
  FdGuard sock{OpenRequestSocket(false, &op, &err)};
  if (sock.fd < 0) {
    ThrowBpfError(env, op, err, nullptr, "NETLINK_ROUTE");
    return false;
  }
  if (!Transact(sock.fd, n, ChunkFor(sock.fd, answerCost), errs, build, answer, &op, &err)) {
    ThrowBpfError(env, op, err, nullptr, what);
    return false;
  }
  return true;
}

// The body of routeWrite and nexthopWrite: reads info[0], an array of operations, with
// read(value, i, keys, &op) (false: it has thrown a TypeError), sends each as build(op, seq, msgs),
// acked, in batches on one socket, and returns each one's errno (0: done). `what` names the
// operation in errors.
template <typename Op, typename Keys, typename Read, typename Build>
Napi::Value WriteAcked(const Napi::CallbackInfo &info, const char *what, Read read, Build build) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) return ArgTypeError(info[0], "ops", "array");
  Napi::Array arr = info[0].As<Napi::Array>();
  size_t n = arr.Length();
  std::vector<Op> ops(n);
  Keys keys(env);
  for (size_t i = 0; i < n; i++) {
    if (!read(arr.Get(static_cast<uint32_t>(i)), i, keys, &ops[i])) return env.Undefined();
  }
  std::vector<int> errs;
  if (n > 0 &&
      !TransactOnNewSocket(
          env, n, kAckCost, errs, [&](size_t i, MsgBuf &msgs) { build(ops[i], static_cast<uint32_t>(i + 1), msgs); },
          [](size_t, const nlmsghdr *h) { return h->nlmsg_type == NLMSG_ERROR ? AckErrno(h) : EPROTO; }, what)) {
    return env.Undefined();
  }
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, errs[i]));
  return out;
}

// A dump, started again while the kernel reports it interrupted by a change (kDumpAttempts times):
// dumpOnce(fd, seq, items, &op, &err) sends request `request` and reads the answers into `items`;
// the result is the JS array of toJs(env, item). `what` names the dump in errors.
template <typename Item, typename DumpOnce, typename ToJs>
Napi::Value DumpToJs(Napi::Env env, const char *request, const char *what, DumpOnce dumpOnce, ToJs toJs) {
  const char *op = "socket";
  int err = 0;
  FdGuard sock{OpenRequestSocket(true, &op, &err)};
  if (sock.fd < 0) return ThrowBpfError(env, op, err, nullptr, "NETLINK_ROUTE");
  std::vector<Item> found;
  err = EINTR;  // reported if every attempt was interrupted
  op = request;
  for (uint32_t attempt = 1; attempt <= static_cast<uint32_t>(kDumpAttempts); attempt++) {
    found.clear();
    Dump d = dumpOnce(sock.fd, attempt, found, &op, &err);
    if (d == Dump::kFailed) return ThrowBpfError(env, op, err, nullptr, what);
    if (d == Dump::kDone) {
      Napi::Array out = Napi::Array::New(env, found.size());
      for (size_t i = 0; i < found.size(); i++) out.Set(static_cast<uint32_t>(i), toJs(env, found[i]));
      return out;
    }
  }
  std::string changing = std::string(what) + ": the table kept changing during the dump";
  return ThrowBpfError(env, op, err, nullptr, changing.c_str());
}

}  // namespace tortie
