// Trust lists: TS 119 612 XML (signed or not, lists of lists), the JSON form and its CMS form.
#include <sign/trust.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = fuzzing::bytes(data, size);
  fuzzing::guarded([&] {
    const auto list = sign::TrustList::from_json(std::string(in.begin(), in.end()));
    (void)sign::TrustList::from_json(list.to_json());
  });
  fuzzing::guarded([&] {
    const auto list = sign::TrustList::from_xml(in);
    (void)list.to_json();
    if (!list.contact.empty()) (void)sign::TrustList::from_xml(list.to_xml());
  });
  fuzzing::guarded([&] { (void)sign::verify_trust_list(in, {}, {}, sign::now()); });
  fuzzing::guarded([&] { (void)sign::verify_pointed_trust_list(in, sign::TrustListPointer{}, sign::now()); });
  return 0;
}
