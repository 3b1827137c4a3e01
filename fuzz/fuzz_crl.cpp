// CRLs: parse, look a serial up, check the signature against nothing in particular.
#include <sign/pki.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzing::guarded([&] {
    const auto crl = sign::Crl::from_der(fuzzing::bytes(data, size));
    (void)crl.issuer().to_string();
    (void)crl.find(sign::Bytes{0x01});
    for (const auto& e : crl.entries()) (void)crl.find(e.serial);
    (void)crl.delta_base();
    (void)crl.freshest_crl_urls();
  });
  return 0;
}
