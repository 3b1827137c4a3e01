// libpq through dlopen (see libpq.hpp for why), and thin RAII wrappers over its C API.
#include "ca/libpq.hpp"

#include <sign/error.hpp>

#include <cstring>

namespace sign::detail {
namespace {

// libpq's messages end in a newline; ours are one line.
std::string without_trailing_space(std::string message) {
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

const LazyLibrary& libpq() {
  // Never unloaded: libpq keeps state (SSL, Kerberos) for the life of the process.
  static const LazyLibrary library("libpq.so.5", "libpq5", "a PostgreSQL CA store");
  return library;
}

std::string PgResult::text(int row, int col) const {
  return std::string(PQ_CALL(PQgetvalue)(r_.get(), row, col), static_cast<std::size_t>(PQ_CALL(PQgetlength)(r_.get(), row, col)));
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
  const char* n = PQ_CALL(PQcmdTuples)(r_.get());
  return n && *n ? std::stoull(n) : 0;
}

PgConnection::PgConnection(const std::string& url, const std::string& label) : label_(label) {
  c_ = PQ_CALL(PQconnectdb)(url.c_str());
  if (!c_ || PQ_CALL(PQstatus)(c_) != CONNECTION_OK) {
    const std::string err = without_trailing_space(c_ ? PQ_CALL(PQerrorMessage)(c_) : "out of memory");
    if (c_) PQ_CALL(PQfinish)(c_);
    c_ = nullptr;
    throw IoError(label_ + ": cannot connect to the CA store (" + err + ")");
  }
  // Notices ("relation already exists, skipping") are not for xsign's users.
  PQ_CALL(PQsetNoticeProcessor)(c_, [](void*, const char*) {}, nullptr);
  try {
    exec("SET bytea_output = 'hex'");
  } catch (...) {
    PQ_CALL(PQfinish)(c_);
    throw;
  }
}

PgConnection::~PgConnection() {
  if (c_) PQ_CALL(PQfinish)(c_);
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const auto& p : params) {
    values.push_back(p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.binary ? 1 : 0);
  }
  return checked(PgResult(PQ_CALL(PQexecParams)(c_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                                         lengths.data(), formats.data(), 0)));
}

void PgConnection::exec_script(const std::string& sql) { (void)checked(PgResult(PQ_CALL(PQexec)(c_, sql.c_str()))); }

PgResult PgConnection::checked(PgResult result) {
  const ExecStatusType status = result.raw() ? PQ_CALL(PQresultStatus)(result.raw()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw PgError(label_ + ": " +
                  without_trailing_space(result.raw() ? PQ_CALL(PQresultErrorMessage)(result.raw()) : PQ_CALL(PQerrorMessage)(c_)));
  }
  return result;
}

bool PgConnection::healthy() const { return c_ && PQ_CALL(PQstatus)(c_) == CONNECTION_OK; }

bool PgConnection::in_transaction() const {
  return c_ && PQ_CALL(PQtransactionStatus)(c_) != PQTRANS_IDLE;
}

}  // namespace sign::detail
