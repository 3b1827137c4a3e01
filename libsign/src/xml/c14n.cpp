// Canonical XML of a node subset through libxml2's C14N, written straight into a sink (a
// digest, usually), so a large signed document is never held twice.
#include "xml/xml.hpp"
#include "xml/libxml2.hpp"

#include <sign/error.hpp>

#include <libxml/c14n.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>

namespace sign::xml {
namespace {

struct Uri {
  std::string_view uri;
  C14n mode;
};
constexpr Uri kUris[] = {
    {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315", C14n::inclusive},
    {"http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments", C14n::inclusive_with_comments},
    {"http://www.w3.org/2001/10/xml-exc-c14n#", C14n::exclusive},
    {"http://www.w3.org/2001/10/xml-exc-c14n#WithComments", C14n::exclusive_with_comments},
    {"http://www.w3.org/2006/12/xml-c14n11", C14n::v11},
    {"http://www.w3.org/2006/12/xml-c14n11#WithComments", C14n::v11_with_comments},
};

// libxml2 asks about every node, attribute and namespace node; for the latter two `node` is
// the attribute or xmlNs and `parent` its element.
int visible(void* data, xmlNodePtr node, xmlNodePtr parent) {
  const auto& subset = *static_cast<const NodeSubset*>(data);
  const xmlNode* n = (node->type == XML_NAMESPACE_DECL || node->type == XML_ATTRIBUTE_NODE) ? parent : node;
  if (!n) return 0;
  if (subset.root && !within(n, subset.root)) return 0;
  for (const Node* e : subset.excluded)
    if (within(n, e)) return 0;
  return 1;
}

struct SinkContext {
  const std::function<void(ByteView)>* sink;
  std::string error;
};

int write_to_sink(void* ctx, const char* buffer, int len) {
  auto* c = static_cast<SinkContext*>(ctx);
  try {
    (*c->sink)(ByteView(reinterpret_cast<const std::uint8_t*>(buffer), static_cast<std::size_t>(len)));
  } catch (const std::exception& e) {
    c->error = e.what();
    return -1;
  }
  return len;
}

}  // namespace

std::optional<C14n> c14n_from_uri(std::string_view uri) {
  for (const auto& u : kUris)
    if (u.uri == uri) return u.mode;
  return std::nullopt;
}

std::string_view c14n_uri(C14n c) {
  for (const auto& u : kUris)
    if (u.mode == c) return u.uri;
  return {};
}

void Document::canonicalize(const NodeSubset& subset, C14n mode, const std::vector<std::string>& inclusive_prefixes,
                            const std::function<void(ByteView)>& sink) const {
  int lib_mode = XML_C14N_1_0;
  int comments = 0;
  switch (mode) {
    case C14n::inclusive: break;
    case C14n::inclusive_with_comments: comments = 1; break;
    case C14n::exclusive: lib_mode = XML_C14N_EXCLUSIVE_1_0; break;
    case C14n::exclusive_with_comments: lib_mode = XML_C14N_EXCLUSIVE_1_0; comments = 1; break;
    case C14n::v11: lib_mode = XML_C14N_1_1; break;
    case C14n::v11_with_comments: lib_mode = XML_C14N_1_1; comments = 1; break;
  }
  std::vector<xmlChar*> prefixes;
  for (const auto& p : inclusive_prefixes)
    prefixes.push_back(const_cast<xmlChar*>(reinterpret_cast<const xmlChar*>(p.c_str())));
  prefixes.push_back(nullptr);
  SinkContext ctx{&sink, {}};
  xmlOutputBufferPtr out = XML_CALL(xmlOutputBufferCreateIO)(write_to_sink, nullptr, &ctx, nullptr);
  if (!out) throw std::bad_alloc();
  const int rc = XML_CALL(xmlC14NExecute)(doc_.get(), visible, const_cast<NodeSubset*>(&subset), lib_mode,
                                lib_mode == XML_C14N_EXCLUSIVE_1_0 ? prefixes.data() : nullptr, comments, out);
  const int closed = XML_CALL(xmlOutputBufferClose)(out);
  if (!ctx.error.empty()) throw IoError("canonicalizing XML: " + ctx.error);
  if (rc < 0 || closed < 0) throw FormatError("the XML could not be canonicalized (" + std::string(c14n_uri(mode)) + ")");
}

Bytes Document::canonicalize(const NodeSubset& subset, C14n mode, const std::vector<std::string>& inclusive_prefixes) const {
  Bytes out;
  canonicalize(subset, mode, inclusive_prefixes, [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

}  // namespace sign::xml
