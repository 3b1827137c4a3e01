// Opening, making and co-signing ASiC containers. The layout written (EN 319 162-1):
//   mimetype                      first, stored, no extra field
//   <documents>                   deflated, streamed from their sources
//   META-INF/ASiCManifestNNN.xml  ASiC-E + CAdES: the documents' digests ...
//   META-INF/signatureNNN.p7s     ... and the detached CAdES signature over that manifest
//   META-INF/signaturesNNN.xml    ASiC-E + XAdES: asic:XAdESSignatures naming each document
//   META-INF/manifest.xml         ASiC-E + XAdES: the OpenDocument file list (§A.6)
//   META-INF/signature.p7s or signatures.xml   ASiC-S: the signature over the one document
// Each co-signer of an ASiC-E container adds a manifest and signature of their own (in their
// own suite's digest), so no existing file is touched; in ASiC-S the one signature file gains
// a parallel signature.
#include "asic/container_internal.hpp"

#include "asic/manifest.hpp"
#include "xades/xades_internal.hpp"
#include "xml/xml.hpp"

#include <sign/error.hpp>

#include <algorithm>
#include <filesystem>
#include <set>

namespace sign {

using namespace detail;

std::string_view asic_form_name(AsicForm f) { return f == AsicForm::simple ? "ASiC-S" : "ASiC-E"; }
std::string_view asic_mime_type(AsicForm f) {
  return f == AsicForm::simple ? "application/vnd.etsi.asic-s+zip" : "application/vnd.etsi.asic-e+zip";
}
std::string_view asic_format_name(AsicSignatureFormat f) { return f == AsicSignatureFormat::cades ? "CAdES" : "XAdES"; }

bool looks_like_zip(ByteView head) {
  return head.size() >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
}

std::string mime_type_for(const std::string& name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".xml", "text/xml"},         {".pdf", "application/pdf"}, {".txt", "text/plain"},
      {".json", "application/json"}, {".csv", "text/csv"},        {".html", "text/html"},
      {".png", "image/png"},         {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},
      {".tif", "image/tiff"},        {".tiff", "image/tiff"},     {".zip", "application/zip"},
      {".p7s", "application/pkcs7-signature"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
  };
  std::string ext = std::filesystem::path(name).extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& [e, type] : kTypes)
    if (ext == e) return std::string(type);
  return "application/octet-stream";
}

namespace {

constexpr std::string_view kMetaInf = "META-INF/";
constexpr std::string_view kXadesSignaturesName = "XAdESSignatures";

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, std::string_view p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

// The file name part after META-INF/ (signature files sit directly in it).
std::string meta_file(const std::string& name) { return name.substr(kMetaInf.size()); }

}  // namespace

AsicSignatureFormat AsicContainer::format() const {
  return !signatures_.empty() ? signatures_.front().format : AsicSignatureFormat::cades;
}

Content AsicContainer::document(const std::string& name) const {
  const ZipEntry* e = zip_->find(name);
  const bool is_document = std::any_of(documents_.begin(), documents_.end(), [&](const Document& d) { return d.name == name; });
  if (!e || !is_document) throw UsageError(path_ + " holds no document '" + printable_text(name) + "'");
  return zip_->content(*e);
}

AsicContainer AsicContainer::open(const std::string& path, const AsicLimits& limits) {
  return open_container(ZipReader::open(path, limits), path, limits);
}

AsicContainer AsicContainer::open_bytes(Bytes data, const std::string& name, const AsicLimits& limits) {
  return open_container(ZipReader::open_bytes(std::move(data), name, limits), name, limits);
}

AsicContainer detail::open_container(std::shared_ptr<ZipReader> zip, const std::string& path, const AsicLimits& limits) {
  AsicContainer c;
  c.path_ = path;
  c.zip_ = std::move(zip);
  const auto& entries = c.zip_->entries();
  std::optional<AsicForm> declared;
  const ZipEntry* mimetype = c.zip_->find("mimetype");
  if (mimetype) {
    if (mimetype->index != 0)
      throw FormatError(path + ": its mimetype entry is not the first entry (EN 319 162-1 §A.1)");
    const Bytes m = c.zip_->read_all(*mimetype, 256);
    const std::string text(m.begin(), m.end());
    if (text == asic_mime_type(AsicForm::extended)) declared = AsicForm::extended;
    else if (text == asic_mime_type(AsicForm::simple)) declared = AsicForm::simple;
    else throw FormatError(path + " is a zip file but not an ASiC container (its mimetype is '" + printable_text(text) + "')");
    if (!mimetype->stored || mimetype->has_extra_field)
      c.warnings_.push_back("the mimetype entry is compressed or has an extra field (EN 319 162-1 wants it stored and plain)");
  } else {
    c.warnings_.push_back("the container has no mimetype entry; its form is taken from its contents");
  }

  std::vector<std::string> manifests;
  for (const auto& e : entries) {
    if (e.directory || e.name == "mimetype") continue;
    if (!starts_with(e.name, kMetaInf)) {
      c.documents_.push_back({e.name, e.size});
      continue;
    }
    const std::string file = meta_file(e.name);
    const bool top = file.find('/') == std::string::npos;
    if (top && starts_with(file, "ASiCManifest") && ends_with(file, ".xml")) {
      manifests.push_back(e.name);
    } else if (top && file.find("signature") != std::string::npos && ends_with(file, ".p7s")) {
      c.signatures_.push_back({e.name, AsicSignatureFormat::cades, c.zip_->read_all(e, limits.max_metadata_bytes), {}, {}});
    } else if (top && file.find("signatures") != std::string::npos && ends_with(file, ".xml")) {
      c.signatures_.push_back({e.name, AsicSignatureFormat::xades, c.zip_->read_all(e, limits.max_metadata_bytes), {}, {}});
    } else if (e.name != "META-INF/manifest.xml") {
      c.warnings_.push_back("'" + printable_text(e.name) + "' is not checked (time-stamp, archive manifest or evidence "
                            "record files are not supported)");
    }
  }
  c.form_ = declared ? *declared : (!manifests.empty() || c.documents_.size() > 1 ? AsicForm::extended : AsicForm::simple);

  // Each CAdES signature file of an ASiC-E container signs exactly one manifest, and the
  // manifest names it back: a manifest moved next to another signature is caught here.
  for (const auto& name : manifests) {
    const Bytes bytes = c.zip_->read_all(*c.zip_->find(name), limits.max_metadata_bytes);
    const auto manifest = parse_manifest(bytes, path + ": " + name);
    auto sig = std::find_if(c.signatures_.begin(), c.signatures_.end(),
                            [&](const AsicContainer::SignatureFile& s) { return s.name == manifest.signature_uri; });
    if (sig == c.signatures_.end() || sig->format != AsicSignatureFormat::cades)
      throw FormatError(path + ": " + name + " belongs to signature '" + printable_text(manifest.signature_uri) +
                        "', which the container does not hold");
    if (!sig->manifest.empty())
      throw FormatError(path + ": signature " + sig->name + " is named by two manifests (" + sig->manifest + ", " + name + ")");
    sig->manifest = name;
    sig->manifest_bytes = bytes;
  }
  if (c.form_ == AsicForm::simple) {
    if (c.documents_.size() != 1)
      throw FormatError(path + " is ASiC-S but holds " + std::to_string(c.documents_.size()) +
                        " documents; ASiC-S holds exactly one (use ASiC-E for several)");
    if (c.signatures_.size() > 1)
      throw FormatError(path + " is ASiC-S but holds " + std::to_string(c.signatures_.size()) + " signature files");
    if (!manifests.empty()) throw FormatError(path + " is ASiC-S but holds an ASiCManifest (an ASiC-E file)");
  } else {
    for (const auto& s : c.signatures_)
      if (s.format == AsicSignatureFormat::cades && s.manifest.empty())
        throw FormatError(path + ": " + s.name + " is a CAdES signature of an ASiC-E container without an ASiCManifest "
                                               "saying what it signs");
  }
  return c;
}

namespace detail {

const ZipReader& container_zip(const AsicContainer& c) { return *c.zip_; }

std::vector<DetachedFile> container_documents(const AsicContainer& c) {
  std::vector<DetachedFile> out;
  for (const auto& d : c.documents()) out.push_back({d.name, c.document(d.name), mime_type_for(d.name)});
  return out;
}

std::string ManifestEntryState::problem() const {
  if (state == missing) return "the container no longer holds '" + printable_text(name) + "'";
  if (state == changed) return "'" + printable_text(name) + "' was changed after it was signed";
  return {};
}

std::vector<ManifestEntryState> check_manifest(const AsicContainer& c, const AsicManifest& manifest) {
  std::vector<ManifestEntryState> out;
  for (const auto& r : manifest.references) {
    ManifestEntryState e{r.uri};
    const bool present = std::any_of(c.documents().begin(), c.documents().end(),
                                     [&](const AsicContainer::Document& d) { return d.name == r.uri; });
    if (!present) {
      e.state = ManifestEntryState::missing;
    } else {
      if (digest_content(c.document(r.uri), r.digest) != r.value) e.state = ManifestEntryState::changed;
    }
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace detail

namespace {

// Every existing signature must still match the documents before a container is rewritten:
// a co-signer must not add a signature to a shipment someone has already altered.
void require_intact(const AsicContainer& c, const SignOptions& sign_options) {
  for (const auto& s : c.signature_files()) {
    const std::string where = c.path() + ": " + s.name;
    if (s.format == AsicSignatureFormat::cades) {
      const auto sd = SignedDataView::parse(memory_source(s.bytes));
      const Content signed_content =
          s.manifest.empty() ? c.document(c.documents().front().name) : Content::bytes(s.manifest_bytes);
      CheckOptions options;
      options.sign_options = sign_options;
      for (const auto& check : check_signatures(sd, signed_content, options))
        if (!check.ok()) throw FormatError(where + ": an existing signature does not verify (" + check.message + ")");
      if (!s.manifest.empty())
        for (const auto& e : check_manifest(c, parse_manifest(s.manifest_bytes, s.manifest)))
          if (e.state != ManifestEntryState::matches) throw FormatError(where + ": " + e.problem());
    } else {
      DetachedFiles files;
      for (auto& d : container_documents(c)) files.by_name.emplace(d.name, d.content);
      XmlCheckOptions options;
      options.sign_options = sign_options;
      for (const auto& check : check_xml_signatures(s.bytes, where, files, options))
        if (!check.check.ok()) throw FormatError(where + ": an existing signature does not verify (" + check.check.message + ")");
    }
  }
}

// Wraps lone ds:Signature documents into asic:XAdESSignatures (EN 319 162-1 §A.5).
Bytes xades_signatures_file(const std::vector<Bytes>& signatures) {
  xml::Document out = xml::Document::create(kAsicNs, "asic", kXadesSignaturesName);
  for (const auto& s : signatures) xml::import_copy(out.root(), xml::Document::parse(s, "a new signature").root());
  return out.serialize();
}

// The OpenDocument manifest EN 319 162-1 §A.6 recommends beside XAdES signatures in ASiC-E.
Bytes odf_manifest(const std::vector<DetachedFile>& documents) {
  constexpr std::string_view ns = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0";
  xml::Document doc = xml::Document::create(ns, "manifest", "manifest");
  auto entry = [&](const std::string& path, const std::string& type) {
    xml::Node* e = xml::add_element(doc.root(), ns, "manifest", "file-entry");
    // Namespaced attributes are what ODF readers look for; set through libxml2 in the writer.
    xml::set_attribute(e, "manifest:full-path", path);
    xml::set_attribute(e, "manifest:media-type", type);
  };
  entry("/", std::string(asic_mime_type(AsicForm::extended)));
  for (const auto& d : documents) entry(d.name, d.mime_type);
  return doc.serialize();
}

// Formats that are compressed already (PDF streams, images, office zips) are stored: deflating
// them again costs most of the time of making a container and saves almost nothing.
bool worth_compressing(const std::string& mime_type) {
  static constexpr std::string_view kCompressed[] = {"application/pdf", "image/png", "image/jpeg", "application/zip",
                                                     "application/vnd.openxmlformats"};
  return std::none_of(std::begin(kCompressed), std::end(kCompressed),
                      [&](std::string_view t) { return mime_type.rfind(t, 0) == 0; });
}

std::string numbered(std::string_view stem, unsigned n, std::string_view ext) {
  char digits[8];
  std::snprintf(digits, sizeof digits, "%03u", n);
  return std::string(kMetaInf) + std::string(stem) + digits + std::string(ext);
}

// The first number NNN for which neither file of a new signature exists yet.
unsigned free_number(const detail::ZipReader* zip, std::initializer_list<std::string_view> stems,
                     std::initializer_list<std::string_view> exts) {
  for (unsigned n = 1; n < 1000; ++n) {
    bool taken = false;
    auto s = stems.begin();
    for (auto e = exts.begin(); e != exts.end(); ++e, ++s)
      if (zip && zip->find(numbered(*s, n, *e))) taken = true;
    if (!taken) return n;
  }
  throw UsageError("the container already holds 999 signatures");
}

Bytes cades_over(const Content& content, const SignerSpec& signer) {
  Bytes out;
  sign_document(content, signer, {}, [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

XadesOptions xades_options_for(XmlSm2Uris sm2_uris) {
  XadesOptions o;
  o.placement = XmlPlacement::detached;
  o.sm2_uris = sm2_uris;
  return o;
}

// The new signature's files (name -> bytes) over `documents`.
std::vector<std::pair<std::string, Bytes>> new_signature_files(const std::vector<DetachedFile>& documents, AsicForm form,
                                                               AsicSignatureFormat format, const SignerSpec& signer,
                                                               XmlSm2Uris sm2_uris, const detail::ZipReader* existing) {
  if (format == AsicSignatureFormat::xades) {
    const Bytes sig = xades_sign_files(documents, signer, xades_options_for(sm2_uris));
    const std::string name = form == AsicForm::simple ? std::string(kMetaInf) + "signatures.xml"
                                                      : numbered("signatures", free_number(existing, {"signatures"}, {".xml"}), ".xml");
    return {{name, xades_signatures_file({sig})}};
  }
  if (form == AsicForm::simple) return {{std::string(kMetaInf) + "signature.p7s", cades_over(documents.front().content, signer)}};
  const unsigned n = free_number(existing, {"ASiCManifest", "signature"}, {".xml", ".p7s"});
  AsicManifest manifest;
  manifest.signature_uri = numbered("signature", n, ".p7s");
  const DigestAlgorithm alg = suite_info(signer.key.suite()).digest;
  for (const auto& d : documents) manifest.references.push_back({d.name, d.mime_type, alg, digest_content(d.content, alg)});
  const Bytes manifest_xml = write_manifest(manifest, sm2_uris);
  return {{numbered("ASiCManifest", n, ".xml"), manifest_xml},
          {manifest.signature_uri, cades_over(Content::bytes(manifest_xml), signer)}};
}

// Writes the archive through a scratch file, checks what was written, then publishes it.
void write_container(const std::string& out, Overwrite overwrite, AsicForm form,
                     const std::function<void(ZipWriter&)>& fill, const SignOptions& sign_options) {
  check_output_path(out, overwrite);
  const auto scratch = temporary_path_beside(out);
  struct Remove {
    std::filesystem::path p;
    ~Remove() { std::filesystem::remove(p); }
  } remove{scratch};
  {
    ZipWriter zip(scratch.string(), asic_mime_type(form));
    fill(zip);
    zip.close();
  }
  // What was written is read back as a verifier will read it: a document that changed while
  // it was being signed, or a container our own reader refuses, never reaches `out`.
  require_intact(AsicContainer::open(scratch.string()), sign_options);
  sync_file(scratch);
  publish_file(scratch, out, overwrite);
}

void check_document_names(const std::vector<AsicDocument>& documents, AsicForm form) {
  if (documents.empty()) throw UsageError("a container needs at least one document");
  if (form == AsicForm::simple && documents.size() != 1)
    throw UsageError("ASiC-S holds exactly one document; " + std::to_string(documents.size()) +
                     " were given (use ASiC-E for several)");
  std::set<std::string> seen;
  for (const auto& d : documents) {
    std::string lower = d.name;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (d.name.empty() || d.name.front() == '/' || d.name.find("..") != std::string::npos ||
        d.name.find('\\') != std::string::npos || starts_with(lower, "meta-inf/") || lower == "mimetype")
      throw UsageError("'" + printable_text(d.name) + "' cannot be a document's name in a container");
    if (!seen.insert(lower).second)
      throw UsageError("two documents would both be named '" + printable_text(d.name) + "' in the container");
  }
}

}  // namespace

void asic_create(const std::string& path, const std::vector<AsicDocument>& documents, const SignerSpec& signer,
                 const AsicOptions& options, Overwrite overwrite) {
  check_document_names(documents, options.form);
  std::vector<DetachedFile> files;
  for (const auto& d : documents)
    files.push_back({d.name, d.content, d.mime_type.empty() ? mime_type_for(d.name) : d.mime_type});
  const auto signature = new_signature_files(files, options.form, options.format, signer, options.sm2_uris, nullptr);
  write_container(path, overwrite, options.form, [&](ZipWriter& zip) {
    for (const auto& f : files) zip.add(f.name, f.content, worth_compressing(f.mime_type));
    if (options.form == AsicForm::extended && options.format == AsicSignatureFormat::xades)
      zip.add("META-INF/manifest.xml", odf_manifest(files));
    for (const auto& [name, bytes] : signature) zip.add(name, bytes);
  }, signer.options);
}

void asic_cosign(const std::string& path, const std::string& out, const SignerSpec& signer, XmlSm2Uris sm2_uris,
                 Overwrite overwrite) {
  const AsicContainer c = AsicContainer::open(path);
  if (c.signature_files().empty()) throw UsageError(path + " holds no signature to add to; make one with `xsign sign --asic-e`");
  require_intact(c, signer.options);
  const auto documents = container_documents(c);
  const auto& zip = detail::container_zip(c);
  std::vector<std::pair<std::string, Bytes>> added;
  std::string replaced;
  if (c.form() == AsicForm::simple) {
    // ASiC-S has one signature file: the new signature joins it as a parallel signature.
    const auto& file = c.signature_files().front();
    replaced = file.name;
    if (file.format == AsicSignatureFormat::cades) {
      Bytes updated;
      sign::cosign(SignedDataView::parse(memory_source(file.bytes)), documents.front().content, signer,
                   [&](ByteView b) { updated.insert(updated.end(), b.begin(), b.end()); });
      added.push_back({file.name, updated});
    } else {
      const Bytes sig = xades_sign_files(documents, signer, xades_options_for(sm2_uris));
      xml::Document doc = xml::Document::parse(file.bytes, path + ": " + file.name);
      if (!xml::is_element(doc.root(), kAsicNs, kXadesSignaturesName))
        throw FormatError(path + ": " + file.name + " is not an asic:XAdESSignatures file; cannot add a signature to it");
      xml::import_copy(doc.root(), xml::Document::parse(sig, "the new signature").root());
      added.push_back({file.name, doc.serialize()});
    }
  } else {
    added = new_signature_files(documents, c.form(), c.format(), signer, sm2_uris, &zip);
  }
  write_container(out, overwrite, c.form(), [&](ZipWriter& w) {
    for (const auto& e : zip.entries())
      if (e.name != "mimetype" && e.name != replaced) w.copy(zip, e);
    for (const auto& [name, bytes] : added) w.add(name, bytes);
  }, signer.options);
}

std::vector<std::string> asic_extract(const std::string& path, const std::string& directory, Overwrite overwrite,
                                      const AsicLimits& limits) {
  const AsicContainer c = AsicContainer::open(path, limits);
  namespace fs = std::filesystem;
  const fs::path root = fs::absolute(directory).lexically_normal();
  // Every target is checked before anything is written, so a refused name leaves nothing behind.
  std::vector<std::pair<const AsicContainer::Document*, fs::path>> plan;
  for (const auto& d : c.documents()) {
    const fs::path target = (root / fs::path(d.name)).lexically_normal();
    const auto rel = target.lexically_relative(root);
    if (rel.empty() || *rel.begin() == ".." || rel.is_absolute())
      throw FormatError(path + ": '" + printable_text(d.name) + "' would land outside " + directory);
    check_output_path(target, overwrite);
    plan.push_back({&d, target});
  }
  std::vector<std::string> written;
  for (const auto& [d, target] : plan) {
    // Parent folders are made one by one, never through a symbolic link planted in the way.
    fs::path at = root;
    fs::create_directories(root);
    for (const auto& part : target.parent_path().lexically_relative(root)) {
      if (part == ".") continue;
      at /= part;
      if (fs::is_symlink(at)) throw FormatError(at.string() + " is a symbolic link; refusing to extract through it");
      fs::create_directory(at);
    }
    AtomicFileWriter w(target, FileMode::public_0644, overwrite);
    const Content content = c.document(d->name);
    content.source->stream_range(0, content.source->size(), [&](ByteView b) { w.write(b); });
    w.commit();
    written.push_back(target.string());
  }
  return written;
}

}  // namespace sign
