// Signed XML from anyone: parsing (no DTD, no entities), reference resolution, the wrapping
// checks and canonicalization must end in a verdict or a sign::Error, never a crash or hang.
#include "fuzz_common.hpp"

#include <sign/xades.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    const auto bytes = fuzzing::bytes(data, size);
    for (const auto& c : sign::check_xml_signatures(bytes, "fuzz", sign::Content::bytes({'d', 'o', 'c'}))) {
      (void)c.check.message;
      (void)c.signed_objects.size();
    }
    (void)sign::summarize_xml_signatures(bytes, "fuzz");
  });
  return 0;
}
