// The one way the addon reports a failed libbpf call or syscall to JavaScript.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

namespace tortie {

// The positive errno of a failed call that returned `ret` (< 0). libbpf 1.x both returns -errno
// and sets errno, plain syscalls return -1 and set errno: -ret when it is clearly -errno, else errno.
// Call it immediately after the failing call, before anything else can touch errno.
int ErrOf(int ret);

// The positive errno after a call that returned NULL (libbpf pointer APIs) or -1 (syscalls).
int LastErrno();

// Throws Error(`${op}: ${strerror}`) with { op, errno, code, log? }. `err` may be an errno or a
// libbpf -errno; it is normalised here. `detail` is appended to the message, in parentheses.
// Does nothing if an exception is already pending. Returns undefined for `return ThrowBpfError(...)`.
Napi::Value ThrowBpfError(Napi::Env env, const char *op, int err, const std::vector<std::string> *log = nullptr,
                          const char *detail = nullptr);

// errno -> 'ENOENT' (or 'E<n>' when not in the table)
std::string ErrnoCode(int err);

}  // namespace tortie
