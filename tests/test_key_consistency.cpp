// Pairwise consistency: a key file whose public key is not its own is refused in every suite,
// whether the stray public key sits in RFC 5958's OneAsymmetricKey or in RFC 5915's ECPrivateKey.
#include <catch2/catch.hpp>

#include <sign/asn1.hpp>
#include <sign/crypto.hpp>
#include <sign/error.hpp>

#include "hostile_pki.hpp"
#include "support.hpp"

using sign::Bytes;

namespace {

using testing::children_of;
using testing::content_of;
using testing::wrap;

// subjectPublicKey bits of a key.
Bytes public_bits(const sign::PrivateKey& k) {
  const Bytes bits = content_of(children_of(k.public_key().to_der())[1]);
  return Bytes(bits.begin() + 1, bits.end());
}

}  // namespace

TEST_CASE("A key file carrying another key's public key is refused, in every suite", "[crypto][keys]") {
  for (const auto suite : {sign::Suite::sm2, sign::Suite::gost256, sign::Suite::gost512, sign::Suite::p256}) {
    CAPTURE(sign::suite_name(suite));
    const auto a = sign::PrivateKey::generate(suite);
    const auto b = sign::PrivateKey::generate(suite);
    const Bytes good = a.to_pkcs8_der();
    CHECK(sign::PrivateKey::from_pkcs8_der(good).public_key() == a.public_key());
    auto f = children_of(good);  // version, algorithm, privateKey [, attributes] [, publicKey]

    // RFC 5958 v2 with [1] publicKey: A's own is accepted, B's is refused.
    auto with_public = [&](const Bytes& bits) {
      Bytes pub{0x00};
      pub.insert(pub.end(), bits.begin(), bits.end());
      return wrap(0x30, {sign::integer_der(Bytes{1}), f[1], f[2], sign::der_tlv(0x81, pub)});
    };
    if (suite == sign::Suite::p256) {
      // OpenSSL 3.0, which holds P-256 keys, reads only PKCS#8 v1: a v2 key is refused outright.
      CHECK_THROWS_AS(sign::PrivateKey::from_pkcs8_der(with_public(public_bits(b))), sign::FormatError);
    } else {
      CHECK(sign::PrivateKey::from_pkcs8_der(with_public(public_bits(a))).public_key() == a.public_key());
      try {
        (void)sign::PrivateKey::from_pkcs8_der(with_public(public_bits(b)));
        FAIL("a key with another key's public key loaded");
      } catch (const sign::FormatError& e) {
        CHECK_THAT(e.what(), Catch::Contains("does not belong to its private key"));
      }
    }

    // RFC 5915 ECPrivateKey [1] publicKey (SM2 and P-256 keys carry one, as OpenSSL writes them).
    if (suite == sign::Suite::sm2 || suite == sign::Suite::p256) {
      auto ec = children_of(content_of(f[2]));  // version, privateKey [, [0] parameters] [, [1] publicKey]
      const bool has_public = std::any_of(ec.begin(), ec.end(), [](const Bytes& x) { return x[0] == 0xa1; });
      REQUIRE(has_public);
      for (auto& x : ec)
        if (x[0] == 0xa1) {
          Bytes pub{0x00};
          const Bytes bits = public_bits(b);
          pub.insert(pub.end(), bits.begin(), bits.end());
          x = sign::der_tlv(0xa1, sign::der_tlv(0x03, pub));
        }
      const Bytes bad = wrap(0x30, {f[0], f[1], sign::der_tlv(0x04, wrap(0x30, ec))});
      CHECK_THROWS_AS(sign::PrivateKey::from_pkcs8_der(bad), sign::FormatError);
      // And through the CLI: key info and signing refuse it with exit 65.
      testing::TempDir dir;
      testing::write(dir.file("bad.key"), sign::pem_encode(bad, "PRIVATE KEY"));
      CHECK(testing::xsign("key info " + testing::q(dir.file("bad.key"))).exit_code == 65);
      testing::write(dir.file("doc"), "x");
      CHECK(testing::xsign("key sign --key " + testing::q(dir.file("bad.key")) + " " + testing::q(dir.file("doc")) +
                           " --out " + testing::q(dir.file("sig")))
                .exit_code == 65);
    }
  }
}

TEST_CASE("GOST keys whose scalar starts with 0x30 load (not mistaken for a structure)", "[crypto][keys]") {
  // One GOST key in 256 has a little-endian scalar starting with 0x30; make sure some do.
  int seen = 0;
  for (int i = 0; i < 3000 && seen < 2; ++i) {
    const auto k = sign::PrivateKey::generate(sign::Suite::gost256);
    const Bytes der = k.to_pkcs8_der();
    const Bytes scalar = content_of(children_of(der)[2]);
    if (scalar.empty() || scalar[0] != 0x30) continue;
    ++seen;
    CHECK(sign::PrivateKey::from_pkcs8_der(der).public_key() == k.public_key());
  }
  CHECK(seen == 2);
}
