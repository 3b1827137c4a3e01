// What every CaStore shares: telling store locations apart, keeping passwords out of
// messages, and copying one store into another (`xsign ca migrate`).
#include <sign/ca.hpp>
#include <sign/error.hpp>

#include <regex>

namespace sign {

bool is_postgresql_url(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string redact_store_url(const std::string& url) {
  // postgresql://user:SECRET@host/... and password=SECRET (query parameter or key=value form)
  static const std::regex userinfo(R"(^(postgres(?:ql)?://[^:/@?]*:)[^@/?]*@)");
  static const std::regex parameter(R"((password=)[^&\s]*)", std::regex::icase);
  std::string out = std::regex_replace(url, userinfo, "$1***@");
  return std::regex_replace(out, parameter, "$1***");
}

namespace {
// The documents a CA keeps: its identity and the CRLs it published last.
constexpr const char* kDocuments[] = {"ca-certificate", "crl", "delta-crl"};
}  // namespace

std::size_t copy_ca_store(CaStore& from, CaStore& to) {
  const auto records = from.list();
  const auto counters = from.counters();
  const auto log = from.audit_log();
  const auto check = verify_audit_log(log);
  if (!check.ok)
    throw FormatError(from.location() + ": the audit log is broken at entry " + std::to_string(check.first_bad_seq) +
                      " (" + check.problem + "); nothing was copied");
  to.transaction([&] {
    if (!to.list().empty() || !to.audit_log().empty() || !to.counters().empty())
      throw UsageError(to.location() + " already holds a CA's rows; copy into an empty database");
    for (const auto& r : records) {
      to.add_issued(r);
      if (r.revoked) to.mark_revoked(r.serial_hex, r.revocation_time, r.reason);
    }
    for (const auto& [name, value] : counters) to.advance_counter(name, value);
    // Appending the same entries in order reproduces the same hash chain; any difference
    // (a clock or encoding change) stops the copy rather than leaving an unverifiable log.
    for (const auto& e : log) {
      const AuditEntry copied = to.append_audit(e.actor, e.action, e.details, e.time);
      if (copied.seq != e.seq || copied.hash != e.hash)
        throw InternalError("audit entry " + std::to_string(e.seq) + " did not copy exactly; nothing was copied");
    }
    for (const char* name : kDocuments)
      if (auto d = from.load_document(name)) to.save_document(name, *d);
  });
  // Read back what landed.
  const auto copied = to.list();
  const auto copied_log = to.audit_log();
  if (copied.size() != records.size() || copied_log.size() != log.size() ||
      (!log.empty() && copied_log.back().hash != log.back().hash))
    throw IoError(to.location() + ": the copy does not hold what " + from.location() + " holds");
  for (std::size_t i = 0; i < records.size(); ++i)
    if (copied[i].serial_hex != records[i].serial_hex || copied[i].revoked != records[i].revoked ||
        copied[i].der != records[i].der)
      throw IoError(to.location() + ": certificate " + records[i].serial_hex + " did not copy exactly");
  return records.size();
}

}  // namespace sign
