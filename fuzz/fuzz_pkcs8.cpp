// Private keys: PEM (plain or encrypted, opened with a wrong passphrase) and DER PKCS#8.
#include <sign/crypto.hpp>

#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto in = fuzzing::bytes(data, size);
  fuzzing::guarded([&] { (void)sign::PrivateKey::from_pkcs8_der(in); });
  fuzzing::guarded([&] {
    (void)sign::PrivateKey::from_pem(std::string(in.begin(), in.end()), [] { return std::string("not the passphrase"); });
  });
  fuzzing::guarded([&] { (void)sign::PublicKey::from_der(in); });
  return 0;
}
