#include "two_step.hpp"

#include "output.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

namespace xsign {
namespace {

constexpr const char* kFormat = "xsign-prepared-signature/1";

class PreparingSigner final : public sign::Signer {
 public:
  explicit PreparingSigner(sign::PublicKey key) : key_(std::move(key)) {}
  sign::Suite suite() const override { return key_.suite(); }
  sign::PublicKey public_key() const override { return key_; }
  Input input() const override { return Input::message; }
  sign::Bytes sign(sign::ByteView tbs, const sign::SignOptions&) const override {
    throw PreparedStop{sign::Bytes(tbs.begin(), tbs.end())};
  }
  std::string description() const override { return "the prepared signature (--prepare)"; }
  std::string_view backend() const override { return "prepared"; }

 private:
  sign::PublicKey key_;
};

class CompletingSigner final : public sign::Signer {
 public:
  CompletingSigner(sign::PublicKey key, sign::Bytes tbs, sign::Bytes sig)
      : key_(std::move(key)), tbs_(std::move(tbs)), sig_(std::move(sig)) {}
  sign::Suite suite() const override { return key_.suite(); }
  sign::PublicKey public_key() const override { return key_; }
  Input input() const override { return Input::message; }
  sign::Bytes sign(sign::ByteView tbs, const sign::SignOptions&) const override {
    if (!std::equal(tbs.begin(), tbs.end(), tbs_.begin(), tbs_.end()))
      throw sign::UsageError("what is signed now differs from what was prepared: use the same document, --cert, "
                             "--commitment, --sm2-id and options as with --prepare");
    return sig_;
  }
  std::string description() const override { return "the signature given with --complete"; }
  std::string_view backend() const override { return "prepared"; }

 private:
  sign::PublicKey key_;
  sign::Bytes tbs_, sig_;
};

}  // namespace

sign::PrivateKey preparing_key(const sign::PublicKey& public_key) {
  return sign::PrivateKey::from_signer(std::make_shared<PreparingSigner>(public_key));
}

sign::PrivateKey completing_key(const sign::PublicKey& public_key, sign::Bytes to_be_signed, sign::Bytes signature) {
  return sign::PrivateKey::from_signer(
      std::make_shared<CompletingSigner>(public_key, std::move(to_be_signed), std::move(signature)));
}

std::string file_sha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sign::NoInputError(path + ": cannot open");
  return sign::to_hex(sign::digest_stream(sign::DigestAlgorithm::sha256, in));
}

void write_prepared(const std::string& tbs_path, const PreparedState& s, const sign::PublicKey& key,
                    const std::string& digest_hex) {
  const std::string json_path = tbs_path + ".json";
  const auto overwrite = new_output_policy();
  check_output(tbs_path, overwrite);
  check_output(json_path, overwrite);
  nlohmann::json j{{"format", kFormat},
                   {"document", s.document},
                   {"document_sha256", s.document_sha256},
                   {"signing_time", s.signing_time},
                   {"certificate_sha256", s.certificate_sha256},
                   {"suite", sign::suite_name(key.suite())},
                   {"digest", sign::digest_name(sign::suite_info(key.suite()).digest)},
                   {"to_be_signed", tbs_path},
                   {"to_be_signed_hex", sign::to_hex(s.to_be_signed)},
                   {"digest_to_sign_hex", digest_hex},
                   {"public_key", key.to_pem()}};
  if (key.suite() == sign::Suite::sm2) j["sm2_id"] = s.sm2_id;
  sign::write_file_atomic(json_path, j.dump(2) + "\n", sign::FileMode::public_0644, overwrite);
  sign::write_file_atomic(tbs_path, s.to_be_signed, sign::FileMode::public_0644, overwrite);
}

PreparedState read_prepared(const std::string& tbs_path) {
  const std::string json_path = tbs_path + ".json";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(sign::read_text_file(json_path, 1024 * 1024));
  } catch (const nlohmann::json::exception& e) {
    throw sign::FormatError(json_path + ": not the state file of `xsign sign --prepare` (" + e.what() + ")");
  }
  if (!j.is_object() || j.value("format", "") != kFormat)
    throw sign::FormatError(json_path + ": not the state file of `xsign sign --prepare` (format " + kFormat + ")");
  PreparedState s;
  try {
    s.document = j.at("document").get<std::string>();
    s.document_sha256 = j.at("document_sha256").get<std::string>();
    s.signing_time = j.at("signing_time").get<std::string>();
    s.certificate_sha256 = j.at("certificate_sha256").get<std::string>();
    s.sm2_id = j.value("sm2_id", "");
  } catch (const nlohmann::json::exception& e) {
    throw sign::FormatError(json_path + ": " + e.what());
  }
  s.to_be_signed = sign::read_file(tbs_path, 1024 * 1024);
  if (sign::to_hex(s.to_be_signed) != j.value("to_be_signed_hex", ""))
    throw sign::FormatError(tbs_path + " differs from what " + json_path + " records");
  return s;
}

}  // namespace xsign
