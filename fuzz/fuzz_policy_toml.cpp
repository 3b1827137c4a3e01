// Validation policy files (TOML), read from a memory file.
#include <sign/trust.hpp>

#include "fuzz_common.hpp"

#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const int fd = ::memfd_create("policy.toml", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) == static_cast<ssize_t>(size))
    fuzzing::guarded([&] { (void)sign::ValidationPolicy::load("/proc/self/fd/" + std::to_string(fd)); });
  ::close(fd);
  return 0;
}
