// Shared by the xades module's files: algorithm URIs, signature value encodings, the XAdES
// element names, and reference processing.
#pragma once

#include <sign/xades.hpp>

#include "xml/xml.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sign::xades_detail {

inline constexpr std::string_view kEnvelopedTransform = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
inline constexpr std::string_view kXPathFilter2 = "http://www.w3.org/2002/06/xmldsig-filter2";
inline constexpr std::string_view kBase64Transform = "http://www.w3.org/2000/09/xmldsig#base64";
inline constexpr std::string_view kSignedPropertiesType = "http://uri.etsi.org/01903#SignedProperties";
inline constexpr std::string_view kExcC14nNs = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The expression the parallel enveloped form subtracts: every signature in the document.
inline constexpr std::string_view kAllSignatures = "/descendant::ds:Signature";

/// The URIs a suite signs with.
struct SuiteUris {
  std::string_view signature, digest;
};
SuiteUris suite_uris(Suite suite, XmlSm2Uris sm2);
/// The suite a SignatureMethod URI names (every spelling real producers use), if any.
std::optional<Suite> suite_from_signature_uri(std::string_view uri);
/// The digest a DigestMethod URI names, if any.
std::optional<DigestAlgorithm> digest_from_uri(std::string_view uri);
std::string_view digest_uri(DigestAlgorithm alg, XmlSm2Uris sm2 = XmlSm2Uris::chinaport);

/// XMLDSig writes ECDSA and SM2 signatures as r||s (fixed width), GOST as s||r like CMS;
/// libsign's keys speak DER (r,s) for the former. These convert between the two.
Bytes to_xml_signature_value(Suite suite, ByteView suite_encoding);
Bytes from_xml_signature_value(Suite suite, ByteView xml_value);

/// xsd:dateTime in UTC ("2026-12-02T18:00:00Z"); parsing accepts fractions and offsets.
std::string xml_time(TimePoint t);
/// The XAdES CommitmentTypeIdentifier URI (ETSI TS 101 903), also used by validation reports;
/// empty for Commitment::none.
std::string_view commitment_uri(Commitment c);

/// DER IssuerSerial of a certificate (IssuerSerialV2 content).
Bytes issuer_serial_der(const Certificate& c);

/// A random identifier suffix for Id attributes.
std::string fresh_id();

/// The parsed XML signature file with its signatures (document order).
struct SignatureFile {
  xml::Document doc;
  std::vector<xml::Node*> signatures;
};
SignatureFile open_signature_file(ByteView xml, const std::string& what);

/// The QualifyingProperties of a signature (in one of its ds:Object), or nullptr.
xml::Node* qualifying_properties(const xml::Node* signature);
/// UnsignedSignatureProperties, created when absent (with UnsignedProperties).
xml::Node* unsigned_signature_properties(xml::Node* signature);

/// What a reference resolves to and how its data is produced.
struct ResolvedReference {
  xml::Node* reference = nullptr;
  std::string uri;
  DigestAlgorithm digest{};
  Bytes digest_value;
  bool signed_properties_type = false;
  // Exactly one of these is the data: an XML node subset, or the external document.
  bool external = false;
  xml::NodeSubset subset;
  std::vector<xml::Node*> subtracted;  ///< signatures removed by an XPath Filter 2.0 subtract
  xml::C14n c14n = xml::C14n::inclusive;
  std::vector<std::string> inclusive_prefixes;
  bool base64 = false;  ///< the base64 transform on the text of the subset
};

/// Parses a ds:Reference of `signature` and resolves its URI in `doc`. Refuses what the
/// verifier cannot pin down: a missing URI, an Id that names no or several elements, URIs
/// other than "" and "#id" for same-document data, and transforms outside the allowed set.
ResolvedReference resolve_reference(const xml::Document& doc, xml::Node* signature, xml::Node* reference);

/// A file name as a URI reference (RFC 3986: bytes outside the unreserved set and '/'
/// percent-encoded), and back; decoding refuses malformed escapes.
std::string name_to_uri(const std::string& name);
std::string uri_to_name(const std::string& uri);

/// Feeds the reference's data (after its transforms) to `sink`.
void reference_data(const xml::Document& doc, const ResolvedReference& ref, const DetachedFiles& external,
                    const std::function<void(ByteView)>& sink);

/// The canonicalization a SignedInfo (or time-stamp) names, with its exclusive prefix list.
struct C14nChoice {
  xml::C14n mode = xml::C14n::inclusive;
  std::vector<std::string> prefixes;
};
C14nChoice c14n_of(const xml::Node* method_element, bool required);

/// Appends an XAdES-B signature to the root of `doc` (enveloped; parallel per options).
void add_enveloped_signature(xml::Document& doc, const SignerSpec& signer, const XadesOptions& options);

/// The EN 319 132-1 §5.5.2 input of an archive time-stamp placed before `before` (nullptr:
/// after every existing unsigned property).
Bytes archive_input(const xml::Document& doc, xml::Node* signature, const xml::Node* before, const C14nChoice& c14n,
                    const DetachedFiles& external);

}  // namespace sign::xades_detail
