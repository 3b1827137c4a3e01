// OCSP responses, as validation receives them (embedded, given, or fetched).
#include <sign/ocsp.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    const auto resp = sign::OcspResponse::parse(fuzzing::bytes(data, size));
    for (const auto& c : resp.certificates) (void)resp.verify_signer(c);
  });
  return 0;
}
