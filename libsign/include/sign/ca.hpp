// The ca module: a certificate authority of one national domain — profiles (TOML), issuance,
// revocation, CRLs and cross-certification, with its state in a CaStore (SQLite by default).
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/crypto.hpp>
#include <sign/pki.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sign {

/// How certificates of one kind are made (a [profiles.NAME] table of a domain profile).
struct CertificateProfile {
  std::string name;
  unsigned validity_days = 365;
  unsigned key_usage = 0;
  std::vector<std::string> extended_key_usage;
  bool extended_key_usage_critical = false;
  bool ocsp_nocheck = false;
};

/// One CA level of a domain (the [root] or [issuing] table).
struct CaLevelProfile {
  std::string subject;  ///< "/C=RU/O=.../CN=..."
  unsigned validity_days = 3650;
  std::optional<unsigned> path_len;
};

/// A national domain's profile file (certs/cn.toml, certs/ru.toml).
struct DomainProfile {
  std::string name;
  Suite suite = Suite::sm2;
  std::string country;
  std::vector<std::string> policies;
  std::string crl_base_url;     ///< CRL URL = base + "/" + CA directory name + ".crl"
  std::string ocsp_url;
  std::string ca_issuers_base_url;
  std::string subject_sign_tool;
  std::vector<std::string> issuer_sign_tool;
  CaLevelProfile root;
  CaLevelProfile issuing;
  std::map<std::string, CertificateProfile> profiles;

  /// Loads and checks a profile; unknown fields and bad values are errors naming the field.
  static DomainProfile load(const std::string& path);
  const CertificateProfile& profile(const std::string& name) const;
};

/// A certificate the CA issued, as the store records it.
struct IssuedRecord {
  std::string serial_hex;
  std::string subject;
  std::string profile;
  TimePoint not_before{}, not_after{};
  Bytes der;
  bool revoked = false;
  TimePoint revocation_time{};
  RevocationReason reason = RevocationReason::unspecified;
};

/// One entry of a CA's audit log: who did what, when. Entries form a hash chain: each hash
/// covers the entry and its predecessor's hash, so editing or deleting an entry is detected.
struct AuditEntry {
  std::uint64_t seq = 0;        ///< 1, 2, 3, ... without gaps
  TimePoint time{};
  std::string actor;            ///< user@host (or $XSIGN_ACTOR), process
  std::string action;           ///< init, issue, revoke, crl, service, key-use, ...
  std::string details;          ///< serial, subject, reason, CRL number, ...
  std::string prev_hash;        ///< hex SHA-256 of the previous entry (64 zeros for the first)
  std::string hash;             ///< hex SHA-256 of this entry (audit_entry_hash)
};

/// The hash an entry must carry: SHA-256 over the JSON array
/// [seq, time (RFC 3339), actor, action, details, prev_hash].
std::string audit_entry_hash(const AuditEntry& entry);

/// The entry that follows the one with `last_seq` and `last_hash` (0 and "" for the first
/// entry of a log): sequence number, predecessor's hash, time in whole seconds, its own hash.
AuditEntry next_audit_entry(std::uint64_t last_seq, const std::string& last_hash, const std::string& actor,
                            const std::string& action, const std::string& details, TimePoint time);

/// What checking a log found.
struct AuditCheck {
  bool ok = true;
  std::uint64_t entries = 0;
  std::uint64_t first_bad_seq = 0;  ///< 0 when ok
  std::string problem;              ///< what is wrong with that entry
  std::string head_hash;            ///< hash of the last entry (record it elsewhere to detect truncation)
};

/// Checks the chain: sequence without gaps, each prev_hash the previous hash, each hash right.
/// `expected_head` ("SEQ:HASH", from an earlier `xsign ca log --head`) must still be in the log.
AuditCheck verify_audit_log(const std::vector<AuditEntry>& log, const std::string& expected_head = {});

/// A document the CA keeps in its store for every node to share (the current CRL).
struct StoredDocument {
  Bytes der;
  TimePoint made{};
};

/// Persistent state of a CA. Implementations must make each call atomic; several processes
/// (and, for PostgreSQL, several machines) may use one store at the same time.
class CaStore {
 public:
  virtual ~CaStore() = default;
  /// Runs `fn` in one transaction: everything it stores lands, or nothing does. A call from
  /// inside `fn` joins the transaction already open.
  virtual void transaction(const std::function<void()>& fn) = 0;
  /// Inside transaction(): waits until no other process holds the lock `name`, and holds it
  /// until the transaction ends (CRL issuance: one node at a time).
  virtual void lock(const std::string& name) = 0;
  virtual bool has_serial(const std::string& serial_hex) = 0;
  virtual void add_issued(const IssuedRecord& record) = 0;
  virtual std::optional<IssuedRecord> find(const std::string& serial_hex) = 0;
  virtual std::vector<IssuedRecord> list() = 0;
  virtual void mark_revoked(const std::string& serial_hex, TimePoint when, RevocationReason reason) = 0;
  /// Adds `count` to a named persisted counter in one durable write and returns its new value
  /// (the values end - count + 1 .. end are the caller's): monotonic across processes.
  virtual std::uint64_t advance_counter(const std::string& name, std::uint64_t count) = 0;
  /// Next value of a named persisted counter (CRL numbers): monotonic.
  std::uint64_t next_counter(const std::string& name) { return advance_counter(name, 1); }
  /// Next CRL number.
  std::uint64_t next_crl_number() { return next_counter("crl_number"); }
  /// Appends an entry to the audit log (seq, prev_hash and hash are filled in), inside the
  /// caller's transaction when there is one, so the entry lands exactly when the change does.
  virtual AuditEntry append_audit(const std::string& actor, const std::string& action, const std::string& details,
                                  TimePoint time) = 0;
  /// The whole audit log in order.
  virtual std::vector<AuditEntry> audit_log() = 0;
  /// Every named counter and its value.
  virtual std::vector<std::pair<std::string, std::uint64_t>> counters() = 0;
  virtual std::optional<StoredDocument> load_document(const std::string& name) = 0;
  virtual void save_document(const std::string& name, const StoredDocument& document) = 0;
  /// Throws IoError unless the store answers now (readiness checks of `xsign serve`).
  virtual void ping() = 0;
  /// The schema version the store is at after opening (migrations are applied on open).
  virtual unsigned schema_version() = 0;
  /// Where the store is, for messages: a file path, or the URL without its password.
  virtual std::string location() const = 0;
};

/// The newest schema version this build writes; a store at a newer one is refused.
constexpr unsigned kCaStoreSchemaVersion = 2;

/// Opens (creating when absent) a SQLite CA store.
std::unique_ptr<CaStore> open_sqlite_store(const std::filesystem::path& file);

/// Opens a CA store in PostgreSQL (`postgresql://user@host:port/db?...` or a libpq key=value
/// string), creating or migrating its tables. libpq is loaded on first use.
std::unique_ptr<CaStore> open_postgresql_store(const std::string& url);

/// True for a PostgreSQL URL (postgresql:// or postgres://).
bool is_postgresql_url(const std::string& location);

/// The URL with any password replaced by "***", for logs and messages.
std::string redact_store_url(const std::string& url);

/// Copies every row of `from` (certificates with their status, counters, the audit log with
/// its hashes, documents) into `to`, which must be empty, in one transaction of `to`; then
/// checks that `to` holds what `from` holds (same serials, same audit head). UsageError when
/// `to` is not empty. Returns how many certificates were copied.
std::size_t copy_ca_store(CaStore& from, CaStore& to);

/// A consistent copy of a live SQLite CA store (SQLite's online backup API: committed
/// transactions still in the WAL are included), checked with PRAGMA integrity_check.
void backup_sqlite_store(const std::filesystem::path& from, const std::filesystem::path& to);

/// Copies a CA directory (keys as they are stored, certificates, profile, services, and the
/// store through backup_sqlite_store) to `backup_dir`, which must not exist; the copy appears
/// whole or not at all. Safe while `xsign serve` or other commands use the CA.
void backup_ca_directory(const std::filesystem::path& ca_dir, const std::filesystem::path& backup_dir);

/// Restores a backup made by backup_ca_directory into `ca_dir`, which must not exist: the backup
/// is checked first (store integrity, ca.pem matching chain.pem), and the directory appears whole.
void restore_ca_directory(const std::filesystem::path& backup_dir, const std::filesystem::path& ca_dir);

/// A CA directory: ca.toml (settings), ca.key (encrypted), ca.pem, chain.pem, store.sqlite.
class CertificateAuthority {
 public:
  struct InitOptions {
    std::filesystem::path dir;
    std::string profile_path;
    bool issuing = false;                         ///< false = root
    std::optional<PrivateKey> key;                ///< generated when absent; a token or external
                                                  ///< key is kept as a reference (ca.keyref)
    std::string subject;                          ///< overrides the profile's
    std::string passphrase;                       ///< empty = store the key unencrypted
    TimePoint now;
    /// Offline-root ceremony: an issuing CA whose certificate the parent signed elsewhere
    /// (`xsign ca sign-csr`); `certificate` is for `key`, `parent_chain` leads to the root.
    std::optional<Certificate> certificate;
    std::vector<Certificate> parent_chain;
    /// A PostgreSQL URL: the CA's state lives there (recorded in DIR/store.url) instead of in
    /// DIR/store.sqlite. The database must hold no other CA's rows.
    std::string store_url;
  };
  /// Creates a root CA, an issuing CA under `parent`, or an issuing CA from a certificate its
  /// parent signed elsewhere (options.certificate). Refuses an existing CA dir.
  static CertificateAuthority init(const InitOptions& options, CertificateAuthority* parent);

  /// Who the audit log names: $XSIGN_ACTOR, else login@host; with the process id.
  static std::string default_actor();

  /// Opens an existing CA directory; the key is decrypted only when signing needs it. The
  /// store must be this CA's (its certificate is recorded in it).
  static CertificateAuthority open(const std::filesystem::path& dir, PassphraseProvider passphrase);

  /// Moves the state of a CA directory from store.sqlite into an empty PostgreSQL database:
  /// every row copied and checked in one transaction, then store.url written and store.sqlite
  /// renamed store.sqlite.before-migration. Nothing changes when any step fails. Stop the
  /// servers of this CA first.
  static void migrate_store(const std::filesystem::path& dir, const std::string& url);

  /// Where the store is (file path or URL without password).
  std::string store_location() const;

  const Certificate& certificate() const { return *cert_; }
  const std::vector<Certificate>& chain() const { return chain_; }  ///< CA cert first, root last
  const DomainProfile& domain() const { return domain_; }
  const std::filesystem::path& dir() const { return dir_; }
  CaStore& store() { return *store_; }

  /// Issues a certificate for a CSR with a named profile (trader, tsa, ocsp, ...).
  Certificate issue(const CertificateRequest& csr, const std::string& profile, TimePoint now,
                    std::optional<unsigned> validity_days = std::nullopt);
  /// Issues a CA certificate for another CA (an issuing CA below this one).
  Certificate issue_ca(const DistinguishedName& subject, const PublicKey& key, unsigned validity_days,
                       std::optional<unsigned> path_len, TimePoint now);
  /// Signs a subordinate CA's request (offline root): checks the request's own signature and
  /// suite; validity and path length default to the profile's [issuing] table.
  Certificate sign_subordinate(const CertificateRequest& csr, std::optional<unsigned> validity_days,
                               std::optional<unsigned> path_len, TimePoint now);
  /// Cross-certifies another domain's root: same subject, key and SKI, signed by this CA.
  Certificate cross_certify(const Certificate& foreign_root, const std::vector<DistinguishedName>& permitted,
                            const std::vector<DistinguishedName>& excluded, std::optional<unsigned> path_len,
                            unsigned validity_days, TimePoint now);
  /// Revokes a certificate this CA issued; throws UsageError for an unknown or revoked serial.
  void revoke(const std::string& serial_hex, RevocationReason reason, TimePoint when);
  /// Revokes many in one transaction: all of them, or — on an unknown or already revoked
  /// serial, named in the UsageError — none. `progress` is told how many are done.
  void revoke_many(const std::vector<std::string>& serials_hex, RevocationReason reason, TimePoint when,
                   const std::function<void(std::size_t)>& progress = {});
  /// A fresh complete CRL of everything revoked; it names where its deltas are published
  /// (freshestCRL = crl_base_url/NAME-delta.crl) when the profile has a crl_base_url.
  Crl make_crl(TimePoint now, unsigned validity_hours = 24);
  /// A delta CRL over the last complete CRL (deltaCRLIndicator = its number): short-lived, so
  /// that verifiers learn of revocations between complete CRLs. It lists every revoked
  /// certificate (a superset of the changes, which RFC 5280 §5.2.4 allows). UsageError when no
  /// complete CRL was issued yet.
  Crl make_delta_crl(TimePoint now, unsigned validity_hours = 1);
  /// The CRL every node serves (delta = the delta CRL): the one in the store while it is
  /// younger than `max_age`, else a new one made and stored by whichever node gets the
  /// store's lock first.
  /// `signed_here` tells whether this call made it.
  Crl shared_crl(TimePoint now, std::chrono::seconds max_age, bool delta = false, bool* signed_here = nullptr);
  /// Issues this CA's TSA or OCSP responder certificate ("tsa" / "ocsp") with a new key, kept
  /// in services/ROLE.key (encrypted with `passphrase` unless empty) and services/ROLE.pem;
  /// or for `key` when given (a token or external key is kept as services/ROLE.keyref).
  Certificate create_service(const std::string& role, const std::string& passphrase, TimePoint now,
                             std::optional<PrivateKey> key = std::nullopt);
  /// A service's key and certificate, if it was created.
  std::optional<std::pair<PrivateKey, Certificate>> service(const std::string& role, const PassphraseProvider& passphrase) const;
  /// True for a self-signed (root) CA: `xsign serve` refuses to hold its key.
  bool is_root() const { return chain_.size() == 1; }
  /// Records an action in the audit log (servers record their key use).
  void audit(const std::string& action, const std::string& details);
  /// Where the CA key lives ("PKCS#8 file ca.key", "PKCS#11 token ...", ...), without opening it.
  std::string key_location() const;
  /// Next time-stamp serial number (positive DER INTEGER content) from the store's counter.
  Bytes next_time_stamp_serial();
  /// Loads the CA key now (servers do it at start-up, before serving from several threads).
  void unlock() { (void)key(); }
  /// The CA's own key (opened on first use): for an OCSP responder without a delegated key.
  const PrivateKey& signing_key() { return key(); }
  /// The directory's name, used in CRL and caIssuers URLs.
  std::string name() const { return dir_.filename().string(); }

 private:
  CertificateAuthority() = default;
  const PrivateKey& key();
  CertificateTemplate base_template(TimePoint now, unsigned validity_days) const;
  Certificate record(const CertificateTemplate& tmpl, const std::string& profile);

  std::filesystem::path dir_;
  DomainProfile domain_;
  std::optional<Certificate> cert_;  ///< set once the CA exists
  std::vector<Certificate> chain_;
  std::shared_ptr<CaStore> store_;
  struct SerialRange;                        ///< time-stamp serials reserved and not yet used
  std::shared_ptr<SerialRange> tsa_serials_;
  PassphraseProvider passphrase_;
  std::optional<PrivateKey> key_;
};

}  // namespace sign
