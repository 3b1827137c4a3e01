// A Signer that runs a command: CryptoPro's and ViPNet's command-line tools, a Chinese USB
// key's SKF utility, a cloud KMS client, or `openssl pkeyutl`, wrapped in one line of shell.
#include <sign/error.hpp>
#include <sign/signers.hpp>

#include "crypto/key_impl.hpp"
#include "io/subprocess.hpp"

#include <sign/io.hpp>

#include <cctype>

namespace sign {
namespace {

constexpr std::size_t kMaxSignatureOutput = 64 * 1024;

std::string_view digest_env_name(DigestAlgorithm d) {
  switch (d) {
    case DigestAlgorithm::sm3: return "sm3";
    case DigestAlgorithm::streebog256: return "streebog256";
    case DigestAlgorithm::streebog512: return "streebog512";
    case DigestAlgorithm::sha256: return "sha256";
    default: return "unknown";
  }
}

// Tools print signatures in binary or as hex text; hex is recognised when every byte is a
// hex digit or white space (a binary signature of 64+ bytes never is).
Bytes parse_signature_output(const Bytes& out) {
  std::string hex;
  for (std::uint8_t c : out) {
    if (std::isxdigit(c)) hex += static_cast<char>(c);
    else if (!std::isspace(c)) return out;
  }
  if (hex.size() >= 2 && hex.size() % 2 == 0) return from_hex(hex);
  return out;
}

class ExternalSigner final : public Signer {
 public:
  ExternalSigner(std::string command, PublicKey key, ExternalSignerOptions options)
      : command_(std::move(command)), key_(std::move(key)), options_(options) {
    if (command_.find_first_not_of(" \t") == std::string::npos) throw UsageError("ext: needs a command, e.g. ext:'my-signer --key 3'");
  }
  Suite suite() const override { return key_.suite(); }
  PublicKey public_key() const override { return key_; }
  Input input() const override { return options_.input; }
  std::string_view backend() const override { return "external"; }
  std::string description() const override { return "external signer `" + printable_text(command_) + "`"; }
  std::string reference() const override {
    return (options_.input == Input::digest ? "ext-digest:" : "ext:") + command_;
  }

  Bytes sign(ByteView tbs, const SignOptions& sign_options) const override {
    const auto& info = suite_info(key_.suite());
    Bytes digest;
    if (options_.input == Input::digest) {
      digest.assign(tbs.begin(), tbs.end());
    } else {
      digest = digest_to_sign(key_, tbs, sign_options);
    }
    std::vector<std::pair<std::string, std::string>> env{
        {"XSIGN_SUITE", std::string(info.name)},
        {"XSIGN_DIGEST", std::string(digest_env_name(info.digest))},
        {"XSIGN_DIGEST_OID", std::string(digest_oid(info.digest))},
        {"XSIGN_INPUT", options_.input == Input::digest ? "digest" : "message"},
        {"XSIGN_DIGEST_HEX", to_hex(digest)},
        {"XSIGN_PUBLIC_KEY", key_.to_pem()},
    };
    if (key_.suite() == Suite::sm2) env.emplace_back("XSIGN_SM2_ID", sign_options.sm2_id);
    const auto r = detail::run_shell_command(command_, env, tbs, kMaxSignatureOutput, options_.timeout);
    if (r.timed_out)
      throw SignerError(description() + " did not answer within " + std::to_string(options_.timeout.count()) + " s; it was stopped");
    if (r.output_too_large) throw SignerError(description() + " printed more than 64 KiB; a signature is expected");
    if (r.exit_status != 0)
      throw SignerError(description() + " failed (exit status " + std::to_string(r.exit_status) + "; its messages are above)");
    if (r.output.empty()) throw SignerError(description() + " printed nothing; it must print the signature on standard output");
    return parse_signature_output(r.output);
  }

 private:
  std::string command_;
  PublicKey key_;
  ExternalSignerOptions options_;
};

}  // namespace

std::shared_ptr<const Signer> external_signer(std::string command, PublicKey public_key, ExternalSignerOptions options) {
  return std::make_shared<ExternalSigner>(std::move(command), std::move(public_key), options);
}

}  // namespace sign
