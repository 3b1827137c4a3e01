// The Validator's time-stamps: a signature time-stamp proves when the signature existed; archive
// time-stamps (CAdES v3, XAdES) prove, newest first, that older time-stamps existed while their
// TSAs were still valid (past signature validation, EN 319 102-1 §5.6.2.4).
#include "validate/validator.hpp"

#include <sign/error.hpp>

#include <algorithm>

namespace sign::detail {

// A valid signature time-stamp gives proof that the signature existed at its genTime. When
// its TSA certificate has since expired or been revoked, a valid archive time-stamp over it
// (`archive_poe`) can still prove it (past signature validation, EN 319 102-1 §5.6.2.4).
std::optional<TimePoint> Validator::proof_of_existence(const std::vector<Stamp>& stamps, SignatureReport& r,
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

/// A time-stamp token over `stamped`: its own check (signature, ESS binding, EKU, imprint
/// of exactly these bytes), then its TSA's path to one of the verifier's anchors and the
/// revocation status of that path. Valid only when all of it holds.
TimeStampEvidence Validator::time_stamp_evidence(const Bytes& token_der, ByteView stamped,
                                                 std::optional<TimePoint> token_poe) {
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
std::string Validator::tsa_untrusted(const Certificate& tsa, const std::vector<Certificate>& token_certs,
                                     TimePoint gen_time, std::optional<TimePoint> token_poe) {
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

// The archive time-stamps of a CMS signer, checked against the CAdES v3 input.
std::vector<Validator::Candidate> Validator::cms_archive_candidates(std::size_t index, const SignerInfoView& si,
                                                                    SignatureReport& r) {
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
std::vector<Validator::Candidate> Validator::archive_candidates(const std::vector<Stamp>& stamps, SignatureReport& r) {
  std::vector<Candidate> intact;
  for (const auto& [value, stamped] : stamps)
    keep_intact(archive_candidate(value, [&, bytes = stamped](const TimeStampToken& token) {
                  return check_time_stamp(token, bytes, pool_, options_.sign_options);
                }),
                intact, r);
  return intact;
}

// One archive time-stamp token, checked by `check` (what it must cover differs by format).
Validator::Candidate Validator::archive_candidate(
    const Bytes& value, const std::function<TimeStampCheck(const TimeStampToken&)>& check_token) {
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

void Validator::keep_intact(Candidate c, std::vector<Candidate>& intact, SignatureReport& r) {
  if (c.ev.intact && c.tsa) {
    intact.push_back(std::move(c));
  } else {
    r.warnings.push_back("archive time-stamp not valid: " + c.ev.message);
    r.archive_time_stamps.push_back(c.ev);
  }
}

// The newest intact archive time-stamp must be valid now, each older one at the time of the
// newer one that covers it. Returns the time of the oldest proven one.
std::optional<TimePoint> Validator::archive_proof(std::vector<Candidate> intact, SignatureReport& r) {
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

}  // namespace sign::detail
