// PKCS#8 EncryptedPrivateKeyInfo with PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 and AES-256-CBC,
// the scheme `openssl pkey -passin` opens without extra options.
#include <sign/crypto.hpp>
#include <sign/error.hpp>

#include "crypto/curves.hpp"
#include "crypto/key_impl.hpp"

#include <botan/asn1_obj.h>
#include <botan/ber_dec.h>
#include <botan/der_enc.h>
#include <botan/pbes2.h>

namespace sign::detail {
namespace {

// PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier {PBKDF2, PBKDF2-params},
// encryptionScheme }, PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER, ... }.
// Read before any work: the iteration count is chosen by whoever wrote the file.
std::size_t pbkdf2_iterations(const std::vector<std::uint8_t>& pbes2_params) {
  try {
    Botan::AlgorithmIdentifier kdf, enc;
    Botan::BER_Decoder(pbes2_params).start_cons(Botan::SEQUENCE).decode(kdf).decode(enc).end_cons();
    if (kdf.get_oid().to_string() != "1.2.840.113549.1.5.12")
      throw FormatError("the key derivation is " + kdf.get_oid().to_string() + ", only PBKDF2 is supported");
    std::vector<std::uint8_t> salt;
    std::size_t iterations = 0;
    Botan::BER_Decoder(kdf.get_parameters())
        .start_cons(Botan::SEQUENCE)
        .decode(salt, Botan::OCTET_STRING)
        .decode(iterations)
        .discard_remaining()
        .end_cons();
    return iterations;
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("malformed PBES2 parameters: ") + e.what());
  }
}

}  // namespace

Bytes encrypt_pkcs8(const Botan::secure_vector<std::uint8_t>& der, std::string_view passphrase,
                    std::size_t iterations) {
  if (iterations < 10000) throw UsageError("PBKDF2 iteration count below 10000 is refused");
  const auto [alg, ciphertext] = Botan::pbes2_encrypt_iter(
      der, std::string(passphrase), iterations, "AES-256/CBC", "SHA-256", system_rng());
  Bytes out;
  Botan::DER_Encoder(out)
      .start_cons(Botan::SEQUENCE)
      .encode(alg)
      .encode(ciphertext, Botan::OCTET_STRING)
      .end_cons();
  return out;
}

Bytes decrypt_pkcs8(ByteView encrypted_der, std::string_view passphrase) {
  Botan::AlgorithmIdentifier alg;
  std::vector<std::uint8_t> ciphertext;
  try {
    Botan::BER_Decoder(encrypted_der.data(), encrypted_der.size())
        .start_cons(Botan::SEQUENCE)
        .decode(alg)
        .decode(ciphertext, Botan::OCTET_STRING)
        .end_cons()
        .verify_end();
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("not an encrypted PKCS#8 key: ") + e.what());
  }
  if (alg.get_oid().to_string() != oid::pbes2)
    throw FormatError("encrypted key uses " + alg.get_oid().to_string() +
                      "; only PBES2 (1.2.840.113549.1.5.13) is supported — re-encrypt with "
                      "`openssl pkcs8 -topk8 -v2 aes-256-cbc`");
  const std::size_t iterations = pbkdf2_iterations(alg.get_parameters());
  if (iterations > PrivateKey::kMaxPbkdf2Iterations)
    throw FormatError("the key file asks for " + std::to_string(iterations) + " PBKDF2 iterations, more than the " +
                      std::to_string(PrivateKey::kMaxPbkdf2Iterations) +
                      " xsign accepts (a hostile file could keep it busy for hours); re-encrypt the key with fewer");
  if (iterations == 0) throw FormatError("the key file's PBKDF2 iteration count is 0");
  Botan::secure_vector<std::uint8_t> plain;
  try {
    plain = Botan::pbes2_decrypt(Botan::secure_vector<std::uint8_t>(ciphertext.begin(), ciphertext.end()),
                                 std::string(passphrase), alg.get_parameters());
  } catch (const Botan::Decoding_Error& e) {
    const std::string what = e.what();
    if (what.find("padding") != std::string::npos || what.find("Invalid") != std::string::npos)
      throw PassphraseError("wrong passphrase (or the encrypted key is damaged)");
    throw FormatError("unsupported or malformed PBES2 parameters: " + what);
  } catch (const Botan::Exception& e) {
    throw FormatError(std::string("cannot decrypt key: ") + e.what());
  }
  return Bytes(plain.begin(), plain.end());
}

}  // namespace sign::detail
