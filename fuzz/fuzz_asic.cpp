// ASiC containers from anyone: libzip's reading under our limits (names, sizes, ratios), the
// container's structure, manifests and the signatures inside must end in a verdict or a
// sign::Error, never a crash, a hang or more bytes than an entry declares.
#include "fuzz_common.hpp"

#include <sign/asic.hpp>
#include <sign/io.hpp>

#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // libzip reads archives from files: each input is written to one scratch file per process.
  static const struct Scratch {
    std::string path = "/tmp/xsign-fuzz-asic-" + std::to_string(::getpid()) + ".asice";
    ~Scratch() { ::unlink(path.c_str()); }
  } scratch;
  const std::string& path = scratch.path;
  sign::write_file_atomic(path, std::span<const std::uint8_t>(data, size), sign::FileMode::private_0600);
  fuzzing::guarded([&] {
    sign::TrustStore trust;
    sign::ValidationPolicy policy;
    policy.fetch_revocation = false;  // never the network
    policy.fetch_ca_issuers = false;
    sign::AsicLimits limits;
    limits.max_total_bytes = 64u << 20;  // keep each run short; the real limits are checked the same way
    limits.max_entry_bytes = 64u << 20;
    const auto report = sign::validate_asic(path, trust, policy, {}, limits);
    (void)sign::asic_report_to_json(report);
    (void)report.overall();
  });
  return 0;
}
