// libxml2, opened on the first XML operation rather than linked (support/lazy_library.hpp):
// with ICU it is the largest library a process loads, and most commands never touch XML.
// The xml module calls it only through XML_CALL(function)(arguments...).
#pragma once

#include "support/lazy_library.hpp"

namespace sign::xml {
const detail::LazyLibrary& libxml2();
}  // namespace sign::xml

#define XML_CALL(fn) LAZY_CALL(::sign::xml::libxml2(), fn)
