// The Validator's reports and its verdict on one signer (EN 319 102-1 basic signature, the
// subset our formats need): cryptography first, then the signer's certificate constraints, a
// path to one of the verifier's own anchors (possibly through a cross-certificate or a CA a
// trust list recognizes), algorithm policy and revocation — each failure mapped to its
// indication and sub-indication.
#include "validate/validator.hpp"

#include <sign/error.hpp>

#include <algorithm>

namespace sign::detail {

using Ind = Indication;
using Sub = SubIndication;

namespace {

std::vector<Stamp> signature_stamps(const SignerInfoView& si) {
  std::vector<Stamp> out;
  for (const auto& a : si.unsigned_attrs)
    if (a.oid == oids::signature_time_stamp)
      for (const auto& value : a.values) out.push_back({value, si.signature});
  return out;
}

// One kind of evidence (certificates, CRLs) of every XML signature of a file, together.
template <typename T>
std::vector<T> carried(const std::vector<XmlSignatureCheck>& checks, std::vector<T> XmlSignatureCheck::*member) {
  std::vector<T> out;
  for (const auto& c : checks) out.insert(out.end(), (c.*member).begin(), (c.*member).end());
  return out;
}

}  // namespace

Validator::Validator(const SignedDataView& sd, const TrustStore& trust, const ValidationPolicy& policy,
                     const ValidateOptions& options, std::optional<Content> content)
    : Validator(sd.certificates(), sd.crl_ders(), trust, policy, options) {
  sd_ = &sd;
  content_ = std::move(content);
}

Validator::Validator(const std::vector<XmlSignatureCheck>& checks, const TrustStore& trust,
                     const ValidationPolicy& policy, const ValidateOptions& options)
    : Validator(carried(checks, &XmlSignatureCheck::certificates), carried(checks, &XmlSignatureCheck::crls), trust,
                policy, options) {}

Validator::Validator(const std::vector<Certificate>& certificates, const std::vector<Bytes>& crl_ders,
                     const TrustStore& trust, const ValidationPolicy& policy, const ValidateOptions& options)
    : trust_(trust), policy_(policy), options_(options), fetcher_(policy) {
  at_ = options.validation_time.value_or(std::chrono::floor<std::chrono::seconds>(sign::now()));
  time_source_ = options.validation_time ? "given (--at)" : "current time";
  pool_ = trust.intermediates;
  for (const auto& c : certificates) pool_.push_back(c);
  for (const auto& c : options.extra_certificates) pool_.push_back(c);
  crl_sources_.assign(trust.crls.begin(), trust.crls.end());
  for (const auto& der : crl_ders) add_embedded_revocation(der);
  for (const auto& c : options.extra_crls) crl_sources_.push_back(c);
  for (const auto& der : options.extra_ocsp_responses) add_ocsp(der, "given");
  if (!trust.trust_lists.empty()) {
    // Lists of lists point to lists published elsewhere: fetched (or from the cache).
    const TrustListFetch fetch = fetcher_.trust_list_fetch();
    auto recognized = recognized_services(trust.trust_lists, trust.anchors, trust.intermediates, at_, policy, &fetch);
    for (auto& w : recognized.warnings) warnings_.push_back(std::move(w));
    for (auto& e : recognized.services) listed_.push_back({std::move(e.service), std::move(e.list)});
  }
}

/// The verdict on one signer, or on a countersignature (no `top_index`: archive time-stamps
/// belong to top-level signers). Countersignatures are validated like signatures and may
/// decide the verdict of the signature they countersign.
SignatureReport Validator::evaluate(const SignerCheck& check, const SignerInfoView& si, std::size_t number,
                                    std::optional<std::size_t> top_index) {
  SignatureReport r = begin_report(check, number, top_index.has_value());
  const std::size_t known_warnings = warnings_.size();
  r.level = sd_->crl_ders().empty() ? "B" : "LT";
  absorb_cades_values(si);
  // Archive time-stamps first: what they prove is used when the signature time-stamp's TSA
  // (or the signer's certificate) is no longer valid now.
  std::optional<TimePoint> archive_poe;
  if (check.ok() && top_index) archive_poe = archive_proof(cms_archive_candidates(*top_index, si, r), r);
  const Verdict v = decide(check, signature_stamps(si), r, archive_poe);
  if (check.ok()) x_long_type_1(si, r);
  finish_report(r, v, known_warnings);
  const std::size_t counters = std::min(check.counter_signatures.size(), si.counter_signatures.size());
  for (std::size_t k = 0; k < counters; ++k)
    r.counter_signatures.push_back(evaluate(check.counter_signatures[k], si.counter_signatures[k], k + 1, std::nullopt));
  countersignatures_decide(r);
  return r;
}

/// The verdict on one XML signature (XAdES or plain XMLDSig).
SignatureReport Validator::evaluate_xml(const XmlSignatureCheck& x, std::size_t number) {
  SignatureReport r = begin_report(x.check, number, true);
  const std::size_t known_warnings = warnings_.size();
  r.format = x.is_xades ? "XAdES" : "XMLDSig";
  r.signed_objects = x.signed_objects;
  r.level = x.crls.empty() && x.ocsp_responses.empty() ? "B" : "LT";
  for (const auto& o : x.ocsp_responses) add_ocsp(o, "in the signature's RevocationValues");
  std::vector<Stamp> archive, stamps;
  for (const auto& a : x.archive_time_stamps) archive.push_back({a.token, a.stamped});
  for (const auto& t : x.signature_time_stamps) stamps.push_back({t.token, t.stamped});
  std::optional<TimePoint> archive_poe;
  if (x.check.ok()) archive_poe = archive_proof(archive_candidates(archive, r), r);
  finish_report(r, decide(x.check, stamps, r, archive_poe), known_warnings);
  return r;
}

SignatureReport Validator::begin_report(const SignerCheck& check, std::size_t number, bool top_level) {
  SignatureReport r;
  r.index = number;
  r.validation_time = at_;
  r.claimed_signing_time = check.signing_time;
  r.digest_algorithm = check.digest_oid;
  r.signature_algorithm = check.signature_oid;
  if (top_level) r.warnings = warnings_;
  if (check.commitment != Commitment::none) r.commitment = commitment_name(check.commitment);
  if (check.certificate) {
    r.signer = check.certificate->subject().to_string();
    r.identifiers = national_identifiers(check.certificate->subject());
    for (const auto& f : profile_fields(*check.certificate)) r.profile[f.name] = f.value;
    r.signer_domain = domain_of(*check.certificate);
    r.suite = std::string(suite_name(check.certificate->public_key().suite()));
  }
  if (!check.signing_certificate_checked && check.ok() && !policy_.require_signing_certificate)
    r.warnings.push_back(
        "no signingCertificateV2 attribute: the signer's certificate is not bound to the signature, so the identity "
        "shown is unbound (any certificate for the same key would verify); accepted because the validation policy "
        "sets require_signing_certificate = false");
  return r;
}

void Validator::finish_report(SignatureReport& r, const Verdict& v, std::size_t known_warnings) {
  // Warnings raised while fetching during this signer's validation.
  for (auto it = warnings_.begin() + static_cast<std::ptrdiff_t>(known_warnings); it != warnings_.end(); ++it)
    add_warning(r, *it);
  warnings_.resize(known_warnings);
  r.indication = v.indication;
  r.sub_indication = v.sub;
  r.message = v.message;
  r.validation_time_source = r.time_stamp && r.time_stamp->valid
                                 ? time_source_ + "; proof of existence from the signature time-stamp"
                                 : time_source_ + "; the signature has no valid time-stamp";
}

void Validator::countersignatures_decide(SignatureReport& r) const {
  if (policy_.countersignature_failure_fails && r.indication == Ind::total_passed) {
    const SignatureReport* worst = nullptr;
    for (const auto& cs : r.counter_signatures)
      if (cs.indication != Ind::total_passed && (!worst || cs.indication == Ind::total_failed)) worst = &cs;
    if (worst) {
      r.indication = worst->indication;
      r.sub_indication = worst->sub_indication;
      r.message = "countersignature " + std::to_string(worst->index) + " by '" + worst->signer +
                  "' did not pass (" + std::string(indication_name(worst->indication)) + "): " + worst->message;
    }
  }
}

void Validator::add_warning(SignatureReport& r, const std::string& w) {
  if (std::find(r.warnings.begin(), r.warnings.end(), w) == r.warnings.end()) r.warnings.push_back(w);
}

/// certificate-values and revocation-values of a CAdES-X-L signer join the evidence at hand
/// (like the SignedData's own certificates and CRLs: each proves itself by its signature).
void Validator::absorb_cades_values(const SignerInfoView& si) {
  try {
    auto values = cades_values(si);
    for (const auto& c : values.certificates) pool_.push_back(Certificate::from_der(c));
    for (const auto& c : values.crls) crl_sources_.push_back({Crl::from_der(c), "in the signature's revocation-values"});
    for (const auto& o : values.ocsp_responses) add_ocsp(o, "in the signature's revocation-values");
  } catch (const FormatError& e) {
    warnings_.push_back(std::string("CAdES-X-L values were ignored: ") + e.what());
  }
}

/// CAdES-X Long Type 1: the references match the values, and the CAdES-C-time-stamp over the
/// signature, its time-stamp and the references is valid.
void Validator::x_long_type_1(const SignerInfoView& si, SignatureReport& r) {
  const bool has_esc = std::any_of(si.unsigned_attrs.begin(), si.unsigned_attrs.end(),
                                   [](const CmsAttribute& a) { return a.oid == oids::esc_time_stamp; });
  if (!has_esc) return;
  if (const auto problem = cades_reference_problem(*sd_, si); !problem.empty()) {
    add_warning(r, "CAdES-X Long Type 1 not established: " + problem);
    return;
  }
  Bytes input;
  try {
    input = esc_time_stamp_input(si);
  } catch (const FormatError& e) {
    add_warning(r, std::string("CAdES-X Long Type 1 not established: ") + e.what());
    return;
  }
  for (const auto& a : si.unsigned_attrs) {
    if (a.oid != oids::esc_time_stamp) continue;
    for (const auto& token : a.values) {
      const auto ev = time_stamp_evidence(token, input);
      if (ev.valid) {
        if (r.time_stamp && r.time_stamp->valid) r.level = "XL1";
        r.x_time_stamp = ev;
        return;
      }
      add_warning(r, "CAdES-C-time-stamp not valid: " + ev.message);
    }
  }
}

/// Certificates of the time-stamp tokens on a signer (their TSAs need paths too).
std::vector<std::pair<Certificate, std::vector<Certificate>>> Validator::tsa_certificates(const SignerInfoView& si) {
  std::vector<std::pair<Certificate, std::vector<Certificate>>> out;
  for (const auto& stamp : signature_stamps(si)) add_tsa_certificate(stamp.token, out);
  return out;
}

/// The TSA certificate of a token (and the token's other certificates), when it carries them.
void Validator::add_tsa_certificate(const Bytes& token,
                                    std::vector<std::pair<Certificate, std::vector<Certificate>>>& out) {
  const auto token_sd = SignedDataView::parse(memory_source(token));
  for (const auto& s : token_sd.signers())
    if (auto c = token_sd.find_signer_certificate(s)) out.emplace_back(*c, token_sd.certificates());
}

void Validator::add_embedded_revocation(const Bytes& der) {
  try {
    if (!der.empty() && der[0] == 0xa1) {  // RFC 5940 OtherRevocationInfoFormat
      const auto src = memory_source(der);
      const auto parts = der_children(*src, read_der_node(*src, 0, src->size()));
      if (parts.size() == 2 && oid_from_der(der_bytes(*src, parts[0])) == "1.3.6.1.5.5.7.16.2")
        add_ocsp(der_bytes(*src, parts[1]), "embedded in the signature");
      return;
    }
    crl_sources_.push_back({Crl::from_der(der), "embedded in the signature"});
  } catch (const FormatError& e) {
    warnings_.push_back(std::string("embedded revocation data was ignored: ") + e.what());
  }
}

void Validator::add_ocsp(const Bytes& der, const std::string& origin) {
  try {
    auto resp = OcspResponse::parse(der);
    if (resp.response_status == 0) ocsp_.push_back({std::move(resp), origin});
  } catch (const FormatError& e) {
    warnings_.push_back(std::string("an OCSP response was ignored: ") + e.what());
  }
}

Verdict Validator::decide(const SignerCheck& check, const std::vector<Stamp>& stamps, SignatureReport& r,
                          std::optional<TimePoint> archive_poe) {
  Verdict crypto = from_crypto(check);
  if (crypto.indication != Ind::total_passed) return crypto;
  const Certificate& cert = *check.certificate;
  if (!check.signing_certificate_checked && policy_.require_signing_certificate)
    return {Ind::indeterminate, Sub::no_signing_certificate_found,
            "the signature does not bind its signer's certificate (no signingCertificateV2 attribute, required by "
            "CAdES-B, ETSI EN 319 122-1 §5.2.2): any certificate for the same key would verify, so the signer's "
            "identity is not established"};
  if (auto v = signer_constraints(cert, policy_)) return *v;
  if (policy_.qualified_profile == "ru")
    if (const auto missing = missing_ru_qualified_fields(cert); !missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      return {Ind::indeterminate, Sub::chain_constraints_failure,
              "the signer's certificate is not a Russian qualified certificate (FSB order No. 795 profile, "
              "required by the validation policy): it lacks " + list};
    }

  const auto poe = proof_of_existence(stamps, r, archive_poe);
  const TimePoint valid_at = poe.value_or(at_);
  if (!policy_.accepts(cert.public_key().suite(), valid_at)) {
    std::string why = "suite " + r.suite + " is not accepted by the validation policy";
    if (cert.public_key().suite() == Suite::gost2001)
      why += policy_.gost2001_until
                 ? " for a signature judged at " + format_time(valid_at) + ": GOST R 34.10-2001 is acceptable only "
                   "for signatures proven to exist before " + format_time(*policy_.gost2001_until) +
                   " (gost2001_until; a time-stamp from before then is the proof)"
                 : " (gost2001_until = \"never\")";
    return {Ind::indeterminate, Sub::crypto_constraints_failure_no_poe, why};
  }
  PathOptions po;
  po.anchors = trust_.anchors;
  // Foreign CAs a trust list grants at the time the signature must be valid at.
  add_listed_anchors(po.anchors, valid_at, false);
  po.intermediates = pool_;
  po.validation_time = valid_at;  // certificates must be valid when the signature is proven to exist
  po.clock_skew = policy_.clock_skew;
  po.policy = path_policy_inputs();
  const PathResult path = build_path(cert, po);
  r.path.reserve(path.path.size());
  for (std::size_t k = 0; k < path.path.size(); ++k) {
    r.path.push_back(entry_for(path.path[k], k, path.path.size()));
    if (auto it = fetched_from_.find(path.path[k].fingerprint()); it != fetched_from_.end()) r.path.back().source = it->second;
  }
  const Listed* vouching = nullptr;
  if (!path.path.empty())
    for (const auto& l : listed_)
      if (l.service.is_ca() && l.service.certificate == path.path.back()) vouching = &l;
  if (vouching) {
    r.vouched_by = vouching->list;
    r.cross_border = true;
    r.path.back().role = "trust anchor (from trust list)";
  } else if (!path.path.empty() && path.status != PathResult::Status::no_path) {
    bool cross = false;
    if (auto v = cross_border_policy(path.path, policy_, cross)) return *v;
    r.cross_border = cross;
    for (std::size_t k = 1; k + 1 < path.path.size(); ++k)
      if (domain_of(path.path[k]) != domain_of(path.path.back()) && domain_of(path.path[k + 1]) == domain_of(path.path.back()))
        r.path[k].role = "cross-certificate";
  }
  if (!path.ok()) {
    if (poe && path.status == PathResult::Status::expired)
      return {Ind::total_failed, Sub::expired, path.message + ", before the time-stamp of " + format_time(*poe)};
    return from_path(path);
  }
  if (auto v = algorithm_policy(path.path, policy_, valid_at)) return *v;
  if (auto v = revocation(path.path, valid_at, poe.has_value(), r)) return *v;
  std::string message = !r.vouched_by.empty() ? "the signature is valid; its signer's CA is recognized by " + r.vouched_by
                        : r.cross_border  ? "the signature is valid; its signer is recognized through a cross-certificate"
                                          : "the signature is valid";
  if (poe) message += "; it existed at " + format_time(*poe) + " (time-stamp)";
  return {Ind::total_passed, Sub::none, message};
}

// A path for `cert`; when none is found and the policy allows, the CA certificates the
// certificates name in their caIssuers are fetched and the search runs again (a few rounds,
// within the fetch budget). Fetched certificates only ever join the pool of intermediates:
// the path must still end at one of the verifier's own anchors.
PathResult Validator::build_path(const Certificate& cert, PathOptions po) {
  PathResult path = validate_path(cert, po);
  if (path.ok() || !fetcher_.ca_issuers_enabled()) return path;
  std::vector<Certificate> frontier{cert};
  for (const auto& c : path.path) frontier.push_back(c);
  for (int round = 0; round < 4 && !path.ok() && !frontier.empty(); ++round) {
    std::vector<Certificate> next;
    for (const auto& c : frontier) {
      if (c.is_self_issued()) continue;
      for (auto& [fetched, origin] : fetcher_.ca_certificates_for(c, warnings_)) {
        if (fetched_from_.count(fetched.fingerprint())) continue;
        fetched_from_[fetched.fingerprint()] = origin;
        pool_.push_back(fetched);
        po.intermediates.push_back(fetched);
        next.push_back(fetched);
      }
    }
    if (next.empty()) break;
    path = validate_path(cert, po);
    frontier = std::move(next);
  }
  return path;
}

PolicyInputs Validator::path_policy_inputs() const {
  PolicyInputs in;
  in.user_initial_policy_set = policy_.required_policies;
  in.initial_explicit_policy = !policy_.required_policies.empty();
  in.initial_policy_mapping_inhibit = policy_.inhibit_policy_mapping;
  in.initial_any_policy_inhibit = policy_.inhibit_any_policy;
  return in;
}

// Services trust lists grant at `t`: CAs, and for time-stamps also TSAs (TS 119 612 TSA types).
void Validator::add_listed_anchors(std::vector<Certificate>& anchors, TimePoint t, bool time_stamping) const {
  for (const auto& l : listed_)
    if ((l.service.is_ca() || (time_stamping && l.service.is_tsa())) && l.service.status_at(t) == "granted")
      anchors.push_back(l.service.certificate);
}

}  // namespace sign::detail
