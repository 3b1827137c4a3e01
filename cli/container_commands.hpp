// The ASiC side of `sign`, `cosign`, `verify`, `extract` and `inspect`: containers are found by
// their content (a zip), so the commands people already know work on them unchanged.
#pragma once

#include "trust_setup.hpp"

#include <sign/asic.hpp>

#include <functional>
#include <string>
#include <vector>

namespace xsign {

/// True when the file is a regular file that starts like a zip archive.
bool is_zip_file(const std::string& path);

/// Where `sign --asic-e` / `--asic-s` writes by default: invoice.xml -> invoice.asice / .asics.
std::string default_container_output(const std::string& first_document, sign::AsicForm form);

/// `sign --asic-e|--asic-s DOC...`: a new container with one signature; prints what it did.
void sign_container(const std::vector<std::string>& documents, const std::string& out, const sign::SignerSpec& signer,
                    const sign::AsicOptions& options);

/// `cosign C.asice`: a signature of the signer's own over every document.
void cosign_container(const std::string& input, const std::string& out, const sign::SignerSpec& signer,
                      sign::XmlSm2Uris sm2_uris, sign::Overwrite overwrite);

/// `verify C.asice`: prints the report; returns the exit code of its verdict.
int verify_container(const std::string& path, TrustSetup& setup, bool json, const std::string& report_html,
                     const std::function<void(const sign::Bytes&)>& write_etsi_report);

/// Writes a report page (atomically, never over an existing file without --force).
void write_report_page(const std::string& path, const std::string& html);

/// `extract C.asice [--out-dir DIR]`: every document into DIR (default: the container's name
/// without its extension).
void extract_container(const std::string& path, const std::string& directory);

/// `inspect C.asice`: form, documents, signature files and each signature's cryptography.
int inspect_container(const std::string& path, bool json);

}  // namespace xsign
