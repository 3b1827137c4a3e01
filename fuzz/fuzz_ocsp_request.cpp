// OCSP requests, as the responder receives them.
#include <sign/ocsp.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    const auto req = sign::OcspRequest::parse(fuzzing::bytes(data, size));
    (void)sign::OcspRequest::parse(req.encode());
  });
  return 0;
}
