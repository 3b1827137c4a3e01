// libpq through dlopen (see libpq.hpp for why), and thin RAII wrappers over its C API.
#include "ca/libpq.hpp"

#include <sign/error.hpp>

#include <dlfcn.h>

#include <cstring>
#include <mutex>

namespace sign::detail {
namespace {

template <typename Fn>
void resolve(void* lib, Fn& fn, const char* name) {
  fn = reinterpret_cast<Fn>(::dlsym(lib, name));
  if (!fn) throw UsageError(std::string("libpq.so.5 lacks ") + name + "; install a current libpq5");
}

// libpq's messages end in a newline; ours are one line.
std::string without_trailing_space(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

const Libpq& Libpq::get() {
  static Libpq pq;
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    // Never unloaded: libpq keeps state (SSL, Kerberos) for the life of the process.
    void* lib = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      failure = std::string("a PostgreSQL CA store needs libpq (Debian package libpq5): ") + ::dlerror();
      return;
    }
    try {
      resolve(lib, pq.connectdb, "PQconnectdb");
      resolve(lib, pq.status, "PQstatus");
      resolve(lib, pq.error_message, "PQerrorMessage");
      resolve(lib, pq.finish, "PQfinish");
      resolve(lib, pq.exec_params, "PQexecParams");
      resolve(lib, pq.exec, "PQexec");
      resolve(lib, pq.set_notice_processor, "PQsetNoticeProcessor");
      resolve(lib, pq.result_status, "PQresultStatus");
      resolve(lib, pq.result_error_message, "PQresultErrorMessage");
      resolve(lib, pq.ntuples, "PQntuples");
      resolve(lib, pq.getvalue, "PQgetvalue");
      resolve(lib, pq.getlength, "PQgetlength");
      resolve(lib, pq.getisnull, "PQgetisnull");
      resolve(lib, pq.cmd_tuples, "PQcmdTuples");
      resolve(lib, pq.clear, "PQclear");
      resolve(lib, pq.transaction_status, "PQtransactionStatus");
    } catch (const UsageError& e) {
      failure = e.what();
    }
  });
  if (!failure.empty()) throw UsageError(failure);
  return pq;
}

std::string PgResult::text(int row, int col) const {
  const auto& pq = Libpq::get();
  return std::string(pq.getvalue(r_.get(), row, col), static_cast<std::size_t>(pq.getlength(r_.get(), row, col)));
}

std::int64_t PgResult::integer(int row, int col) const {
  const std::string t = text(row, col);
  if (t.empty()) return 0;
  return std::stoll(t);
}

Bytes PgResult::bytea(int row, int col) const {
  // Text output of bytea is "\x" followed by two hex digits a byte (bytea_output = hex, the
  // default since PostgreSQL 9.0; the store sets it on connect).
  const std::string t = text(row, col);
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x')
    throw IoError("CA store (PostgreSQL): a bytea value is not in hex output form");
  try {
    return from_hex(std::string_view(t).substr(2));
  } catch (const FormatError& e) {
    throw IoError(std::string("CA store (PostgreSQL): a bytea value is not hex (") + e.what() + ")");
  }
}

std::uint64_t PgResult::affected() const {
  const char* n = Libpq::get().cmd_tuples(r_.get());
  return n && *n ? std::stoull(n) : 0;
}

PgConnection::PgConnection(const std::string& url, const std::string& label) : label_(label) {
  const auto& pq = Libpq::get();
  c_ = pq.connectdb(url.c_str());
  if (!c_ || pq.status(c_) != CONNECTION_OK) {
    const std::string err = without_trailing_space(c_ ? pq.error_message(c_) : "out of memory");
    if (c_) pq.finish(c_);
    c_ = nullptr;
    throw IoError(label_ + ": cannot connect to the CA store (" + err + ")");
  }
  // Notices ("relation already exists, skipping") are not for xsign's users.
  pq.set_notice_processor(c_, [](void*, const char*) {}, nullptr);
  try {
    exec("SET bytea_output = 'hex'");
  } catch (...) {
    pq.finish(c_);
    throw;
  }
}

PgConnection::~PgConnection() {
  if (c_) Libpq::get().finish(c_);
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<PgParam>& params) {
  const auto& pq = Libpq::get();
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const auto& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  return checked(PgResult(pq.exec_params(c_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                         lengths.data(), formats.data(), 0)));
}

void PgConnection::exec_script(const std::string& sql) { (void)checked(PgResult(Libpq::get().exec(c_, sql.c_str()))); }

PgResult PgConnection::checked(PgResult result) {
  const auto& pq = Libpq::get();
  const ExecStatusType status = result.raw() ? pq.result_status(result.raw()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw PgError(label_ + ": " +
                  without_trailing_space(result.raw() ? pq.result_error_message(result.raw()) : pq.error_message(c_)));
  }
  return result;
}

bool PgConnection::healthy() const { return c_ && Libpq::get().status(c_) == CONNECTION_OK; }

bool PgConnection::in_transaction() const {
  return c_ && Libpq::get().transaction_status(c_) != PQTRANS_IDLE;
}

}  // namespace sign::detail
