#include "errors.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

namespace tortie {

namespace {

// The kernel's ENOTSUPP (include/linux/errno.h): leaks out of some BPF paths, absent from libc.
constexpr int kENOTSUPP = 524;

struct ErrnoName {
  int err;
  const char *code;
};

#define E(x) {x, #x}
const ErrnoName kNames[] = {
    E(EPERM),     E(ENOENT),   E(ESRCH),     E(EINTR),     E(EIO),        E(ENXIO),        E(E2BIG),
    E(ENOEXEC),   E(EBADF),    E(ECHILD),    E(EAGAIN),    E(ENOMEM),     E(EACCES),       E(EFAULT),
    E(EBUSY),     E(EEXIST),   E(EXDEV),     E(ENODEV),    E(ENOTDIR),    E(EISDIR),       E(EINVAL),
    E(ENFILE),    E(EMFILE),   E(ENOTTY),    E(EFBIG),     E(ENOSPC),     E(ESPIPE),       E(EROFS),
    E(EMLINK),    E(EPIPE),    E(ERANGE),    E(EDEADLK),   E(ENAMETOOLONG), E(ENOSYS),     E(ENOTEMPTY),
    E(ELOOP),     E(ENOMSG),   E(ENODATA),   E(ETIME),     E(EPROTO),     E(EBADMSG),      E(EOVERFLOW),
    E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENOBUFS), E(ETIMEDOUT),
    E(EALREADY),  E(EINPROGRESS), E(ECANCELED), E(EPROTONOSUPPORT),
    {kENOTSUPP, "ENOTSUPP"},
    // libbpf's own codes (bpf/libbpf.h), returned by object open/load
    E(LIBBPF_ERRNO__LIBELF), E(LIBBPF_ERRNO__FORMAT), E(LIBBPF_ERRNO__KVERSION), E(LIBBPF_ERRNO__ENDIAN),
    E(LIBBPF_ERRNO__INTERNAL), E(LIBBPF_ERRNO__RELOC), E(LIBBPF_ERRNO__LOAD), E(LIBBPF_ERRNO__VERIFY),
    E(LIBBPF_ERRNO__PROG2BIG), E(LIBBPF_ERRNO__KVER), E(LIBBPF_ERRNO__PROGTYPE), E(LIBBPF_ERRNO__WRNGPID),
    E(LIBBPF_ERRNO__INVSEQ), E(LIBBPF_ERRNO__NLPARSE),
};
#undef E

std::string Describe(int err) {
  if (err == kENOTSUPP) return "Operation not supported (kernel ENOTSUPP)";
  char buf[256];
  if (err >= __LIBBPF_ERRNO__START && err < __LIBBPF_ERRNO__END) {
    libbpf_strerror(err, buf, sizeof(buf));
    return buf;
  }
  return strerror_r(err, buf, sizeof(buf));  // GNU variant: returns the message
}

}  // namespace

int ErrOf(int ret) {
  if (ret < -1) return -ret;  // unambiguously a libbpf -errno
  if (errno > 0) return errno;
  return ret < 0 ? -ret : EIO;
}

int LastErrno() { return errno > 0 ? errno : EIO; }

std::string ErrnoCode(int err) {
  for (const auto &n : kNames) {
    if (n.err == err) return n.code;
  }
  return "E" + std::to_string(err);
}

Napi::Value ThrowBpfError(Napi::Env env, const char *op, int err, const std::vector<std::string> *log,
                          const char *detail) {
  if (env.IsExceptionPending()) return env.Undefined();
  if (err < 0) err = -err;
  if (err == 0) err = EIO;  // a failure without an errno must still not look like success
  std::string message = std::string(op) + ": " + Describe(err);
  if (detail && *detail) message += std::string(" (") + detail + ")";
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("op", Napi::String::New(env, op));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, ErrnoCode(err)));
  if (log) {
    Napi::Array lines = Napi::Array::New(env, log->size());
    for (size_t i = 0; i < log->size(); i++) lines.Set(static_cast<uint32_t>(i), (*log)[i]);
    e.Set("log", lines);
  }
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace tortie
