// The Validator's revocation step: for every certificate of a path below its anchor, the
// newest usable evidence — CRLs (with their delta CRLs) and OCSP answers at hand, fetched when
// the policy allows — in the policy's order, judged fresh against the proof of existence.
// Also the collection of that evidence to embed in a signature (LT, XL1).
#include "validate/validator.hpp"
#include "support/per_thread_memo.hpp"

#include <sign/error.hpp>

#include <algorithm>
#include <random>

namespace sign::detail {

using Ind = Indication;
using Sub = SubIndication;

namespace {

// The OCSP CertID of `cert` and its DER in hex (the cache key), made once per certificate in a
// thread: two digests and an encoding for every certificate of every validation otherwise.
std::pair<OcspCertId, std::string> cert_id_of(const Certificate& cert, const Certificate& issuer) {
  thread_local PerThreadMemo<std::pair<OcspCertId, std::string>> made;
  return made.get(issuer.fingerprint() + cert.fingerprint(), [&] {
    auto id = OcspCertId::of(cert, issuer);
    std::string hex = to_hex(id.encode());
    return std::make_pair(std::move(id), std::move(hex));
  });
}

}  // namespace

/// Adds the path of `cert` and revocation values for it to `out`.
void Validator::collect(const Certificate& cert, const std::vector<Certificate>& extra_pool, ValidationData& out) {
  const auto data = complete(cert, extra_pool, out.problems);
  for (std::size_t i = 0; i < data.path.size(); ++i) {
    append_unique(out.certificates, data.path[i].der());
    if (i < data.ocsp.size() && data.ocsp[i]) append_unique(out.ocsp_responses, *data.ocsp[i]);
    if (i < data.crls.size() && data.crls[i]) append_unique(out.crls, *data.crls[i]);
  }
}

/// The path of `cert` (signer first) and, for each certificate below the anchor, the OCSP
/// response or CRL that vouches for it now; what is missing goes to `problems`.
CompleteValidationData Validator::complete(const Certificate& cert, const std::vector<Certificate>& extra_pool,
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

void Validator::append_unique(std::vector<Bytes>& v, const Bytes& b) {
  if (std::find(v.begin(), v.end(), b) == v.end()) v.push_back(b);
}

// The newest CRL from `cert`'s issuer (same name, signed by its key, issued by the validation
// time); fetched from the certificate's distribution points when none is at hand.
const CrlSource* Validator::crl_for(const Certificate& cert, const Certificate& issuer,
                                    std::optional<TimePoint> valid_at, bool has_poe, std::chrono::seconds allowance,
                                    bool may_fetch) {
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
const CrlSource* Validator::delta_for(const Certificate& cert, const Certificate& issuer, const Crl& base) {
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
bool Validator::fresh_enough(TimePoint this_update, std::optional<TimePoint> next_update, TimePoint valid_at,
                             bool has_poe, std::chrono::seconds allowance) const {
  if (has_poe) return this_update + allowance >= valid_at;
  return next_update ? *next_update + policy_.clock_skew >= at_ : this_update + policy_.revocation_max_age >= at_;
}

// Why a responder may not vouch for `issuer`'s certificates at this time (RFC 6960 §4.2.2.2),
// or empty. The issuer itself always may; a delegated responder must be valid when it signed
// and, without proof of existence, still now.
std::string Validator::responder_problem(const Certificate& signer, const Certificate& issuer, const OcspResponse& resp,
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
std::string Validator::staleness(const OcspSingleResponse& single, TimePoint valid_at, bool has_poe,
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
std::optional<FoundOcsp> Validator::ocsp_for(const Certificate& cert, const Certificate& issuer, TimePoint valid_at,
                                             bool has_poe, std::vector<std::string>& notes,
                                             std::chrono::seconds allowance, bool* fetch_failed) {
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
  const auto urls = cert.ocsp_urls();
  if (urls.empty()) return best;
  // Named members, not a structured binding: the lambda below captures them (clang 14 cannot
  // capture structured bindings).
  const auto made_id = cert_id_of(cert, issuer);
  const OcspCertId& cert_id = made_id.first;
  const std::string& cert_id_hex = made_id.second;
  for (const auto& url : urls) {
    OcspRequest req;
    // Made only when the network is asked (not for an answer from the cache, nor for a
    // responder that failed moments ago).
    const auto make_request = [&] {
      req.ids = {cert_id};
      // A fresh nonce (RFC 8954: 32 octets) binds the answer to this request: a replayed old
      // "good" is refused.
      req.nonce.clear();
      if (policy_.ocsp_nonce != Nonce::off) {
        std::random_device rd;
        for (int i = 0; i < 32; ++i) req.nonce.push_back(static_cast<std::uint8_t>(rd()));
      }
      return req.encode();
    };
    const std::string key = url + " " + cert_id_hex;
    // With nonces required, every answer must be fresh for this request: no cache.
    auto answer = fetcher_.ocsp(url, key, make_request, warnings_, policy_.ocsp_nonce != Nonce::require);
    if (!answer) {
      if (fetch_failed) *fetch_failed = true;
      continue;
    }
    if (answer->from_cache) {
      add_ocsp(answer->body, "cache: " + url);
      if (newest()) {
        fetched = true;
        continue;
      }
      // The cached answer does not do for this signature (older than its time-stamp): ask.
      answer = fetcher_.ocsp(url, key, make_request, warnings_, false);
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
std::optional<Verdict> Validator::revocation(const std::vector<Certificate>& path, TimePoint valid_at, bool has_poe,
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

}  // namespace sign::detail
