// TTP validation receipts: a CMS SignedData in the TTP's own suite over a JSON data-validation
// response (in the manner of RFC 3029 DVCS vsd responses) that carries the validation report
// and binds it to the digests of the document and of the signature file.
#include "channel/dvcs_internal.hpp"

#include <sign/channel.hpp>
#include <sign/error.hpp>

#include <nlohmann/json.hpp>

namespace sign {
namespace {

constexpr std::string_view kFormat = "xsign-validation-receipt/1";

// A DVCS vsd response as a receipt: its messageImprint must be the digest of this signature
// file, and the digest of the document (xsign's extension) that of this document when the
// signature is detached.
ReceiptCheck check_dvcs_receipt(const Bytes& content, const Certificate& ttp, const Content& document,
                                ByteView signature_file) {
  ReceiptCheck r;
  try {
    const auto p = dvcs_detail::parse_response(content);
    if (p.error) {
      r.message = "the TTP answered with an error: " + p.status_text;
      return r;
    }
    Receipt rc;
    rc.ttp = ttp.subject().to_string();
    rc.issued = p.response_time;
    rc.digest_algorithm = std::string(digest_oid(p.imprint_algorithm));
    rc.signature_digest = p.imprint;
    rc.document_digest = p.document_digest.value_or(Bytes{});
    rc.report_json = p.report_json;
    rc.indication = p.status == 0 ? "TOTAL-PASSED" : "TOTAL-FAILED";
    if (!p.report_json.empty()) {
      const auto j = nlohmann::json::parse(p.report_json);
      if (j.contains("indication") && j["indication"].is_string()) rc.indication = j["indication"].get<std::string>();
      if ((rc.indication == "TOTAL-PASSED") != (p.status == 0))
        throw FormatError("its status and its report disagree");
    }
    r.receipt = rc;
    if (p.imprint_algorithm == DigestAlgorithm::sha1) {
      r.message = "the receipt uses SHA-1, which is not accepted";
      return r;
    }
    if (digest_bytes(p.imprint_algorithm, signature_file) != p.imprint) {
      r.message = "the receipt is for another signature file (its messageImprint differs)";
      return r;
    }
    if (p.document_digest && digest_content(document, p.imprint_algorithm) != *p.document_digest) {
      r.message = "the receipt is for another document (its document digest differs)";
      return r;
    }
    r.ok = true;
    r.message = "receipt of " + rc.ttp + " issued " + format_time(rc.issued) + ": " + rc.indication + " (RFC 3029 DVCS)";
  } catch (const nlohmann::json::exception& e) {
    r.message = std::string("malformed report in the DVCS receipt: ") + e.what();
  } catch (const Error& e) {
    r.message = std::string("malformed DVCS receipt: ") + e.what();
  }
  return r;
}

}  // namespace

Bytes issue_receipt(const ValidationReport& report, const Content& document, ByteView signature_file,
                    const SignerSpec& ttp, TimePoint now) {
  const DigestAlgorithm alg = suite_info(ttp.key.suite()).digest;
  nlohmann::json j{{"format", kFormat},
                   {"service", "vsd"},  // RFC 3029: validation of digitally signed document
                   {"ttp", ttp.certificate.subject().to_string()},
                   {"issued", format_time(now)},
                   {"digest_algorithm", digest_oid(alg)},
                   {"document_digest", to_hex(digest_content(document, alg))},
                   {"signature_digest", to_hex(digest_bytes(alg, signature_file))},
                   {"indication", indication_name(report.overall())},
                   {"report", nlohmann::json::parse(report_to_json(report))}};
  const std::string text = j.dump(2) + "\n";
  return sign_attached(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), ttp);
}

ReceiptCheck verify_receipt(ByteView receipt_der, const Content& document, ByteView signature_file,
                            const std::vector<Certificate>& anchors, const std::vector<Certificate>& intermediates,
                            TimePoint at, const ValidationPolicy& policy) {
  ReceiptCheck r;
  const auto object = verify_signed_object(receipt_der, anchors, intermediates, at, policy, "receipt");
  if (!object.ok()) {
    r.message = object.failure == SignedObjectCheck::Failure::untrusted_signer
                    ? "the receipt comes from '" + object.signer->subject().to_string() + "', a TTP you do not trust"
                    : object.message;
    return r;
  }
  const Certificate& ttp = *object.signer;
  if (is_dvcs_response(receipt_der)) return check_dvcs_receipt(object.content, ttp, document, signature_file);
  try {
    const Bytes& text = object.content;
    nlohmann::json j = nlohmann::json::parse(std::string(text.begin(), text.end()));
    if (j.value("format", "") != kFormat) throw FormatError("not a validation receipt");
    Receipt rc;
    rc.ttp = ttp.subject().to_string();
    rc.issued = parse_time(j.at("issued").get<std::string>());
    rc.digest_algorithm = j.at("digest_algorithm").get<std::string>();
    rc.document_digest = from_hex(j.at("document_digest").get<std::string>());
    rc.signature_digest = from_hex(j.at("signature_digest").get<std::string>());
    rc.indication = j.at("indication").get<std::string>();
    rc.report_json = j.at("report").dump(2);
    r.receipt = rc;
    DigestAlgorithm alg;
    if (!digest_from_oid(rc.digest_algorithm, alg) || alg == DigestAlgorithm::sha1) {
      r.message = "the receipt uses an unsupported digest " + rc.digest_algorithm;
      return r;
    }
    if (digest_content(document, alg) != rc.document_digest) {
      r.message = "the receipt is for another document (its document digest differs)";
      return r;
    }
    if (digest_bytes(alg, signature_file) != rc.signature_digest) {
      r.message = "the receipt is for another signature file (its signature digest differs)";
      return r;
    }
    r.ok = true;
    r.message = "receipt of " + rc.ttp + " issued " + format_time(rc.issued) + ": " + rc.indication;
  } catch (const nlohmann::json::exception& e) {
    r.message = std::string("malformed receipt content: ") + e.what();
  } catch (const Error& e) {
    r.message = std::string("malformed receipt: ") + e.what();
  }
  return r;
}

void apply_receipt(ValidationReport& report, const ReceiptCheck& check) {
  for (auto& s : report.signatures) {
    if (!check.ok) {
      s.warnings.push_back("receipt not used: " + check.message);
      continue;
    }
    if (check.receipt->indication != "TOTAL-PASSED") {
      s.warnings.push_back("the TTP's receipt says " + check.receipt->indication + " for this file");
      continue;
    }
    if (s.indication == Indication::indeterminate) {
      s.indication = Indication::total_passed;
      s.receipt = check.message;
      s.message = "accepted on the receipt of a trusted third party (" + check.receipt->ttp +
                  "); locally: " + s.message;
      s.sub_indication = SubIndication::none;
    } else if (s.indication == Indication::total_passed) {
      s.receipt = check.message;
    }
  }
}

}  // namespace sign
