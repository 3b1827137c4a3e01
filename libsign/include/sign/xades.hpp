// The xades module: XML signatures (XMLDSig core, XAdES baseline B/T/LT/LTA, ETSI EN 319 132-1)
// in every suite — enveloped in the signed XML document, enveloping it, or detached from any
// file — and their cryptographic check, including which part of the document each signature
// really covers (the defence against XML signature wrapping).
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/cms.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sign {

/// Where the signature sits relative to what it signs.
enum class XmlPlacement {
  enveloped,   ///< inside the signed XML document (the last child of its root element)
  enveloping,  ///< the document inside the signature (a ds:Object)
  detached,    ///< a separate signature file naming the document by URI
};

/// Which algorithm URIs an SM2 signature is written with (both are read). No W3C or IETF
/// document defines SM2 URIs; these are the two families Chinese tools use (docs/interop.md).
enum class XmlSm2Uris {
  chinaport,  ///< http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3 / #sm3 (China E-Port single window)
  w3c,        ///< http://www.w3.org/2000/09/xmldsig#sm2-sm3 / #sm3 (customs client libraries)
};

struct XadesOptions {
  XmlPlacement placement = XmlPlacement::enveloped;
  /// Enveloped: exclude every ds:Signature (XPath Filter 2.0) instead of only this one
  /// (enveloped-signature transform), so that further parties can add parallel signatures.
  bool parallel = false;
  std::string document_uri;  ///< detached: the URI the reference names (default: the file's name)
  std::string mime_type;     ///< DataObjectFormat (default text/xml or application/octet-stream)
  XmlSm2Uris sm2_uris = XmlSm2Uris::chinaport;
  bool include_chain = true;  ///< the signer's CA certificates in KeyInfo
};

/// The files a signature's external references name: one document (whatever name a reference
/// gives it, as for a signature file kept beside its document) or several by name (the
/// documents of a container). Converts from the single optional document.
struct DetachedFiles {
  std::optional<Content> any;
  std::map<std::string, Content> by_name;  ///< keyed by the reference URI, percent-decoded
  DetachedFiles() = default;
  DetachedFiles(const std::optional<Content>& one) : any(one) {}  // NOLINT: implicit on purpose
  DetachedFiles(const Content& one) : any(one) {}                 // NOLINT
  DetachedFiles(std::nullopt_t) {}                                 // NOLINT
  /// The document a reference URI names, or nullptr.
  const Content* find(const std::string& uri) const;
};

/// Largest XML file read (parsed in memory: the tree takes several times the file's size).
inline constexpr std::size_t kMaxXmlFileBytes = 64u * 1024 * 1024;

/// True when the bytes (the start of a file is enough) look like XML rather than DER.
bool looks_like_xml(ByteView head);

/// Signs `document` and returns the XML to write: the document with the signature inside
/// (enveloped), a ds:Signature holding it (enveloping), or a ds:Signature naming it (detached,
/// any kind of file, streamed). XAdES-B: SigningTime, SigningCertificateV2, DataObjectFormat,
/// and CommitmentTypeIndication when the signer names one.
Bytes xades_sign(const Content& document, const std::string& document_name, const SignerSpec& signer,
                 const XadesOptions& options);

/// One file a detached signature names.
struct DetachedFile {
  std::string name;  ///< written as the reference URI (percent-encoded where needed)
  Content content;
  std::string mime_type;  ///< DataObjectFormat (empty: application/octet-stream)
};
/// A detached signature (a lone ds:Signature) over several files at once, one reference each:
/// what an ASiC-E container's signatures file holds.
Bytes xades_sign_files(const std::vector<DetachedFile>& files, const SignerSpec& signer, const XadesOptions& options);

/// Adds a parallel signature to signed XML: to the same document (enveloped, the existing
/// signatures must exclude each other) or beside the others in a detached signature file.
Bytes xades_cosign(ByteView signed_xml, const std::optional<Content>& detached_document, const SignerSpec& signer,
                   const XadesOptions& options);

/// One reference of a signature and what it was found to cover.
struct XmlReferenceCheck {
  std::string uri;
  std::string covers;  ///< "the whole document except its signatures", "element /a/b (Id=x)", "file 'doc.pdf'"
  bool signed_properties = false;
  bool digest_ok = false;
};

/// The cryptographic and structural check of one ds:Signature, and the evidence validation
/// needs from it (time-stamps with the bytes they cover, embedded certificates and revocation).
struct XmlSignatureCheck {
  SignerCheck check;  ///< status, signer certificate, algorithms, claimed signing time, commitment
  std::string element;  ///< where the ds:Signature is, e.g. "/Invoice/ds:Signature"
  std::string id;
  std::vector<XmlReferenceCheck> references;
  std::vector<std::string> signed_objects;  ///< what the signature covers, for the report
  struct Stamp {
    Bytes token, stamped;  ///< an RFC 3161 token and the bytes it must cover
  };
  std::vector<Stamp> signature_time_stamps;  ///< stamped: ds:SignatureValue, canonicalized
  std::vector<Stamp> archive_time_stamps;    ///< stamped: EN 319 132-1 §5.5.2 input
  std::vector<Certificate> certificates;  ///< KeyInfo and CertificateValues
  std::vector<Bytes> crls, ocsp_responses;  ///< RevocationValues
  bool is_xades = false;  ///< carries QualifyingProperties (else plain XMLDSig)
};

struct XmlCheckOptions {
  SignOptions sign_options;
  std::vector<Certificate> extra_certificates;
  /// Accept signatures that cover only part of an enveloping document (an element by Id).
  /// Off: such a signature is refused, since what is shown to a person is the whole document.
  bool allow_partial = false;
};

/// Checks every ds:Signature of an XML signature file. `detached_document` is the file a
/// detached reference names. FormatError when the file is not XML or holds no signature.
std::vector<XmlSignatureCheck> check_xml_signatures(ByteView xml, const std::string& what,
                                                    const DetachedFiles& detached_documents,
                                                    const XmlCheckOptions& options = {});

/// What `xsign inspect` shows of each signature without checking it.
struct XmlSignatureSummary {
  std::string element, id, placement, signature_method, level;
  std::optional<Certificate> certificate;
  std::optional<TimePoint> signing_time;
  std::size_t time_stamps = 0, archive_time_stamps = 0;
  std::vector<std::string> references;
};
std::vector<XmlSignatureSummary> summarize_xml_signatures(ByteView xml, const std::string& what);

/// Level T: a SignatureTimeStamp on every signature that has none; `stamp(data)` returns an
/// RFC 3161 token over `data` in the signature's digest algorithm.
Bytes xades_add_signature_time_stamps(ByteView xml, const std::string& what,
                                      const std::function<Bytes(ByteView data, DigestAlgorithm alg)>& stamp);
/// Level LT: CertificateValues and RevocationValues on every signature.
Bytes xades_add_validation_data(ByteView xml, const std::string& what, const std::vector<Bytes>& certificates,
                                const std::vector<Bytes>& crls, const std::vector<Bytes>& ocsp_responses);
/// Level LTA: an ArchiveTimeStamp (XAdES 1.4.1) on every signature, over its data, properties
/// and validation data.
Bytes xades_add_archive_time_stamps(ByteView xml, const std::string& what, const DetachedFiles& detached_documents,
                                    const std::function<Bytes(ByteView data, DigestAlgorithm alg)>& stamp);

}  // namespace sign
