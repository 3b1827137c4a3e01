// Key references: a file path, a pkcs11: URI, or ext:/ext-digest: COMMAND.
#include <sign/error.hpp>
#include <sign/signers.hpp>

#include "crypto/key_impl.hpp"

namespace sign {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

bool is_key_reference(std::string_view reference) {
  return starts_with(reference, "pkcs11:") || starts_with(reference, "ext:") || starts_with(reference, "ext-digest:");
}

PrivateKey open_private_key(const std::string& reference, const KeyReferenceOptions& options) {
  if (starts_with(reference, "pkcs11:")) {
    Pkcs11Options p11 = options.pkcs11;
    if (!p11.pin) p11.pin = options.passphrase;
    return PrivateKey::from_signer(open_pkcs11_key(reference, p11));
  }
  const bool digest = starts_with(reference, "ext-digest:");
  if (digest || starts_with(reference, "ext:")) {
    if (!options.public_key)
      throw UsageError("an external signer's public key is needed: give its certificate (--cert) or public key (--pubkey)");
    ExternalSignerOptions ext;
    ext.input = digest ? Signer::Input::digest : Signer::Input::message;
    ext.timeout = options.external_timeout;
    const auto command = reference.substr(reference.find(':') + 1);
    return PrivateKey::from_signer(external_signer(command, *options.public_key, ext));
  }
  PrivateKey key = PrivateKey::load(reference, options.passphrase);
  if (options.public_key && !(key.public_key() == *options.public_key))
    throw UsageError(reference + ": the key does not match the certificate or public key given with it");
  return key;
}

std::string key_reference(const PrivateKey& key) {
  const Signer* s = key.impl().delegate();
  return s ? s->reference() : std::string();
}

}  // namespace sign
