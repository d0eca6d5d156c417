// libbpf's print output: dropped, except on a thread that is capturing it for an error's `log`.
#pragma once

#include <string>
#include <vector>

namespace tortie {

// Routes libbpf prints to the capture of the calling thread, if any. Without a capture everything
// is dropped: libbpf warnings on stderr (e.g. "Exclusivity flag on" from tc) are noise to our users,
// and every failure that matters reaches JavaScript as a thrown error anyway.
void InstallLibbpfPrint();

// Collects libbpf's info/warn lines (incl. the verifier log on a failed load) while alive.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture &) = delete;
  LogCapture &operator=(const LogCapture &) = delete;

  void Append(const std::string &text);
  // Complete lines so far, plus any unterminated last line. Blank lines are dropped.
  std::vector<std::string> Lines() const;

 private:
  std::vector<std::string> lines_;
  std::string partial_;
  LogCapture *prev_;
};

}  // namespace tortie
