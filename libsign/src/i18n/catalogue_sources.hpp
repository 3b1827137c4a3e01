// The catalogue files' text, generated at build time from libsign/i18n/*.toml
// (cmake/catalogues.cpp.in), so that the library needs no data files at run time.
#pragma once

namespace sign::detail {
extern const char* const kCatalogueEn;
extern const char* const kCatalogueRu;
extern const char* const kCatalogueZh;
}  // namespace sign::detail
