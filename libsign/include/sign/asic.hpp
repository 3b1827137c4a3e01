// The asic module: ETSI EN 319 162-1 associated signature containers. ASiC-E holds several
// documents and one or more signatures over all of them (CAdES over an ASiCManifest, or XAdES
// naming each document); ASiC-S holds one document and its signature. Containers are read as
// hostile input: names, sizes and compression ratios are checked before anything is read.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/io.hpp>
#include <sign/validate.hpp>
#include <sign/xades.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sign {

class AsicContainer;
struct AsicLimits;
namespace detail {
class ZipReader;
const ZipReader& container_zip(const AsicContainer& c);
AsicContainer open_container(std::shared_ptr<ZipReader> zip, const std::string& path, const AsicLimits& limits);
}

/// The two container forms.
enum class AsicForm {
  simple,    ///< ASiC-S: one document (application/vnd.etsi.asic-s+zip)
  extended,  ///< ASiC-E: several documents (application/vnd.etsi.asic-e+zip)
};
/// How the signatures inside are written.
enum class AsicSignatureFormat { cades, xades };

std::string_view asic_form_name(AsicForm f);              ///< "ASiC-S", "ASiC-E"
std::string_view asic_mime_type(AsicForm f);              ///< the `mimetype` entry's text
std::string_view asic_format_name(AsicSignatureFormat f);  ///< "CAdES", "XAdES"

/// What a reader accepts before it reads a byte of content (zip bombs, hostile archives).
struct AsicLimits {
  std::size_t max_entries = 10000;
  std::uint64_t max_entry_bytes = 8ull << 30;   ///< one document, as declared
  std::uint64_t max_total_bytes = 16ull << 30;  ///< all entries, as declared
  std::uint64_t max_ratio = 100;                ///< uncompressed : compressed, for entries over 1 MiB
  std::uint64_t max_metadata_bytes = 16u << 20;  ///< a manifest or signature file (read whole)
};

/// A document to put into a container: its name there and where its bytes come from.
struct AsicDocument {
  std::string name;       ///< a relative path in the container ("invoice.xml", "docs/packing-list.pdf")
  Content content;
  std::string mime_type;  ///< empty: from the name's extension
};

struct AsicOptions {
  AsicForm form = AsicForm::extended;
  AsicSignatureFormat format = AsicSignatureFormat::cades;
  XmlSm2Uris sm2_uris = XmlSm2Uris::chinaport;  ///< XAdES and manifest digest URIs for SM3
};

/// True when the bytes (the start of a file is enough) begin a zip archive.
bool looks_like_zip(ByteView head);

/// The MIME type a document name suggests (application/octet-stream when unknown).
std::string mime_type_for(const std::string& name);

/// Makes a new container at `path` holding `documents` and one signature over all of them.
/// Written through a temporary file: on any failure nothing appears at `path`.
void asic_create(const std::string& path, const std::vector<AsicDocument>& documents, const SignerSpec& signer,
                 const AsicOptions& options, Overwrite overwrite);

/// Adds a signature by `signer` over every document of the container at `path`, written to
/// `out` (which may be `path`). Refused, with nothing written, when the documents no longer
/// match the signatures already there. The new signature is in the container's own format.
void asic_cosign(const std::string& path, const std::string& out, const SignerSpec& signer, XmlSm2Uris sm2_uris,
                 Overwrite overwrite);

/// An opened container: its form, documents and signature files.
class AsicContainer {
 public:
  /// Opens and checks the structure (names, limits, mimetype, which signature files and
  /// manifests there are). FormatError says what is wrong and where.
  static AsicContainer open(const std::string& path, const AsicLimits& limits = {});
  /// The same for a container held in memory (an upload); `name` stands for its path.
  static AsicContainer open_bytes(Bytes data, const std::string& name, const AsicLimits& limits = {});

  struct Document {
    std::string name;
    std::uint64_t size = 0;
  };
  /// One signature file and, for CAdES in ASiC-E, the ASiCManifest it signs.
  struct SignatureFile {
    std::string name;  ///< e.g. META-INF/signature001.p7s
    AsicSignatureFormat format = AsicSignatureFormat::cades;
    Bytes bytes;
    std::string manifest;  ///< META-INF/ASiCManifest001.xml (CAdES in ASiC-E), else empty
    Bytes manifest_bytes;
  };

  const std::string& path() const { return path_; }
  AsicForm form() const { return form_; }
  AsicSignatureFormat format() const;
  const std::vector<Document>& documents() const { return documents_; }
  const std::vector<SignatureFile>& signature_files() const { return signatures_; }
  /// Notes on the structure that do not invalidate it (a missing mimetype entry, ...).
  const std::vector<std::string>& warnings() const { return warnings_; }
  /// A document's bytes, streamed from the container; UsageError for an unknown name.
  Content document(const std::string& name) const;

 private:
  friend const detail::ZipReader& detail::container_zip(const AsicContainer& c);
  friend AsicContainer detail::open_container(std::shared_ptr<detail::ZipReader> zip, const std::string& path,
                                              const AsicLimits& limits);
  std::string path_;
  AsicForm form_ = AsicForm::extended;
  std::vector<Document> documents_;
  std::vector<SignatureFile> signatures_;
  std::vector<std::string> warnings_;
  std::shared_ptr<detail::ZipReader> zip_;
};

/// One document of a container and the signatures that cover it.
struct AsicDocumentReport {
  std::string name;
  std::uint64_t size = 0;
  std::vector<std::size_t> signed_by;  ///< 1-based indices into the report's signatures whose check covers it
};

/// The verdict on a container: every signature (as for a single signature file) and, per
/// document, who signed it. A document no signature covers fails the container: it would
/// travel with the shipment looking signed.
struct AsicReport {
  std::string container;
  std::string form;              ///< "ASiC-E", "ASiC-S"
  std::string signature_format;  ///< "CAdES", "XAdES"
  ValidationReport report;       ///< the signatures, numbered across signature files
  std::vector<std::string> signature_files;  ///< per signature in `report`, the file it is in
  std::vector<AsicDocumentReport> documents;
  std::vector<std::string> problems;  ///< container-level failures (unsigned documents, ...)
  std::vector<std::string> warnings;
  Indication overall() const;
};

/// Validates every signature of the container at `path` and what each covers. A container that
/// cannot be read as ASiC gets a FORMAT_FAILURE report (input_error for a missing file).
AsicReport validate_asic(const std::string& path, const TrustStore& trust, const ValidationPolicy& policy,
                         const ValidateOptions& options = {}, const AsicLimits& limits = {});
/// The same for a container held in memory; `name` stands for its path in the report.
AsicReport validate_asic_bytes(Bytes data, const std::string& name, const TrustStore& trust, const ValidationPolicy& policy,
                               const ValidateOptions& options = {}, const AsicLimits& limits = {});

std::string asic_report_to_json(const AsicReport& report);
std::string asic_report_to_text(const AsicReport& report, Language lang = Language::en);
/// The container's report as a page (report_to_html, with the documents and who signed each).
std::string asic_report_to_html(const AsicReport& report, Language lang = Language::en);
/// The container's signatures as an ETSI TS 119 102-2 validation report.
Bytes asic_report_to_etsi_xml(const AsicReport& report);

/// Writes the container's documents under `directory` (created when missing) and returns their
/// paths. Every file lands inside `directory`, as a regular file, written atomically; an
/// existing file is replaced only with Overwrite::replace. Signature files stay inside.
std::vector<std::string> asic_extract(const std::string& path, const std::string& directory, Overwrite overwrite,
                                      const AsicLimits& limits = {});

}  // namespace sign
