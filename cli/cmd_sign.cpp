// `xsign sign` (one document or a batch, two-step too), `xsign cosign`, `xsign countersign`, `xsign extend`.
#include "commands.hpp"
#include "container_commands.hpp"
#include "exit_codes.hpp"
#include "language.hpp"
#include "output.hpp"
#include "progress.hpp"
#include "signer_check.hpp"
#include "passphrase.hpp"
#include "trust_setup.hpp"
#include "two_step.hpp"
#include "xml_signing.hpp"

#include <sign/cms.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/signers.hpp>
#include <sign/tsp.hpp>
#include <sign/validate.hpp>


#include <algorithm>
#include <thread>
#include <mutex>
#include <filesystem>
#include <iostream>

#include <unistd.h>

namespace xsign {
namespace {

namespace fs = std::filesystem;

struct SignArgs {
  std::string input, key, cert, chain, out, content, commitment, sm2_id = "1234567812345678", at;
  std::string level = "B", tsa, to, tsa_ca;
  TrustArgs t;
  // XAdES (--format xades)
  std::string format = "cades", xml_sm2_uris = "chinaport";
  bool enveloped = false, enveloping = false, detached = false, parallel = false;
  // Containers: --asic-e (several documents) or --asic-s (one).
  bool asic_e = false, asic_s = false;
  bool attach = false, pem = false, gm_oids = false, strict = false;
  unsigned signer_index = 1;
  // Batch signing: several documents, or a folder of them.
  std::vector<std::string> documents;
  std::string dir;
  bool recursive = false;
  unsigned jobs = 0;
  PassphraseOptions pass;
  // Two-step (air-gapped) signing.
  std::string prepare, complete, prepared;
  std::optional<PreparedState> prepared_state;
};

// A document named on the command line; stdin is spooled to a temporary file first, because
// signing reads the document twice when attaching it (digest, then copy).
struct DocumentArg {
  sign::Content content;
  std::string spool;
  ~DocumentArg() {
    if (!spool.empty()) ::unlink(spool.c_str());
  }
};

std::unique_ptr<DocumentArg> open_document(const std::string& path) {
  auto doc = std::make_unique<DocumentArg>();
  if (path != "-") {
    doc->content = sign::Content::file(path);
    return doc;
  }
  char name[] = "/tmp/xsign-stdin-XXXXXX";
  const int fd = ::mkstemp(name);
  if (fd < 0) throw sign::IoError("cannot create a temporary file for standard input");
  doc->spool = name;
  ::close(fd);
  {
    sign::AtomicFileWriter w(doc->spool, sign::FileMode::private_0600);
    sign::for_each_chunk(std::cin, [&](sign::ByteView chunk) { w.write(chunk); }, "standard input");
    w.commit();
  }
  doc->content = sign::Content::file(doc->spool);
  return doc;
}

sign::SignerSpec load_signer(const SignArgs& a) {
  // --cert may be a bundle (the signer's certificate and its CAs, as CAs hand them out): the
  // certificate of this key signs, the others are embedded as its chain.
  const auto bundle = sign::Certificate::load_all(a.cert);
  // An external command or a two-step signature signs for the bundle's first end-entity certificate.
  auto leaf = std::find_if(bundle.begin(), bundle.end(), [](const sign::Certificate& c) { return !c.is_ca(); });
  const sign::PublicKey leaf_key = (leaf == bundle.end() ? bundle.front() : *leaf).public_key();
  std::optional<sign::PrivateKey> chosen;
  if (!a.prepare.empty()) {
    chosen = preparing_key(leaf_key);
  } else if (a.prepared_state) {
    chosen = completing_key(leaf_key, a.prepared_state->to_be_signed, sign::read_file(a.complete, 64 * 1024));
  } else {
    if (a.key.empty()) throw sign::UsageError("--key is required (a key file, a pkcs11: URI or ext:COMMAND), or use --prepare");
    const bool external = a.key.rfind("ext", 0) == 0 && sign::is_key_reference(a.key);
    chosen = open_key(a.key, a.pass, external ? std::optional<sign::PublicKey>(leaf_key) : std::nullopt);
  }
  const sign::PrivateKey key = *chosen;
  auto mine = std::find_if(bundle.begin(), bundle.end(),
                           [&](const sign::Certificate& c) { return c.public_key() == key.public_key(); });
  // One certificate: the library's check names the mismatch ("does not belong to the certificate").
  if (mine == bundle.end() && bundle.size() == 1) mine = bundle.begin();
  if (mine == bundle.end())
    throw sign::UsageError(a.cert + ": no certificate in it is for the key " + a.key +
                           (bundle.size() > 1 ? " (" + std::to_string(bundle.size()) + " certificates looked at)" : ""));
  sign::SignerSpec s{key, *mine, {}, {}, sign::Commitment::none, a.at.empty() ? sign::now() : sign::parse_time(a.at)};
  for (const auto& c : bundle)
    if (!(c == *mine)) s.chain.push_back(c);
  if (!a.chain.empty())
    for (const auto& c : sign::Certificate::load_all(a.chain))
      if (std::find(s.chain.begin(), s.chain.end(), c) == s.chain.end()) s.chain.push_back(c);
  s.options.sm2_id = a.sm2_id;
  if (!a.commitment.empty()) s.commitment = sign::parse_commitment(a.commitment);
  check_signer(s, a.strict);
  return s;
}

// Sends a SignedData to --out (atomically), to stdout, or as PEM.
class SignatureOutput {
 public:
  /// `overwrite`: replace for in-place updates of the input, new_output_policy() for --out.
  SignatureOutput(std::string path, bool pem, sign::Overwrite overwrite)
      : path_(std::move(path)), pem_(pem), overwrite_(overwrite) {
    if (to_stdout() && !pem_ && ::isatty(STDOUT_FILENO))
      throw sign::UsageError("refusing to write a binary signature to a terminal; use --out FILE or --pem");
    check_output(path_, overwrite_);
    if (!to_stdout() && !pem_) file_ = std::make_unique<sign::AtomicFileWriter>(path_, sign::FileMode::public_0644, overwrite_);
  }
  std::function<void(sign::ByteView)> sink() {
    return [this](sign::ByteView chunk) {
      if (pem_) {
        if (buffer_.size() + chunk.size() > sign::kMaxDerObjectBytes)
          throw sign::UsageError("PEM output is for small signatures; write DER for an attached large document");
        buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
      } else if (file_) {
        file_->write(chunk);
      } else {
        std::cout.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(chunk.size()));
      }
    };
  }
  void finish() {
    if (pem_ && to_stdout()) write_output("", sign::pem_encode(buffer_, "CMS"));
    else if (pem_) sign::write_file_atomic(path_, sign::pem_encode(buffer_, "CMS"), sign::FileMode::public_0644, overwrite_);
    else if (file_) file_->commit();
    else if (!(std::cout.flush())) throw sign::IoError("writing to standard output failed");
  }

 private:
  bool to_stdout() const { return path_.empty() || path_ == "-"; }
  std::string path_;
  bool pem_;
  sign::Overwrite overwrite_;
  std::unique_ptr<sign::AtomicFileWriter> file_;
  sign::Bytes buffer_;
};

// Work that must not show until it is complete (a signature waiting for its time-stamp, an
// extension waiting for its TSA): done in a hidden file beside the output, published by rename,
// and removed on any failure, so a failed command leaves no output behind.
class Scratch {
 public:
  explicit Scratch(const std::string& out) : path_(scratch_path_for(out)) {}
  ~Scratch() { ::unlink(path_.c_str()); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  const std::string& path() const { return path_; }
  /// Replaces the scratch file with a new version written by `write`.
  void rewrite(const std::function<void(const std::function<void(sign::ByteView)>&)>& write) {
    sign::AtomicFileWriter next(path_, sign::FileMode::public_0644, sign::Overwrite::replace);
    write([&](sign::ByteView c) { next.write(c); });
    next.commit();
  }
  void publish(const std::string& out, bool pem, sign::Overwrite overwrite) {
    if (pem) {
      check_output(out, overwrite);
      sign::write_file_atomic(out, sign::pem_encode(sign::read_file(path_), "CMS"), sign::FileMode::public_0644, overwrite);
    } else {
      move_into_place(path_, out, overwrite);
    }
  }

 private:
  std::string path_;
};

// How an output treats an existing file: updating the input in place is what the command is
// for; a different --out must not replace anything unless --force.
sign::Overwrite overwrite_for(const SignArgs& a, const std::string& out) {
  return out == a.input ? sign::Overwrite::replace : new_output_policy();
}

// Adds a signature time-stamp from the TSA at `url` to every signer of the scratch file that has none.
void add_time_stamps(Scratch& work, const std::string& url, const std::string& tsa_ca) {
  auto sd = sign::SignedDataView::load(work.path());
  for (std::size_t i = 0; i < sd.signers().size(); ++i) {
    const auto& si = sd.signers()[i];
    const bool stamped = std::any_of(si.unsigned_attrs.begin(), si.unsigned_attrs.end(),
                                     [](const sign::CmsAttribute& x) { return x.oid == sign::oids::signature_time_stamp; });
    if (stamped) continue;
    const auto cert = sd.find_signer_certificate(si);
    const auto alg = cert ? sign::suite_info(cert->public_key().suite()).digest : sign::DigestAlgorithm::sha256;
    const auto token = sign::request_time_stamp(url, alg, si.signature, std::chrono::seconds(10), tsa_ca);
    work.rewrite([&](const auto& sink) { sign::add_unsigned_attribute(sd, i, sign::oids::signature_time_stamp, {token.der}, sink); });
    sd = sign::SignedDataView::load(work.path());
    std::cerr << "xsign: signer " << i + 1 << " time-stamped at " << sign::format_time(token.info.gen_time) << " by " << url << "\n";
  }
}

// archive-time-stamp-v3 on every signer: the token gets the ats-hash-index-v3 it was
// computed over as an unsigned attribute, then joins the signer's unsigned attributes.
void add_archive_time_stamps(const SignArgs& a, Scratch& work) {
  auto sd = sign::SignedDataView::load(work.path());
  const auto document = sd.attached() ? sd.attached_content() : detached_content(a.input, a.content);
  if (!document) throw sign::UsageError(a.input + " is detached: give the document with --content");
  for (std::size_t i = 0; i < sd.signers().size(); ++i) {
    const auto cert = sd.find_signer_certificate(sd.signers()[i]);
    const auto alg = cert ? sign::suite_info(cert->public_key().suite()).digest : sign::DigestAlgorithm::sha256;
    sign::Bytes index;
    const auto input = sign::archive_time_stamp_input(sd, i, *document, alg, index);
    const auto token = sign::request_time_stamp(a.tsa, alg, input, std::chrono::seconds(10), a.tsa_ca);
    sign::Bytes indexed_token;
    sign::add_unsigned_attribute(sign::SignedDataView::parse(sign::memory_source(token.der)), 0,
                                 sign::oids::ats_hash_index_v3, {index},
                                 [&](sign::ByteView c) { indexed_token.insert(indexed_token.end(), c.begin(), c.end()); });
    work.rewrite([&](const auto& sink) { sign::add_unsigned_attribute(sd, i, sign::oids::archive_time_stamp_v3, {indexed_token}, sink); });
    sd = sign::SignedDataView::load(work.path());
    std::cerr << "xsign: signer " << i + 1 << " archive-time-stamped at " << sign::format_time(token.info.gen_time) << "\n";
  }
}

// CAdES-X Long Type 1 on every signer (TS 101 733 §6.3.5, §6.3.6): a signature time-stamp
// where there is none, then complete-certificate-references, complete-revocation-references,
// the CAdES-C-time-stamp over the signature, its time-stamp and the references, and the values
// themselves (certificate-values, revocation-values), added in one rewrite per signer.
void add_x_long_type_1(const SignArgs& a, Scratch& work) {
  add_time_stamps(work, a.tsa, a.tsa_ca);
  const auto setup = load_trust_setup(a.t);
  auto sd = sign::SignedDataView::load(work.path());
  for (std::size_t i = 0; i < sd.signers().size(); ++i) {
    std::vector<std::string> problems;
    const auto data = sign::collect_complete_validation_data(sd, i, setup.trust, setup.policy, setup.options, problems);
    require_validation_data(problems, "collect the complete validation data of signer " + std::to_string(i + 1));
    const auto alg = sign::suite_info(data.path.front().public_key().suite()).digest;
    const auto values = sign::cades_c_values(data, alg);
    // The CAdES-C-time-stamp covers the references as they will be written.
    sign::SignerInfoView with_refs = sd.signers()[i];
    with_refs.unsigned_attrs.push_back({std::string(sign::oids::complete_certificate_refs), {values.certificate_refs}});
    with_refs.unsigned_attrs.push_back({std::string(sign::oids::complete_revocation_refs), {values.revocation_refs}});
    const auto token = sign::request_time_stamp(a.tsa, alg, sign::esc_time_stamp_input(with_refs), std::chrono::seconds(10), a.tsa_ca);
    work.rewrite([&](const auto& sink) {
      sign::add_unsigned_attributes(sd, i,
                                    {{std::string(sign::oids::complete_certificate_refs), values.certificate_refs},
                                     {std::string(sign::oids::complete_revocation_refs), values.revocation_refs},
                                     {std::string(sign::oids::esc_time_stamp), token.der},
                                     {std::string(sign::oids::certificate_values), values.certificate_values},
                                     {std::string(sign::oids::revocation_values), values.revocation_values}},
                                    sink);
    });
    sd = sign::SignedDataView::load(work.path());
    std::cerr << "xsign: signer " << i + 1 << " is CAdES-X Long Type 1: " << data.path.size() - 1
              << " CA certificate(s) referenced, CAdES-C-time-stamp at " << sign::format_time(token.info.gen_time) << "\n";
  }
  // The time-stamping authorities' paths and revocation data too, in the SignedData (as for
  // LT), so that the time-stamps can be checked offline as well.
  const auto tsa_data = sign::collect_validation_data(sd, setup.trust, setup.policy, setup.options, false);
  if (!tsa_data.problems.empty())
    throw sign::UsageError("cannot collect the validation data of the time-stamps: " + tsa_data.problems.front());
  work.rewrite([&](const auto& sink) {
    sign::add_validation_data(sd, tsa_data.certificates, tsa_data.crls, tsa_data.ocsp_responses, sink);
  });
}

sign::XadesOptions xades_options(const SignArgs& a) {
  sign::XadesOptions o;
  if (a.enveloping + a.detached + a.enveloped > 1) throw sign::UsageError("--enveloped, --enveloping and --detached exclude each other");
  o.placement = a.detached ? sign::XmlPlacement::detached
                : a.enveloping ? sign::XmlPlacement::enveloping
                               : sign::XmlPlacement::enveloped;
  o.parallel = a.parallel;
  if (a.xml_sm2_uris == "w3c") o.sm2_uris = sign::XmlSm2Uris::w3c;
  else if (a.xml_sm2_uris != "chinaport") throw sign::UsageError("--xml-sm2-uris must be chinaport or w3c");
  return o;
}

void do_extend(const SignArgs& a) {
  const std::string out = a.out.empty() ? a.input : a.out;
  const auto overwrite = overwrite_for(a, out);
  if (is_xml_file(a.input)) {
    extend_xml(a.input, a.content, out, a.to, a.tsa, a.tsa_ca, a.t, overwrite);
    std::cerr << "xsign: " << out << " is XAdES-" << a.to << "\n";
    return;
  }
  if (a.to == "T" || a.to == "LTA" || a.to == "XL1") {
    if (a.tsa.empty()) throw sign::UsageError("--to " + a.to + " needs --tsa URL");
    check_output(out, overwrite);
    (void)sign::SignedDataView::load(a.input);  // a malformed input fails before the copy
    Scratch work(out);
    fs::copy_file(a.input, work.path(), fs::copy_options::overwrite_existing);
    if (a.to == "T") add_time_stamps(work, a.tsa, a.tsa_ca);
    else if (a.to == "XL1") add_x_long_type_1(a, work);
    else add_archive_time_stamps(a, work);
    work.publish(out, a.pem, overwrite);
    return;
  }
  if (a.to != "LT") throw sign::UsageError("--to must be T, LT, XL1 or LTA");
  const auto sd = sign::SignedDataView::load(a.input);
  const auto setup = load_trust_setup(a.t);
  const auto data = sign::collect_validation_data(sd, setup.trust, setup.policy, setup.options);
  require_validation_data(data.problems, "make the signature verifiable offline");
  SignatureOutput output(out, a.pem, overwrite);
  sign::add_validation_data(sd, data.certificates, data.crls, data.ocsp_responses, output.sink());
  output.finish();
  std::cerr << "xsign: " << out << " is CAdES-LT: " << data.certificates.size() << " certificate(s), " << data.crls.size()
            << " CRL(s), " << data.ocsp_responses.size() << " OCSP response(s) embedded\n";
}

// `sign --prepare TBS`: everything of a signature but the signature value.
void do_prepare(const SignArgs& a) {
  if (a.input == "-") throw sign::UsageError("--prepare needs the document as a file (it is read again by --complete)");
  if (a.level != "B" || a.attach || a.pem)
    throw sign::UsageError("--prepare takes the document and --cert (and --commitment, --sm2-id, --at); --attach, --pem "
                           "and --level belong to --complete");
  SignArgs b = a;
  const auto t = std::chrono::floor<std::chrono::seconds>(a.at.empty() ? sign::now() : sign::parse_time(a.at));
  b.at = sign::format_time(t);
  const auto signer = load_signer(b);
  auto doc = open_document(a.input);
  PreparedState state;
  try {
    sign::sign_document(doc->content, signer, {}, [](sign::ByteView) {});
    throw sign::InternalError("signing finished without asking for the signature");
  } catch (PreparedStop& stop) {
    state.to_be_signed = std::move(stop.to_be_signed);
  }
  state.document = a.input;
  state.document_sha256 = file_sha256(a.input);
  state.signing_time = b.at;
  state.certificate_sha256 = sign::to_hex(sign::digest_bytes(sign::DigestAlgorithm::sha256, signer.certificate.der()));
  state.sm2_id = a.sm2_id;
  const auto pub = signer.certificate.public_key();
  write_prepared(a.prepare, state, pub, sign::to_hex(sign::digest_to_sign(pub, state.to_be_signed, signer.options)));
  std::cerr << "xsign: to be signed: " << a.prepare << " (" << state.to_be_signed.size() << " bytes; " << a.prepare
            << ".json records the document, time and certificate)\n"
            << "xsign: sign it with the key of " << signer.certificate.subject().to_string()
            << ", then: xsign sign " << a.input << " --cert " << a.cert << " --complete SIG --prepared " << a.prepare << "\n";
}

void do_sign_xml(const SignArgs& a) {
  if (!a.complete.empty() || a.attach || a.pem || a.gm_oids)
    throw sign::UsageError("--format xades does not take --attach, --pem, --gm-oids or --complete");
  XmlSignRequest r;
  r.input = a.input;
  r.options = xades_options(a);
  r.out = a.out.empty() ? default_xml_output(a.input, r.options.placement) : a.out;
  r.level = a.level;
  r.tsa = a.tsa;
  r.tsa_ca = a.tsa_ca;
  r.trust = &a.t;
  if (r.level != "B" && r.level != "T" && r.level != "LT" && r.level != "LTA")
    throw sign::UsageError("--level must be B, T, LT or LTA for XAdES");
  const auto overwrite = new_output_policy();
  check_output(r.out, overwrite);
  const auto signer = load_signer(a);
  sign_xml(r, signer, overwrite);
  std::cerr << "xsign: signed " << a.input << " as XAdES-" << r.level << " ("
            << (r.options.placement == sign::XmlPlacement::enveloped ? "enveloped"
                : r.options.placement == sign::XmlPlacement::enveloping ? "enveloping"
                                                                        : "detached")
            << ", " << sign::suite_name(signer.key.suite()) << ", " << signer.certificate.subject().to_string() << ") -> "
            << r.out << "\n";
}

void do_sign(const SignArgs& a_in) {
  if (!a_in.prepare.empty()) return do_prepare(a_in);
  SignArgs a = a_in;
  if (!a.complete.empty()) {
    if (a.prepared.empty()) throw sign::UsageError("--complete SIG needs --prepared TBS (the file --prepare wrote)");
    if (!a.key.empty()) throw sign::UsageError("--complete takes the signature made elsewhere; no --key");
    auto state = read_prepared(a.prepared);
    if (a.input == "-" || file_sha256(a.input) != state.document_sha256)
      throw sign::UsageError(a.input + " is not the document that was prepared (" + state.document + ", SHA-256 " +
                             state.document_sha256.substr(0, 16) + "...)");
    a.at = state.signing_time;
    if (!state.sm2_id.empty()) a.sm2_id = state.sm2_id;
    a.prepared_state = std::move(state);
  }
  if (a.input == "-" && a.pass.file == "-")
    throw sign::UsageError("the document and the passphrase cannot both come from standard input; use --pass-env or a file");
  if (a.format == "xades") return do_sign_xml(a);
  if (a.format != "cades") throw sign::UsageError("--format must be cades or xades");
  if (a.enveloped || a.enveloping || a.detached || a.parallel)
    throw sign::UsageError("--enveloped, --enveloping, --detached and --parallel are for --format xades");
  std::string out = a.out;
  if (out.empty() && a.input != "-") {
    out = a.input + ".p7s";
    if (fs::exists(out) && new_output_policy() == sign::Overwrite::refuse)
      throw sign::UsageError(out + " already exists; add a signature to it with `xsign cosign " + out +
                             "`, or use --force / --out");
  }
  const auto overwrite = new_output_policy();
  if (a.level != "B" && a.level != "T" && a.level != "XL1")
    throw sign::UsageError("--level must be B, T or XL1 (or B/T, then `xsign extend --to LT`)");
  if (a.level != "B" && a.tsa.empty()) throw sign::UsageError("--level " + a.level + " needs --tsa URL");
  if (a.level != "B" && (out.empty() || out == "-")) throw sign::UsageError("--level " + a.level + " writes a file: give --out");
  check_output(out, overwrite);  // before the passphrase is asked and the document read
  const auto signer = load_signer(a);
  auto doc = open_document(a.input);
  doc->content.source = with_progress(doc->content.source, "signing " + a.input);
  sign::SignOutputOptions options;
  options.attached = a.attach;
  options.oid_style = a.gm_oids ? sign::OidStyle::gmt : sign::OidStyle::pkcs7;
  if (a.level != "B") {
    // The output appears only once the time-stamp (and for XL1 the validation data) is in it.
    Scratch work(out);
    work.rewrite([&](const auto& sink) { sign::sign_document(doc->content, signer, options, sink); });
    if (a.level == "T") add_time_stamps(work, a.tsa, a.tsa_ca);
    else add_x_long_type_1(a, work);
    work.publish(out, a.pem, overwrite);
  } else {
    SignatureOutput output(out, a.pem, overwrite);
    sign::sign_document(doc->content, signer, options, output.sink());
    output.finish();
  }
  if (!out.empty() && out != "-")
    std::cerr << "xsign: "
              << tr("signed_one", {{"document", a.input},
                                   {"subject", signer.certificate.subject().to_string()},
                                   {"suite", std::string(sign::suite_name(signer.key.suite()))},
                                   {"how", tr(a.attach ? "attached" : "detached")},
                                   {"signature", out}})
              << "\n";
}

// The exit code an error of one document of a batch would have on its own (main.cpp's mapping).
int exit_code_of_error(const std::exception& e) {
  if (dynamic_cast<const sign::UsageError*>(&e)) return kExitUsage;
  if (dynamic_cast<const sign::NoInputError*>(&e)) return kExitNoInput;
  if (dynamic_cast<const sign::FormatError*>(&e) || dynamic_cast<const sign::PassphraseError*>(&e)) return kExitDataError;
  if (dynamic_cast<const sign::IoError*>(&e)) return kExitIoError;
  if (dynamic_cast<const sign::SignerError*>(&e)) return kExitUnavailable;
  return kExitInternal;
}

// `xsign sign FILES... | --dir DIR [--recursive]`: the key is unlocked once, each document gets
// DOC.p7s beside it (atomically, never replacing one unless --force), one line per document,
// and a tally. A document that fails does not stop the others.
int do_sign_batch(const SignArgs& a) {
  if (!a.out.empty()) throw sign::UsageError("--out names one file; a batch writes DOC.p7s beside each document");
  if (!a.prepare.empty() || !a.complete.empty()) throw sign::UsageError("--prepare and --complete sign one document at a time");
  if (a.level != "B") throw sign::UsageError("--level " + a.level + " signs one document at a time; sign the batch, then `xsign extend`");
  std::vector<std::string> files;
  for (const auto& d : a.documents) {
    if (d == "-") throw sign::UsageError("'-' (standard input) cannot be part of a batch");
    files.push_back(d);
  }
  if (!a.dir.empty()) {
    if (!fs::is_directory(a.dir)) throw sign::NoInputError(a.dir + ": not a directory");
    auto take = [&](const fs::directory_entry& e) {
      if (e.is_regular_file() && e.path().extension() != ".p7s" && e.path().filename().string()[0] != '.')
        files.push_back(e.path().string());
    };
    if (a.recursive)
      for (const auto& e : fs::recursive_directory_iterator(a.dir)) take(e);
    else
      for (const auto& e : fs::directory_iterator(a.dir)) take(e);
    std::sort(files.begin(), files.end());
  }
  if (files.empty()) throw sign::UsageError("nothing to sign: name documents or a --dir with documents in it");
  const auto signer = load_signer(a);  // one passphrase for the whole batch
  sign::SignOutputOptions options;
  options.attached = a.attach;
  options.oid_style = a.gm_oids ? sign::OidStyle::gmt : sign::OidStyle::pkcs7;
  const auto overwrite = new_output_policy();
  std::mutex mutex;
  std::size_t next = 0, signed_count = 0;
  int first_failure = 0;
  auto worker = [&] {
    while (true) {
      std::size_t i;
      {
        std::lock_guard lock(mutex);
        if (next >= files.size()) return;
        i = next++;
      }
      const std::string& doc = files[i];
      const std::string out = doc + ".p7s";
      std::string line;
      int code = 0;
      try {
        check_output(out, overwrite);
        sign::AtomicFileWriter w(out, sign::FileMode::public_0644, overwrite);
        sign::sign_document(sign::Content::file(doc), signer, options, [&](sign::ByteView c) { w.write(c); });
        w.commit();
        line = tr("batch_signed", {{"document", sign::printable_text(doc)}, {"signature", sign::printable_text(out)}});
      } catch (const std::exception& e) {
        code = exit_code_of_error(e);
        line = tr("batch_failed", {{"document", sign::printable_text(doc)}, {"message", sign::printable_text(e.what())}});
      }
      std::lock_guard lock(mutex);
      std::cout << line << "\n";
      if (code == 0) ++signed_count;
      else if (first_failure == 0) first_failure = code;
    }
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(a.jobs ? a.jobs : std::thread::hardware_concurrency(),
                                                        static_cast<unsigned>(files.size())));
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < jobs; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  std::cout.flush();
  std::cerr << "xsign: "
            << tr("batch_sign_tally", {{"signed", std::to_string(signed_count)},
                                       {"files", std::to_string(files.size())},
                                       {"subject", signer.certificate.subject().to_string()},
                                       {"failed", std::to_string(files.size() - signed_count)}})
            << "\n";
  return first_failure;
}

// `sign --asic-e DOC... | --asic-s DOC`: one container, one signature over every document.
void do_sign_container(const SignArgs& a) {
  if (a.asic_e && a.asic_s) throw sign::UsageError("--asic-e and --asic-s exclude each other");
  if (!a.prepare.empty() || !a.complete.empty() || a.attach || a.pem || a.gm_oids || a.level != "B" || !a.dir.empty() ||
      a.enveloped || a.enveloping || a.detached || a.parallel)
    throw sign::UsageError("--asic-e/--asic-s take documents, --key, --cert and --format cades|xades (level B); "
                           "--attach, --pem, --gm-oids, --level, --dir and the XAdES placements do not apply");
  if (a.documents.empty()) throw sign::UsageError("name the documents to put into the container");
  sign::AsicOptions o;
  o.form = a.asic_s ? sign::AsicForm::simple : sign::AsicForm::extended;
  if (a.format == "xades") o.format = sign::AsicSignatureFormat::xades;
  else if (a.format != "cades") throw sign::UsageError("--format must be cades or xades");
  if (a.xml_sm2_uris == "w3c") o.sm2_uris = sign::XmlSm2Uris::w3c;
  else if (a.xml_sm2_uris != "chinaport") throw sign::UsageError("--xml-sm2-uris must be chinaport or w3c");
  const std::string out = a.out.empty() ? default_container_output(a.documents.front(), o.form) : a.out;
  check_output(out, new_output_policy());  // before the passphrase is asked
  sign_container(a.documents, out, load_signer(a), o);
}

void do_cosign(const SignArgs& a) {
  const auto signer = load_signer(a);
  if (is_zip_file(a.input)) {
    const std::string out = a.out.empty() ? a.input : a.out;
    const auto uris = a.xml_sm2_uris == "w3c" ? sign::XmlSm2Uris::w3c : sign::XmlSm2Uris::chinaport;
    cosign_container(a.input, out, signer, uris, overwrite_for(a, out));
    return;
  }
  if (is_xml_file(a.input)) {
    const std::string out = a.out.empty() ? a.input : a.out;
    cosign_xml(a.input, out, signer, xades_options(a), overwrite_for(a, out));
    std::cerr << "xsign: added a parallel XAdES signature (" << signer.certificate.subject().to_string() << ") to " << out
              << "\n";
    return;
  }
  const auto sd = sign::SignedDataView::load(a.input);
  const std::string out = a.out.empty() ? a.input : a.out;
  SignatureOutput output(out, a.pem, overwrite_for(a, out));
  sign::cosign(sd, sd.attached() ? std::nullopt : detached_content(a.input, a.content), signer, output.sink());
  output.finish();
  std::cerr << "xsign: added signer " << sd.signers().size() + 1 << " (" << signer.certificate.subject().to_string()
            << ") to " << out << "\n";
}

void do_countersign(const SignArgs& a) {
  const auto signer = load_signer(a);
  const auto sd = sign::SignedDataView::load(a.input);
  if (a.signer_index == 0) throw sign::UsageError("--signer counts from 1");
  const std::string out = a.out.empty() ? a.input : a.out;
  SignatureOutput output(out, a.pem, overwrite_for(a, out));
  sign::countersign(sd, a.signer_index - 1, signer, output.sink());
  output.finish();
  std::cerr << "xsign: countersigned signer " << a.signer_index << " of " << out << "\n";
}

void add_signer_options(CLI::App* cmd, SignArgs& a) {
  cmd->add_option("--key", a.key, "Signer's private key: a file, a pkcs11: URI (RFC 7512), or ext:COMMAND (docs/keys.md)");
  cmd->add_flag("--strict", a.strict,
                "Refuse to sign with an expired, not yet valid or revoked certificate (its OCSP responder is asked), "
                "or one not made for signing documents; without it these are warnings");
  cmd->add_option("--cert", a.cert, "Signer's certificate, or a bundle with it and its CAs (embedded as the chain)")->required();
  cmd->add_option("--chain", a.chain, "Issuing CA certificates to embed (PEM bundle)");
  cmd->add_option("--commitment", a.commitment, "commitment-type-indication: origin, approval or receipt");
  cmd->add_option("--sm2-id", a.sm2_id, "SM2 distinguishing ID")->capture_default_str();
  cmd->add_option("--at", a.at, "Signing time to state (YYYY-MM-DDTHH:MM:SSZ, or with an offset: ...T15:00:00+03:00) instead of now");
  cmd->add_flag("--pem", a.pem, "Write PEM (\"CMS\") instead of DER");
  add_passphrase_options(*cmd, a.pass, false);
  add_key_source_options(*cmd, a.pass);
}

}  // namespace

void register_sign_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SignArgs>();

  auto* s = app.add_subcommand("sign", "Sign a document: CAdES-B, detached DOC.p7s by default");
  s->add_option("document", a->documents, "Document(s) to sign ('-' for stdin; several: a batch, DOC.p7s beside each)");
  s->add_option("--dir", a->dir, "Sign every document in this folder (not *.p7s, not hidden files)");
  s->add_flag("--recursive", a->recursive, "With --dir: its subfolders too");
  s->add_option("--jobs", a->jobs, "Documents signed at once in a batch (default: the number of cores)");
  s->add_option("--out", a->out, "Signature file (default DOC.p7s; stdout for stdin)")->type_name("FILE");
  s->add_flag("--attach", a->attach, "Embed the document in the signature");
  s->add_flag("--gm-oids", a->gm_oids, "Use GM/T 0010 content-type OIDs (for GmSSL)");
  s->add_option("--format", a->format,
                "cades (default: CMS .p7s) or xades (XML signature: the document's signature inside it, see --enveloping "
                "and --detached; output DOC.signed.xml or DOC.sig.xml)");
  s->add_flag("--enveloping", a->enveloping, "XAdES: the document inside the signature");
  s->add_flag("--detached", a->detached, "XAdES: a separate signature file naming the document (any file type)");
  s->add_flag("--enveloped", a->enveloped, "XAdES: the signature inside the XML document (the default)");
  s->add_flag("--parallel", a->parallel,
              "XAdES enveloped: exclude every signature (XPath Filter 2.0), so that others can co-sign the document");
  s->add_option("--xml-sm2-uris", a->xml_sm2_uris, "XAdES SM2 algorithm URIs: chinaport (default) or w3c (docs/interop.md)");
  s->add_flag("--asic-e", a->asic_e,
              "Put the documents into one ASiC-E container (zip) with a signature over all of them (default output: "
              "FIRST.asice; --format xades for XAdES inside)");
  s->add_flag("--asic-s", a->asic_s, "Put one document into an ASiC-S container with its signature (default DOC.asics)");
  s->add_option("--level", a->level,
                "B (default); T: add a signature time-stamp from --tsa; XL1: CAdES-X Long Type 1 (time-stamp, complete "
                "validation data from --trust/--crl/--fetch, CAdES-C-time-stamp)");
  s->add_option("--tsa", a->tsa, "Time-stamping authority URL, e.g. http://127.0.0.1:8080/tsa (https:// too)");
  s->add_option("--tsa-ca", a->tsa_ca, "CA certificates (PEM) trusted for an https:// TSA besides the system's")->type_name("FILE");
  s->add_option("--trust", a->t.trust, "Trust store the signer's path must reach (for XL1)");
  s->add_option("--policy", a->t.policy, "Validation policy (for XL1)");
  s->add_option("--untrusted", a->t.untrusted, "More intermediate certificates (for XL1; repeatable)");
  s->add_option("--crl", a->t.crls, "CRLs to embed (for XL1; repeatable)");
  add_network_options(*s, a->t);
  s->add_option("--prepare", a->prepare,
                "Two-step signing: write what must be signed to TBS (and TBS.json) instead of signing; no --key")
      ->type_name("TBS");
  s->add_option("--complete", a->complete, "Two-step signing: the signature made over TBS elsewhere (binary or hex)")
      ->type_name("SIG");
  s->add_option("--prepared", a->prepared, "With --complete: the TBS file --prepare wrote")->type_name("TBS");
  add_signer_options(s, *a);
  s->callback([a, &ctx] {
    if (a->asic_e || a->asic_s) {
      do_sign_container(*a);
    } else if (a->documents.size() == 1 && a->dir.empty()) {
      a->input = a->documents.front();
      do_sign(*a);
    } else if (a->documents.empty() && a->dir.empty()) {
      throw sign::UsageError("name the document to sign (or several, or --dir DIR)");
    } else {
      ctx.exit_code = do_sign_batch(*a);
    }
  });

  auto* c = app.add_subcommand("cosign", "Add a parallel signature (any suite) to a .p7s, signed XML or an ASiC container, in place by default");
  c->add_option("--xml-sm2-uris", a->xml_sm2_uris, "XAdES SM2 algorithm URIs: chinaport (default) or w3c");
  c->add_option("signature", a->input, "Existing signature file")->required();
  c->add_option("--content", a->content, "The signed document, for a detached signature (default: SIG without .p7s)");
  c->add_option("--out", a->out, "Write here instead of replacing the signature file")->type_name("FILE");
  add_signer_options(c, *a);
  c->callback([a] { do_cosign(*a); });

  auto* k = app.add_subcommand("countersign", "Countersign one signer of a .p7s (RFC 5652 section 11.4)");
  k->add_option("signature", a->input, "Existing signature file")->required();
  k->add_option("--signer", a->signer_index, "Which signer to countersign (1 = first, as `xsign inspect` lists)");
  k->add_option("--out", a->out, "Write here instead of replacing the signature file")->type_name("FILE");
  add_signer_options(k, *a);
  k->callback([a] { do_countersign(*a); });

  auto* e = app.add_subcommand("extend", "Raise a signature's level: T (time-stamp), LT (embed validation data), "
                                         "XL1 (CAdES-X Long Type 1), LTA (archive time-stamp)");
  e->add_option("signature", a->input, "Signature file (.p7s)")->required();
  e->add_option("--to", a->to, "T, LT, XL1 or LTA (XAdES: T, LT or LTA)")->required();
  e->add_option("--content", a->content, "The signed document, for LTA of a detached signature (default: SIG without .p7s)");
  e->add_option("--tsa", a->tsa, "Time-stamping authority URL (for T, XL1, LTA; https:// too)");
  e->add_option("--tsa-ca", a->tsa_ca, "CA certificates (PEM) trusted for an https:// TSA besides the system's")->type_name("FILE");
  e->add_option("--trust", a->t.trust, "Trust store the paths must reach (for LT, XL1)");
  e->add_option("--policy", a->t.policy, "Validation policy (for LT, XL1)");
  e->add_option("--untrusted", a->t.untrusted, "More intermediate or cross-certificates (repeatable)");
  e->add_option("--crl", a->t.crls, "CRLs to embed (repeatable)");
  add_network_options(*e, a->t);
  e->add_option("--out", a->out, "Write here instead of replacing the signature file")->type_name("FILE");
  e->add_flag("--pem", a->pem, "Write PEM");
  e->callback([a] { do_extend(*a); });

}

}  // namespace xsign
