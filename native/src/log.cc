#include "log.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>

namespace tortie {

namespace {

// Loads run synchronously on the calling JS thread, so a per-thread pointer is enough (and keeps
// worker threads from seeing each other's logs).
thread_local LogCapture *tl_capture = nullptr;

bool IsBlank(const std::string &s) { return s.find_first_not_of(" \t\r") == std::string::npos; }

int Print(enum libbpf_print_level level, const char *fmt, va_list args) {
  LogCapture *cap = tl_capture;
  if (!cap || level == LIBBPF_DEBUG) return 0;
  int saved = errno;  // libbpf may read errno after printing
  char small[512];
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(small, sizeof(small), fmt, copy);
  va_end(copy);
  if (n >= 0) {
    if (static_cast<size_t>(n) < sizeof(small)) {
      cap->Append(std::string(small, n));
    } else {  // the verifier log arrives as one big print
      std::string big(static_cast<size_t>(n) + 1, '\0');
      vsnprintf(&big[0], big.size(), fmt, args);
      big.resize(n);
      cap->Append(big);
    }
  }
  errno = saved;
  return n;
}

}  // namespace

void InstallLibbpfPrint() { libbpf_set_print(Print); }

LogCapture::LogCapture() : prev_(tl_capture) { tl_capture = this; }

LogCapture::~LogCapture() { tl_capture = prev_; }

void LogCapture::Append(const std::string &text) {
  partial_ += text;
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string line = partial_.substr(start, nl - start);
    if (!IsBlank(line)) lines_.push_back(std::move(line));
  }
  partial_.erase(0, start);
}

std::vector<std::string> LogCapture::Lines() const {
  std::vector<std::string> out = lines_;
  if (!IsBlank(partial_)) out.push_back(partial_);
  return out;
}

}  // namespace tortie
