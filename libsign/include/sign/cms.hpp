// The cms module: RFC 5652 SignedData with CAdES baseline-B attributes — signing (detached or
// attached), co-signing, counter-signing, parsing, and the cryptographic check of each signer.
// Trust and revocation decisions belong to the validate module.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <sign/asn1.hpp>
#include <sign/crypto.hpp>
#include <sign/pki.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sign {

/// commitment-type-indication values (ETSI EN 319 122-1 §5.2.3).
enum class Commitment { none, proof_of_origin, proof_of_receipt, proof_of_approval };
/// Parses "origin", "proof-of-origin", "approval", "receipt"; throws UsageError.
Commitment parse_commitment(std::string_view text);
std::string_view commitment_name(Commitment c);

/// Which object identifiers a new SignedData uses for its content types.
enum class OidStyle {
  pkcs7,  ///< 1.2.840.113549.1.7.x — OpenSSL, Tongsuo, CryptoPro, everyone (default)
  gmt,    ///< GM/T 0010 1.2.156.10197.6.1.4.2.x — GmSSL; SM2 signer infos use 1.2.156.10197.1.301.1
};

/// Who signs and how.
struct SignerSpec {
  PrivateKey key;
  Certificate certificate;
  std::vector<Certificate> chain;  ///< issuing CAs to embed (the signer's certificate is always embedded)
  SignOptions options;             ///< SM2 distinguishing ID
  Commitment commitment = Commitment::none;
  TimePoint signing_time;
};

/// Where the document comes from: streamed, read once per pass.
struct Content {
  std::shared_ptr<const ByteSource> source;
  /// Convenience: a file (streamed) or bytes in memory.
  static Content file(const std::string& path);
  static Content bytes(Bytes data);
};

/// The digest of a document, streamed (constant memory whatever its size).
Bytes digest_content(const Content& content, DigestAlgorithm alg);

struct SignOutputOptions {
  bool attached = false;
  OidStyle oid_style = OidStyle::pkcs7;
  std::string econtent_type;  ///< empty = id-data (or its GM/T twin); e.g. id-ct-TSTInfo for time-stamp tokens
  bool include_chain = true;  ///< embed the signer's certificate and chain (a TSA omits them unless certReq)
};

/// Produces a SignedData with one signer. Its DER is written to `sink` in pieces; an attached
/// document is streamed through, so memory stays constant whatever the document size.
void sign_document(const Content& content, const SignerSpec& signer, const SignOutputOptions& options,
                   const std::function<void(ByteView)>& sink);

/// One attribute as found (raw DER of its values).
struct CmsAttribute {
  std::string oid;
  std::vector<Bytes> values;
};

/// A parsed SignerInfo.
struct SignerInfoView {
  int version = 0;
  Bytes der;  ///< the whole SignerInfo as received
  // signer identifier: issuerAndSerialNumber or subjectKeyIdentifier
  std::optional<DistinguishedName> sid_issuer;
  Bytes sid_serial;
  Bytes sid_key_id;
  std::string digest_oid;
  std::string signature_oid;
  Bytes signed_attrs_der;  ///< [0] content re-tagged as SET (0x31): the bytes that were signed
  std::vector<CmsAttribute> signed_attrs;
  std::vector<CmsAttribute> unsigned_attrs;
  Bytes signature;
  std::vector<SignerInfoView> counter_signatures;

  const CmsAttribute* signed_attr(std::string_view oid) const;
  std::optional<TimePoint> signing_time() const;
  Commitment commitment() const;
};

/// A parsed SignedData (bounded sizes); the content stays in its source. The outer structure
/// may be BER (indefinite lengths, a constructed eContent OCTET STRING), as RFC 5652 allows;
/// signed attributes must be DER. SignerInfos are held in DER form, so that a file rewritten
/// by cosign, countersign or extend is DER throughout.
class SignedDataView {
 public:
  /// Parses a .p7s (DER or PEM "CMS"/"PKCS7") from a source.
  static SignedDataView parse(std::shared_ptr<const ByteSource> source);
  static SignedDataView load(const std::string& path);

  OidStyle oid_style() const { return style_; }
  std::string econtent_type() const { return econtent_type_; }
  bool attached() const { return content_attached_; }
  /// True when the file uses BER forms (indefinite lengths, non-minimal lengths, segments).
  bool ber_encoded() const;
  /// The attached document (a window onto the source), or nullopt for detached.
  std::optional<Content> attached_content() const;
  const std::vector<Certificate>& certificates() const { return certificates_; }
  const std::vector<Bytes>& certificate_ders() const { return certificate_ders_; }
  const std::vector<Bytes>& crl_ders() const { return crl_ders_; }
  const std::vector<Bytes>& digest_algorithm_ders() const { return digest_algorithm_ders_; }
  const std::vector<SignerInfoView>& signers() const { return signers_; }
  int version() const { return version_; }

  /// The certificate a signer identifier names, among the embedded ones and `extra`.
  std::optional<Certificate> find_signer_certificate(const SignerInfoView& signer,
                                                     const std::vector<Certificate>& extra = {}) const;

 private:
  std::shared_ptr<const ByteSource> source_;
  OidStyle style_ = OidStyle::pkcs7;
  int version_ = 1;
  std::string econtent_type_;
  bool content_attached_ = false;
  std::vector<ByteRange> content_ranges_;  ///< where the eContent bytes are (one range unless BER segments)
  DerNode root_;  ///< the ContentInfo in source_
  std::vector<Bytes> digest_algorithm_ders_;
  std::vector<Bytes> certificate_ders_;
  std::vector<Certificate> certificates_;
  std::vector<Bytes> crl_ders_;
  std::vector<SignerInfoView> signers_;
};

/// Adds a parallel signer (possibly of another suite) without touching existing signatures.
/// `content` is the document for a detached SignedData (ignored when attached).
void cosign(const SignedDataView& existing, const std::optional<Content>& content, const SignerSpec& signer,
            const std::function<void(ByteView)>& sink);

/// Adds an unsigned attribute (e.g. a signature time-stamp) to signer `index`, keeping every
/// signature valid; `values` are DER.
void add_unsigned_attribute(const SignedDataView& existing, std::size_t index, std::string_view oid,
                            const std::vector<Bytes>& values, const std::function<void(ByteView)>& sink);

/// Adds several unsigned attributes (OID, one DER value each, in order) to signer `index` in
/// one rewrite, keeping every signature valid.
void add_unsigned_attributes(const SignedDataView& existing, std::size_t index,
                             const std::vector<std::pair<std::string, Bytes>>& attributes,
                             const std::function<void(ByteView)>& sink);

/// Adds certificates and CRLs / OCSP responses (revocation values) to a SignedData.
void add_validation_data(const SignedDataView& existing, const std::vector<Bytes>& certificates,
                         const std::vector<Bytes>& crls, const std::vector<Bytes>& ocsp_responses,
                         const std::function<void(ByteView)>& sink);

/// Adds an RFC 5652 §11.4 countersignature to signer `index` (0-based, as listed).
void countersign(const SignedDataView& existing, std::size_t index, const SignerSpec& signer,
                 const std::function<void(ByteView)>& sink);

/// Outcome of the cryptographic check of one signer.
struct SignerCheck {
  enum class Status {
    valid,
    hash_failure,           ///< messageDigest differs from the document's digest
    signature_failure,      ///< the signature does not verify
    signing_cert_mismatch,  ///< signingCertificateV2 does not match the signer's certificate
    no_signer_certificate,  ///< the certificate named by the signer identifier is not available
    unsupported_algorithm,
    format_error,           ///< a required attribute is missing or malformed
  };
  Status status = Status::format_error;
  std::string message;
  std::optional<Certificate> certificate;
  std::optional<Suite> suite;
  std::string digest_oid;
  std::string signature_oid;
  bool has_signed_attributes = false;
  bool signing_certificate_checked = false;
  std::optional<TimePoint> signing_time;
  Commitment commitment = Commitment::none;
  std::vector<SignerCheck> counter_signatures;
  bool ok() const { return status == Status::valid; }
};
std::string_view check_status_name(SignerCheck::Status s);

/// Options of the cryptographic check.
struct CheckOptions {
  SignOptions sign_options;             ///< SM2 distinguishing ID used by the signers
  std::vector<Certificate> extra_certificates;  ///< candidates besides the embedded ones
};

/// Checks every signer's cryptography (digest, signature, signingCertificateV2, and
/// countersignatures). The document is streamed once, whatever the number of signers.
/// `content` is required for a detached SignedData and ignored when attached.
std::vector<SignerCheck> check_signatures(const SignedDataView& sd, const std::optional<Content>& content,
                                          const CheckOptions& options = {});

}  // namespace sign
