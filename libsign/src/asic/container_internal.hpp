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

/// What no longer matches between a manifest and the container: documents it names that are
/// missing or changed (empty when every digest matches).
std::vector<std::string> manifest_mismatches(const AsicContainer& c, const AsicManifest& manifest);

}  // namespace sign::detail
