// Backup and restore of a CA directory. The store goes through SQLite's online backup API; the
// other files are copied; everything is assembled in a scratch directory beside the target and
// renamed into place, so a backup or a restore is whole or absent, never half there.
#include <sign/ca.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include <random>

namespace sign {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStore = "store.sqlite";
constexpr const char* kStoreUrl = "store.url";

void require_absent(const fs::path& p, const std::string& what) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(p, ec)))
    throw UsageError(p.string() + " already exists; " + what + " goes to a new directory");
}

// Copies every regular file of `from` except the store and its journals, keeping permissions
// (keys stay 0600), one level of subdirectories (services/).
void copy_files(const fs::path& from, const fs::path& to) {
  for (const auto& entry : fs::directory_iterator(from)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kStore, 0) == 0) continue;
    if (entry.is_directory()) {
      fs::create_directory(to / name);
      copy_files(entry.path(), to / name);
    } else if (entry.is_regular_file()) {
      fs::copy_file(entry.path(), to / name);
      fs::permissions(to / name, fs::status(entry.path()).permissions());
    }
  }
}

template <typename Fn>
void assemble(const fs::path& target, const std::string& what, Fn&& fill) {
  require_absent(target, what);
  std::random_device rd;
  const fs::path scratch = target.string() + ".partial-" + std::to_string(rd());
  fs::create_directory(scratch);
  fs::permissions(scratch, fs::perms::owner_all);
  try {
    fill(scratch);
    fs::rename(scratch, target);
  } catch (const fs::filesystem_error& e) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
    throw IoError(what + " failed: " + e.what());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
    throw;
  }
}

}  // namespace

void backup_ca_directory(const fs::path& ca_dir, const fs::path& backup_dir) {
  // Opening checks that this is a CA directory in working order.
  (void)CertificateAuthority::open(ca_dir, {});
  assemble(backup_dir, "the backup", [&](const fs::path& scratch) {
    copy_files(ca_dir, scratch);
    // A PostgreSQL store is backed up by PostgreSQL (pg_dump, base backups with WAL archiving:
    // docs/deployment.md); the directory copy keeps its store.url.
    if (!fs::exists(ca_dir / kStoreUrl)) backup_sqlite_store(ca_dir / kStore, scratch / kStore);
  });
}

void restore_ca_directory(const fs::path& backup_dir, const fs::path& ca_dir) {
  const bool postgresql = fs::exists(backup_dir / kStoreUrl);
  if ((!postgresql && !fs::exists(backup_dir / kStore)) || !fs::exists(backup_dir / "ca.pem"))
    throw NoInputError(backup_dir.string() + ": not a CA backup (no store.sqlite or store.url, or no ca.pem)");
  assemble(ca_dir, "the restore", [&](const fs::path& scratch) {
    copy_files(backup_dir, scratch);
    if (!postgresql) backup_sqlite_store(backup_dir / kStore, scratch / kStore);
    (void)CertificateAuthority::open(scratch, {});  // the result must open as a CA
  });
}

}  // namespace sign
