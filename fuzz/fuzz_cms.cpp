// SignedData from anywhere: parse, check every signer against a small document, validate with
// an empty trust store (no network), and render both reports.
#include <sign/cms.hpp>
#include <sign/validate.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    const auto sd = sign::SignedDataView::parse(sign::memory_source(fuzzing::bytes(data, size)));
    const auto doc = sign::Content::bytes(sign::Bytes{'f', 'u', 'z', 'z'});
    (void)sign::check_signatures(sd, doc);
    sign::TrustStore trust;
    sign::ValidationPolicy policy;  // fetching is off by default
    const auto report = sign::validate_signed_data(sd, doc, trust, policy);
    (void)sign::report_to_json(report);
    (void)sign::report_to_text(report);
  });
  return 0;
}
