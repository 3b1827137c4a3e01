// Shared by the asic module's files: the container's zip, its documents as the files a
// signature names, and the check of an ASiCManifest against the documents.
#pragma once

#include <sign/asic.hpp>

#include "asic/manifest.hpp"
#include "asic/zip.hpp"

#include <string>
#include <vector>

namespace sign::detail {

const ZipReader& container_zip(const AsicContainer& c);

/// Every document of the container, streamed from it, with its MIME type.
std::vector<DetachedFile> container_documents(const AsicContainer& c);

/// How one document a manifest names compares with the container.
struct ManifestEntryState {
  std::string name;
  enum { matches, changed, missing } state = matches;
  std::string problem() const;  ///< a sentence for a changed or missing document
};
/// Each document the manifest names, checked against the container (its digest recomputed).
std::vector<ManifestEntryState> check_manifest(const AsicContainer& c, const AsicManifest& manifest);

}  // namespace sign::detail
