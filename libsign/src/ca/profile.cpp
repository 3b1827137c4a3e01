// Domain profiles in TOML. Every field is checked: an unknown field is an error (a typo in a
// CA profile must not silently drop an extension).
#include <sign/ca.hpp>
#include <sign/error.hpp>

#include <toml++/toml.h>

#include <set>

namespace sign {
namespace {

struct NamedBit {
  std::string_view name;
  unsigned bit;
};
constexpr NamedBit kKeyUsage[] = {
    {"digitalSignature", kDigitalSignature}, {"nonRepudiation", kNonRepudiation},
    {"keyEncipherment", kKeyEncipherment},   {"dataEncipherment", kDataEncipherment},
    {"keyAgreement", kKeyAgreement},         {"keyCertSign", kKeyCertSign},
    {"cRLSign", kCrlSign},
};

struct NamedOid {
  std::string_view name;
  std::string_view oid;
};
constexpr NamedOid kEku[] = {
    {"documentSigning", oids::eku_document_signing},
    {"emailProtection", oids::eku_email_protection},
    {"timeStamping", oids::eku_time_stamping},
    {"OCSPSigning", oids::eku_ocsp_signing},
};

class Reader {
 public:
  Reader(const toml::table& t, std::string where, std::string file)
      : t_(t), where_(std::move(where)), file_(std::move(file)) {}

  // Every key must have been read by the time the table is done.
  void finish() const {
    for (const auto& [k, v] : t_)
      if (!read_.count(std::string(k.str())))
        fail("unknown field '" + std::string(k.str()) + "'");
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(file_ + ": [" + where_ + "] " + what);
  }

  std::string str(const std::string& key, bool required) {
    read_.insert(key);
    const auto* node = t_.get(key);
    if (!node) {
      if (required) fail("missing field '" + key + "'");
      return {};
    }
    if (!node->is_string()) fail("field '" + key + "' must be a string");
    return std::string(*node->value<std::string>());
  }

  std::optional<unsigned> uint(const std::string& key) {
    read_.insert(key);
    const auto* node = t_.get(key);
    if (!node) return std::nullopt;
    const auto v = node->value<std::int64_t>();
    if (!node->is_integer() || !v || *v < 0 || *v > 100000)
      fail("field '" + key + "' must be a non-negative integer");
    return static_cast<unsigned>(*v);
  }

  bool boolean(const std::string& key) {
    read_.insert(key);
    const auto* node = t_.get(key);
    if (!node) return false;
    if (!node->is_boolean()) fail("field '" + key + "' must be true or false");
    return *node->value<bool>();
  }

  std::vector<std::string> strings(const std::string& key) {
    read_.insert(key);
    std::vector<std::string> out;
    const auto* node = t_.get(key);
    if (!node) return out;
    const auto* arr = node->as_array();
    if (!arr) fail("field '" + key + "' must be an array of strings");
    for (const auto& item : *arr) {
      if (!item.is_string()) fail("field '" + key + "' must be an array of strings");
      out.push_back(std::string(*item.value<std::string>()));
    }
    return out;
  }

  const toml::table* table(const std::string& key, bool required) {
    read_.insert(key);
    const auto* node = t_.get(key);
    if (!node) {
      if (required) fail("missing table '" + key + "'");
      return nullptr;
    }
    if (!node->is_table()) fail("'" + key + "' must be a table");
    return node->as_table();
  }

  const std::string& file() const { return file_; }

 private:
  const toml::table& t_;
  std::string where_, file_;
  std::set<std::string> read_;
};

bool looks_like_oid(const std::string& s) {
  return !s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) && s.find('.') != std::string::npos;
}

CaLevelProfile read_level(Reader& parent, const std::string& key) {
  Reader r(*parent.table(key, true), key, parent.file());
  CaLevelProfile level;
  level.subject = r.str("subject", true);
  try {
    DistinguishedName::parse(level.subject);
  } catch (const UsageError& e) {
    r.fail(e.what());
  }
  level.validity_days = r.uint("validity_days").value_or(level.validity_days);
  level.path_len = r.uint("path_len");
  r.finish();
  return level;
}

CertificateProfile read_profile(const toml::table& t, const std::string& name, const std::string& file) {
  Reader r(t, "profiles." + name, file);
  CertificateProfile p;
  p.name = name;
  p.validity_days = r.uint("validity_days").value_or(p.validity_days);
  for (const auto& ku : r.strings("key_usage")) {
    const auto* it = std::find_if(std::begin(kKeyUsage), std::end(kKeyUsage), [&](const auto& n) { return n.name == ku; });
    if (it == std::end(kKeyUsage)) r.fail("unknown key_usage '" + ku + "'");
    p.key_usage |= it->bit;
  }
  for (const auto& e : r.strings("extended_key_usage")) {
    const auto* it = std::find_if(std::begin(kEku), std::end(kEku), [&](const auto& n) { return n.name == e; });
    if (it != std::end(kEku)) p.extended_key_usage.emplace_back(it->oid);
    else if (looks_like_oid(e)) p.extended_key_usage.push_back(e);
    else r.fail("unknown extended_key_usage '" + e + "'");
  }
  p.extended_key_usage_critical = r.boolean("extended_key_usage_critical");
  p.ocsp_nocheck = r.boolean("ocsp_nocheck");
  r.finish();
  return p;
}

}  // namespace

DomainProfile DomainProfile::load(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream where;
    where << e.source().begin;
    throw FormatError(path + ": " + std::string(e.description()) + " at " + where.str());
  }
  Reader top(root, "top level", path);
  DomainProfile d;
  {
    Reader r(*top.table("domain", true), "domain", path);
    d.name = r.str("name", true);
    try {
      d.suite = parse_suite(r.str("suite", true));
    } catch (const UsageError& e) {
      r.fail(e.what());
    }
    d.country = r.str("country", true);
    d.policies = r.strings("policies");
    for (const auto& p : d.policies)
      if (!looks_like_oid(p)) r.fail("policy '" + p + "' is not an OID");
    d.crl_base_url = r.str("crl_base_url", false);
    d.ocsp_url = r.str("ocsp_url", false);
    d.ca_issuers_base_url = r.str("ca_issuers_base_url", false);
    d.subject_sign_tool = r.str("subject_sign_tool", false);
    d.issuer_sign_tool = r.strings("issuer_sign_tool");
    if (!d.issuer_sign_tool.empty() && d.issuer_sign_tool.size() != 4)
      r.fail("issuer_sign_tool must list exactly 4 strings (tool, CA tool, tool certificate, CA certificate)");
    r.finish();
  }
  d.root = read_level(top, "root");
  d.issuing = read_level(top, "issuing");
  if (const auto* profiles = top.table("profiles", true)) {
    for (const auto& [name, node] : *profiles) {
      if (!node.is_table()) top.fail("profiles." + std::string(name.str()) + " must be a table");
      d.profiles[std::string(name.str())] = read_profile(*node.as_table(), std::string(name.str()), path);
    }
  }
  top.finish();
  return d;
}

const CertificateProfile& DomainProfile::profile(const std::string& name) const {
  const auto it = profiles.find(name);
  if (it != profiles.end()) return it->second;
  std::string valid;
  for (const auto& [k, v] : profiles) valid += (valid.empty() ? "" : ", ") + k;
  throw UsageError("unknown certificate profile '" + name + "' (this domain has: " + valid + ")");
}

}  // namespace sign
