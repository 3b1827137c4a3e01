// Internal: the Validator, everything one validation run shares between its signers — the
// evidence at hand (certificates, CRLs, OCSP answers), what was fetched, the services trust
// lists recognize — and the steps of EN 319 102-1 that use it. Its members are defined by
// purpose:
//   validator.cpp   — reports, the verdict on a signer (decide), paths and trust-list anchors
//   revocation.cpp  — CRLs, delta CRLs, OCSP and the revocation verdict of a path
//   time_stamps.cpp — signature and archive time-stamps (proof of existence)
// The public entry points (validate.hpp) are in validate.cpp.
#pragma once

#include <sign/validate.hpp>

#include <sign/ocsp.hpp>
#include <sign/tsp.hpp>

#include "validate/fetch.hpp"
#include "validate/rules.hpp"

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sign::detail {

/// An OCSP response at hand and where it came from (for the report).
struct OcspSource {
  OcspResponse response;
  std::string origin;
};

/// A time-stamp token and the bytes it must cover.
struct Stamp {
  Bytes token;
  ByteView stamped;
};

/// The usable OCSP answer about one certificate.
struct FoundOcsp {
  OcspSingleResponse single;
  std::string origin;
  const OcspResponse* response;
};

class Validator {
 public:
  Validator(const SignedDataView& sd, const TrustStore& trust, const ValidationPolicy& policy,
            const ValidateOptions& options, std::optional<Content> content = std::nullopt);
  /// For the XML signatures of one file: the certificates and CRLs they carry.
  Validator(const std::vector<XmlSignatureCheck>& checks, const TrustStore& trust, const ValidationPolicy& policy,
            const ValidateOptions& options);

  SignatureReport run(std::size_t index, const SignerCheck& check, const SignerInfoView& si) {
    return evaluate(check, si, index + 1, index);
  }
  SignatureReport evaluate(const SignerCheck& check, const SignerInfoView& si, std::size_t number,
                           std::optional<std::size_t> top_index);
  SignatureReport evaluate_xml(const XmlSignatureCheck& x, std::size_t number);

  // Collecting validation data to embed (LT, XL1).
  void collect(const Certificate& cert, const std::vector<Certificate>& extra_pool, ValidationData& out);
  CompleteValidationData complete(const Certificate& cert, const std::vector<Certificate>& extra_pool,
                                  std::vector<std::string>& problems);
  static std::vector<std::pair<Certificate, std::vector<Certificate>>> tsa_certificates(const SignerInfoView& si);
  static void add_tsa_certificate(const Bytes& token, std::vector<std::pair<Certificate, std::vector<Certificate>>>& out);

  TimeStampEvidence time_stamp_evidence(const Bytes& token_der, ByteView stamped,
                                        std::optional<TimePoint> token_poe = std::nullopt);

 private:
  Validator(const std::vector<Certificate>& certificates, const std::vector<Bytes>& crl_ders, const TrustStore& trust,
            const ValidationPolicy& policy, const ValidateOptions& options);

  // validator.cpp: reports and the verdict.
  SignatureReport begin_report(const SignerCheck& check, std::size_t number, bool top_level);
  void finish_report(SignatureReport& r, const Verdict& v, std::size_t known_warnings);
  void countersignatures_decide(SignatureReport& r) const;
  static void add_warning(SignatureReport& r, const std::string& w);
  void absorb_cades_values(const SignerInfoView& si);
  void x_long_type_1(const SignerInfoView& si, SignatureReport& r);
  void add_embedded_revocation(const Bytes& der);
  void add_ocsp(const Bytes& der, const std::string& origin);
  Verdict decide(const SignerCheck& check, const std::vector<Stamp>& stamps, SignatureReport& r,
                 std::optional<TimePoint> archive_poe);
  PathResult build_path(const Certificate& cert, PathOptions po);
  PolicyInputs path_policy_inputs() const;
  void add_listed_anchors(std::vector<Certificate>& anchors, TimePoint t, bool time_stamping) const;

  // revocation.cpp
  static void append_unique(std::vector<Bytes>& v, const Bytes& b);
  const CrlSource* crl_for(const Certificate& cert, const Certificate& issuer,
                           std::optional<TimePoint> valid_at = std::nullopt, bool has_poe = false,
                           std::chrono::seconds allowance = std::chrono::seconds(0), bool may_fetch = true);
  const CrlSource* delta_for(const Certificate& cert, const Certificate& issuer, const Crl& base);
  bool fresh_enough(TimePoint this_update, std::optional<TimePoint> next_update, TimePoint valid_at, bool has_poe,
                    std::chrono::seconds allowance) const;
  std::string responder_problem(const Certificate& signer, const Certificate& issuer, const OcspResponse& resp,
                                bool has_poe) const;
  std::string staleness(const OcspSingleResponse& single, TimePoint valid_at, bool has_poe,
                        std::chrono::seconds allowance) const;
  std::optional<FoundOcsp> ocsp_for(const Certificate& cert, const Certificate& issuer, TimePoint valid_at, bool has_poe,
                                    std::vector<std::string>& notes, std::chrono::seconds allowance = std::chrono::seconds(0),
                                    bool* fetch_failed = nullptr);
  std::optional<Verdict> revocation(const std::vector<Certificate>& path, TimePoint valid_at, bool has_poe,
                                    SignatureReport& r);

  // time_stamps.cpp
  struct Candidate {
    TimeStampEvidence ev;
    std::optional<Certificate> tsa;
    std::vector<Certificate> token_certs;
  };
  std::optional<TimePoint> proof_of_existence(const std::vector<Stamp>& stamps, SignatureReport& r,
                                              std::optional<TimePoint> archive_poe);
  std::string tsa_untrusted(const Certificate& tsa, const std::vector<Certificate>& token_certs, TimePoint gen_time,
                            std::optional<TimePoint> token_poe);
  std::vector<Candidate> cms_archive_candidates(std::size_t index, const SignerInfoView& si, SignatureReport& r);
  std::vector<Candidate> archive_candidates(const std::vector<Stamp>& stamps, SignatureReport& r);
  static Candidate archive_candidate(const Bytes& value,
                                     const std::function<TimeStampCheck(const TimeStampToken&)>& check_token);
  static void keep_intact(Candidate c, std::vector<Candidate>& intact, SignatureReport& r);
  std::optional<TimePoint> archive_proof(std::vector<Candidate> intact, SignatureReport& r);

  const SignedDataView* sd_ = nullptr;  ///< the SignedData of CMS signatures, else null
  const TrustStore& trust_;
  const ValidationPolicy& policy_;
  const ValidateOptions& options_;
  std::optional<Content> content_;
  TimePoint at_{};
  std::string time_source_;
  std::vector<Certificate> pool_;
  // Deques: evidence found is referred to by pointer while more is fetched and appended.
  std::deque<CrlSource> crl_sources_;
  std::deque<OcspSource> ocsp_;
  std::vector<std::string> warnings_;
  struct Listed {
    TrustService service;
    std::string list;
  };
  std::vector<Listed> listed_;  ///< foreign CAs recognized by verified trust lists
  std::map<std::string, std::string> fetched_from_;  ///< fingerprint -> "fetched: URL" (caIssuers)
  Fetcher fetcher_;
};

}  // namespace sign::detail
