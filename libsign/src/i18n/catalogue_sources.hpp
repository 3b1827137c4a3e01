// The message catalogues, compiled at build time from libsign/i18n/*.toml by
// cmake/compile_catalogues.py into tables sorted by key, so that the library needs no data
// files at run time and parses nothing when a process starts.
#pragma once

#include <span>
#include <string_view>

namespace sign::detail {

struct CatalogueEntry {
  std::string_view key;   ///< "section.key"
  std::string_view text;
};

extern const std::span<const CatalogueEntry> kCatalogueEn;
extern const std::span<const CatalogueEntry> kCatalogueRu;
extern const std::span<const CatalogueEntry> kCatalogueZh;

}  // namespace sign::detail
