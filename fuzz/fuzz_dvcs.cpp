// RFC 3029 messages from anyone: a DVCS request as POST /dvcs receives it, and a response's
// content as verify --receipt reads it, must end in a result or a sign::Error.
#include "fuzz_common.hpp"

#include "channel/dvcs_internal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = fuzzing::bytes(data, size);
  fuzzing::guarded([&] {
    const auto request = sign::parse_dvcs_request(bytes);
    (void)sign::dvcs_detail::echoed_request_information(request.request_information);
  });
  fuzzing::guarded([&] { (void)sign::dvcs_detail::parse_response(bytes); });
  fuzzing::guarded([&] { (void)sign::is_dvcs_response(bytes); });
  return 0;
}
