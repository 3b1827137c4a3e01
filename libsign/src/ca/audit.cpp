// The CA audit log's hash chain: computing and checking it.
#include <sign/ca.hpp>
#include <sign/error.hpp>

#include <nlohmann/json.hpp>

#include <unistd.h>

namespace sign {

std::string audit_entry_hash(const AuditEntry& e) {
  // A JSON array is an unambiguous serialization: no field can run into the next.
  const std::string canonical =
      nlohmann::json::array({e.seq, format_time(e.time), e.actor, e.action, e.details, e.prev_hash}).dump();
  return to_hex(digest_bytes(DigestAlgorithm::sha256,
                             ByteView(reinterpret_cast<const std::uint8_t*>(canonical.data()), canonical.size())));
}

AuditEntry next_audit_entry(std::uint64_t last_seq, const std::string& last_hash, const std::string& actor,
                            const std::string& action, const std::string& details, TimePoint time) {
  AuditEntry e;
  e.seq = last_seq + 1;
  e.prev_hash = last_seq == 0 ? std::string(64, '0') : last_hash;
  e.time = std::chrono::floor<std::chrono::seconds>(time);
  e.actor = actor;
  e.action = action;
  e.details = details;
  e.hash = audit_entry_hash(e);
  return e;
}

AuditCheck verify_audit_log(const std::vector<AuditEntry>& log, const std::string& expected_head) {
  AuditCheck c;
  c.entries = log.size();
  std::string prev(64, '0');
  std::uint64_t expected_seq = 1;
  auto fail = [&](std::uint64_t seq, std::string why) {
    c.ok = false;
    c.first_bad_seq = seq;
    c.problem = std::move(why);
    return c;
  };
  for (const auto& e : log) {
    if (e.seq != expected_seq)
      return fail(expected_seq, e.seq > expected_seq ? "entries " + std::to_string(expected_seq) + ".." + std::to_string(e.seq - 1) + " are missing (deleted)"
                                                     : "entry " + std::to_string(e.seq) + " is out of order");
    if (e.prev_hash != prev)
      return fail(e.seq, "its link to entry " + std::to_string(e.seq - 1) + " is broken (that entry or this one was edited)");
    if (audit_entry_hash(e) != e.hash) return fail(e.seq, "its content does not match its hash (edited)");
    prev = e.hash;
    ++expected_seq;
  }
  c.head_hash = log.empty() ? std::string() : log.back().hash;
  if (!expected_head.empty()) {
    const auto colon = expected_head.find(':');
    std::uint64_t seq = 0;
    try {
      seq = std::stoull(expected_head.substr(0, colon));
    } catch (const std::exception&) {
    }
    if (colon == std::string::npos || seq == 0) throw UsageError("--expect-head must be SEQ:HASH as `xsign ca log --head` prints it");
    const std::string hash = expected_head.substr(colon + 1);
    if (seq > log.size()) return fail(seq, "the log ends at entry " + std::to_string(log.size()) + " (entries at its end were deleted)");
    if (log[seq - 1].hash != hash) return fail(seq, "it is not the entry recorded earlier (the log was rewritten from here)");
  }
  return c;
}

std::string CertificateAuthority::default_actor() {
  std::string who;
  if (const char* a = std::getenv("XSIGN_ACTOR"); a && *a) who = a;
  else {
    const char* user = std::getenv("SUDO_USER");
    if (!user || !*user) user = std::getenv("LOGNAME");
    if (!user || !*user) user = std::getenv("USER");
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    who = std::string(user && *user ? user : ("uid " + std::to_string(::geteuid())).c_str()) + "@" + host;
  }
  return who + " (pid " + std::to_string(::getpid()) + ")";
}

}  // namespace sign
