// A certificate authority directory and the operations on it.
#include <sign/ca.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/signers.hpp>

#include <mutex>
#include <random>

namespace sign {

// Time-stamp serials are reserved 1,024 at a time with one durable write (one fsync per
// range, not per stamp). A crash loses the rest of a range: serials stay unique and grow, with
// gaps, which RFC 3161 §2.4.2 allows (it requires uniqueness only).
struct CertificateAuthority::SerialRange {
  std::mutex mutex;
  std::uint64_t next = 0, end = 0;  // next to hand out; last reserved
};

namespace {

namespace fs = std::filesystem;

constexpr const char* kKeyFile = "ca.key";
constexpr const char* kKeyRefFile = "ca.keyref";  // a token or external key: its reference, no secret
constexpr const char* kCertFile = "ca.pem";
constexpr const char* kChainFile = "chain.pem";
constexpr const char* kProfileFile = "profile.toml";
constexpr const char* kStoreFile = "store.sqlite";
constexpr const char* kStoreUrlFile = "store.url";  // present when the store is in PostgreSQL
constexpr const char* kIdentityDocument = "ca-certificate";

TimePoint whole_seconds(TimePoint t) { return std::chrono::floor<std::chrono::seconds>(t); }

// Writes a key where the CA keeps it: a PKCS#8 file, or the reference of a key that lives
// elsewhere (the key itself never passes through the CA directory).
void store_key(const fs::path& dir, const std::string& base, const PrivateKey& key, const std::string& passphrase) {
  if (!key.exportable()) {
    const std::string ref = key_reference(key);
    if (ref.empty()) throw UsageError(key.description() + " has no reference to reopen it with; a CA needs one");
    write_file_atomic(dir / (base + ".keyref"), ref + "\n", FileMode::private_0600);
    return;
  }
  write_file_atomic(dir / (base + ".key"), passphrase.empty() ? key.to_pem() : key.to_encrypted_pem(passphrase),
                    FileMode::private_0600);
}

// Opens a key the CA keeps (file or reference); `public_key` is what it must sign for.
PrivateKey load_key(const fs::path& dir, const std::string& base, const PublicKey& public_key,
                    const PassphraseProvider& passphrase) {
  const fs::path ref_file = dir / (base + ".keyref");
  PrivateKey key = [&] {
    if (fs::exists(ref_file)) {
      std::string ref = read_text_file(ref_file, 64 * 1024);
      while (!ref.empty() && (ref.back() == '\n' || ref.back() == '\r')) ref.pop_back();
      KeyReferenceOptions o;
      o.passphrase = passphrase;
      o.public_key = public_key;
      return open_private_key(ref, o);
    }
    return PrivateKey::load((dir / (base + ".key")).string(), passphrase);
  }();
  if (!(key.public_key() == public_key))
    throw FormatError((dir / base).string() + ": the key does not match its certificate");
  return key;
}

// The store of a CA directory: PostgreSQL when store.url names one, else store.sqlite.
std::unique_ptr<CaStore> open_store_of(const fs::path& dir) {
  const fs::path url_file = dir / kStoreUrlFile;
  if (!fs::exists(url_file)) return open_sqlite_store(dir / kStoreFile);
  std::string url = read_text_file(url_file, 64 * 1024);
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r' || url.back() == ' ')) url.pop_back();
  if (!is_postgresql_url(url))
    throw FormatError(url_file.string() + ": not a PostgreSQL URL (postgresql://...); it names the CA's store");
  return open_postgresql_store(url);
}

// A store remembers whose it is: pointing a CA at another CA's database would issue serials
// and revocations into the wrong CRLs.
void check_store_identity(CaStore& store, const Certificate& cert, const fs::path& dir) {
  const auto doc = store.load_document(kIdentityDocument);
  if (!doc) {
    store.save_document(kIdentityDocument, {cert.der(), whole_seconds(sign::now())});  // stores made before
    return;
  }
  if (doc->der == cert.der()) return;
  std::string owner = "another CA";
  try {
    owner = Certificate::from_der(doc->der).subject().to_string();
  } catch (const Error&) {
  }
  throw FormatError(store.location() + " is the store of " + owner + ", not of the CA in " + dir.string() +
                    " (" + cert.subject().to_string() + "); give each CA its own database");
}

std::string chain_pem(const std::vector<Certificate>& chain) {
  std::string out;
  for (const auto& c : chain) out += c.pem();
  return out;
}

}  // namespace

CertificateAuthority CertificateAuthority::init(const InitOptions& o, CertificateAuthority* parent) {
  if (fs::exists(o.dir / kCertFile))
    throw UsageError(o.dir.string() + " already holds a CA (ca.pem exists); choose another --dir");
  const bool from_certificate = o.certificate.has_value();
  if (from_certificate && (!o.issuing || parent || o.parent_chain.empty() || !o.key))
    throw UsageError("an issuing CA made from its certificate needs --role issuing, its key, and the parent's chain (no --parent)");
  if (!from_certificate && o.issuing != (parent != nullptr))
    throw UsageError(o.issuing ? "an issuing CA needs a parent CA (--parent DIR), or its certificate and the parent's chain"
                               : "a root CA has no parent");
  const DomainProfile domain = DomainProfile::load(o.profile_path);
  const CaLevelProfile& level = o.issuing ? domain.issuing : domain.root;
  const DistinguishedName subject = DistinguishedName::parse(o.subject.empty() ? level.subject : o.subject);
  const PrivateKey key = o.key ? *o.key : PrivateKey::generate(domain.suite);
  if (key.suite() != domain.suite)
    throw UsageError("the " + domain.name + " uses suite " + std::string(suite_name(domain.suite)) +
                     ", the key is " + std::string(suite_name(key.suite())));
  if (parent && parent->domain().suite != domain.suite)
    throw UsageError("an issuing CA must be in its parent's domain; use cross-certify between domains");

  const TimePoint now = whole_seconds(o.now);
  // Everything is prepared in a scratch directory and renamed into place at the end, so a
  // failure never leaves a half-made CA behind.
  fs::create_directories(o.dir.parent_path().empty() ? fs::path(".") : o.dir.parent_path());
  std::random_device rd;
  const fs::path scratch = o.dir.string() + ".init-" + std::to_string(rd());
  fs::create_directory(scratch);
  try {
    CertificateAuthority ca;
    ca.dir_ = o.dir;
    ca.domain_ = domain;
    ca.key_ = key;
    const bool postgresql = !o.store_url.empty();
    if (postgresql && !is_postgresql_url(o.store_url))
      throw UsageError("--store takes a PostgreSQL URL (postgresql://user@host/database), not '" +
                       redact_store_url(o.store_url) + "'; without it the store is store.sqlite in the CA directory");
    ca.store_ = postgresql ? open_postgresql_store(o.store_url) : open_sqlite_store(scratch / kStoreFile);
    if (postgresql && (!ca.store_->audit_log().empty() || !ca.store_->list().empty()))
      throw UsageError(ca.store_->location() + " already holds a CA's rows; give each CA its own database");
    ca.tsa_serials_ = std::make_shared<SerialRange>();
    if (from_certificate) {
      // The parent signed elsewhere (offline root): check what came back before relying on it.
      const Certificate& cert = *o.certificate;
      if (!(cert.public_key() == key.public_key()))
        throw UsageError("the CA certificate is not for the CA key (" + cert.subject().to_string() + ")");
      if (!cert.is_ca()) throw UsageError("'" + cert.subject().to_string() + "' is not a CA certificate");
      if (!cert.verify_signature(o.parent_chain.front().public_key()))
        throw UsageError("the CA certificate was not signed by the first certificate of the parent's chain (" +
                         o.parent_chain.front().subject().to_string() + ")");
      ca.cert_ = cert;
      ca.chain_ = o.parent_chain;
    } else if (parent) {
      ca.cert_ = parent->issue_ca(subject, key.public_key(), level.validity_days, level.path_len, now);
      ca.chain_ = parent->chain();
    } else {
      CertificateTemplate t = ca.base_template(now, level.validity_days);
      t.subject = subject;
      t.public_key = key.public_key();
      t.is_ca = true;
      t.path_len = level.path_len;
      t.key_usage = kKeyCertSign | kCrlSign;
      t.crl_urls.clear();  // a root is not revoked by itself
      t.ocsp_urls.clear();
      t.ca_issuers_urls.clear();
      ca.cert_ = issue_certificate(t, subject, {}, key);
    }
    ca.chain_.insert(ca.chain_.begin(), *ca.cert_);
    store_key(scratch, "ca", key, o.passphrase);
    write_file_atomic(scratch / kCertFile, ca.cert_->pem(), FileMode::public_0644);
    write_file_atomic(scratch / kChainFile, chain_pem(ca.chain_), FileMode::public_0644);
    fs::copy_file(o.profile_path, scratch / kProfileFile);
    if (postgresql) write_file_atomic(scratch / kStoreUrlFile, o.store_url + "\n", FileMode::private_0600);
    // Last before the rename: a PostgreSQL store outlives a failed init, so it gets its rows
    // only once everything else is in place.
    ca.store_->transaction([&] {
      ca.store_->save_document(kIdentityDocument, {ca.cert_->der(), now});
      ca.store_->append_audit(default_actor(), "init",
                              std::string(o.issuing ? "issuing" : "root") + " CA " + ca.cert_->subject().to_string() +
                                  ", serial " + ca.cert_->serial_hex() + ", key: " + key.description() +
                                  (from_certificate ? ", certificate signed offline by " + o.parent_chain.front().subject().to_string() : "") +
                                  (postgresql ? ", store " + ca.store_->location() : ""),
                              now);
    });
    // A SQLite store moves with the directory: closed before, reopened after. A PostgreSQL
    // store stays where it is, and open.
    if (!postgresql) ca.store_.reset();
    if (fs::exists(o.dir) && fs::is_empty(o.dir)) fs::remove(o.dir);
    fs::rename(scratch, o.dir);
    if (!postgresql) ca.store_ = open_sqlite_store(o.dir / kStoreFile);
    ca.tsa_serials_ = std::make_shared<SerialRange>();
    return ca;
  } catch (...) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
    throw;
  }
}

CertificateAuthority CertificateAuthority::open(const fs::path& dir, PassphraseProvider passphrase) {
  if (!fs::exists(dir / kCertFile))
    throw NoInputError(dir.string() + ": not a CA directory (no ca.pem); create one with `xsign ca init`");
  CertificateAuthority ca;
  ca.dir_ = dir;
  ca.domain_ = DomainProfile::load((dir / kProfileFile).string());
  ca.chain_ = Certificate::load_all((dir / kChainFile).string());
  ca.cert_ = ca.chain_.front();
  // ca.pem is what operators copy and publish: it must be the certificate the chain starts with.
  if (!(Certificate::load((dir / kCertFile).string()) == *ca.cert_))
    throw FormatError((dir / kCertFile).string() + ": not the CA certificate that " + kChainFile +
                      " starts with; restore it from chain.pem or a backup");
  ca.store_ = open_store_of(dir);
  check_store_identity(*ca.store_, *ca.cert_, dir);
  ca.tsa_serials_ = std::make_shared<SerialRange>();
  ca.passphrase_ = std::move(passphrase);
  return ca;
}

std::string CertificateAuthority::store_location() const { return store_ ? store_->location() : std::string(); }

void CertificateAuthority::migrate_store(const fs::path& dir, const std::string& url) {
  if (!is_postgresql_url(url))
    throw UsageError("--to takes a PostgreSQL URL (postgresql://user@host/database), not '" + redact_store_url(url) + "'");
  if (fs::exists(dir / kStoreUrlFile))
    throw UsageError(dir.string() + ": the store is already in PostgreSQL (" + kStoreUrlFile + "); nothing to migrate");
  (void)CertificateAuthority::open(dir, {});  // a CA in working order
  auto from = open_sqlite_store(dir / kStoreFile);
  auto to = open_postgresql_store(url);
  const std::size_t certificates = copy_ca_store(*from, *to);
  to->append_audit(default_actor(), "migrate",
                   "store moved from " + (dir / kStoreFile).string() + " to " + to->location() + ", " +
                       std::to_string(certificates) + " certificate(s)",
                   sign::now());
  from.reset();
  write_file_atomic(dir / kStoreUrlFile, url + "\n", FileMode::private_0600);
  // The SQLite file stays as the state before the move, under a name no xsign opens as a store.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const fs::path f = dir / (std::string(kStoreFile) + suffix);
    std::error_code ec;
    if (fs::exists(f, ec)) fs::rename(f, dir / (std::string(kStoreFile) + suffix + ".before-migration"));
  }
  (void)CertificateAuthority::open(dir, {});  // opens with the new store
}

Crl CertificateAuthority::shared_crl(TimePoint now, std::chrono::seconds max_age, bool delta, bool* signed_here) {
  if (signed_here) *signed_here = false;
  const std::string name = delta ? "delta-crl" : "crl";
  std::optional<Crl> out;
  // One node at a time: the first to find the stored CRL too old makes the next one; the
  // others wait on the lock and then serve that one.
  store_->transaction([&] {
    store_->lock(name);
    if (auto d = store_->load_document(name); d && d->made <= now && now - d->made < max_age) {
      out = Crl::from_der(d->der);
      return;
    }
    out = delta ? make_delta_crl(now) : make_crl(now);
    store_->save_document(name, {out->der(), whole_seconds(now)});
    if (signed_here) *signed_here = true;
  });
  return *out;
}

const PrivateKey& CertificateAuthority::key() {
  if (!key_) key_ = load_key(dir_, "ca", cert_->public_key(), passphrase_);
  return *key_;
}

CertificateTemplate CertificateAuthority::base_template(TimePoint now, unsigned validity_days) const {
  CertificateTemplate t;
  t.not_before = whole_seconds(now);
  t.not_after = t.not_before + std::chrono::hours(24) * validity_days;
  // Nothing this CA signs outlives the CA's own certificate.
  if (cert_ && t.not_after > cert_->not_after()) t.not_after = cert_->not_after();
  t.policies = domain_.policies;
  const std::string name = dir_.filename().string();
  if (!domain_.crl_base_url.empty()) t.crl_urls.push_back(domain_.crl_base_url + "/" + name + ".crl");
  if (!domain_.ocsp_url.empty()) t.ocsp_urls.push_back(domain_.ocsp_url);
  if (!domain_.ca_issuers_base_url.empty())
    t.ca_issuers_urls.push_back(domain_.ca_issuers_base_url + "/" + name + ".crt");
  t.issuer_sign_tool = domain_.issuer_sign_tool;
  return t;
}

Certificate CertificateAuthority::record(const CertificateTemplate& tmpl, const std::string& profile) {
  const PrivateKey& signing_key = key();
  std::optional<Certificate> issued;
  // Issuance and its record are one transaction: no certificate without a record.
  store_->transaction([&] {
    CertificateTemplate t = tmpl;
    do t.serial = random_serial();
    while (store_->has_serial(to_hex(t.serial)));
    issued = issue_certificate(t, cert_->subject(), cert_->subject_key_id(), signing_key);
    store_->add_issued({issued->serial_hex(), issued->subject().to_string(), profile, issued->not_before(),
                        issued->not_after(), issued->der()});
    store_->append_audit(default_actor(), profile == "cross" ? "cross-certify" : "issue",
                         "serial " + issued->serial_hex() + ", profile " + profile + ", subject " +
                             issued->subject().to_string() + ", key SHA256:" + issued->public_key().fingerprint(),
                         sign::now());
  });
  return *issued;
}

Certificate CertificateAuthority::issue(const CertificateRequest& csr, const std::string& profile_name,
                                        TimePoint now, std::optional<unsigned> validity_days) {
  if (!csr.verify_self_signature())
    throw FormatError("the certification request's signature does not verify (altered or broken request)");
  const CertificateProfile& p = domain_.profile(profile_name);
  if (csr.public_key().suite() != domain_.suite)
    throw UsageError("the " + domain_.name + " issues " + std::string(suite_name(domain_.suite)) +
                     " certificates; the request has a " + std::string(suite_name(csr.public_key().suite())) + " key");
  CertificateTemplate t = base_template(now, validity_days.value_or(p.validity_days));
  t.subject = csr.subject();
  t.public_key = csr.public_key();
  t.key_usage = p.key_usage;
  t.extended_key_usage = p.extended_key_usage;
  t.extended_key_usage_critical = p.extended_key_usage_critical;
  t.ocsp_nocheck = p.ocsp_nocheck;
  t.subject_sign_tool = domain_.subject_sign_tool;
  return record(t, profile_name);
}

Certificate CertificateAuthority::issue_ca(const DistinguishedName& subject, const PublicKey& key,
                                           unsigned validity_days, std::optional<unsigned> path_len, TimePoint now) {
  CertificateTemplate t = base_template(now, validity_days);
  t.subject = subject;
  t.public_key = key;
  t.is_ca = true;
  t.path_len = path_len;
  t.key_usage = kKeyCertSign | kCrlSign;
  return record(t, "ca");
}

Certificate CertificateAuthority::cross_certify(const Certificate& foreign, const std::vector<DistinguishedName>& permitted,
                                                const std::vector<DistinguishedName>& excluded,
                                                std::optional<unsigned> path_len, unsigned validity_days, TimePoint now) {
  if (!foreign.is_ca()) throw UsageError("'" + foreign.subject().to_string() + "' is not a CA certificate");
  if (!foreign.verify_signature(foreign.public_key()))
    throw UsageError("'" + foreign.subject().to_string() + "' is not a self-signed root (its signature does not verify with its own key)");
  CertificateTemplate t = base_template(now, validity_days);
  t.subject = foreign.subject();
  t.public_key = foreign.public_key();
  t.subject_key_id = foreign.subject_key_id();  // keeps AKI matching of the foreign chain intact
  t.is_ca = true;
  t.path_len = path_len;
  t.key_usage = kKeyCertSign | kCrlSign;
  t.permitted_subtrees = permitted;
  t.excluded_subtrees = excluded;
  if (t.not_after > foreign.not_after()) t.not_after = foreign.not_after();
  return record(t, "cross");
}

namespace {

std::string normal_serial(const std::string& serial_hex) {
  std::string serial;
  for (char c : serial_hex)
    if (c != ':') serial += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return serial;
}

}  // namespace

void CertificateAuthority::revoke_many(const std::vector<std::string>& serials_hex, RevocationReason reason, TimePoint when,
                                       const std::function<void(std::size_t)>& progress) {
  const std::string actor = default_actor();
  store_->transaction([&] {
    std::size_t done = 0;
    for (const auto& s : serials_hex) {
      const std::string serial = normal_serial(s);
      const auto rec = store_->find(serial);
      if (!rec) throw UsageError("no certificate with serial " + s + " was issued by this CA (nothing was revoked)");
      if (rec->revoked) throw UsageError("certificate " + s + " is already revoked (nothing was revoked)");
      store_->mark_revoked(serial, whole_seconds(when), reason);
      store_->append_audit(actor, "revoke",
                           "serial " + serial + ", reason " + std::string(reason_name(reason)) + ", revocation time " +
                               format_time(whole_seconds(when)) + ", subject " + rec->subject,
                           sign::now());
      if (progress && (++done % 256 == 0 || done == serials_hex.size())) progress(done);
    }
  });
}

void CertificateAuthority::revoke(const std::string& serial_hex, RevocationReason reason, TimePoint when) {
  const std::string serial = normal_serial(serial_hex);
  store_->transaction([&] {
    const auto rec = store_->find(serial);
    if (!rec) throw UsageError("no certificate with serial " + serial_hex + " was issued by this CA");
    if (rec->revoked) throw UsageError("certificate " + serial_hex + " is already revoked");
    store_->mark_revoked(serial, whole_seconds(when), reason);
    store_->append_audit(default_actor(), "revoke",
                         "serial " + serial + ", reason " + std::string(reason_name(reason)) + ", revocation time " +
                             format_time(whole_seconds(when)) + ", subject " + rec->subject,
                         sign::now());
  });
}

Certificate CertificateAuthority::create_service(const std::string& role, const std::string& passphrase,
                                                TimePoint now, std::optional<PrivateKey> given_key) {
  if (role != "tsa" && role != "ocsp") throw UsageError("service role must be tsa or ocsp");
  const fs::path dir = dir_ / "services";
  if (fs::exists(dir / (role + ".pem")))
    throw UsageError((dir / (role + ".pem")).string() + " exists already; this CA has a " + role + " certificate");
  fs::create_directories(dir);
  const PrivateKey key = given_key ? *given_key : PrivateKey::generate(domain_.suite);
  if (key.suite() != domain_.suite)
    throw UsageError("the " + role + " key is " + std::string(suite_name(key.suite())) + "; this CA issues " +
                     std::string(suite_name(domain_.suite)));
  auto escaped = [](std::string v) {
    for (std::size_t i = 0; (i = v.find('/', i)) != std::string::npos; i += 2) v.insert(i, "\\");
    return v;
  };
  const auto subject = DistinguishedName::parse(
      "/C=" + domain_.country + "/O=" + escaped(cert_->subject().get(oids::organization)) + "/CN=" +
      escaped(cert_->subject().get(oids::common_name)) + (role == "tsa" ? " Time-Stamping Authority" : " OCSP Responder"));
  const Certificate cert = issue(CertificateRequest::create(key, subject), role, now);
  store_key(dir, role, key, passphrase);
  write_file_atomic(dir / (role + ".pem"), cert.pem(), FileMode::public_0644);
  audit("service", role + " certificate serial " + cert.serial_hex() + ", key: " + key.description());
  return cert;
}

std::optional<std::pair<PrivateKey, Certificate>> CertificateAuthority::service(const std::string& role,
                                                                               const PassphraseProvider& passphrase) const {
  const fs::path dir = dir_ / "services";
  if (!fs::exists(dir / (role + ".pem"))) return std::nullopt;
  Certificate cert = Certificate::load((dir / (role + ".pem")).string());
  PrivateKey key = load_key(dir, role, cert.public_key(), passphrase);
  return std::make_pair(std::move(key), std::move(cert));
}

Certificate CertificateAuthority::sign_subordinate(const CertificateRequest& csr, std::optional<unsigned> validity_days,
                                                   std::optional<unsigned> path_len, TimePoint now) {
  if (!csr.verify_self_signature())
    throw FormatError("the certification request's signature does not verify (altered or broken request)");
  if (csr.public_key().suite() != domain_.suite)
    throw UsageError("the " + domain_.name + " issues " + std::string(suite_name(domain_.suite)) +
                     " certificates; the request has a " + std::string(suite_name(csr.public_key().suite())) + " key");
  if (csr.public_key() == cert_->public_key()) throw UsageError("the request is for this CA's own key");
  return issue_ca(csr.subject(), csr.public_key(), validity_days.value_or(domain_.issuing.validity_days),
                  path_len ? path_len : domain_.issuing.path_len, now);
}

void CertificateAuthority::audit(const std::string& action, const std::string& details) {
  store_->append_audit(default_actor(), action, details, sign::now());
}

std::string CertificateAuthority::key_location() const {
  if (fs::exists(dir_ / kKeyRefFile)) {
    std::string ref = read_text_file(dir_ / kKeyRefFile, 64 * 1024);
    while (!ref.empty() && (ref.back() == '\n' || ref.back() == '\r')) ref.pop_back();
    return ref;
  }
  return (dir_ / kKeyFile).string();
}

Bytes CertificateAuthority::next_time_stamp_serial() {
  constexpr std::uint64_t kRange = 1024;
  if (!tsa_serials_) throw InternalError("the CA is not open");
  std::uint64_t v;
  {
    std::lock_guard lock(tsa_serials_->mutex);
    if (tsa_serials_->next == 0 || tsa_serials_->next > tsa_serials_->end) {
      tsa_serials_->end = store_->advance_counter("tsa_serial", kRange);
      tsa_serials_->next = tsa_serials_->end - kRange + 1;
    }
    v = tsa_serials_->next++;
  }
  Bytes out;
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  while (out.size() > 1 && out[0] == 0) out.erase(out.begin());
  if (out[0] & 0x80) out.insert(out.begin(), 0);
  return out;
}

Crl CertificateAuthority::make_delta_crl(TimePoint now, unsigned validity_hours) {
  const PrivateKey& signing_key = key();
  std::optional<Crl> crl;
  store_->transaction([&] {
    store_->lock("crl");
    const std::uint64_t base = store_->advance_counter("complete_crl_number", 0);
    if (base == 0) throw UsageError("issue a complete CRL first (`xsign ca crl`): a delta CRL is relative to one");
    std::vector<RevokedEntry> entries;
    for (const auto& r : store_->list())
      if (r.revoked) entries.push_back({from_hex(r.serial_hex), r.revocation_time, r.reason});
    const TimePoint t = whole_seconds(now);
    CrlExtensions ext;
    ext.delta_base = base;
    crl = Crl::create(cert_->subject(), cert_->subject_key_id(), signing_key, store_->next_crl_number(), t,
                      t + std::chrono::hours(validity_hours), entries, ext);
    store_->append_audit(default_actor(), "crl",
                         "delta CRL number " + std::to_string(crl->crl_number().value_or(0)) + " over complete CRL " +
                             std::to_string(base) + ", " + std::to_string(entries.size()) + " revoked, thisUpdate " + format_time(t),
                         sign::now());
  });
  return *crl;
}

Crl CertificateAuthority::make_crl(TimePoint now, unsigned validity_hours) {
  const PrivateKey& signing_key = key();
  std::optional<Crl> crl;
  store_->transaction([&] {
    store_->lock("crl");
    std::vector<RevokedEntry> entries;
    for (const auto& r : store_->list())
      if (r.revoked) entries.push_back({from_hex(r.serial_hex), r.revocation_time, r.reason});
    const TimePoint t = whole_seconds(now);
    CrlExtensions ext;
    if (!domain_.crl_base_url.empty()) ext.freshest_crl_urls.push_back(domain_.crl_base_url + "/" + name() + "-delta.crl");
    const std::uint64_t number = store_->next_crl_number();
    crl = Crl::create(cert_->subject(), cert_->subject_key_id(), signing_key, number, t,
                      t + std::chrono::hours(validity_hours), entries, ext);
    // The counter remembers the newest complete CRL, the base of the next deltas.
    const std::uint64_t base = store_->advance_counter("complete_crl_number", 0);
    store_->advance_counter("complete_crl_number", number - base);
    store_->append_audit(default_actor(), "crl",
                         "CRL number " + std::to_string(crl->crl_number().value_or(0)) + ", " +
                             std::to_string(entries.size()) + " revoked, thisUpdate " + format_time(t),
                         sign::now());
  });
  return *crl;
}

}  // namespace sign
