// Signature validation (ETSI EN 319 102-1 basic signature, the subset our formats need):
// cryptography first, then the signer's certificate constraints, a path to one of the
// verifier's own anchors (possibly through a cross-certificate), algorithm policy and
// revocation — each failure mapped to its indication and sub-indication.
#include <sign/error.hpp>
#include <sign/validate.hpp>

#include <sign/ocsp.hpp>
#include <sign/tsp.hpp>

#include "io/http.hpp"
#include "validate/fetch.hpp"
#include "validate/rules.hpp"

#include <algorithm>
#include <deque>
#include <random>

namespace sign {

using namespace detail;  // the rules (validate/rules.hpp)
using Ind = Indication;
using Sub = SubIndication;

namespace {

struct OcspSource {
  OcspResponse response;
  std::string origin;
};

// A time-stamp token and the bytes it must cover.
struct Stamp {
  Bytes token;
  ByteView stamped;
};

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

struct FoundOcsp {
  OcspSingleResponse single;
  std::string origin;
  const OcspResponse* response;
};

// Everything one validation run shares between its signers.
class Validator {
 public:
  Validator(const SignedDataView& sd, const TrustStore& trust, const ValidationPolicy& policy,
            const ValidateOptions& options, std::optional<Content> content = std::nullopt)
      : Validator(sd.certificates(), sd.crl_ders(), trust, policy, options) {
    sd_ = &sd;
    content_ = std::move(content);
  }

  /// For the XML signatures of one file: the certificates and CRLs they carry.
  Validator(const std::vector<XmlSignatureCheck>& checks, const TrustStore& trust, const ValidationPolicy& policy,
            const ValidateOptions& options)
      : Validator(carried(checks, &XmlSignatureCheck::certificates), carried(checks, &XmlSignatureCheck::crls), trust,
                  policy, options) {}

  Validator(const std::vector<Certificate>& certificates, const std::vector<Bytes>& crl_ders, const TrustStore& trust,
            const ValidationPolicy& policy, const ValidateOptions& options)
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

  SignatureReport run(std::size_t index, const SignerCheck& check, const SignerInfoView& si) {
    return evaluate(check, si, index + 1, index);
  }

  /// The verdict on one signer, or on a countersignature (no `top_index`: archive time-stamps
  /// belong to top-level signers). Countersignatures are validated like signatures and may
  /// decide the verdict of the signature they countersign.
  SignatureReport evaluate(const SignerCheck& check, const SignerInfoView& si, std::size_t number,
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
  SignatureReport evaluate_xml(const XmlSignatureCheck& x, std::size_t number) {
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

  SignatureReport begin_report(const SignerCheck& check, std::size_t number, bool top_level) {
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

  void finish_report(SignatureReport& r, const Verdict& v, std::size_t known_warnings) {
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

  void countersignatures_decide(SignatureReport& r) const {
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

  static void add_warning(SignatureReport& r, const std::string& w) {
    if (std::find(r.warnings.begin(), r.warnings.end(), w) == r.warnings.end()) r.warnings.push_back(w);
  }

  /// Adds the path of `cert` and revocation values for it to `out`.
  void collect(const Certificate& cert, const std::vector<Certificate>& extra_pool, ValidationData& out) {
    const auto data = complete(cert, extra_pool, out.problems);
    for (std::size_t i = 0; i < data.path.size(); ++i) {
      append_unique(out.certificates, data.path[i].der());
      if (i < data.ocsp.size() && data.ocsp[i]) append_unique(out.ocsp_responses, *data.ocsp[i]);
      if (i < data.crls.size() && data.crls[i]) append_unique(out.crls, *data.crls[i]);
    }
  }

  /// The path of `cert` (signer first) and, for each certificate below the anchor, the OCSP
  /// response or CRL that vouches for it now; what is missing goes to `problems`.
  CompleteValidationData complete(const Certificate& cert, const std::vector<Certificate>& extra_pool,
                                  std::vector<std::string>& problems) {
    PathOptions po;
    po.anchors = trust_.anchors;
    po.intermediates = pool_;
    po.intermediates.insert(po.intermediates.end(), extra_pool.begin(), extra_pool.end());
    po.validation_time = at_;
    po.clock_skew = policy_.clock_skew;
    const auto path = build_path(cert, po);
    CompleteValidationData data;
    if (!path.ok()) {
      problems.push_back("'" + cert.subject().to_string() + "': " + path.message);
      return data;
    }
    data.path = path.path;
    data.crls.resize(path.path.size() - 1);
    data.ocsp.resize(path.path.size() - 1);
    std::vector<std::string> notes;
    fetcher_.bypass_cache(true);
    struct Restore {
      detail::Fetcher& f;
      ~Restore() { f.bypass_cache(false); }
    } restore{fetcher_};
    for (std::size_t i = 0; i + 1 < path.path.size(); ++i) {
      if (const auto o = ocsp_for(path.path[i], path.path[i + 1], at_, false, notes)) {
        data.ocsp[i] = o->response->der;
      } else if (const CrlSource* crl = crl_for(path.path[i], path.path[i + 1])) {
        data.crls[i] = crl->crl.der();
      } else {
        problems.push_back("no revocation information for '" + path.path[i].subject().to_string() + "'");
      }
    }
    return data;
  }

  /// certificate-values and revocation-values of a CAdES-X-L signer join the evidence at hand
  /// (like the SignedData's own certificates and CRLs: each proves itself by its signature).
  void absorb_cades_values(const SignerInfoView& si) {
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
  void x_long_type_1(const SignerInfoView& si, SignatureReport& r) {
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
  static std::vector<std::pair<Certificate, std::vector<Certificate>>> tsa_certificates(const SignerInfoView& si) {
    std::vector<std::pair<Certificate, std::vector<Certificate>>> out;
    for (const auto& stamp : signature_stamps(si)) add_tsa_certificate(stamp.token, out);
    return out;
  }

  /// The TSA certificate of a token (and the token's other certificates), when it carries them.
  static void add_tsa_certificate(const Bytes& token, std::vector<std::pair<Certificate, std::vector<Certificate>>>& out) {
    const auto token_sd = SignedDataView::parse(memory_source(token));
    for (const auto& s : token_sd.signers())
      if (auto c = token_sd.find_signer_certificate(s)) out.emplace_back(*c, token_sd.certificates());
  }

 private:
  static void append_unique(std::vector<Bytes>& v, const Bytes& b) {
    if (std::find(v.begin(), v.end(), b) == v.end()) v.push_back(b);
  }

  void add_embedded_revocation(const Bytes& der) {
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

  void add_ocsp(const Bytes& der, const std::string& origin) {
    try {
      auto resp = OcspResponse::parse(der);
      if (resp.response_status == 0) ocsp_.push_back({std::move(resp), origin});
    } catch (const FormatError& e) {
      warnings_.push_back(std::string("an OCSP response was ignored: ") + e.what());
    }
  }

  // The newest CRL from `cert`'s issuer (same name, signed by its key, issued by the validation
  // time); fetched from the certificate's distribution points when none is at hand.
  const CrlSource* crl_for(const Certificate& cert, const Certificate& issuer,
                           std::optional<TimePoint> valid_at = std::nullopt, bool has_poe = false,
                           std::chrono::seconds allowance = std::chrono::seconds(0), bool may_fetch = true) {
    auto newest = [&]() {
      const CrlSource* best = nullptr;
      for (const auto& src : crl_sources_) {
        const Crl& c = src.crl;
        if (c.delta_base()) continue;  // a delta CRL is never taken for a complete one
        if (!(c.issuer() == cert.issuer()) || c.this_update() > at_) continue;
        if (best && c.this_update() <= best->crl.this_update()) continue;
        if (c.verify_signature(issuer.public_key())) best = &src;
      }
      return best;
    };
    const CrlSource* found = newest();
    if (!may_fetch) return found;
    // A CRL at hand that is too old for the time it must speak for is replaced by a fetched one.
    if (found && (!valid_at || fresh_enough(found->crl.this_update(), found->crl.next_update(), *valid_at, has_poe, allowance)))
      return found;
    std::optional<TimePoint> not_before;
    if (valid_at && has_poe) not_before = *valid_at - allowance;
    auto fetched = fetcher_.crls_for(cert, warnings_, not_before);
    if (fetched.empty()) return found;
    for (auto& f : fetched) crl_sources_.push_back(std::move(f));
    return newest();
  }

  // The newest delta CRL for complete CRL `base` of `cert`'s issuer (RFC 5280 §5.2.4, §6.3.3):
  // same issuer, signed by the same key, BaseCRLNumber not above the complete CRL's number, a
  // number above it, issued after it. Fetched from the complete CRL's freshestCRL when none is
  // at hand.
  const CrlSource* delta_for(const Certificate& cert, const Certificate& issuer, const Crl& base) {
    if (!base.crl_number()) return nullptr;
    auto newest = [&]() {
      const CrlSource* best = nullptr;
      for (const auto& src : crl_sources_) {
        const Crl& d = src.crl;
        if (!d.delta_base() || !d.crl_number() || !(d.issuer() == cert.issuer())) continue;
        if (*d.delta_base() > *base.crl_number() || *d.crl_number() <= *base.crl_number()) continue;
        if (d.this_update() < base.this_update() || d.this_update() > at_ + policy_.clock_skew) continue;
        if (best && d.this_update() <= best->crl.this_update()) continue;
        if (d.verify_signature(issuer.public_key())) best = &src;
      }
      return best;
    };
    if (const CrlSource* found = newest()) return found;
    if (base.freshest_crl_urls().empty()) return nullptr;
    auto fetched = fetcher_.crls_at(base.freshest_crl_urls(), warnings_);
    if (fetched.empty()) return nullptr;
    for (auto& f : fetched) crl_sources_.push_back(std::move(f));
    return newest();
  }

  // Whether evidence issued at `this_update` (valid to `next_update`) speaks for the status at
  // `valid_at`: issued after the proof of existence (less the policy's allowance), or without
  // one still current at the validation time. (EN 319 102-1 §5.6.2.4: no clock-skew allowance
  // after a time-stamp, or a revocation just before it goes unseen.)
  bool fresh_enough(TimePoint this_update, std::optional<TimePoint> next_update, TimePoint valid_at, bool has_poe,
                    std::chrono::seconds allowance) const {
    if (has_poe) return this_update + allowance >= valid_at;
    return next_update ? *next_update + policy_.clock_skew >= at_ : this_update + policy_.revocation_max_age >= at_;
  }

  // Why a responder may not vouch for `issuer`'s certificates at this time (RFC 6960 §4.2.2.2),
  // or empty. The issuer itself always may; a delegated responder must be valid when it signed
  // and, without proof of existence, still now.
  std::string responder_problem(const Certificate& signer, const Certificate& issuer, const OcspResponse& resp,
                                bool has_poe) const {
    if (resp.produced_at > at_ + policy_.clock_skew) return "it was produced in the future (" + format_time(resp.produced_at) + ")";
    if (signer == issuer) return {};
    if (resp.produced_at + policy_.clock_skew < signer.not_before() || resp.produced_at > signer.not_after())
      return "the responder certificate '" + signer.subject().to_string() + "' was not valid when it signed at " +
             format_time(resp.produced_at);
    if (!has_poe && at_ > signer.not_after())
      return "the responder certificate '" + signer.subject().to_string() + "' expired at " + format_time(signer.not_after());
    if (!signer.unknown_critical_extensions().empty())
      return "the responder certificate has a critical extension this validator does not process";
    return {};
  }

  // Why one answer is not usable evidence at the time it must speak for, or empty.
  std::string staleness(const OcspSingleResponse& single, TimePoint valid_at, bool has_poe,
                        std::chrono::seconds allowance) const {
    if (single.this_update > at_ + policy_.clock_skew)
      return "its thisUpdate " + format_time(single.this_update) + " is in the future";
    if (single.next_update && *single.next_update < single.this_update) return "its nextUpdate is before its thisUpdate";
    if (has_poe) {
      if (single.this_update + allowance < valid_at)
        return "it is older (" + format_time(single.this_update) + ") than the time-stamp of " + format_time(valid_at);
      return {};
    }
    if (single.next_update) {
      if (*single.next_update + policy_.clock_skew < at_) return "it expired at its nextUpdate " + format_time(*single.next_update);
    } else if (single.this_update + policy_.revocation_max_age < at_) {
      return "it has no nextUpdate and is older (" + format_time(single.this_update) + ") than the policy's maximum age of " +
             std::to_string(policy_.revocation_max_age.count()) + " s";
    }
    return {};
  }

  // The newest usable OCSP answer about cert from a responder the issuer authorized; unusable
  // answers are noted in `notes` and never counted. With fetching enabled, asks the responders
  // the certificate names when nothing usable is at hand.
  std::optional<FoundOcsp> ocsp_for(const Certificate& cert, const Certificate& issuer, TimePoint valid_at, bool has_poe,
                                    std::vector<std::string>& notes, std::chrono::seconds allowance = std::chrono::seconds(0),
                                    bool* fetch_failed = nullptr) {
    auto newest = [&]() {
      std::optional<FoundOcsp> best;
      for (const auto& src : ocsp_) {
        const bool about = std::any_of(src.response.responses.begin(), src.response.responses.end(),
                                       [&](const OcspSingleResponse& s) { return s.id.matches(issuer, cert.serial()); });
        if (!about) continue;
        const std::string what = "an OCSP response about '" + cert.subject().to_string() + "' (" + src.origin + ") was ignored: ";
        const auto signer = src.response.verify_signer(issuer);
        if (!signer) {
          notes.push_back(what + "it is not signed by the issuer or a responder the issuer authorized");
          continue;
        }
        if (auto why = responder_problem(*signer, issuer, src.response, has_poe); !why.empty()) {
          notes.push_back(what + why);
          continue;
        }
        for (const auto& single : src.response.responses) {
          if (!single.id.matches(issuer, cert.serial())) continue;
          if (auto why = staleness(single, valid_at, has_poe, allowance); !why.empty()) {
            notes.push_back(what + why);
            continue;
          }
          if (!best || single.this_update > best->single.this_update)
            best = FoundOcsp{single, src.origin + ", responder " + signer->subject().to_string(), &src.response};
        }
      }
      return best;
    };
    auto best = newest();
    if (best || !fetcher_.enabled()) return best;
    bool fetched = false;
    using Nonce = ValidationPolicy::OcspNonce;
    for (const auto& url : cert.ocsp_urls()) {
      OcspRequest req;
      req.ids.push_back(OcspCertId::of(cert, issuer));
      // A fresh nonce (RFC 8954: 32 octets) binds the answer to this request: a replayed old
      // "good" is refused.
      if (policy_.ocsp_nonce != Nonce::off) {
        std::random_device rd;
        for (int i = 0; i < 32; ++i) req.nonce.push_back(static_cast<std::uint8_t>(rd()));
      }
      const std::string key = url + " " + to_hex(req.ids.front().encode());
      // With nonces required, every answer must be fresh for this request: no cache.
      auto answer = fetcher_.ocsp(url, req.encode(), key, warnings_, policy_.ocsp_nonce != Nonce::require);
      if (!answer) {
        if (fetch_failed && !cert.ocsp_urls().empty()) *fetch_failed = true;
        continue;
      }
      if (answer->from_cache) {
        add_ocsp(answer->body, "cache: " + url);
        if (newest()) {
          fetched = true;
          continue;
        }
        // The cached answer does not do for this signature (older than its time-stamp): ask.
        answer = fetcher_.ocsp(url, req.encode(), key, warnings_, false);
        if (!answer) {
          if (fetch_failed) *fetch_failed = true;
          continue;
        }
      }
      const Bytes* body = &answer->body;
      std::string origin = "fetched: " + url;
      if (policy_.ocsp_nonce != Nonce::off) {
        try {
          const auto resp = OcspResponse::parse(*body);
          if (!resp.nonce.empty() && resp.nonce != req.nonce) {
            warnings_.push_back("the OCSP answer from " + url + " was refused: it echoes another nonce (a replayed answer?)");
            if (fetch_failed) *fetch_failed = true;
            continue;
          }
          if (resp.nonce.empty() && policy_.ocsp_nonce == Nonce::require) {
            warnings_.push_back("the OCSP answer from " + url + " was refused: it carries no nonce (policy: ocsp_nonce = require)");
            if (fetch_failed) *fetch_failed = true;
            continue;
          }
          if (!resp.nonce.empty()) origin += ", nonce checked";
        } catch (const FormatError&) {
          // add_ocsp reports the malformed answer
        }
      }
      add_ocsp(*body, origin);
      fetcher_.remember_ocsp(key, *body);
      fetched = true;
    }
    return fetched ? newest() : best;
  }

  // Revocation of every certificate below the anchor. `valid_at` is the time the signature
  // must be shown valid at: the proof of existence when there is one, else the validation time.
  std::optional<Verdict> revocation(const std::vector<Certificate>& path, TimePoint valid_at, bool has_poe,
                                    SignatureReport& r) {
    using R = ValidationPolicy::Revocation;
    if (policy_.revocation == R::off) {
      r.warnings.push_back("revocation was not checked (validation policy: revocation = off)");
      return std::nullopt;
    }
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      const Certificate& cert = path[i];
      const Certificate& issuer = path[i + 1];
      RevocationEvidence ev;
      ev.certificate = cert.subject().to_string();
      std::optional<TimePoint> revoked_at, this_update, next_update;
      std::vector<std::string> notes;
      const auto allowance = i == 0 ? policy_.revocation_freshness : policy_.ca_revocation_freshness;
      const std::size_t warnings_before = warnings_.size();
      // The policy's order: OCSP first with the CRL as fallback, or the reverse.
      const bool crl_first = policy_.revocation_order == ValidationPolicy::RevocationOrder::crl_first;
      const CrlSource* first_crl = nullptr;
      if (crl_first) {
        first_crl = crl_for(cert, issuer, valid_at, has_poe, allowance);
        if (first_crl && !fresh_enough(first_crl->crl.this_update(), first_crl->crl.next_update(), valid_at, has_poe, allowance))
          first_crl = nullptr;  // stale: OCSP may do better
      }
      bool ocsp_failed = false;
      auto o = first_crl ? std::nullopt : ocsp_for(cert, issuer, valid_at, has_poe, notes, allowance, &ocsp_failed);
      for (const auto& n : notes) add_warning(r, n);
      const CrlSource* fallback_crl = first_crl ? first_crl : (!o ? crl_for(cert, issuer, valid_at, has_poe, allowance) : nullptr);
      // Among the evidence at hand the newest speaks: a CRL issued after the OCSP answer (one
      // that lists a revocation the responder did not know of yet, say) replaces it.
      if (o) {
        const CrlSource* newer = crl_for(cert, issuer, valid_at, has_poe, allowance, false);
        if (newer && newer->crl.this_update() > o->single.this_update) {
          fallback_crl = newer;
          o.reset();
        }
      }
      // Why nothing usable came over the network, for the verdict's message.
      std::string fetch_problem;
      for (std::size_t w = warnings_before; w < warnings_.size(); ++w)
        if (fetch_problem.empty() && (warnings_[w].find("not fetched") != std::string::npos ||
                                      warnings_[w].find("was refused") != std::string::npos))
          fetch_problem = warnings_[w];
      if (o) {
        ev.kind = "OCSP";
        ev.source = o->origin;
        ev.status = std::string(ocsp_status_name(o->single.status));
        this_update = o->single.this_update;
        next_update = o->single.next_update;
        if (o->single.status == OcspCertStatus::revoked) {
          revoked_at = o->single.revocation_time;
          ev.reason = reason_name(o->single.reason.value_or(RevocationReason::unspecified));
        }
        if (o->single.status == OcspCertStatus::unknown) this_update.reset();
      } else if (const CrlSource* found = fallback_crl) {
        const auto& src = *found;
        const Crl* crl = &src.crl;
        ev.kind = "CRL";
        ev.source = src.origin;
        if (ocsp_failed) {
          ev.source += " (the OCSP responder failed: CRL used instead)";
          add_warning(r, "the OCSP responder for '" + cert.subject().to_string() + "' failed; its CRL was used instead");
        }
        ev.crl_issuer = crl->issuer().to_string();
        ev.crl_number = crl->crl_number();
        this_update = crl->this_update();
        next_update = crl->next_update();
        const RevokedEntry* entry = crl->find(cert.serial());
        // A delta CRL brings the complete CRL up to date: its entries win, removeFromCRL undoes.
        if (const CrlSource* delta = delta_for(cert, issuer, *crl)) {
          ev.source += " + delta CRL #" + std::to_string(delta->crl.crl_number().value_or(0)) + " (" + delta->origin + ")";
          this_update = delta->crl.this_update();
          next_update = delta->crl.next_update();
          if (const RevokedEntry* d = delta->crl.find(cert.serial()))
            entry = d->reason == RevocationReason::remove_from_crl ? nullptr : d;
        }
        ev.status = entry ? "revoked" : "good";
        if (entry) {
          revoked_at = entry->revocation_time;
          ev.reason = reason_name(entry->reason);
        }
      } else {
        ev.status = "unknown";
      }
      if (this_update) ev.this_update = *this_update;
      ev.next_update = next_update;
      ev.revocation_time = revoked_at;
      r.revocation.push_back(ev);

      if (revoked_at) {
        const std::string what = "'" + cert.subject().to_string() + "' was revoked at " + format_time(*revoked_at) +
                                 " (" + ev.reason + ")";
        if (*revoked_at <= valid_at) {
          if (has_poe)
            return Verdict{Ind::total_failed, Sub::revoked, what + ", before the time-stamp of " + format_time(valid_at)};
          return Verdict{Ind::indeterminate, Sub::revoked_no_poe,
                         what + "; no time-stamp proves the signature existed before the revocation"};
        }
        r.warnings.push_back(what + ", after the time-stamp of " + format_time(valid_at) + ": the signature stays valid");
        continue;
      }
      if (!this_update) {
        const std::string what = "no revocation information about '" + cert.subject().to_string() + "'";
        if (policy_.revocation == R::require)
          return Verdict{Ind::indeterminate, Sub::try_later,
                         what + (fetch_problem.empty() ? std::string() : " (" + fetch_problem + ")") +
                             (fetcher_.enabled() ? "; try again later, or give a CRL with --crl or in the trust store"
                                                 : "; give a CRL with --crl, put one in the trust store, or allow fetching (no --offline)")};
        r.warnings.push_back(what + " (revocation not checked for it)");
        continue;
      }
      // Fresh enough: after the time-stamp when there is one (it then proves the status at that
      // time), otherwise still current at the validation time.
      // With proof of existence the evidence must be issued after it (EN 319 102-1 §5.6.2.4:
      // no clock-skew allowance here, or a revocation just before the time-stamp goes unseen).
      const bool fresh = fresh_enough(*this_update, next_update, valid_at, has_poe, allowance);
      if (!fresh) {
        const std::string what = "the revocation information about '" + cert.subject().to_string() + "' (" + ev.kind +
                                 " of " + format_time(*this_update) + ") is " +
                                 (has_poe ? "older than the time-stamp" : "out of date");
        if (policy_.revocation == R::require)
          return Verdict{Ind::indeterminate, Sub::try_later,
                         what + (fetch_problem.empty() ? std::string() : " (" + fetch_problem + ")") +
                             "; try again with newer information"};
        r.warnings.push_back(what);
      }
    }
    return std::nullopt;
  }

  // A valid signature time-stamp gives proof that the signature existed at its genTime. When
  // its TSA certificate has since expired or been revoked, a valid archive time-stamp over it
  // (`archive_poe`) can still prove it (past signature validation, EN 319 102-1 §5.6.2.4).
  std::optional<TimePoint> proof_of_existence(const std::vector<Stamp>& stamps, SignatureReport& r,
                                              std::optional<TimePoint> archive_poe) {
    for (const auto& [value, stamped] : stamps) {
      {
        TimeStampEvidence ev = time_stamp_evidence(value, stamped);
        if (!ev.valid && ev.intact && archive_poe) {
          TimeStampEvidence past = time_stamp_evidence(value, stamped, archive_poe);
          if (past.valid) {
            add_warning(r, "the signature time-stamp's TSA is no longer valid now (" + ev.message +
                               "); the time-stamp is proven by the archive time-stamp of " + format_time(*archive_poe));
            ev = past;
          } else {
            add_warning(r, "the archive time-stamp of " + format_time(*archive_poe) +
                               " cannot prove the signature time-stamp: " + past.message);
          }
        }
        r.time_stamp = ev;
        if (ev.valid) {
          if (r.level == "B") r.level = "T";
          return ev.time;
        }
        r.warnings.push_back("signature time-stamp not used: " + ev.message);
      }
    }
    return std::nullopt;
  }

 public:
  /// A time-stamp token over `stamped`: its own check (signature, ESS binding, EKU, imprint
  /// of exactly these bytes), then its TSA's path to one of the verifier's anchors and the
  /// revocation status of that path. Valid only when all of it holds.
  TimeStampEvidence time_stamp_evidence(const Bytes& token_der, ByteView stamped,
                                        std::optional<TimePoint> token_poe = std::nullopt) {
    TimeStampEvidence ev;
    try {
      const auto token = TimeStampToken::parse(token_der);
      ev.time = token.info.gen_time;
      const auto check = check_time_stamp(token, stamped, pool_, options_.sign_options);
      if (check.tsa_certificate) ev.tsa = check.tsa_certificate->subject().to_string();
      ev.message = check.message;
      ev.intact = check.ok;
      if (check.ok) {
        const auto token_sd = SignedDataView::parse(memory_source(token.der));
        if (const auto why = tsa_untrusted(*check.tsa_certificate, token_sd.certificates(), token.info.gen_time, token_poe);
            !why.empty())
          ev.message = why;
        else
          ev.valid = true;
      }
    } catch (const Error& e) {
      ev.message = std::string("malformed time-stamp token: ") + e.what();
    }
    return ev;
  }

  // Why a time-stamping authority may not vouch for a token made at `gen_time`, or empty. Now:
  // its path valid now with current revocation data. With `token_poe` (an archive time-stamp
  // proves the token existed then): its path valid at `gen_time`, revocation data issued after
  // `gen_time`, no revocation before `token_poe`, and `token_poe` before the TSA certificate
  // expired — after that its key is nobody's concern any more, and a token "made" later
  // proves nothing.
  std::string tsa_untrusted(const Certificate& tsa, const std::vector<Certificate>& token_certs, TimePoint gen_time,
                            std::optional<TimePoint> token_poe) {
    PathOptions po;
    po.anchors = trust_.anchors;
    add_listed_anchors(po.anchors, gen_time, true);
    po.intermediates = pool_;
    po.intermediates.insert(po.intermediates.end(), token_certs.begin(), token_certs.end());
    po.validation_time = token_poe ? gen_time : at_;
    po.clock_skew = policy_.clock_skew;
    const auto path = build_path(tsa, po);
    if (!path.ok()) return "the TSA is not trusted: " + path.message;
    if (token_poe && *token_poe > tsa.not_after())
      return "the TSA certificate expired at " + format_time(tsa.not_after()) + ", before the archive time-stamp of " +
             format_time(*token_poe) + " proves the token existed";
    SignatureReport scratch;
    if (auto v = revocation(path.path, token_poe ? gen_time : at_, token_poe.has_value(), scratch))
      return "the TSA certificate: " + v->message;
    if (token_poe)
      for (const auto& ev : scratch.revocation)
        if (ev.revocation_time && *ev.revocation_time <= *token_poe)
          return "'" + ev.certificate + "' was revoked at " + format_time(*ev.revocation_time) +
                 ", before the archive time-stamp of " + format_time(*token_poe) + " proves the token existed";
    return {};
  }

  struct Candidate {
    TimeStampEvidence ev;
    std::optional<Certificate> tsa;
    std::vector<Certificate> token_certs;
  };

  // The archive time-stamps of a CMS signer, checked against the CAdES v3 input.
  std::vector<Candidate> cms_archive_candidates(std::size_t index, const SignerInfoView& si, SignatureReport& r) {
    std::vector<Candidate> intact;
    for (const auto& a : si.unsigned_attrs) {
      if (a.oid != oids::archive_time_stamp_v3) continue;
      for (const auto& value : a.values)
        keep_intact(archive_candidate(value, [&](const TimeStampToken& token) {
                      const auto doc = sd_->attached_content() ? sd_->attached_content() : content_;
                      if (!doc) throw UsageError("the document is needed to check an archive time-stamp");
                      return check_archive_time_stamp(*sd_, index, *doc, token, pool_);
                    }),
                    intact, r);
    }
    return intact;
  }

  // Archive time-stamps over bytes the format computed (XAdES).
  std::vector<Candidate> archive_candidates(const std::vector<Stamp>& stamps, SignatureReport& r) {
    std::vector<Candidate> intact;
    for (const auto& [value, stamped] : stamps)
      keep_intact(archive_candidate(value, [&, bytes = stamped](const TimeStampToken& token) {
                    return check_time_stamp(token, bytes, pool_, options_.sign_options);
                  }),
                  intact, r);
    return intact;
  }

  // One archive time-stamp token, checked by `check` (what it must cover differs by format).
  static Candidate archive_candidate(const Bytes& value,
                                     const std::function<TimeStampCheck(const TimeStampToken&)>& check_token) {
    Candidate c;
    try {
      const auto token = TimeStampToken::parse(value);
      c.ev.time = token.info.gen_time;
      const auto check = check_token(token);
      c.ev.intact = check.ok;
      c.ev.message = check.message;
      if (check.tsa_certificate) {
        c.ev.tsa = check.tsa_certificate->subject().to_string();
        c.tsa = *check.tsa_certificate;
      }
      c.token_certs = SignedDataView::parse(memory_source(token.der)).certificates();
    } catch (const Error& e) {
      c.ev.message = std::string("malformed archive time-stamp: ") + e.what();
    }
    return c;
  }

  static void keep_intact(Candidate c, std::vector<Candidate>& intact, SignatureReport& r) {
    if (c.ev.intact && c.tsa) {
      intact.push_back(std::move(c));
    } else {
      r.warnings.push_back("archive time-stamp not valid: " + c.ev.message);
      r.archive_time_stamps.push_back(c.ev);
    }
  }

  // The newest intact archive time-stamp must be valid now, each older one at the time of the
  // newer one that covers it. Returns the time of the oldest proven one.
  std::optional<TimePoint> archive_proof(std::vector<Candidate> intact, SignatureReport& r) {
    std::sort(intact.begin(), intact.end(), [](const Candidate& a, const Candidate& b) { return *a.ev.time > *b.ev.time; });
    std::optional<TimePoint> proven;  // the time of the newest archive time-stamp proven so far
    for (auto& c : intact) {
      // The newest is judged now (proven empty); each older one at the time of the newer one.
      const std::string why = tsa_untrusted(*c.tsa, c.token_certs, *c.ev.time, proven);
      if (why.empty()) {
        c.ev.valid = true;
        proven = c.ev.time;
        r.level = "LTA";
      } else {
        c.ev.message = why.empty() ? c.ev.message : why;
        r.warnings.push_back("archive time-stamp not valid: " + c.ev.message);
        r.archive_time_stamps.push_back(c.ev);
        break;  // an older one cannot be proven through a broken link
      }
      r.archive_time_stamps.push_back(c.ev);
    }
    return proven;
  }

 private:
  Verdict decide(const SignerCheck& check, const std::vector<Stamp>& stamps, SignatureReport& r,
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
  PathResult build_path(const Certificate& cert, PathOptions po) {
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

  PolicyInputs path_policy_inputs() const {
    PolicyInputs in;
    in.user_initial_policy_set = policy_.required_policies;
    in.initial_explicit_policy = !policy_.required_policies.empty();
    in.initial_policy_mapping_inhibit = policy_.inhibit_policy_mapping;
    in.initial_any_policy_inhibit = policy_.inhibit_any_policy;
    return in;
  }

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
  // Services trust lists grant at `t`: CAs, and for time-stamps also TSAs (TS 119 612 TSA types).
  void add_listed_anchors(std::vector<Certificate>& anchors, TimePoint t, bool time_stamping) const {
    for (const auto& l : listed_)
      if ((l.service.is_ca() || (time_stamping && l.service.is_tsa())) && l.service.status_at(t) == "granted")
        anchors.push_back(l.service.certificate);
  }

  struct Listed {
    TrustService service;
    std::string list;
  };
  std::vector<Listed> listed_;  ///< foreign CAs recognized by verified trust lists
  std::map<std::string, std::string> fetched_from_;  ///< fingerprint -> "fetched: URL" (caIssuers)
  detail::Fetcher fetcher_;
};

}  // namespace

CompleteValidationData collect_complete_validation_data(const SignedDataView& sd, std::size_t index,
                                                        const TrustStore& trust, const ValidationPolicy& policy,
                                                        const ValidateOptions& options, std::vector<std::string>& problems) {
  if (index >= sd.signers().size()) throw UsageError("there is no signer " + std::to_string(index + 1));
  Validator validator(sd, trust, policy, options);
  const auto cert = sd.find_signer_certificate(sd.signers()[index], options.extra_certificates);
  if (!cert) {
    problems.push_back("the certificate of signer " + std::to_string(index + 1) + " is not available");
    return {};
  }
  return validator.complete(*cert, {}, problems);
}

ValidationData collect_validation_data(const SignedDataView& sd, const TrustStore& trust, const ValidationPolicy& policy,
                                       const ValidateOptions& options, bool signers) {
  Validator validator(sd, trust, policy, options);
  ValidationData out;
  for (std::size_t i = 0; i < sd.signers().size(); ++i) {
    if (const auto cert = sd.find_signer_certificate(sd.signers()[i], options.extra_certificates); cert && signers)
      validator.collect(*cert, {}, out);
    for (const auto& [tsa, token_certs] : Validator::tsa_certificates(sd.signers()[i])) validator.collect(tsa, token_certs, out);
  }
  return out;
}

ValidationData collect_xml_validation_data(const std::vector<XmlSignatureCheck>& checks, const TrustStore& trust,
                                           const ValidationPolicy& policy, const ValidateOptions& options) {
  Validator validator(checks, trust, policy, options);
  ValidationData out;
  for (const auto& c : checks) {
    if (!c.check.ok() || !c.check.certificate) {
      out.problems.push_back(c.element + ": " + c.check.message);
      continue;
    }
    validator.collect(*c.check.certificate, {}, out);
    std::vector<std::pair<Certificate, std::vector<Certificate>>> tsas;
    for (const auto& stamp : c.signature_time_stamps) Validator::add_tsa_certificate(stamp.token, tsas);
    for (const auto& [tsa, token_certs] : tsas) validator.collect(tsa, token_certs, out);
  }
  return out;
}

TimeStampEvidence validate_time_stamp(ByteView token_der, ByteView stamped, const TrustStore& trust,
                                      const ValidationPolicy& policy, const ValidateOptions& options) {
  const Bytes der(token_der.begin(), token_der.end());
  std::optional<SignedDataView> sd;
  try {
    sd = SignedDataView::parse(memory_source(der));
  } catch (const FormatError& e) {
    TimeStampEvidence ev;
    ev.message = std::string("malformed time-stamp token: ") + e.what();
    return ev;
  }
  Validator validator(*sd, trust, policy, options);
  return validator.time_stamp_evidence(der, stamped);
}

ValidationReport validate_xml_signatures(ByteView xml, const std::string& what, const DetachedFiles& documents,
                                         const TrustStore& trust, const ValidationPolicy& policy,
                                         const ValidateOptions& options) {
  XmlCheckOptions check_options;
  check_options.sign_options = options.sign_options;
  check_options.extra_certificates = options.extra_certificates;
  check_options.allow_partial = policy.xml_partial_references;
  const auto checks = check_xml_signatures(xml, what, documents, check_options);
  Validator validator(checks, trust, policy, options);
  ValidationReport report;
  for (std::size_t i = 0; i < checks.size(); ++i) report.signatures.push_back(validator.evaluate_xml(checks[i], i + 1));
  return report;
}

ValidationReport validate_signed_data(const SignedDataView& sd, const std::optional<Content>& content,
                                      const TrustStore& trust, const ValidationPolicy& policy,
                                      const ValidateOptions& options) {
  CheckOptions check_options;
  check_options.sign_options = options.sign_options;
  check_options.extra_certificates = options.extra_certificates;
  const auto checks = check_signatures(sd, content, check_options);
  Validator validator(sd, trust, policy, options, content);
  ValidationReport report;
  for (std::size_t i = 0; i < checks.size(); ++i) report.signatures.push_back(validator.run(i, checks[i], sd.signers()[i]));
  return report;
}

RecognizedServices resolve_trust_lists(const std::vector<std::pair<std::string, Bytes>>& lists, const TrustStore& trust,
                                       const ValidationPolicy& policy, TimePoint at) {
  detail::Fetcher fetcher(policy);
  const TrustListFetch fetch = fetcher.trust_list_fetch();
  return recognized_services(lists, trust.anchors, trust.intermediates, at, policy, &fetch);
}

}  // namespace sign
