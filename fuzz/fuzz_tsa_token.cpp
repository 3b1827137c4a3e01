// Time-stamp replies and tokens, as a signer or verifier receives them.
#include <sign/tsp.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = fuzzing::bytes(data, size);
  fuzzing::guarded([&] {
    const auto token = sign::TimeStampToken::parse(in);
    (void)sign::check_time_stamp(token, sign::Bytes{'x'});
  });
  fuzzing::guarded([&] { (void)sign::TimeStampResponse::parse(in); });
  return 0;
}
