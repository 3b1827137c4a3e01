// Resolving ds:Reference elements and producing their data. This is where XML signature
// wrapping is fought: a reference must name exactly one thing the verifier can point at, and
// only the transforms whose effect the verifier can state are run (no general XPath or XSLT).
#include "xades/xades_internal.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <libxml/tree.h>

namespace sign::xades_detail {
namespace {

using namespace xml;

C14n without_comments(C14n c) {
  switch (c) {
    case C14n::inclusive_with_comments: return C14n::inclusive;
    case C14n::exclusive_with_comments: return C14n::exclusive;
    case C14n::v11_with_comments: return C14n::v11;
    default: return c;
  }
}

std::vector<std::string> split_prefixes(const std::string& list) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : list + " ") {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (!cur.empty()) out.push_back(cur == "#default" ? "#default" : cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  return out;
}

// The prefix `p` is bound to the XMLDSig namespace where `at` sits.
bool prefix_is_ds(const Node* at, const std::string& p) {
  const auto ns = namespace_for_prefix(at, p);
  return ns && *ns == kDsNs;
}

// XPath Filter 2.0 is accepted in exactly the form parallel enveloped signatures use: subtract
// every ds:Signature. Its effect is then known without evaluating any XPath (which an
// attacker could make arbitrarily slow or make select anything).
void apply_filter2(const Document& doc, Node* transform, ResolvedReference& r) {
  const auto paths = children(transform, "http://www.w3.org/2002/06/xmldsig-filter2", "XPath");
  if (paths.size() != 1) throw FormatError("an XPath Filter 2.0 transform must hold one XPath element");
  const std::string filter = attribute(paths[0], "Filter").value_or("");
  std::string expr = text(paths[0]);
  expr.erase(0, expr.find_first_not_of(" \t\r\n"));
  expr.erase(expr.find_last_not_of(" \t\r\n") + 1);
  std::string prefix;
  for (const std::string_view form : {"/descendant::", "//"})
    if (expr.starts_with(form) && expr.ends_with(":Signature")) prefix = expr.substr(form.size(), expr.size() - form.size() - 10);
  if (filter != "subtract" || prefix.empty() || prefix.find_first_of(":/[]()") != std::string::npos ||
      !prefix_is_ds(paths[0], prefix))
    throw FormatError("XPath Filter 2.0 transform '" + filter + " " + expr +
                      "' is not allowed: only subtracting every ds:Signature (/descendant::ds:Signature) is accepted");
  r.subtracted = descendants(doc.root(), kDsNs, "Signature");
  for (const Node* s : r.subtracted) r.subset.excluded.push_back(s);
}

}  // namespace

C14nChoice c14n_of(const Node* method, bool required) {
  C14nChoice out;
  if (!method) {
    if (required) throw FormatError("a CanonicalizationMethod is missing");
    return out;
  }
  const std::string uri = attribute(method, "Algorithm").value_or("");
  const auto mode = c14n_from_uri(uri);
  if (!mode) throw FormatError("canonicalization '" + uri + "' is not supported (C14N 1.0, 1.1 and exclusive are)");
  out.mode = *mode;
  if (const Node* inc = only_child(method, kExcC14nNs, "InclusiveNamespaces"))
    out.prefixes = split_prefixes(attribute(inc, "PrefixList").value_or(""));
  return out;
}

ResolvedReference resolve_reference(const Document& doc, Node* signature, Node* reference) {
  ResolvedReference r;
  r.reference = reference;
  const auto uri = attribute(reference, "URI");
  if (!uri)
    throw FormatError("a ds:Reference has no URI: what it signs is left to the application, so xsign cannot say "
                      "what is covered");
  r.uri = *uri;
  r.signed_properties_type = attribute(reference, "Type").value_or("") == kSignedPropertiesType;
  const Node* method = only_child(reference, kDsNs, "DigestMethod");
  const Node* value = only_child(reference, kDsNs, "DigestValue");
  if (!method || !value) throw FormatError("ds:Reference URI='" + r.uri + "' lacks DigestMethod or DigestValue");
  const std::string alg = attribute(method, "Algorithm").value_or("");
  const auto digest = digest_from_uri(alg);
  if (!digest) throw FormatError("digest method '" + alg + "' is not supported");
  r.digest = *digest;
  r.digest_value = unbase64(text(value), "a DigestValue");

  if (r.uri.empty()) {
    r.subset.root = nullptr;  // the whole document
  } else if (r.uri[0] == '#') {
    const std::string id = r.uri.substr(1);
    if (id.empty() || id.find_first_of("()/ ") != std::string::npos)
      throw FormatError("reference URI '" + r.uri + "' is not a plain #Id (XPointer forms are refused)");
    const auto found = doc.elements_with_id(id);
    if (found.size() != 1)
      throw FormatError("reference URI '" + r.uri + "' names " + std::to_string(found.size()) +
                        " elements; a signature must point at exactly one (several elements with one Id is how "
                        "XML signature wrapping hides what was signed)");
    r.subset.root = found[0];
  } else {
    r.external = true;
  }

  const Node* transforms = only_child(reference, kDsNs, "Transforms");
  const auto list = transforms ? children(transforms, kDsNs, "Transform") : std::vector<Node*>{};
  if (transforms && list.size() != child_elements(transforms).size())
    throw FormatError("ds:Transforms of reference '" + r.uri + "' holds something other than ds:Transform");
  bool c14n_seen = false;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string t = attribute(list[i], "Algorithm").value_or("");
    if (c14n_seen) throw FormatError("transform '" + t + "' after a canonicalization is not supported");
    if (r.external) throw FormatError("transforms on an external reference ('" + r.uri + "') are not supported");
    if (t == kEnvelopedTransform) {
      if (r.subset.root && !within(signature, r.subset.root))
        throw FormatError("reference '" + r.uri + "' names element " + path_of(r.subset.root) +
                          ", which does not contain the signature, yet applies the enveloped-signature transform: the "
                          "signed element was moved (XML signature wrapping)");
      r.subset.excluded.push_back(signature);
    } else if (t == kXPathFilter2) {
      apply_filter2(doc, list[i], r);
    } else if (t == kBase64Transform) {
      if (list.size() != 1 || !r.subset.root)
        throw FormatError("the base64 transform is accepted only alone, on an element named by Id");
      r.base64 = true;
    } else if (const auto mode = c14n_from_uri(t)) {
      const C14nChoice choice = c14n_of(list[i], true);
      r.c14n = choice.mode;
      r.inclusive_prefixes = choice.prefixes;
      c14n_seen = true;
    } else {
      throw FormatError("transform '" + t + "' of reference '" + r.uri +
                        "' is not allowed (enveloped-signature, XPath Filter 2.0 subtracting signatures, base64 and "
                        "canonicalizations are)");
    }
  }
  // Same-document URIs select no comments (XMLDSig §4.4.3.3), whatever the canonicalization.
  r.c14n = without_comments(r.c14n);
  return r;
}

std::string name_to_uri(const std::string& name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string uri_to_name(const std::string& uri) {
  auto bad = [&] { return FormatError("URI '" + printable_text(uri) + "' has a malformed %-escape"); };
  auto hex = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw bad();
  };
  std::string out;
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] != '%') {
      out += uri[i];
      continue;
    }
    if (i + 2 >= uri.size()) throw bad();
    out += static_cast<char>(hex(uri[i + 1]) * 16 + hex(uri[i + 2]));
    i += 2;
  }
  return out;
}

}  // namespace sign::xades_detail

namespace sign {
const Content* DetachedFiles::find(const std::string& uri) const {
  if (by_name.empty()) return any ? &*any : nullptr;
  const auto it = by_name.find(xades_detail::uri_to_name(uri));
  return it == by_name.end() ? nullptr : &it->second;
}
}  // namespace sign

namespace sign::xades_detail {

using namespace xml;

void reference_data(const Document& doc, const ResolvedReference& ref, const DetachedFiles& external,
                    const std::function<void(ByteView)>& sink) {
  if (ref.external) {
    const Content* file = external.find(ref.uri);
    if (!file && !external.by_name.empty())
      throw FormatError("the signature references '" + printable_text(ref.uri) + "', which is not among its files");
    if (!file) throw UsageError("the signature references '" + ref.uri + "': name that document to verify it");
    file->source->stream_range(0, file->source->size(), sink);
  } else if (ref.base64) {
    const Bytes data = unbase64(text(ref.subset.root), "the base64-encoded signed object");
    sink(data);
  } else {
    doc.canonicalize(ref.subset, ref.c14n, ref.inclusive_prefixes, sink);
  }
}

SignatureFile open_signature_file(ByteView bytes, const std::string& what) {
  SignatureFile f{Document::parse(bytes, what), {}};
  f.signatures = descendants(f.doc.root(), kDsNs, "Signature");
  if (f.signatures.empty()) throw FormatError(what + ": the XML holds no ds:Signature");
  return f;
}

Node* qualifying_properties(const Node* signature) {
  Node* found = nullptr;
  for (Node* object : children(signature, kDsNs, "Object"))
    for (Node* qp : children(object, kXadesNs, "QualifyingProperties")) {
      if (found) throw FormatError(path_of(signature) + " has more than one QualifyingProperties");
      found = qp;
    }
  return found;
}

Node* unsigned_signature_properties(Node* signature) {
  Node* qp = qualifying_properties(signature);
  if (!qp) throw FormatError(path_of(signature) + " is plain XMLDSig (no XAdES QualifyingProperties) and cannot be extended");
  Node* up = only_child(qp, kXadesNs, "UnsignedProperties");
  if (!up) up = add_element(qp, kXadesNs, "xades", "UnsignedProperties");
  Node* usp = only_child(up, kXadesNs, "UnsignedSignatureProperties");
  if (!usp) usp = add_element(up, kXadesNs, "xades", "UnsignedSignatureProperties");
  return usp;
}

Bytes archive_input(const Document& doc, Node* signature, const Node* before, const C14nChoice& c14n,
                    const DetachedFiles& external) {
  Bytes out;
  const auto append = [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); };
  const auto add_c14n = [&](const Node* n) { doc.canonicalize(NodeSubset{n, {}}, c14n.mode, c14n.prefixes, append); };
  Node* signed_info = only_child(signature, kDsNs, "SignedInfo");
  if (!signed_info) throw FormatError(path_of(signature) + " has no SignedInfo");
  // 1. the data of every reference, in order, after its transforms
  for (Node* ref : children(signed_info, kDsNs, "Reference"))
    reference_data(doc, resolve_reference(doc, signature, ref), external, append);
  // 2. SignedInfo, SignatureValue, KeyInfo
  add_c14n(signed_info);
  if (Node* sv = only_child(signature, kDsNs, "SignatureValue")) add_c14n(sv);
  if (Node* ki = only_child(signature, kDsNs, "KeyInfo")) add_c14n(ki);
  // 3. the unsigned signature properties before the new time-stamp, in order
  Node* qp = qualifying_properties(signature);
  if (qp)
    if (Node* up = only_child(qp, kXadesNs, "UnsignedProperties"))
      if (Node* usp = only_child(up, kXadesNs, "UnsignedSignatureProperties"))
        for (Node* p : child_elements(usp)) {
          if (p == before) break;
          add_c14n(p);
        }
  // 4. ds:Object elements other than the one holding the QualifyingProperties
  for (Node* object : children(signature, kDsNs, "Object"))
    if (!qp || !within(qp, object)) add_c14n(object);
  return out;
}

}  // namespace sign::xades_detail
