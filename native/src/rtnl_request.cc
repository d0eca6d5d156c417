// Batched NETLINK_ROUTE requests (see rtnl_request.h).
#include "rtnl_request.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <string>

#include "args.h"

namespace tortie {

namespace {

// Room for a chunk's answers; FORCE (root) may exceed net.core.rmem_max.
constexpr int kSockBuf = 4 * 1024 * 1024;
constexpr size_t kMinChunk = 16;
constexpr size_t kMaxChunk = 1024;
// No answer for this long means it was lost; the requests still unanswered are reported as such.
constexpr int kAnswerTimeoutSec = 5;

}  // namespace

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
  // dump (answers are checked by the caller either way).
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  if (strictDump) setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
  return fd;
}

size_t ChunkFor(int fd, size_t answerCost) {
  int rcvbuf = 0;
  socklen_t len = sizeof(rcvbuf);
  // The kernel reports twice the usable size.
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) < 0 || rcvbuf <= 0) return kMinChunk;
  size_t n = static_cast<size_t>(rcvbuf) / 2 / answerCost;
  return n < kMinChunk ? kMinChunk : n > kMaxChunk ? kMaxChunk : n;
}

void MsgBuf::Attr(uint16_t type, const void *data, size_t len) {
  size_t at = buf_.size();
  buf_.resize(at + RTA_SPACE(len), 0);
  auto *a = reinterpret_cast<rtattr *>(&buf_[at]);
  a->rta_type = type;
  a->rta_len = static_cast<uint16_t>(RTA_LENGTH(len));
  if (len) memcpy(RTA_DATA(a), data, len);
}

size_t MsgBuf::BeginNest(uint16_t type) {
  size_t at = buf_.size();
  Attr(type, nullptr, 0);
  return at;
}

void MsgBuf::EndNest(size_t at) { reinterpret_cast<rtattr *>(&buf_[at])->rta_len = static_cast<uint16_t>(buf_.size() - at); }

bool SendAll(int fd, const MsgBuf &msgs) {
  sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    ssize_t n = sendto(fd, msgs.Data(), msgs.Size(), 0, reinterpret_cast<sockaddr *>(&kernel), sizeof(kernel));
    if (n < 0 && errno == EINTR) continue;
    return n >= 0;
  }
}

Dump SendDump(int fd, const MsgBuf &req, uint32_t seq, const char *request, const std::function<void(const nlmsghdr *)> &each,
              const char **op, int *err) {
  if (!SendAll(fd, req)) {
    *op = "sendto";
    *err = LastErrno();
    return Dump::kFailed;
  }
  return ReadDump(fd, seq, request, each, op, err);
}

int AckErrno(const nlmsghdr *h) {
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(nlmsgerr))) return EPROTO;
  return -static_cast<const nlmsgerr *>(NLMSG_DATA(h))->error;
}

uint32_t AttrU32(const rtattr *a) {
  uint32_t v = 0;
  if (RTA_PAYLOAD(a) >= sizeof(v)) memcpy(&v, RTA_DATA(a), sizeof(v));
  return v;
}

bool ParseIpv4(const Napi::Value &v, uint32_t *out) {
  if (!v.IsString()) return false;
  std::string s = v.As<Napi::String>().Utf8Value();
  return inet_pton(AF_INET, s.c_str(), out) == 1;
}

Napi::String Ipv4ToJs(Napi::Env env, uint32_t addr) {
  char s[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, s, sizeof(s));
  return Napi::String::New(env, s);
}

bool OpReader::Object() {
  if (v_.IsObject()) return true;
  std::string name = "ops[" + std::to_string(i_) + "]";
  ArgTypeError(v_, name.c_str(), "object");
  return false;
}

std::string OpReader::String(const Napi::String &key) {
  Napi::Value v = v_.As<Napi::Object>().Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}

bool OpReader::Fail(const Napi::String &key, const char *field, const char *expected) {
  std::string name = "ops[" + std::to_string(i_) + "]." + field;
  ArgTypeError(v_.As<Napi::Object>().Get(key), name.c_str(), expected);
  return false;
}

bool OpReader::Number(const Napi::String &key, const char *field, uint32_t *out) {
  Napi::Value v = v_.As<Napi::Object>().Get(key);
  if (!v.IsNumber()) return Fail(key, field, "number");
  *out = U32(v);
  return true;
}

bool OpReader::OptionalNumber(const Napi::String &key, const char *field, uint32_t *out) {
  Napi::Value v = v_.As<Napi::Object>().Get(key);
  if (!v.IsUndefined() && !v.IsNumber()) return Fail(key, field, "number or undefined");
  *out = v.IsUndefined() ? 0 : U32(v);
  return true;
}

bool OpReader::OptionalBool(const Napi::String &key, const char *field, bool *out) {
  Napi::Value v = v_.As<Napi::Object>().Get(key);
  if (!v.IsUndefined() && !v.IsBoolean()) return Fail(key, field, "boolean or undefined");
  *out = v.IsBoolean() && v.As<Napi::Boolean>().Value();
  return true;
}

bool OpReader::Ipv4(const Napi::String &key, const char *field, uint32_t *out) {
  return ParseIpv4(v_.As<Napi::Object>().Get(key), out) || Fail(key, field, "IPv4 address string");
}

bool OpReader::OptionalIpv4(const Napi::String &key, const char *field, bool *has, uint32_t *out) {
  Napi::Value v = v_.As<Napi::Object>().Get(key);
  *has = !v.IsUndefined();
  return !*has || ParseIpv4(v, out) || Fail(key, field, "IPv4 address string or undefined");
}

}  // namespace tortie
