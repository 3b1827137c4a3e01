// Validation policy in TOML. Same strictness as CA profiles: unknown fields are errors.
#include <sign/error.hpp>
#include <sign/trust.hpp>

#include <toml++/toml.h>

#include <set>
#include <sstream>

namespace sign {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) { throw FormatError(path + ": " + what); }

std::vector<std::string> strings(const toml::node& node, const std::string& path, const std::string& key) {
  const auto* arr = node.as_array();
  if (!arr) bad(path, "'" + key + "' must be an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *arr) {
    if (!item.is_string()) bad(path, "'" + key + "' must be an array of strings");
    out.push_back(std::string(*item.value<std::string>()));
  }
  return out;
}

}  // namespace

std::string_view revocation_mode_name(ValidationPolicy::Revocation r) {
  switch (r) {
    case ValidationPolicy::Revocation::require: return "require";
    case ValidationPolicy::Revocation::if_available: return "if-available";
    case ValidationPolicy::Revocation::off: return "off";
  }
  return "require";
}

bool ValidationPolicy::accepts(Suite s) const {
  return std::find(accepted_suites.begin(), accepted_suites.end(), s) != accepted_suites.end();
}

bool ValidationPolicy::accepts(Suite s, TimePoint at) const {
  if (s == Suite::gost2001 && gost2001_until && at < *gost2001_until) return true;
  return accepts(s);
}

ValidationPolicy ValidationPolicy::load(const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    bad(path, std::string(e.description()) + " at " + where.str());
  }
  ValidationPolicy p;
  for (const auto& [k, node] : t) {
    const std::string key(k.str());
    if (key == "accepted_suites") {
      p.accepted_suites.clear();
      for (const auto& s : strings(node, path, key)) {
        try {
          p.accepted_suites.push_back(parse_suite(s));
        } catch (const UsageError& e) {
          bad(path, e.what());
        }
      }
    } else if (key == "qualified_profile") {
      const auto v = node.value<std::string>();
      if (!v || (*v != "ru" && *v != "none")) bad(path, "'qualified_profile' must be \"ru\" or \"none\"");
      p.qualified_profile = *v == "none" ? "" : *v;
    } else if (key == "gost2001_until") {
      const auto v = node.value<std::string>();
      if (!v) bad(path, "'gost2001_until' must be a date (\"2020-01-01\") or \"never\"");
      if (*v == "never") {
        p.gost2001_until.reset();
      } else {
        try {
          p.gost2001_until = parse_time(*v);
        } catch (const Error&) {
          bad(path, "'gost2001_until' must be a date (\"2020-01-01\") or \"never\"");
        }
      }
    } else if (key == "min_key_bits") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0) bad(path, "'min_key_bits' must be a non-negative integer");
      p.min_key_bits = static_cast<std::size_t>(*v);
    } else if (key == "revocation") {
      const auto v = node.value<std::string>();
      if (v == "require") p.revocation = Revocation::require;
      else if (v == "if-available") p.revocation = Revocation::if_available;
      else if (v == "off") p.revocation = Revocation::off;
      else bad(path, "'revocation' must be \"require\", \"if-available\" or \"off\"");
    } else if (key == "clock_skew_seconds" || key == "fetch_timeout_seconds" || key == "fetch_total_timeout_seconds" ||
               key == "fetch_retry_after_seconds") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > 86400) bad(path, "'" + key + "' must be 0..86400");
      (key == "clock_skew_seconds"            ? p.clock_skew
       : key == "fetch_timeout_seconds"       ? p.fetch_timeout
       : key == "fetch_total_timeout_seconds" ? p.fetch_total_timeout
                                              : p.fetch_retry_after) = std::chrono::seconds(*v);
    } else if (key == "revocation_order") {
      const auto v = node.value<std::string>();
      if (v == "ocsp-first") p.revocation_order = ValidationPolicy::RevocationOrder::ocsp_first;
      else if (v == "crl-first") p.revocation_order = ValidationPolicy::RevocationOrder::crl_first;
      else bad(path, "'revocation_order' must be \"ocsp-first\" or \"crl-first\"");
    } else if (key == "ocsp_nonce") {
      const auto v = node.value<std::string>();
      if (v == "send") p.ocsp_nonce = ValidationPolicy::OcspNonce::send;
      else if (v == "require") p.ocsp_nonce = ValidationPolicy::OcspNonce::require;
      else if (v == "off") p.ocsp_nonce = ValidationPolicy::OcspNonce::off;
      else bad(path, "'ocsp_nonce' must be \"send\", \"require\" or \"off\"");
    } else if (key == "tls_ca_file" || key == "cache_dir") {
      const auto v = node.value<std::string>();
      if (!v) bad(path, "'" + key + "' must be a path");
      (key == "tls_ca_file" ? p.tls_ca_file : p.cache_dir) = *v;
    } else if (key == "cache_max_bytes") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > (std::int64_t{1} << 40)) bad(path, "'cache_max_bytes' must be 0..1099511627776");
      p.cache_max_bytes = static_cast<std::size_t>(*v);
    } else if (key == "revocation_freshness_seconds" || key == "ca_revocation_freshness_seconds") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > 366LL * 86400) bad(path, "'" + key + "' must be 0..31622400 (a year)");
      (key == "revocation_freshness_seconds" ? p.revocation_freshness : p.ca_revocation_freshness) = std::chrono::seconds(*v);
    } else if (key == "revocation_max_age_seconds") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > 10LL * 366 * 86400) bad(path, "'" + key + "' must be 0..316224000 (ten years)");
      p.revocation_max_age = std::chrono::seconds(*v);
    } else if (key == "fetch_max_bytes" || key == "fetch_max_requests") {
      const auto v = node.value<std::int64_t>();
      if (!v || *v < 0 || *v > (std::int64_t{1} << 32)) bad(path, "'" + key + "' must be 0..4294967296");
      (key == "fetch_max_bytes" ? p.fetch_max_bytes : p.fetch_max_requests) = static_cast<std::size_t>(*v);
    } else if (key == "allow_cross_border" || key == "require_signing_key_usage" || key == "require_document_eku" ||
               key == "fetch_revocation" || key == "fetch_private_addresses" || key == "inhibit_policy_mapping" ||
               key == "inhibit_any_policy" || key == "require_signing_certificate" ||
               key == "xml_partial_references" || key == "countersignature_failure_fails" || key == "fetch_ca_issuers" || key == "cache") {
      const auto v = node.value<bool>();
      if (!v) bad(path, "'" + key + "' must be true or false");
      if (key == "allow_cross_border") p.allow_cross_border = *v;
      if (key == "require_signing_key_usage") p.require_signing_key_usage = *v;
      if (key == "require_document_eku") p.require_document_eku = *v;
      if (key == "fetch_revocation") p.fetch_revocation = *v;
      if (key == "fetch_private_addresses") p.fetch_private_addresses = *v;
      if (key == "inhibit_policy_mapping") p.inhibit_policy_mapping = *v;
      if (key == "inhibit_any_policy") p.inhibit_any_policy = *v;
      if (key == "require_signing_certificate") p.require_signing_certificate = *v;
      if (key == "xml_partial_references") p.xml_partial_references = *v;
      if (key == "countersignature_failure_fails") p.countersignature_failure_fails = *v;
      if (key == "fetch_ca_issuers") p.fetch_ca_issuers = *v;
      if (key == "cache") p.cache = *v;
    } else if (key == "recognized_cross_certificates") {
      p.recognized_cross_certificates = strings(node, path, key);
      for (auto& f : p.recognized_cross_certificates) {
        std::string clean;
        for (char c : f)
          if (c != ':') clean += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (clean.size() != 64) bad(path, "'" + f + "' is not a SHA-256 fingerprint");
        f = clean;
      }
    } else if (key == "required_policies") {
      p.required_policies = strings(node, path, key);
      for (const auto& oid : p.required_policies)
        if (oid.empty() || oid.find_first_not_of("0123456789.") != std::string::npos)
          bad(path, "'" + oid + "' in required_policies is not a dotted OID");
    } else {
      bad(path, "unknown field '" + key + "'");
    }
  }
  return p;
}

}  // namespace sign
