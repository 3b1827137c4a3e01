// Validating a container: each signature file goes through the common pipeline (CAdES over its
// ASiCManifest or the one ASiC-S document, XAdES over the documents it names); then each
// manifest's digests are checked against the documents, and every document must be covered by
// at least one signature.
#include "asic/container_internal.hpp"
#include "xades/xades_internal.hpp"

#include <sign/error.hpp>

#include <algorithm>

namespace sign {

using namespace detail;

Indication AsicReport::overall() const {
  if (!problems.empty()) return Indication::total_failed;
  return report.overall();
}

namespace {

// A signature whose manifest no longer matches the documents: the CMS signature over the
// manifest may be perfect, but what the manifest promises is not what the container holds. A
// changed document fails it; a missing one leaves it unproven.
void apply_manifest_result(SignatureReport& s, const std::vector<ManifestEntryState>& entries) {
  std::vector<std::string> problems;
  bool changed = false;
  for (const auto& e : entries)
    if (e.state != ManifestEntryState::matches) {
      problems.push_back(e.problem());
      changed |= e.state == ManifestEntryState::changed;
    }
  if (problems.empty() || s.indication == Indication::total_failed) return;
  s.indication = changed ? Indication::total_failed : Indication::indeterminate;
  s.sub_indication = changed ? SubIndication::hash_failure : SubIndication::signed_data_not_found;
  s.message = problems.front();
  for (std::size_t i = 1; i < problems.size(); ++i) s.warnings.push_back(problems[i]);
}

// Whether a signature's own cryptography holds, so that the documents it names (and whose
// digests were found to match) count as covered by it.
bool signature_holds(const SignatureReport& s) {
  return s.sub_indication != SubIndication::format_failure && s.sub_indication != SubIndication::sig_crypto_failure;
}

// For signatures whose check cannot tell which reference failed (XAdES, ASiC-S): a hash failure
// takes away every document it names.
bool covers_all_named(const SignatureReport& s) {
  return signature_holds(s) && s.sub_indication != SubIndication::hash_failure;
}

struct Collector {
  AsicReport& out;
  std::vector<std::vector<std::string>> covered;  // per signature in out.report, the documents it names

  void add(ValidationReport part, const std::string& file, const std::vector<std::string>& names) {
    for (auto& s : part.signatures) {
      s.index = out.report.signatures.size() + 1;
      out.report.signatures.push_back(std::move(s));
      out.signature_files.push_back(file);
      covered.push_back(names);
    }
  }
};

}  // namespace

namespace {
AsicReport validate_container(const std::string& path, const std::function<AsicContainer()>& open, const TrustStore& trust,
                              const ValidationPolicy& policy, const ValidateOptions& options) {
  AsicReport out;
  out.container = path;
  out.report.signature_file = path;
  std::optional<AsicContainer> opened;
  try {
    opened = open();
  } catch (const FormatError& e) {
    out.report = format_failure_report(path, e.what());
    for (auto& s : out.report.signatures)
      s.validation_time = options.validation_time.value_or(std::chrono::floor<std::chrono::seconds>(sign::now()));
    out.signature_files.push_back(path);
    return out;
  } catch (const Error& e) {
    out.report.input_error = e.what();
    return out;
  }
  const AsicContainer& c = *opened;
  out.form = std::string(asic_form_name(c.form()));
  out.signature_format = std::string(asic_format_name(c.format()));
  out.warnings = c.warnings();
  Collector collect{out, {}};

  DetachedFiles files;
  for (auto& d : container_documents(c)) files.by_name.emplace(d.name, d.content);

  for (const auto& file : c.signature_files()) {
    const std::string what = path + ": " + file.name;
    try {
      if (file.format == AsicSignatureFormat::xades) {
        std::vector<std::vector<std::string>> names;
        for (const auto& summary : summarize_xml_signatures(file.bytes, what)) {
          std::vector<std::string> n;
          for (const auto& uri : summary.references)
            if (!uri.empty() && uri[0] != '#') n.push_back(xades_detail::uri_to_name(uri));
          names.push_back(n);
        }
        auto part = validate_xml_signatures(file.bytes, what, files, trust, policy, options);
        for (std::size_t i = 0; i < part.signatures.size(); ++i) {
          ValidationReport one;
          one.signatures.push_back(std::move(part.signatures[i]));
          const bool holds = covers_all_named(one.signatures[0]);
          collect.add(std::move(one), file.name, holds && i < names.size() ? names[i] : std::vector<std::string>{});
        }
        continue;
      }
      const auto sd = SignedDataView::parse(memory_source(file.bytes));
      if (file.manifest.empty()) {  // ASiC-S: the signature is over the one document
        const std::string name = c.documents().front().name;
        auto part = validate_signed_data(sd, c.document(name), trust, policy, options);
        for (auto& s : part.signatures) {
          s.signed_objects.push_back("file '" + name + "'");
          ValidationReport one;
          const bool holds = covers_all_named(s);
          one.signatures.push_back(std::move(s));
          collect.add(std::move(one), file.name, holds ? std::vector<std::string>{name} : std::vector<std::string>{});
        }
        continue;
      }
      const auto manifest = parse_manifest(file.manifest_bytes, path + ": " + file.manifest);
      auto part = validate_signed_data(sd, Content::bytes(file.manifest_bytes), trust, policy, options);
      const auto entries = check_manifest(c, manifest);
      for (auto& s : part.signatures) {
        // The manifest is what the CMS signs: a hash failure here means the manifest changed.
        const bool holds = signature_holds(s) && s.sub_indication != SubIndication::hash_failure;
        apply_manifest_result(s, entries);
        std::vector<std::string> matching;
        for (const auto& e : entries) {
          s.signed_objects.push_back("file '" + e.name + "' (through " + file.manifest + ")");
          if (holds && e.state == ManifestEntryState::matches) matching.push_back(e.name);
        }
        ValidationReport one;
        one.signatures.push_back(std::move(s));
        collect.add(std::move(one), file.name, matching);
      }
    } catch (const FormatError& e) {
      auto failed = format_failure_report(file.name, e.what());
      failed.signatures[0].validation_time =
          options.validation_time.value_or(std::chrono::floor<std::chrono::seconds>(sign::now()));
      collect.add(std::move(failed), file.name, {});
    }
  }

  if (out.report.signatures.empty()) out.problems.push_back("the container holds no signature");
  for (const auto& d : c.documents()) {
    AsicDocumentReport dr{d.name, d.size, {}};
    for (std::size_t i = 0; i < out.report.signatures.size(); ++i)
      if (std::find(collect.covered[i].begin(), collect.covered[i].end(), d.name) != collect.covered[i].end())
        dr.signed_by.push_back(i + 1);
    if (dr.signed_by.empty() && !out.report.signatures.empty())
      out.problems.push_back("'" + printable_text(d.name) + "' is in the container but no signature covers it");
    out.documents.push_back(std::move(dr));
  }
  return out;
}
}  // namespace

AsicReport validate_asic(const std::string& path, const TrustStore& trust, const ValidationPolicy& policy,
                         const ValidateOptions& options, const AsicLimits& limits) {
  return validate_container(path, [&] { return AsicContainer::open(path, limits); }, trust, policy, options);
}

AsicReport validate_asic_bytes(Bytes data, const std::string& name, const TrustStore& trust, const ValidationPolicy& policy,
                               const ValidateOptions& options, const AsicLimits& limits) {
  return validate_container(name, [&] { return AsicContainer::open_bytes(std::move(data), name, limits); }, trust, policy,
                            options);
}

}  // namespace sign
