// Trust lists: the JSON form and the signed CMS form.
#include <sign/trust.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = fuzzing::bytes(data, size);
  fuzzing::guarded([&] {
    const auto list = sign::TrustList::from_json(std::string(in.begin(), in.end()));
    (void)sign::TrustList::from_json(list.to_json());
  });
  fuzzing::guarded([&] { (void)sign::verify_trust_list(in, {}, {}, sign::now()); });
  return 0;
}
