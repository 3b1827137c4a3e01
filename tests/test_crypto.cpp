// The crypto module: standard known answers, round trips, key encodings, and interop with
// the openssl binary (GOST engine for GOST, plain OpenSSL for SM2 and P-256).
#include <catch2/catch.hpp>

#include <sign/asn1.hpp>
#include <sign/crypto.hpp>
#include <sign/error.hpp>

#include "crypto/curves.hpp"
#include "crypto/key_impl.hpp"
#include "support.hpp"

#include <botan/ec_group.h>
#include <botan/numthry.h>

#include <atomic>
#include <sstream>
#include <thread>

using namespace sign;
using testing::q;

namespace {

Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// The message M1 of GOST R 34.11-2012 Appendix A (63 ASCII digits).
constexpr std::string_view kStreebogM1 =
    "012345678901234567890123456789012345678901234567890123456789012";

const Suite kAllSuites[] = {Suite::sm2, Suite::gost256, Suite::gost512, Suite::p256};

// openssl runner matching the suite: the GOST engine must not be loaded for SM2.
testing::CommandResult openssl_for(Suite s, const std::string& args) {
  return (s == Suite::gost256 || s == Suite::gost512) ? testing::openssl_gost(args)
                                                      : testing::openssl_plain(args);
}

// openssl arguments verifying a raw signature over a file (pkeyutl for SM2's distid).
std::string verify_cmd(Suite s, const std::string& pub, const std::string& sig,
                       const std::string& doc) {
  switch (s) {
    case Suite::sm2:
      return "pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey " +
             q(pub) + " -in " + q(doc) + " -sigfile " + q(sig);
    case Suite::gost256:
      return "dgst -md_gost12_256 -verify " + q(pub) + " -signature " + q(sig) + " " + q(doc);
    case Suite::gost512:
      return "dgst -md_gost12_512 -verify " + q(pub) + " -signature " + q(sig) + " " + q(doc);
    case Suite::p256:
      return "dgst -sha256 -verify " + q(pub) + " -signature " + q(sig) + " " + q(doc);
    case Suite::gost2001:
      return "dgst -md_gost94 -verify " + q(pub) + " -signature " + q(sig) + " " + q(doc);
  }
  return {};
}

}  // namespace

// ------------------------------------------------------------------ known-answer tests

TEST_CASE("SM3 of \"abc\" matches GB/T 32905 Appendix A.1", "[crypto][kat]") {
  CHECK(to_hex(digest_bytes(DigestAlgorithm::sm3, bytes_of("abc"))) ==
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

TEST_CASE("Streebog of message M1 matches GOST R 34.11-2012 Appendix A", "[crypto][kat]") {
  // The standard prints the digests as big-endian numbers; the byte strings below are those
  // numbers reversed, the order in which the hash function outputs them.
  CHECK(to_hex(digest_bytes(DigestAlgorithm::streebog512, bytes_of(kStreebogM1))) ==
        "1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa"
        "00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48");
  CHECK(to_hex(digest_bytes(DigestAlgorithm::streebog256, bytes_of(kStreebogM1))) ==
        "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500");
}

TEST_CASE("SHA-256 of \"abc\" matches FIPS 180-4", "[crypto][kat]") {
  CHECK(to_hex(digest_bytes(DigestAlgorithm::sha256, bytes_of("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("Streaming a digest in odd-sized chunks equals hashing at once", "[crypto]") {
  Bytes data(1'000'003);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 131 + 7);
  for (auto alg : {DigestAlgorithm::sm3, DigestAlgorithm::streebog256, DigestAlgorithm::streebog512,
                   DigestAlgorithm::sha256}) {
    Digest d(alg);
    for (std::size_t off = 0; off < data.size(); off += 4099)
      d.update(ByteView(data).subspan(off, std::min<std::size_t>(4099, data.size() - off)));
    const Bytes chunked = d.finish();
    CHECK(chunked == digest_bytes(alg, data));
    std::istringstream in(std::string(data.begin(), data.end()));
    CHECK(digest_stream(alg, in) == chunked);
    CHECK(chunked.size() == digest_size(alg));
  }
}

TEST_CASE("GOST R 34.10-2012 example of RFC 7091 (256-bit, test curve) verifies", "[crypto][kat]") {
  const auto* curve = detail::find_curve("1.2.643.2.2.35.0");
  REQUIRE(curve);
  const Bytes point = from_hex(
      "04"
      "7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80b"
      "26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77da");
  // e = 2DFBC1B3...3EE5 (RFC 7091 A.1.2); the digest bytes are its little-endian form.
  const Bytes digest =
      from_hex("e53e042b67e6ec678e2e02b12a0352ce1fc6eee0529cc088119ad872b3c1fb2d");
  const Bytes s = from_hex("01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40");
  const Bytes r = from_hex("41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493");
  Bytes sig = s;
  sig.insert(sig.end(), r.begin(), r.end());
  CHECK(detail::gost_verify_digest(*curve, point, digest, sig));

  SECTION("r||s order (the wrong convention) is rejected") {
    Bytes swapped = r;
    swapped.insert(swapped.end(), s.begin(), s.end());
    CHECK_FALSE(detail::gost_verify_digest(*curve, point, digest, swapped));
  }
  SECTION("a different digest is rejected") {
    Bytes other = digest;
    other[0] ^= 1;
    CHECK_FALSE(detail::gost_verify_digest(*curve, point, other, sig));
  }
}

TEST_CASE("SM2 example of GM/T 0003.5 (ID ALICE123@YAHOO.COM) verifies", "[crypto][kat]") {
  // The standard's example curve (Fp-256), not sm2p256v1.
  const detail::CurveDef curve{
      {"", "GM/T 0003.5 example curve", Suite::sm2, 256, true},
      "8542D69E4C044F18E8B92435BF6FF7DE457283915C45517D722EDB8B08F1DFC3",
      "787968B4FA32C3FD2417842E73BBFEFF2F3C848B6831D7E0EC65228B3937E498",
      "63E4C6D3B23B0C849CF84241484BFE48F61D59A5B16BA06E6E12D1DA27C5249A",
      "421DEBD61B62EAB6746434EBC3CC315E32220B3BADD50BDC4C4E6C147FEDD43D",
      "0680512BCBB42C07D47349D2153B70C4E5D7FDFCBFA36EA1A85841B9E46E09A2",
      "8542D69E4C044F18E8B92435BF6FF7DD297720630485628D5AE74EE7C32E79B7",
      "1",
      false};
  // Public key P_A = d_A * G with d_A = 128B2FA8...; the standard lists its coordinates.
  const Botan::BigInt d("0x128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263");
  const auto& group = detail::botan_group(curve);
  const Bytes point = (group.get_base_point() * d).encode(Botan::PointGFp::UNCOMPRESSED);
  CHECK(to_hex(point) ==
        "04"
        "0ae4c7798aa0f119471bee11825be46202bb79e2a5844495e97c04ff4df2548a"
        "7c0240f88f1cd4e16352a73c17b7f16f07353e53a176d684a9fe0c6bb798e857");
  const Bytes sig = from_hex(
      "40f1ec59f793d9f49e09dcef49130d4194f79fb1eed2caa55bacdb49c4e755d1"
      "6fc6dac32c5d5cf10c77dfb20f7c2eb667a457872fb09ec56327a67ec7deebe7");
  const Bytes msg = bytes_of("message digest");
  CHECK(detail::sm2_verify_explicit(curve, point, "ALICE123@YAHOO.COM", msg, sig));
  // The ID enters Z_A: the default ID must not verify this signature.
  CHECK_FALSE(detail::sm2_verify_explicit(curve, point, "1234567812345678", msg, sig));
  CHECK_FALSE(detail::sm2_verify_explicit(curve, point, "ALICE123@YAHOO.COM",
                                          bytes_of("message digesT"), sig));
}

// ------------------------------------------------------------------------ suites

TEST_CASE("Suite names parse and unknown names are refused with the valid list", "[crypto]") {
  CHECK(parse_suite("sm2") == Suite::sm2);
  CHECK(parse_suite("gost512") == Suite::gost512);
  CHECK(suite_info(Suite::gost256).signature_oid == "1.2.643.7.1.1.3.2");
  CHECK(suite_info(Suite::sm2).signature_oid == "1.2.156.10197.1.501");
  try {
    parse_suite("rsa");
    FAIL("rsa was accepted");
  } catch (const UsageError& e) {
    CHECK_THAT(e.what(), Catch::Contains("rsa") && Catch::Contains("gost256"));
  }
}

TEST_CASE("Every suite signs and verifies, and rejects tampering", "[crypto]") {
  for (Suite s : kAllSuites) {
    CAPTURE(suite_name(s));
    const auto key = PrivateKey::generate(s);
    const auto pub = key.public_key();
    CHECK(key.curve_oid() == suite_info(s).default_curve_oid);
    const Bytes msg = bytes_of("Invoice 2026-117: 40 t of rolled steel, CIF Shanghai");
    const Bytes sig = key.sign(msg);
    CHECK(pub.verify(msg, sig));

    Bytes changed = msg;
    changed[3] ^= 0x01;
    CHECK_FALSE(pub.verify(changed, sig));
    Bytes bad_sig = sig;
    bad_sig[bad_sig.size() / 2] ^= 0x80;
    CHECK_FALSE(pub.verify(msg, bad_sig));
    CHECK_FALSE(pub.verify(msg, Bytes{}));
    CHECK_FALSE(pub.verify(msg, Bytes(3, 0x30)));
    CHECK_FALSE(PrivateKey::generate(s).public_key().verify(msg, sig));
  }
}

TEST_CASE("GOST signatures are s||r of fixed width", "[crypto]") {
  CHECK(PrivateKey::generate(Suite::gost256).sign(bytes_of("x")).size() == 64);
  CHECK(PrivateKey::generate(Suite::gost512).sign(bytes_of("x")).size() == 128);
}

TEST_CASE("SM2 signatures depend on the distinguishing ID", "[crypto]") {
  const auto key = PrivateKey::generate(Suite::sm2);
  const Bytes msg = bytes_of("contract");
  SignOptions alice;
  alice.sm2_id = "ALICE123@YAHOO.COM";
  const Bytes sig = key.sign(msg, alice);
  CHECK(key.public_key().verify(msg, sig, alice));
  CHECK_FALSE(key.public_key().verify(msg, sig));  // default ID 1234567812345678
  SignOptions comma;
  comma.sm2_id = "a,b";
  CHECK_THROWS_AS(key.sign(msg, comma), UsageError);
}

TEST_CASE("Every GOST parameter set generates keys that sign and verify", "[crypto]") {
  for (Suite s : {Suite::gost256, Suite::gost512}) {
    for (const auto& c : curves_for(s)) {
      CAPTURE(c.oid);
      if (c.test_only) {
        CHECK_THROWS_AS(PrivateKey::generate(s, c.oid), UsageError);
        continue;
      }
      const auto key = PrivateKey::generate(s, c.oid);
      CHECK(key.curve_oid() == c.oid);
      const Bytes sig = key.sign(bytes_of("m"));
      CHECK(key.public_key().verify(bytes_of("m"), sig));
      // The encoding round-trips to the same parameter set.
      const auto again = PublicKey::from_der(key.public_key().to_der());
      CHECK(again.curve_oid() == c.oid);
      CHECK(again.verify(bytes_of("m"), sig));
    }
  }
  CHECK_THROWS_AS(PrivateKey::generate(Suite::gost256, "1.2.643.7.1.2.1.2.1"), UsageError);
}

// ------------------------------------------------------------------------ key files

TEST_CASE("Keys survive PKCS#8 and SPKI round trips", "[crypto]") {
  for (Suite s : kAllSuites) {
    CAPTURE(suite_name(s));
    const auto key = PrivateKey::generate(s);
    const auto plain = PrivateKey::from_pem(key.to_pem(), nullptr);
    CHECK(plain.public_key() == key.public_key());
    const auto enc_pem = key.to_encrypted_pem("correct horse", 10000);
    CHECK(is_encrypted_private_key_pem(enc_pem));
    CHECK(enc_pem.find(testing::kPemEncryptedKey) != std::string::npos);
    const auto opened = PrivateKey::from_pem(enc_pem, [] { return std::string("correct horse"); });
    CHECK(opened.public_key() == key.public_key());
    CHECK(opened.to_pkcs8_der() == key.to_pkcs8_der());
    CHECK(PublicKey::from_pem(key.public_key().to_pem()) == key.public_key());
    CHECK(key.public_key().fingerprint().size() == 64);
  }
}

TEST_CASE("A wrong or missing passphrase is refused", "[crypto]") {
  const auto key = PrivateKey::generate(Suite::gost256);
  const auto pem = key.to_encrypted_pem("right", 10000);
  // Many wrong passphrases: the rare one that passes CBC padding must still be refused.
  for (int i = 0; i < 40; ++i)
    CHECK_THROWS_AS(PrivateKey::from_pem(pem, [i] { return "wrong" + std::to_string(i); }),
                    PassphraseError);
  CHECK_THROWS_AS(PrivateKey::from_pem(pem, nullptr), PassphraseError);
  CHECK_THROWS_AS(key.to_encrypted_pem(""), UsageError);
}

TEST_CASE("Garbage, truncated and wrong-type key input gives FormatError", "[crypto]") {
  const auto key = PrivateKey::generate(Suite::sm2);
  const Bytes der = key.to_pkcs8_der();
  for (std::size_t cut = 0; cut < der.size(); cut += 7)
    CHECK_THROWS_AS(PrivateKey::from_pkcs8_der(ByteView(der).first(cut)), FormatError);
  CHECK_THROWS_AS(PrivateKey::from_pem("hello", nullptr), FormatError);
  CHECK_THROWS_AS(PrivateKey::from_pem(key.public_key().to_pem(), nullptr), FormatError);
  CHECK_THROWS_AS(PublicKey::from_pem(key.to_pem()), FormatError);
  CHECK_THROWS_AS(PublicKey::from_der(bytes_of("\x30\x03\x02\x01\x00")), FormatError);
  // A public point off the curve.
  Bytes spki = key.public_key().to_der();
  spki.back() ^= 0x01;
  CHECK_THROWS_AS(PublicKey::from_der(spki), FormatError);
  // Huge declared length.
  CHECK_THROWS_AS(PublicKey::from_der(from_hex("3084ffffffff3000")), FormatError);
  // A truncated PEM (no END line).
  const std::string pem = key.to_pem();
  CHECK_THROWS_AS(PrivateKey::from_pem(pem.substr(0, pem.size() / 2), nullptr), FormatError);
}

TEST_CASE("An RSA key is refused as an unsupported algorithm", "[crypto][interop]") {
  testing::TempDir dir;
  const auto r = testing::openssl_plain("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out " +
                                        q(dir.file("rsa.pem")));
  REQUIRE(r.exit_code == 0);
  try {
    PrivateKey::load(dir.file("rsa.pem"), nullptr);
    FAIL("RSA key accepted");
  } catch (const FormatError& e) {
    CHECK_THAT(e.what(), Catch::Contains("unsupported private key algorithm 1.2.840.113549.1.1.1"));
  }
}

// ------------------------------------------------------------------------ interop

TEST_CASE("openssl derives the same public key from our private keys", "[crypto][interop]") {
  testing::TempDir dir;
  for (Suite s : kAllSuites) {
    CAPTURE(suite_name(s));
    const auto key = PrivateKey::generate(s);
    testing::write(dir.file("k.pem"), key.to_encrypted_pem("pw-123456", 10000));
    testing::write(dir.file("pass"), "pw-123456\n");
    const auto r = openssl_for(s, "pkey -in " + q(dir.file("k.pem")) + " -passin file:" +
                                      q(dir.file("pass")) + " -pubout");
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == key.public_key().to_pem());
  }
}

TEST_CASE("Keys generated by openssl load in xsign with the same public key", "[crypto][interop]") {
  testing::TempDir dir;
  struct Case {
    Suite suite;
    std::string genpkey;
    std::string curve_oid;
  };
  const std::vector<Case> cases = {
      {Suite::sm2, "-algorithm SM2", "1.2.156.10197.1.301"},
      {Suite::p256, "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "1.2.840.10045.3.1.7"},
      {Suite::gost256, "-algorithm gost2012_256 -pkeyopt paramset:A", "1.2.643.2.2.35.1"},
      {Suite::gost256, "-algorithm gost2012_256 -pkeyopt paramset:TCA", "1.2.643.7.1.2.1.1.1"},
      {Suite::gost256, "-algorithm gost2012_256 -pkeyopt paramset:TCB", "1.2.643.7.1.2.1.1.2"},
      {Suite::gost256, "-algorithm gost2012_256 -pkeyopt paramset:XB", "1.2.643.2.2.36.1"},
      {Suite::gost512, "-algorithm gost2012_512 -pkeyopt paramset:A", "1.2.643.7.1.2.1.2.1"},
      {Suite::gost512, "-algorithm gost2012_512 -pkeyopt paramset:B", "1.2.643.7.1.2.1.2.2"},
      {Suite::gost512, "-algorithm gost2012_512 -pkeyopt paramset:C", "1.2.643.7.1.2.1.2.3"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.genpkey);
    const std::string k = dir.file("o.pem");
    REQUIRE(openssl_for(c.suite, "genpkey " + c.genpkey + " -out " + q(k)).exit_code == 0);
    const auto pub = openssl_for(c.suite, "pkey -in " + q(k) + " -pubout");
    REQUIRE(pub.exit_code == 0);
    const auto key = PrivateKey::load(k, nullptr);
    CHECK(key.suite() == c.suite);
    CHECK(key.curve_oid() == c.curve_oid);
    CHECK(key.public_key().to_pem() == pub.out);
    CHECK(PublicKey::from_pem(pub.out) == key.public_key());
    // Our re-encoding of their private key is byte-identical to theirs.
    const auto der = openssl_for(c.suite, "pkcs8 -topk8 -nocrypt -in " + q(k) + " -outform DER -out " +
                                              q(dir.file("o.der")));
    REQUIRE(der.exit_code == 0);
    const std::string theirs = testing::read(dir.file("o.der"));
    CHECK(key.to_pkcs8_der() == Bytes(theirs.begin(), theirs.end()));
    // The loaded key signs something openssl verifies.
    const std::string doc = dir.file("doc"), sig = dir.file("sig"), pubfile = dir.file("pub");
    testing::write(doc, "certificate of origin 7731");
    testing::write(pubfile, pub.out);
    const Bytes sig_bytes = key.sign(bytes_of(testing::read(doc)));
    testing::write(sig, std::string(sig_bytes.begin(), sig_bytes.end()));
    CHECK(openssl_for(c.suite, verify_cmd(c.suite, pubfile, sig, doc)).exit_code == 0);
  }
}

TEST_CASE("Signatures interoperate with openssl in both directions", "[crypto][interop]") {
  testing::TempDir dir;
  const std::string doc = dir.file("invoice.xml");
  testing::write(doc, "<Invoice><ID>CN-RU-2026-0042</ID><Amount currency=\"CNY\">1200000</Amount></Invoice>\n");
  const Bytes doc_bytes = bytes_of(testing::read(doc));

  auto sign_cmd = [&](Suite s, const std::string& key, const std::string& sig) {
    switch (s) {
      case Suite::sm2:
        return "pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678 -inkey " + q(key) +
               " -in " + q(doc) + " -out " + q(sig);
      case Suite::gost256: return "dgst -md_gost12_256 -sign " + q(key) + " -out " + q(sig) + " " + q(doc);
      case Suite::gost512: return "dgst -md_gost12_512 -sign " + q(key) + " -out " + q(sig) + " " + q(doc);
      case Suite::p256: return "dgst -sha256 -sign " + q(key) + " -out " + q(sig) + " " + q(doc);
      case Suite::gost2001: return "dgst -md_gost94 -sign " + q(key) + " -out " + q(sig) + " " + q(doc);
    }
    return std::string();
  };

  for (Suite s : kAllSuites) {
    CAPTURE(suite_name(s));
    const auto key = PrivateKey::generate(s);
    const std::string pub = dir.file("pub.pem"), sig = dir.file("sig.bin"), k = dir.file("k.pem");
    testing::write(pub, key.public_key().to_pem());
    testing::write(k, key.to_pem());

    // xsign signs, openssl verifies.
    const Bytes our_sig = key.sign(doc_bytes);
    testing::write(sig, std::string(our_sig.begin(), our_sig.end()));
    CHECK(openssl_for(s, verify_cmd(s, pub, sig, doc)).exit_code == 0);
    // ...and a one-bit change of the signature makes openssl refuse it.
    Bytes tampered = our_sig;
    tampered[tampered.size() - 5] ^= 0x04;
    testing::write(sig, std::string(tampered.begin(), tampered.end()));
    CHECK(openssl_for(s, verify_cmd(s, pub, sig, doc)).exit_code != 0);

    // openssl signs with our key file, xsign verifies.
    REQUIRE(openssl_for(s, sign_cmd(s, k, sig)).exit_code == 0);
    const std::string theirs = testing::read(sig);
    CHECK(key.public_key().verify(doc_bytes, Bytes(theirs.begin(), theirs.end())));
    Bytes other_doc = doc_bytes;
    other_doc.back() = '!';
    CHECK_FALSE(key.public_key().verify(other_doc, Bytes(theirs.begin(), theirs.end())));
  }
}

// ---------------------------------------------------------------------------------------------
// GOST on OpenSSL's GOST engine, in the same process as SM2 and P-256.

#include "crypto/gost_engine.hpp"
#include "hostile_pki.hpp"

#include <botan/hash.h>

TEST_CASE("GOST runs on OpenSSL's GOST engine in-process, exact against Botan, SM2 and P-256 unharmed", "[crypto][engine]") {
  if (std::string(GOST_ENGINE_PATH).empty()) FAIL("libengine-gost-openssl is not installed (scripts/setup.sh installs it)");
  REQUIRE(sign::detail::gost_engine() != nullptr);
  const Bytes message = bytes_of("Invoice CN-RU-2026-0042: 1,200,000 CNY");

  for (const Suite suite : {Suite::gost256, Suite::gost512}) {
    for (const auto& curve : sign::curves_for(suite)) {
      if (curve.test_only) continue;
      CAPTURE(curve.name);
      const auto key = sign::PrivateKey::generate(suite, curve.oid);
      const Bytes sig = key.sign(message);
      CHECK(key.public_key().verify(message, sig));
      Bytes tampered = message;
      tampered[0] ^= 1;
      CHECK_FALSE(key.public_key().verify(tampered, sig));
      // The engine's signature checked by our own exact GOST arithmetic on Botan (cofactor-4
      // curves included), over Botan's Streebog.
      auto hash = Botan::HashFunction::create_or_throw(suite == Suite::gost256 ? "Streebog-256" : "Streebog-512");
      hash->update(message.data(), message.size());
      const auto digest = hash->final();
      const auto* def = sign::detail::find_curve(curve.oid);
      REQUIRE(def);
      CHECK(sign::detail::gost_verify_digest(*def, key.public_key().point(), Bytes(digest.begin(), digest.end()), sig));
    }
  }
  SECTION("Streebog from the engine equals Botan's") {
    for (const auto alg : {sign::DigestAlgorithm::streebog256, sign::DigestAlgorithm::streebog512}) {
      REQUIRE(sign::detail::engine_streebog(alg) != nullptr);
      Bytes big(1 << 20);
      for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::uint8_t>(i * 31);
      auto botan = Botan::HashFunction::create_or_throw(alg == sign::DigestAlgorithm::streebog256 ? "Streebog-256"
                                                                                                   : "Streebog-512");
      botan->update(big.data(), big.size());
      const auto expected = botan->final();
      CHECK(sign::digest_bytes(alg, big) == Bytes(expected.begin(), expected.end()));
    }
  }
  SECTION("a signature made by Botan (engine off, another process) verifies on the engine") {
    testing::TempDir dir;
    const auto key = sign::PrivateKey::generate(Suite::gost256);
    testing::write(dir.file("k.pem"), key.to_pem());
    testing::write(dir.file("m.txt"), std::string(message.begin(), message.end()));
    const auto r = testing::run("XSIGN_GOST_ENGINE=off " + std::string(XSIGN_BIN) + " key sign " +
                                testing::q(dir.file("m.txt")) + " --key " + testing::q(dir.file("k.pem")) + " --out " +
                                testing::q(dir.file("m.sig")));
    REQUIRE(r.exit_code == 0);
    const std::string sig = testing::read(dir.file("m.sig"));
    CHECK(key.public_key().verify(message, Bytes(sig.begin(), sig.end())));
  }
  SECTION("SM2 and P-256 keys, signatures and certificate chains in the same process") {
    for (const Suite other : {Suite::sm2, Suite::p256}) {
      testing::HostilePki pki(other);
      const auto report = pki.validate(pki.sign("after GOST"), "after GOST");
      CHECK(testing::verdict_of(report.signatures.at(0)) == "TOTAL-PASSED");
      CHECK(pki.ca.verify_signature(pki.root.public_key()));
    }
  }
}

TEST_CASE("GOST keys decoded by the engine on many threads at once all load and nothing leaks", "[crypto][engine]") {
  // The engine caches each parameter set's curve on first use. This process has touched no GOST
  // key yet (ctest runs each case alone; the keys come from openssl in child processes, since
  // signing here would warm the cache), so the threads below race to be first. Under
  // LeakSanitizer (scripts/test.sh) an unguarded first use shows as a leaked EC_GROUP at exit.
  if (std::string(GOST_ENGINE_PATH).empty()) FAIL("libengine-gost-openssl is not installed (scripts/setup.sh installs it)");
  testing::TempDir dir;
  std::vector<Bytes> spkis;
  for (const std::string algorithm : {"gost2012_256 -pkeyopt paramset:A", "gost2012_256 -pkeyopt paramset:TCB",
                                      "gost2012_256 -pkeyopt paramset:XB", "gost2012_512 -pkeyopt paramset:A",
                                      "gost2012_512 -pkeyopt paramset:C"}) {
    const std::string k = dir.file("k.pem"), pub = dir.file("pub.der");
    REQUIRE(testing::openssl_gost("genpkey -algorithm " + algorithm + " -out " + q(k)).exit_code == 0);
    REQUIRE(testing::openssl_gost("pkey -in " + q(k) + " -pubout -outform DER -out " + q(pub)).exit_code == 0);
    const std::string der = testing::read(pub);
    spkis.emplace_back(der.begin(), der.end());
  }
  constexpr int kThreads = 8;
  std::atomic<int> waiting{kThreads};
  std::atomic<int> decoded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      waiting.fetch_sub(1);
      while (waiting.load() > 0) {
      }
      for (const auto& spki : spkis)
        if (sign::detail::engine_public_key(spki)) decoded.fetch_add(1);
    });
  for (auto& t : threads) t.join();
  CHECK(decoded.load() == kThreads * static_cast<int>(spkis.size()));
}

TEST_CASE("Public points off the curve or outside the prime-order subgroup are refused", "[crypto]") {
  // TC26 256-A has cofactor 4: three in four points of the curve lie outside the subgroup of
  // order q, and a verifier that took one would accept small-subgroup tricks.
  const auto* def = sign::detail::find_curve("1.2.643.7.1.2.1.1.1");
  REQUIRE(def);
  REQUIRE(def->cofactor == "4");
  auto big = [](std::string_view hex) { return Botan::BigInt("0x" + std::string(hex)); };
  const Botan::BigInt p = big(def->p), a = big(def->a), b = big(def->b), q = big(def->q);
  const Botan::CurveGFp curve(p, a, b);
  auto spki_of = [&](const Botan::PointGFp& point) {
    return sign::detail::encode_spki(*def, point.encode(Botan::PointGFp::UNCOMPRESSED));
  };
  // A point of the curve outside the subgroup, found from x = 1, 2, ...
  std::optional<Botan::PointGFp> outside;
  for (Botan::BigInt x = 1; !outside && x < 200; x += 1) {
    const Botan::BigInt rhs = (x * x * x + a * x + b) % p;
    const Botan::BigInt y = Botan::ressol(rhs, p);
    if (y < 0) continue;  // no square root: x is not on the curve
    const Botan::PointGFp point(curve, x, y);
    REQUIRE(point.on_the_curve());
    if (!(point * q).is_zero()) outside = point;
  }
  REQUIRE(outside);
  CHECK_THROWS_WITH(PublicKey::from_der(spki_of(*outside)), Catch::Contains("prime-order subgroup"));
  // Four times it is in the subgroup, and that key is taken.
  const Botan::PointGFp inside = *outside * Botan::BigInt(4);
  REQUIRE((inside * q).is_zero());
  CHECK(PublicKey::from_der(spki_of(inside)).curve_oid() == def->info.oid);
  // Off the curve: y + 1.
  Bytes off = inside.encode(Botan::PointGFp::UNCOMPRESSED);
  off.back() ^= 1;
  CHECK_THROWS_AS(PublicKey::from_der(sign::detail::encode_spki(*def, off)), FormatError);
}
