// Parsing untrusted XML and walking the tree. The parser never touches the network or a DTD:
// signed trade documents have no business declaring entities, and entity expansion and
// external entities are the classic ways to make a verifier hang or read local files.
#include "xml/xml.hpp"
#include "xml/libxml2.hpp"

#include <sign/error.hpp>

#include <botan/base64.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <mutex>

namespace sign::xml {

const detail::LazyLibrary& libxml2() {
  static const detail::LazyLibrary library(XSIGN_LIBXML2_SONAME, "libxml2", "XML (XAdES signatures, trust lists)");
  return library;
}

namespace {

const xmlChar* X(std::string_view s) { return reinterpret_cast<const xmlChar*>(s.data()); }
std::string S(const xmlChar* s) { return s ? reinterpret_cast<const char*>(s) : std::string(); }

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { XML_CALL(xmlInitParser)(); });
}

struct DoctypeGuard {
  bool seen = false;
  internalSubsetSAXFunc original = nullptr;
};

// Called by the parser on <!DOCTYPE ...> before any of its declarations is processed.
void refuse_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* parser = static_cast<xmlParserCtxtPtr>(ctx);
  static_cast<DoctypeGuard*>(parser->_private)->seen = true;
  XML_CALL(xmlStopParser)(parser);
}

}  // namespace

void Document::Free::operator()(_xmlDoc* d) const { XML_CALL(xmlFreeDoc)(d); }

Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Document Document::parse(ByteView bytes, const std::string& what) {
  init_library();
  if (bytes.size() > kMaxXmlBytes)
    throw FormatError(what + ": the XML document is " + std::to_string(bytes.size() >> 20) +
                      " MiB; xsign reads XML of at most " + std::to_string(kMaxXmlBytes >> 20) +
                      " MiB (sign larger files detached, or as CAdES)");
  std::unique_ptr<xmlParserCtxt, void (*)(xmlParserCtxtPtr)> ctxt(XML_CALL(xmlNewParserCtxt)(), XML_CALL(xmlFreeParserCtxt));
  if (!ctxt) throw std::bad_alloc();
  DoctypeGuard guard;
  ctxt->_private = &guard;
  ctxt->sax->internalSubset = refuse_doctype;
  ctxt->sax->externalSubset = nullptr;
  ctxt->sax->resolveEntity = nullptr;
  // No XML_PARSE_NOENT (no entity substitution), no DTDLOAD/DTDATTR/DTDVALID, no XINCLUDE,
  // no XML_PARSE_HUGE (keeps the depth limit of 256 and 10 MB per text node).
  // COMPACT keeps short text inside its node: a third less memory on record-style documents.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT;
  xmlDocPtr doc = XML_CALL(xmlCtxtReadMemory)(ctxt.get(), reinterpret_cast<const char*>(bytes.data()),
                                    static_cast<int>(bytes.size()), nullptr, nullptr, options);
  Document out(doc);
  if (guard.seen)
    throw FormatError(what + ": the XML has a DOCTYPE (a DTD); xsign refuses DTDs in signed XML, since entity "
                      "declarations can expand without bound or read local files. Remove the DOCTYPE and sign again");
  if (!doc || !ctxt->wellFormed) {
    const xmlError* e = XML_CALL(xmlCtxtGetLastError)(ctxt.get());
    std::string msg = e && e->message ? S(reinterpret_cast<const xmlChar*>(e->message)) : "not well-formed";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    throw FormatError(what + ": not well-formed XML" + (e ? " at line " + std::to_string(e->line) : "") + ": " + msg);
  }
  if (!XML_CALL(xmlDocGetRootElement)(doc)) throw FormatError(what + ": the XML has no root element");
  return out;
}

Document Document::create(std::string_view ns, std::string_view prefix, std::string_view name) {
  init_library();
  xmlDocPtr doc = XML_CALL(xmlNewDoc)(X("1.0"));
  Document out(doc);
  const std::string n(name);
  xmlNodePtr root = XML_CALL(xmlNewDocNode)(doc, nullptr, X(n), nullptr);
  XML_CALL(xmlDocSetRootElement)(doc, root);
  declare_namespace(root, ns, prefix);
  return out;
}

Node* Document::root() const { return XML_CALL(xmlDocGetRootElement)(doc_.get()); }

Bytes Document::serialize() const {
  xmlChar* mem = nullptr;
  int size = 0;
  XML_CALL(xmlDocDumpMemoryEnc)(doc_.get(), &mem, &size, "UTF-8");
  if (!mem) throw std::bad_alloc();
  Bytes out(mem, mem + size);
  (*XML_CALL(xmlFree))(mem);
  return out;
}

namespace {
void collect_ids(xmlNodePtr n, std::string_view id, std::vector<Node*>& out) {
  for (; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
      const std::string name = S(a->name);
      const bool xml_id = a->ns && S(a->ns->href) == "http://www.w3.org/XML/1998/namespace" && name == "id";
      if (!xml_id && (a->ns || (name != "Id" && name != "ID" && name != "id"))) continue;
      xmlChar* v = XML_CALL(xmlNodeGetContent)(reinterpret_cast<xmlNodePtr>(a));
      const bool match = v && S(v) == id;
      (*XML_CALL(xmlFree))(v);
      if (match) {
        out.push_back(n);
        break;
      }
    }
    collect_ids(n->children, id, out);
  }
}
}  // namespace

std::vector<Node*> Document::elements_with_id(std::string_view id) const {
  std::vector<Node*> out;
  collect_ids(root(), id, out);
  return out;
}

bool is_element(const Node* n, std::string_view ns, std::string_view local) {
  return n && n->type == XML_ELEMENT_NODE && S(n->name) == local && namespace_of(n) == ns;
}
std::string local_name(const Node* n) { return S(n->name); }
std::string namespace_of(const Node* n) { return n->ns ? S(n->ns->href) : std::string(); }

std::vector<Node*> child_elements(const Node* parent) {
  std::vector<Node*> out;
  for (xmlNodePtr c = parent->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  return out;
}

std::vector<Node*> children(const Node* parent, std::string_view ns, std::string_view local) {
  std::vector<Node*> out;
  for (xmlNodePtr c = parent->children; c; c = c->next)
    if (is_element(c, ns, local)) out.push_back(c);
  return out;
}

Node* only_child(const Node* parent, std::string_view ns, std::string_view local) {
  const auto found = children(parent, ns, local);
  if (found.size() > 1)
    throw FormatError(path_of(parent) + " has " + std::to_string(found.size()) + " " + std::string(local) +
                      " elements where one is allowed");
  return found.empty() ? nullptr : found[0];
}

namespace {
void collect(const Node* n, std::string_view ns, std::string_view local, std::vector<Node*>& out) {
  for (xmlNodePtr c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (is_element(c, ns, local)) out.push_back(c);
    collect(c, ns, local, out);
  }
}
}  // namespace

std::vector<Node*> descendants(const Node* top, std::string_view ns, std::string_view local) {
  std::vector<Node*> out;
  if (is_element(top, ns, local)) out.push_back(const_cast<Node*>(top));
  collect(top, ns, local, out);
  return out;
}

std::optional<std::string> attribute(const Node* n, std::string_view name) {
  const std::string key(name);
  xmlChar* v = XML_CALL(xmlGetNoNsProp)(const_cast<Node*>(n), X(key));
  if (!v) return std::nullopt;
  std::string out = S(v);
  (*XML_CALL(xmlFree))(v);
  return out;
}

std::string text(const Node* n) {
  xmlChar* v = XML_CALL(xmlNodeGetContent)(const_cast<Node*>(n));
  std::string out = S(v);
  (*XML_CALL(xmlFree))(v);
  return out;
}

std::string language(const Node* n) {
  xmlChar* v = XML_CALL(xmlNodeGetLang)(n);
  if (!v) return {};
  std::string out = S(v);
  (*XML_CALL(xmlFree))(v);
  return out;
}

std::optional<std::string> namespace_for_prefix(const Node* at, std::string_view prefix) {
  const std::string p(prefix);
  xmlNsPtr ns = XML_CALL(xmlSearchNs)(at->doc, const_cast<Node*>(at), p.empty() ? nullptr : X(p));
  if (!ns || !ns->href) return std::nullopt;
  return S(ns->href);
}

Node* parent_of(const Node* n) { return n->parent; }

bool within(const Node* n, const Node* ancestor) {
  for (; n; n = n->parent)
    if (n == ancestor) return true;
  return false;
}

std::string path_of(const Node* n) {
  std::string out;
  for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
    std::string step = (n->ns && n->ns->prefix ? S(n->ns->prefix) + ":" : "") + S(n->name);
    std::size_t position = 1, count = 0;
    if (n->parent)
      for (xmlNodePtr s = n->parent->children; s; s = s->next)
        if (s->type == XML_ELEMENT_NODE && S(s->name) == S(n->name) && namespace_of(s) == namespace_of(n)) {
          ++count;
          if (s == n) position = count;
        }
    if (count > 1) step += "[" + std::to_string(position) + "]";
    out = "/" + step + out;
  }
  return out.empty() ? "/" : out;
}

Node* add_element(Node* parent, std::string_view ns, std::string_view prefix, std::string_view local,
                  std::string_view content) {
  const std::string name(local), href(ns);
  xmlNodePtr n = XML_CALL(xmlNewDocNode)(parent->doc, nullptr, X(name), nullptr);
  XML_CALL(xmlAddChild)(parent, n);
  xmlNsPtr found = XML_CALL(xmlSearchNsByHref)(parent->doc, parent, X(href));
  if (found) XML_CALL(xmlSetNs)(n, found);
  else declare_namespace(n, ns, prefix);
  if (!content.empty()) set_text(n, content);
  return n;
}

void set_attribute(Node* n, std::string_view name, std::string_view value) {
  const std::string k(name), v(value);
  XML_CALL(xmlSetProp)(n, X(k), X(v));
}

void declare_namespace(Node* n, std::string_view ns, std::string_view prefix) {
  const std::string href(ns), p(prefix);
  xmlNsPtr decl = XML_CALL(xmlNewNs)(n, X(href), p.empty() ? nullptr : X(p));
  if (!decl) decl = XML_CALL(xmlSearchNs)(n->doc, n, p.empty() ? nullptr : X(p));  // already declared on n
  XML_CALL(xmlSetNs)(n, decl);
}

void set_text(Node* n, std::string_view content) {
  const std::string t(content);
  xmlChar* escaped = XML_CALL(xmlEncodeSpecialChars)(n->doc, X(t));
  XML_CALL(xmlNodeSetContent)(n, escaped);
  (*XML_CALL(xmlFree))(escaped);
}

void remove(Node* n) {
  XML_CALL(xmlUnlinkNode)(n);
  XML_CALL(xmlFreeNode)(n);
}

void adopt(Node* parent, Node* n) {
  XML_CALL(xmlUnlinkNode)(n);
  XML_CALL(xmlAddChild)(parent, n);
}

Node* import_copy(Node* parent, const Node* n) {
  xmlNodePtr copy = XML_CALL(xmlDocCopyNode)(const_cast<Node*>(n), parent->doc, 1);
  if (!copy) throw std::bad_alloc();
  XML_CALL(xmlAddChild)(parent, copy);
  XML_CALL(xmlReconciliateNs)(parent->doc, copy);
  return copy;
}

std::string base64(ByteView data) { return Botan::base64_encode(data.data(), data.size()); }

Bytes unbase64(std::string_view text, std::string_view what) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') compact.push_back(c);
  try {
    const auto v = Botan::base64_decode(compact);
    return Bytes(v.begin(), v.end());
  } catch (const std::exception&) {
    throw FormatError(std::string(what) + " is not valid base64");
  }
}

std::optional<TimePoint> parse_date_time(std::string_view text) {
  std::string s(text);
  // Fractions of a second carry nothing a signing time needs; drop them before parsing.
  if (const auto dot = s.find('.'); dot != std::string::npos && dot > 10) {
    std::size_t end = dot + 1;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
    s.erase(dot, end - dot);
  }
  try {
    return parse_time(s);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace sign::xml
