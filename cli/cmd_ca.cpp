// `xsign csr` and `xsign ca init|issue|sign-csr|cross-certify|revoke|crl|service|list|log|backup|migrate|restore`.
#include "commands.hpp"
#include "output.hpp"
#include "passphrase.hpp"
#include "progress.hpp"

#include <sign/ca.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>
#include <sign/signers.hpp>

#include <nlohmann/json.hpp>

#include <cctype>
#include <iostream>
#include <sstream>

namespace xsign {
namespace {

struct CaArgs {
  std::string dir, parent, profile, role = "root", subject, key, input, out, reason = "unspecified";
  std::string at;  ///< explicit time (UTC) instead of now
  std::string pubkey, cert, parent_chain, expect_head, serials_from, store;
  bool verify = false, head = false, delta = false, crl_hours_set = false;
  std::vector<std::string> permit, exclude;
  std::optional<unsigned> path_len;
  std::optional<unsigned> days;
  unsigned crl_hours = 24;
  bool json = false;
  PassphraseOptions pass, parent_pass;
};

sign::TimePoint when(const CaArgs& a) {
  return a.at.empty() ? sign::now() : sign::parse_time(a.at);
}

void add_time_option(CLI::App* cmd, CaArgs& a) {
  cmd->add_option("--at", a.at, "Act as of this time (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or with an offset, ...T15:00:00+03:00) instead of now");
}

sign::CertificateAuthority open_ca(const CaArgs& a) {
  return sign::CertificateAuthority::open(a.dir, passphrase_for_reading(a.pass, a.dir + "/ca.key"));
}

// An external signer's public half: --pubkey (a public key or a certificate file).
std::optional<sign::PublicKey> given_public_key(const CaArgs& a) {
  if (a.pubkey.empty()) return std::nullopt;
  try {
    return sign::PublicKey::load(a.pubkey);
  } catch (const sign::FormatError&) {
    return sign::Certificate::load(a.pubkey).public_key();
  }
}

void csr(const CaArgs& a) {
  const auto key = open_key(a.key, a.pass, given_public_key(a));
  const auto req = sign::CertificateRequest::create(key, sign::DistinguishedName::parse(a.subject));
  write_output(a.out, req.pem());
}

void ca_init(const CaArgs& a) {
  if (a.role != "root" && a.role != "issuing") throw sign::UsageError("--role must be root or issuing");
  sign::CertificateAuthority::InitOptions o;
  o.dir = a.dir;
  o.profile_path = a.profile;
  o.issuing = a.role == "issuing";
  o.subject = a.subject;
  o.store_url = a.store;
  o.now = when(a);
  if (!a.cert.empty()) {
    o.certificate = sign::Certificate::load(a.cert);
    if (a.parent_chain.empty()) throw sign::UsageError("--cert needs --parent-chain (the parent CA's chain.pem)");
    o.parent_chain = sign::Certificate::load_all(a.parent_chain);
  }
  std::optional<sign::PublicKey> pub = given_public_key(a);
  if (!pub && o.certificate) pub = o.certificate->public_key();
  if (!a.key.empty()) o.key = open_key(a.key, a.pass, pub);
  // A key on a token or behind a command stays there: only its reference is written.
  if (!a.pass.no_encrypt && (!o.key || o.key->exportable())) o.passphrase = passphrase_for_writing(a.pass, a.dir + "/ca.key");
  std::optional<sign::CertificateAuthority> parent;
  if (!a.parent.empty())
    parent = sign::CertificateAuthority::open(a.parent, passphrase_for_reading(a.parent_pass, a.parent + "/ca.key"));
  const auto ca = sign::CertificateAuthority::init(o, parent ? &*parent : nullptr);
  std::cerr << "xsign: created " << a.role << " CA in " << a.dir << ": " << ca.certificate().subject().to_string()
            << (a.store.empty() ? "" : ", store " + ca.store_location()) << "\n";
  write_output(a.out, ca.certificate().pem());
}

void ca_issue(const CaArgs& a) {
  auto ca = open_ca(a);
  const auto req = sign::CertificateRequest::load(a.input);
  const auto cert = ca.issue(req, a.profile, when(a), a.days);
  std::cerr << "xsign: issued " << a.profile << " certificate serial " << cert.serial_hex() << " to "
            << cert.subject().to_string() << "\n";
  write_output(a.out, cert.pem());
}

void ca_sign_csr(const CaArgs& a) {
  auto ca = open_ca(a);
  const auto req = sign::CertificateRequest::load(a.input);
  const auto cert = ca.sign_subordinate(req, a.days, a.path_len, when(a));
  std::cerr << "xsign: signed subordinate CA certificate serial " << cert.serial_hex() << " for "
            << cert.subject().to_string() << "\n"
            << "xsign: its key fingerprint SHA256:" << cert.public_key().fingerprint()
            << " (compare with the one read out at the issuing CA)\n";
  write_output(a.out, cert.pem());
}

void ca_cross(const CaArgs& a) {
  auto ca = open_ca(a);
  const auto foreign = sign::Certificate::load(a.input);
  std::vector<sign::DistinguishedName> permit, exclude;
  for (const auto& p : a.permit) permit.push_back(sign::DistinguishedName::parse(p));
  for (const auto& e : a.exclude) exclude.push_back(sign::DistinguishedName::parse(e));
  const auto cert = ca.cross_certify(foreign, permit, exclude, a.path_len, a.days.value_or(1825), when(a));
  std::cerr << "xsign: cross-certified " << foreign.subject().to_string() << " (serial " << cert.serial_hex()
            << ")\n";
  write_output(a.out, cert.pem());
}

void ca_revoke(const CaArgs& a) {
  if (!a.serials_from.empty()) {
    if (!a.input.empty()) throw sign::UsageError("give a serial or --serials-from, not both");
    // One serial per line (hex, colons allowed); blank lines and # comments are skipped.
    std::string text;
    if (a.serials_from == "-") {
      std::ostringstream all;
      all << std::cin.rdbuf();
      text = all.str();
    } else {
      text = sign::read_text_file(a.serials_from);
    }
    std::vector<std::string> serials;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      line = line.substr(0, line.find('#'));
      line.erase(0, line.find_first_not_of(" \t\r"));
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
      if (!line.empty()) serials.push_back(line);
    }
    if (serials.empty()) throw sign::UsageError(a.serials_from + ": no serial numbers in it");
    auto ca = open_ca(a);
    Progress bar("revoking", serials.size(), false);
    ca.revoke_many(serials, sign::parse_reason(a.reason), when(a), [&](std::size_t n) { bar.advance_to(n); });
    std::cerr << "xsign: revoked " << serials.size() << " certificate(s) (" << sign::reason_name(sign::parse_reason(a.reason))
              << ") in one transaction; publish a new CRL with `xsign ca crl`\n";
    return;
  }
  if (a.input.empty()) throw sign::UsageError("name the serial to revoke, or --serials-from FILE");
  auto ca = open_ca(a);
  ca.revoke(a.input, sign::parse_reason(a.reason), when(a));
  std::cerr << "xsign: revoked " << a.input << " (" << sign::reason_name(sign::parse_reason(a.reason))
            << "); publish a new CRL with `xsign ca crl`\n";
}

void ca_crl(const CaArgs& a) {
  auto ca = open_ca(a);
  const auto crl = a.delta ? ca.make_delta_crl(when(a), a.crl_hours_set ? a.crl_hours : 1) : ca.make_crl(when(a), a.crl_hours);
  std::cerr << "xsign: CRL number " << crl.crl_number().value_or(0) << " with " << crl.entries().size()
            << " revoked certificate(s)\n";
  write_output(a.out, crl.pem());
}

void ca_service(const CaArgs& a) {
  auto ca = open_ca(a);
  std::optional<sign::PrivateKey> key;
  if (!a.key.empty()) key = open_key(a.key, a.pass, given_public_key(a));
  const std::string pass = a.pass.no_encrypt || (key && !key->exportable())
                               ? ""
                               : passphrase_for_writing(a.pass, a.dir + "/services/" + a.role + ".key");
  const auto cert = ca.create_service(a.role, pass, when(a), key);
  std::cerr << "xsign: " << a.role << " certificate for " << cert.subject().to_string() << " in " << a.dir
            << "/services/\n";
}

void ca_list(const CaArgs& a) {
  auto ca = sign::CertificateAuthority::open(a.dir, nullptr);
  const auto records = ca.store().list();
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : records) {
      nlohmann::json j{{"serial", r.serial_hex}, {"subject", r.subject}, {"profile", r.profile},
                       {"not_before", sign::format_time(r.not_before)}, {"not_after", sign::format_time(r.not_after)},
                       {"status", r.revoked ? "revoked" : "issued"}};
      if (r.revoked) {
        j["revocation_time"] = sign::format_time(r.revocation_time);
        j["reason"] = sign::reason_name(r.reason);
      }
      out.push_back(j);
    }
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "CA: " << ca.certificate().subject().to_string() << "\n";
  for (const auto& r : records) {
    std::cout << r.serial_hex << "  " << (r.revoked ? "REVOKED" : "issued ") << "  " << r.profile << "  "
              << sign::format_time(r.not_after) << "  " << r.subject;
    if (r.revoked) std::cout << "  (" << sign::reason_name(r.reason) << ", " << sign::format_time(r.revocation_time) << ")";
    std::cout << "\n";
  }
  if (records.empty()) std::cout << "(no certificates issued yet)\n";
}

int ca_log(const CaArgs& a) {
  auto ca = sign::CertificateAuthority::open(a.dir, nullptr);
  const auto log = ca.store().audit_log();
  const auto check = sign::verify_audit_log(log, a.expect_head);
  if (a.head) {
    if (log.empty()) throw sign::UsageError(a.dir + ": the audit log is empty");
    std::cout << log.back().seq << ":" << log.back().hash << "\n";
    return check.ok ? 0 : 1;
  }
  if (a.json) {
    nlohmann::json out{{"ca", ca.certificate().subject().to_string()}, {"entries", nlohmann::json::array()}};
    if (!a.verify)
      for (const auto& e : log)
        out["entries"].push_back({{"seq", e.seq}, {"time", sign::format_time(e.time)}, {"actor", e.actor},
                                  {"action", e.action}, {"details", e.details}, {"prev_hash", e.prev_hash}, {"hash", e.hash}});
    out["verified"] = check.ok;
    if (!check.ok) out["first_bad_entry"] = check.first_bad_seq, out["problem"] = check.problem;
    out["head"] = log.empty() ? nlohmann::json(nullptr) : nlohmann::json(std::to_string(log.back().seq) + ":" + log.back().hash);
    std::cout << out.dump(2) << "\n";
    return check.ok ? 0 : 1;
  }
  if (!a.verify) {
    for (const auto& e : log)
      std::cout << e.seq << "  " << sign::format_time(e.time) << "  " << e.action << "  " << sign::printable_text(e.actor)
                << "  " << sign::printable_text(e.details) << "\n";
    if (log.empty()) std::cout << "(the audit log is empty)\n";
  }
  if (a.verify || !check.ok) {
    if (check.ok)
      std::cout << "audit log intact: " << check.entries << " entries, head " << (log.empty() ? std::string("-") : std::to_string(log.back().seq) + ":" + check.head_hash) << "\n";
    else
      std::cout << "audit log TAMPERED: entry " << check.first_bad_seq << ": " << check.problem << "\n";
  }
  return check.ok ? 0 : 1;
}

void ca_backup(const CaArgs& a) {
  sign::backup_ca_directory(a.dir, a.out);
  if (std::filesystem::exists(std::filesystem::path(a.dir) / "store.url"))
    std::cerr << "xsign: backed up " << a.dir << " to " << a.out
              << " (keys as stored, still encrypted). The store is in PostgreSQL: back it up with pg_dump or "
                 "a base backup with WAL archiving (docs/deployment.md)\n";
  else
    std::cerr << "xsign: backed up " << a.dir << " to " << a.out
              << " (store copied with SQLite's online backup; keys as stored, still encrypted)\n";
}

void ca_migrate(const CaArgs& a) {
  sign::CertificateAuthority::migrate_store(a.dir, a.store);
  std::cerr << "xsign: moved the store of " << a.dir << " to " << sign::redact_store_url(a.store)
            << "; the SQLite file stays as store.sqlite.before-migration\n";
}

void ca_restore(const CaArgs& a) {
  sign::restore_ca_directory(a.input, a.dir);
  std::cerr << "xsign: restored " << a.input << " into " << a.dir << "\n";
}

}  // namespace

void register_ca_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<CaArgs>();

  auto* c = app.add_subcommand("csr", "Create a PKCS#10 certification request from a key and a subject");
  c->add_option("--key", a->key, "Private key: a file, a pkcs11: URI, or ext:COMMAND")->required();
  c->add_option("--subject", a->subject,
                "Subject, e.g. \"/C=RU/O=OOO Volga/CN=Ivan Petrov/INN=770123456789/OGRN=1027700000001\"")
      ->required();
  c->add_option("--out", a->out, "Output file; stdout when absent")->type_name("FILE");
  c->add_option("--pubkey", a->pubkey, "Public key (or certificate) of an ext: key")->type_name("FILE");
  add_passphrase_options(*c, a->pass, false);
  add_key_source_options(*c, a->pass);
  c->callback([a] { csr(*a); });

  auto* ca = app.add_subcommand("ca", "Run a certificate authority (state in a CA directory)");
  ca->require_subcommand(1);

  auto* init = ca->add_subcommand("init", "Create a root CA, or an issuing CA under --parent");
  init->add_option("--dir", a->dir, "New CA directory")->required();
  init->add_option("--profile", a->profile, "Domain profile (certs/cn.toml, certs/ru.toml)")->required();
  init->add_option("--role", a->role, "root (default) or issuing");
  init->add_option("--parent", a->parent, "Parent CA directory (for --role issuing)");
  init->add_option("--subject", a->subject, "Override the profile's subject");
  init->add_option("--key", a->key, "Use this key instead of generating one: a file, a pkcs11: URI (kept on the token), ext:COMMAND");
  init->add_option("--pubkey", a->pubkey, "Public key of an ext: key")->type_name("FILE");
  init->add_option("--cert", a->cert, "Offline root ceremony: this CA's certificate, signed by `xsign ca sign-csr` (with --role issuing)")
      ->type_name("FILE");
  init->add_option("--parent-chain", a->parent_chain, "With --cert: the parent CA's chain.pem")->type_name("FILE");
  init->add_option("--out", a->out, "Also write the CA certificate here (stdout when absent)");
  init->add_option("--store", a->store,
                   "Keep the CA's state in this PostgreSQL database (an empty one) instead of DIR/store.sqlite; "
                   "recorded in DIR/store.url")
      ->type_name("postgresql://...");
  init->add_option("--parent-pass-file", a->parent_pass.file, "Passphrase file of the parent CA key");
  init->add_option("--parent-pass-env", a->parent_pass.env, "Environment variable with the parent CA key passphrase");
  add_passphrase_options(*init, a->pass, true);
  add_key_source_options(*init, a->pass);
  add_time_option(init, *a);
  init->callback([a] { ca_init(*a); });

  auto* issue = ca->add_subcommand("issue", "Issue a certificate for a CSR with a profile (trader, tsa, ocsp)");
  issue->add_option("csr", a->input, "Certification request (PEM or DER)")->required();
  issue->add_option("--dir", a->dir, "CA directory")->required();
  issue->add_option("--profile", a->profile, "Certificate profile of the CA's domain")->required();
  issue->add_option("--days", a->days, "Validity in days (default from the profile)");
  issue->add_option("--out", a->out, "Output file; stdout when absent")->type_name("FILE");
  add_passphrase_options(*issue, a->pass, false);
  add_key_source_options(*issue, a->pass);
  add_time_option(issue, *a);
  issue->callback([a] { ca_issue(*a); });

  auto* sub = ca->add_subcommand("sign-csr", "Offline root: issue a subordinate CA certificate for a request carried in");
  sub->add_option("csr", a->input, "The issuing CA's certification request (from `xsign csr`)")->required();
  sub->add_option("--dir", a->dir, "This (root) CA directory")->required();
  sub->add_option("--days", a->days, "Validity in days (default: the profile's [issuing] validity_days)");
  sub->add_option("--path-len", a->path_len, "pathLenConstraint (default: the profile's [issuing] path_len)");
  sub->add_option("--out", a->out, "Output file; stdout when absent")->type_name("FILE");
  add_passphrase_options(*sub, a->pass, false);
  add_key_source_options(*sub, a->pass);
  add_time_option(sub, *a);
  sub->callback([a] { ca_sign_csr(*a); });

  auto* cross = ca->add_subcommand("cross-certify", "Issue a cross-certificate for another domain's root");
  cross->add_option("root", a->input, "The foreign root certificate")->required();
  cross->add_option("--dir", a->dir, "This domain's root CA directory")->required();
  cross->add_option("--permit", a->permit, "Permitted subtree (nameConstraints), e.g. /C=CN; repeatable");
  cross->add_option("--exclude", a->exclude, "Excluded subtree (nameConstraints); repeatable");
  cross->add_option("--path-len", a->path_len, "pathLenConstraint of the cross-certificate");
  cross->add_option("--days", a->days, "Validity in days (default 1825)");
  cross->add_option("--out", a->out, "Output file; stdout when absent")->type_name("FILE");
  add_passphrase_options(*cross, a->pass, false);
  add_key_source_options(*cross, a->pass);
  add_time_option(cross, *a);
  cross->callback([a] { ca_cross(*a); });

  auto* revoke = ca->add_subcommand("revoke", "Revoke a certificate this CA issued");
  revoke->add_option("serial", a->input, "Serial number (hex, as `xsign ca list` shows it)");
  revoke->add_option("--serials-from", a->serials_from,
                     "Revoke every serial in FILE ('-': standard input), one per line, in one transaction (all or none)")
      ->type_name("FILE");
  revoke->add_option("--dir", a->dir, "CA directory")->required();
  revoke->add_option("--reason", a->reason, "keyCompromise, cACompromise, affiliationChanged, superseded, "
                                            "cessationOfOperation, certificateHold, privilegeWithdrawn, unspecified");
  add_passphrase_options(*revoke, a->pass, false);
  add_key_source_options(*revoke, a->pass);
  add_time_option(revoke, *a);
  revoke->callback([a] { ca_revoke(*a); });

  auto* crl = ca->add_subcommand("crl", "Issue a CRL of every revoked certificate");
  crl->add_option("--dir", a->dir, "CA directory")->required();
  crl->add_option("--hours", a->crl_hours, "Hours until nextUpdate (default 24; a delta CRL: 1)")
      ->each([a](const std::string&) { a->crl_hours_set = true; });
  crl->add_flag("--delta", a->delta, "A delta CRL over the last complete CRL (deltaCRLIndicator), published as NAME-delta.crl");
  crl->add_option("--out", a->out, "Output file; stdout when absent")->type_name("FILE");
  add_passphrase_options(*crl, a->pass, false);
  add_key_source_options(*crl, a->pass);
  add_time_option(crl, *a);
  crl->callback([a] { ca_crl(*a); });

  auto* service = ca->add_subcommand("service", "Create the CA's TSA or OCSP responder key and certificate");
  service->add_option("--dir", a->dir, "CA directory")->required();
  service->add_option("--role", a->role, "tsa or ocsp")->required();
  service->add_option("--key", a->key, "Use this key (a file, a pkcs11: URI, ext:COMMAND) instead of generating one");
  service->add_option("--pubkey", a->pubkey, "Public key of an ext: key")->type_name("FILE");
  add_passphrase_options(*service, a->pass, true);
  add_key_source_options(*service, a->pass);
  add_time_option(service, *a);
  service->callback([a] { ca_service(*a); });

  auto* list = ca->add_subcommand("list", "List the certificates this CA issued");
  list->add_option("--dir", a->dir, "CA directory")->required();
  list->add_flag("--json", a->json, "Machine-readable output");
  list->callback([a] { ca_list(*a); });

  auto* log = ca->add_subcommand("log", "Show the CA's audit log (who did what, when); --verify checks its hash chain");
  log->add_option("--dir", a->dir, "CA directory")->required();
  log->add_flag("--verify", a->verify, "Check the hash chain and name the first edited or missing entry (exit 1 if any)");
  log->add_flag("--head", a->head, "Print SEQ:HASH of the newest entry, to record outside the CA (detects truncation)");
  log->add_option("--expect-head", a->expect_head, "SEQ:HASH recorded earlier that must still be in the log")->type_name("SEQ:HASH");
  log->add_flag("--json", a->json, "Machine-readable output");
  log->callback([a, &ctx] { ctx.exit_code = ca_log(*a); });

  auto* backup = ca->add_subcommand(
      "backup", "Copy a CA directory consistently, even while `xsign serve` uses it (SQLite online backup)");
  backup->add_option("--dir", a->dir, "CA directory")->required();
  backup->add_option("--out", a->out, "New backup directory (must not exist)")->required()->type_name("DIR");
  backup->callback([a] { ca_backup(*a); });

  auto* migrate = ca->add_subcommand(
      "migrate", "Move a CA's store from store.sqlite into an empty PostgreSQL database (every row, checked)");
  migrate->add_option("--dir", a->dir, "CA directory (stop its servers first)")->required();
  migrate->add_option("--to", a->store, "PostgreSQL URL of an empty database")->required()->type_name("postgresql://...");
  migrate->callback([a] { ca_migrate(*a); });

  auto* restore = ca->add_subcommand("restore", "Recreate a CA directory from a backup (checked before it is used)");
  restore->add_option("backup", a->input, "Backup directory made by `xsign ca backup`")->required();
  restore->add_option("--dir", a->dir, "CA directory to create (must not exist)")->required();
  restore->callback([a] { ca_restore(*a); });
}

}  // namespace xsign
