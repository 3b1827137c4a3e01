// Certification path building and validation (RFC 5280 §6, the subset our profiles use):
// depth-first search from the target towards any trust anchor through intermediates and
// cross-certificates, trying every candidate issuer, never revisiting a certificate.
#include <sign/pki.hpp>

#include "pki/policy_tree.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace sign {
namespace {

using Status = PathResult::Status;

// Bound on signature checks per validation: keeps hostile pools from costing unbounded work.
constexpr std::size_t kMaxSignatureChecks = 256;

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 5280 §4.2.1.10: a name is within a directoryName subtree when the subtree's RDNs are a
// prefix of the name's RDNs.
bool within(const DistinguishedName& name, const DistinguishedName& base) {
  const auto& n = name.attributes();
  const auto& b = base.attributes();
  if (b.size() > n.size()) return false;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (n[i].oid != b[i].oid || lower(n[i].value) != lower(b[i].value)) return false;
  return true;
}

std::string describe(const Certificate& c) { return "'" + c.subject().to_string() + "'"; }

class PathBuilder {
 public:
  explicit PathBuilder(const PathOptions& o) : opts_(o) {}

  PathResult run(const Certificate& target) {
    std::vector<Certificate> path{target};
    std::set<std::string> seen{target.fingerprint()};
    search(path, seen);
    if (best_) return *best_;
    PathResult r;
    r.status = Status::no_path;
    r.message = budget_exhausted_
                    ? "path search gave up after " + std::to_string(kMaxSignatureChecks) + " signature checks"
                    : "no chain from " + describe(target) + " to a trusted root was found";
    return r;
  }

 private:
  bool is_anchor(const Certificate& c) const {
    return std::any_of(opts_.anchors.begin(), opts_.anchors.end(),
                       [&](const Certificate& a) { return a == c; });
  }

  static bool is_self_signed_root(const Certificate& c) {
    return c.is_self_issued() && (c.authority_key_id().empty() || c.authority_key_id() == c.subject_key_id());
  }

  bool may_issue(const Certificate& issuer, const Certificate& child) const {
    if (!(issuer.subject() == child.issuer())) return false;
    // When both key identifiers are present they must agree (cross-certificates carry the
    // subject CA's own SKI precisely so that this works).
    return child.authority_key_id().empty() || issuer.subject_key_id().empty() ||
           child.authority_key_id() == issuer.subject_key_id();
  }

  // Returns true when a valid path was found (search stops).
  bool search(std::vector<Certificate>& path, std::set<std::string>& seen) {
    const Certificate current = path.back();  // a copy: path grows below
    if (is_anchor(current)) {
      PathResult r = validate(path);
      if (r.ok()) {
        best_ = std::move(r);
        return true;
      }
      if (!best_) best_ = std::move(r);
      return false;
    }
    if (path.size() > opts_.max_depth) return false;
    std::vector<const Certificate*> candidates;
    for (const auto& c : opts_.anchors) candidates.push_back(&c);
    for (const auto& c : opts_.intermediates) candidates.push_back(&c);
    for (const Certificate* cand : candidates) {
      if (!may_issue(*cand, current) || seen.count(cand->fingerprint())) continue;
      // A self-signed root that is not one of our anchors only lengthens a path: the
      // cross-certificate for the same key is the link to our anchor.
      if (is_self_signed_root(*cand) && !is_anchor(*cand)) continue;
      if (++signature_checks_ > kMaxSignatureChecks) {
        budget_exhausted_ = true;
        return false;
      }
      if (!current.verify_signature(cand->public_key())) {
        if (!best_) {
          PathResult r;
          r.status = Status::bad_signature;
          r.message = "signature on " + describe(current) + " does not verify with the key of its issuer " +
                      describe(*cand);
          r.path = path;
          best_ = std::move(r);
        }
        continue;
      }
      path.push_back(*cand);
      seen.insert(cand->fingerprint());
      if (search(path, seen)) return true;
      seen.erase(cand->fingerprint());
      path.pop_back();
    }
    return false;
  }

  PathResult fail(Status s, std::string message, const std::vector<Certificate>& path) const {
    PathResult r;
    r.status = s;
    r.message = std::move(message);
    r.path = path;
    return r;
  }

  // path[0] is the target, path.back() the anchor; every signature is already checked.
  PathResult validate(const std::vector<Certificate>& path) const {
    const TimePoint t = opts_.validation_time;
    for (const auto& c : path) {
      if (t + opts_.clock_skew < c.not_before())
        return fail(Status::not_yet_valid, describe(c) + " is not valid before " + format_time(c.not_before()), path);
      if (t > c.not_after())
        return fail(Status::expired, describe(c) + " expired at " + format_time(c.not_after()), path);
    }
    // RFC 5280 §4.2: a certificate with a critical extension we do not process must be
    // rejected. The anchor is trust anchor information, not a certificate we process.
    for (std::size_t i = 0; i + 1 < path.size(); ++i)
      if (!path[i].unknown_critical_extensions().empty())
        return fail(Status::constraints_failure,
                    describe(path[i]) + " has a critical extension this validator does not process (" +
                        path[i].unknown_critical_extensions().front() + ")",
                    path);
    // Issuer constraints, from the certificate just above the target up to the anchor.
    for (std::size_t i = 1; i < path.size(); ++i) {
      const auto& ca = path[i];
      if (!ca.is_ca())
        return fail(Status::constraints_failure, describe(ca) + " issued a certificate but is not a CA (basicConstraints)", path);
      if (ca.key_usage() && !(*ca.key_usage() & kKeyCertSign))
        return fail(Status::constraints_failure, describe(ca) + " lacks keyCertSign in keyUsage", path);
      if (ca.path_len()) {
        // Non-self-issued intermediate CA certificates below this one (RFC 5280 §6.1.4 (l)).
        std::size_t below = 0;
        for (std::size_t j = 1; j < i; ++j)
          if (!path[j].is_self_issued()) ++below;
        if (below > *ca.path_len())
          return fail(Status::constraints_failure,
                      describe(ca) + " allows " + std::to_string(*ca.path_len()) + " CA(s) below it, the path has " +
                          std::to_string(below),
                      path);
      }
      for (std::size_t j = 0; j < i; ++j) {
        const auto& subject = path[j].subject();
        if (j > 0 && path[j].is_self_issued()) continue;
        const auto& permitted = ca.permitted_subtrees();
        if (!permitted.empty() &&
            std::none_of(permitted.begin(), permitted.end(), [&](const auto& b) { return within(subject, b); }))
          return fail(Status::constraints_failure,
                      describe(path[j]) + " is outside the names permitted by " + describe(ca), path);
        for (const auto& b : ca.excluded_subtrees())
          if (within(subject, b))
            return fail(Status::constraints_failure,
                        describe(path[j]) + " is in names excluded by " + describe(ca), path);
      }
    }
    std::vector<std::string> valid_policies;
    if (path.size() > 1) {
      const auto policies = detail::process_policies(path, opts_.policy);
      if (!policies.ok) return fail(Status::constraints_failure, policies.message, path);
      valid_policies = policies.valid_policies;
    }
    // Revocation, for every certificate below the anchor.
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      const auto& cert = path[i];
      const auto& issuer = path[i + 1];
      const Crl* crl = find_crl(cert, issuer, opts_.crls, t);
      if (!crl) {
        if (opts_.require_revocation_info)
          return fail(Status::revocation_unknown, "no valid CRL from the issuer of " + describe(cert), path);
        continue;
      }
      if (const auto* entry = crl->find(cert.serial()); entry && entry->revocation_time <= t) {
        PathResult r = fail(Status::revoked,
                            describe(cert) + " was revoked at " + format_time(entry->revocation_time) + " (" +
                                std::string(reason_name(entry->reason)) + ")",
                            path);
        r.revocation = *entry;
        return r;
      }
      if (opts_.require_revocation_info && crl->next_update() && *crl->next_update() < t)
        return fail(Status::revocation_unknown, "the CRL for " + describe(cert) + " is out of date", path);
    }
    PathResult r;
    r.status = Status::valid;
    r.path = path;
    r.message = "valid";
    r.valid_policies = std::move(valid_policies);
    return r;
  }

  const PathOptions& opts_;
  std::optional<PathResult> best_;
  std::size_t signature_checks_ = 0;
  bool budget_exhausted_ = false;
};

}  // namespace

std::string_view status_name(PathResult::Status s) {
  switch (s) {
    case Status::valid: return "valid";
    case Status::no_path: return "no_path";
    case Status::bad_signature: return "bad_signature";
    case Status::expired: return "expired";
    case Status::not_yet_valid: return "not_yet_valid";
    case Status::revoked: return "revoked";
    case Status::constraints_failure: return "constraints_failure";
    case Status::revocation_unknown: return "revocation_unknown";
  }
  return "unknown";
}

const Crl* find_crl(const Certificate& cert, const Certificate& issuer, const std::vector<Crl>& crls, TimePoint at) {
  const Crl* best = nullptr;
  for (const auto& c : crls) {
    if (c.delta_base()) continue;  // a delta CRL lists changes, never the complete state
    if (!(c.issuer() == cert.issuer()) || c.this_update() > at) continue;
    if (best && c.this_update() <= best->this_update()) continue;
    if (c.verify_signature(issuer.public_key())) best = &c;
  }
  return best;
}

PathResult validate_path(const Certificate& target, const PathOptions& options) {
  return PathBuilder(options).run(target);
}

}  // namespace sign
