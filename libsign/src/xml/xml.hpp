// The xml module: a thin, hardened layer over libxml2 for the XML signature formats. It parses
// untrusted XML with every network and DTD feature off, canonicalizes node subsets (C14N 1.0,
// 1.1, exclusive) straight into a sink, and builds and finds elements by namespace.
// Internal to libsign: only the xades and asic modules include it.
#pragma once

#include <sign/xades.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct _xmlDoc;
struct _xmlNode;

namespace sign::xml {

using Node = _xmlNode;

inline constexpr std::string_view kDsNs = "http://www.w3.org/2000/09/xmldsig#";
inline constexpr std::string_view kXadesNs = "http://uri.etsi.org/01903/v1.3.2#";
inline constexpr std::string_view kXades141Ns = "http://uri.etsi.org/01903/v1.4.1#";

/// Largest XML document parsed (the tree takes several times its size in memory).
inline constexpr std::size_t kMaxXmlBytes = kMaxXmlFileBytes;

/// Canonicalization algorithms, by their URIs.
enum class C14n { inclusive, inclusive_with_comments, exclusive, exclusive_with_comments, v11, v11_with_comments };

/// The algorithm a URI names, or nothing when it is not a canonicalization we perform.
std::optional<C14n> c14n_from_uri(std::string_view uri);
std::string_view c14n_uri(C14n c);

/// Which nodes a canonicalization covers: the subtree of `root` (the whole document when null)
/// without the subtrees in `excluded` (the enveloped-signature transform, an XPath subtract).
struct NodeSubset {
  const Node* root = nullptr;
  std::vector<const Node*> excluded;
};

/// A parsed XML document (owns the libxml2 tree).
class Document {
 public:
  /// Parses untrusted bytes: no network, no DTD (a DOCTYPE is refused before it is read), no
  /// entity expansion, libxml2's depth and text-size limits. `what` names the input in errors.
  static Document parse(ByteView bytes, const std::string& what);
  /// A new document whose root element is `name` in namespace `ns` with `prefix`.
  static Document create(std::string_view ns, std::string_view prefix, std::string_view name);

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  Node* root() const;
  _xmlDoc* get() const { return doc_.get(); }

  /// Canonical bytes of `subset` into `sink`, in pieces (never the whole output at once).
  void canonicalize(const NodeSubset& subset, C14n mode, const std::vector<std::string>& inclusive_prefixes,
                    const std::function<void(ByteView)>& sink) const;
  Bytes canonicalize(const NodeSubset& subset, C14n mode, const std::vector<std::string>& inclusive_prefixes = {}) const;

  /// The document as UTF-8 bytes, with an XML declaration, no reformatting.
  Bytes serialize() const;

  /// Elements whose Id, ID or id attribute (no namespace) or xml:id equals `id`.
  std::vector<Node*> elements_with_id(std::string_view id) const;

 private:
  struct Free {
    void operator()(_xmlDoc* d) const;
  };
  explicit Document(_xmlDoc* d) : doc_(d) {}
  std::unique_ptr<_xmlDoc, Free> doc_;
};

// Element navigation and building (namespaces compared by URI, never by prefix).
bool is_element(const Node* n, std::string_view ns, std::string_view local);
std::string local_name(const Node* n);
std::string namespace_of(const Node* n);
/// Child elements of `parent` (only elements), in order.
std::vector<Node*> child_elements(const Node* parent);
/// Child elements named ns:local.
std::vector<Node*> children(const Node* parent, std::string_view ns, std::string_view local);
/// The only child ns:local; nullptr when absent; FormatError when there are several.
Node* only_child(const Node* parent, std::string_view ns, std::string_view local);
/// Every element named ns:local at or below `top`, in document order.
std::vector<Node*> descendants(const Node* top, std::string_view ns, std::string_view local);
/// An attribute without namespace, if present.
std::optional<std::string> attribute(const Node* n, std::string_view name);
/// The text content (concatenated text nodes below n).
std::string text(const Node* n);
/// The xml:lang in scope at `n` (its own or an ancestor's), empty when none.
std::string language(const Node* n);
/// The namespace URI `prefix` is bound to where `at` sits (an empty prefix: the default
/// namespace), nullopt when unbound.
std::optional<std::string> namespace_for_prefix(const Node* at, std::string_view prefix);
/// The parent node (an element, or the document node for the root).
Node* parent_of(const Node* n);
/// True when `n` is `ancestor` or lies below it.
bool within(const Node* n, const Node* ancestor);
/// A readable location, e.g. "/Invoice/ds:Signature[2]" (element names with their prefixes).
std::string path_of(const Node* n);

/// Adds an element (namespace declared on the nearest ancestor with that URI, else on it).
Node* add_element(Node* parent, std::string_view ns, std::string_view prefix, std::string_view local,
                  std::string_view text = {});
void set_attribute(Node* n, std::string_view name, std::string_view value);
/// Declares prefix -> ns on `n`.
void declare_namespace(Node* n, std::string_view ns, std::string_view prefix);
/// Replaces the text content of `n`.
void set_text(Node* n, std::string_view text);
/// Detaches `n` and frees it.
void remove(Node* n);
/// Moves `n` (with its subtree) below `parent`, as its last child.
void adopt(Node* parent, Node* n);
/// A deep copy of `n` from another document, appended to `parent`.
Node* import_copy(Node* parent, const Node* n);

/// An xsd:dateTime with its time zone (Z or ±hh:mm), fractions of a second dropped; nullopt
/// when it is not one.
std::optional<TimePoint> parse_date_time(std::string_view text);

/// Base64 with line breaks every 76 characters removed: one line.
std::string base64(ByteView data);
/// Decodes base64 ignoring whitespace; FormatError naming `what` on bad input.
Bytes unbase64(std::string_view text, std::string_view what);

}  // namespace sign::xml
