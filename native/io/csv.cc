#include "csv.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstring>
#include <cmath>
#include <mutex>
#include <system_error>
#include <unordered_set>

#include "../kernels/parallel.h"
#include "../third_party/fast_float/fast_float.h"

namespace descent::io {
namespace {

inline bool IsSpace(char c) { return c == ' ' || c == '\t'; }

inline void Trim(const char*& b, const char*& e) {
  while (b < e && IsSpace(*b)) ++b;
  while (e > b && IsSpace(e[-1])) --e;
}

// A number as strtod reads it — fast_float rounds correctly, so the bits are strtod's: a sign (a leading '+' too),
// digits with an optional '.', an exponent, or inf / infinity / nan in any case. The caller trims the spaces.
inline bool ParseNumber(const char* b, const char* e, double& v) {
  if (b == e) return false;
  if (*b == '+') {
    ++b;
    if (b == e || *b == '+' || *b == '-') return false;
  }
  const auto r = fast_float::from_chars(b, e, v);
  return r.ec == std::errc() && r.ptr == e;
}

// The common case of a numeric CSV cell — [-]digits[.digits], at most 15 significant digits, no exponent — read
// exactly: the digits form an integer m < 10^15 < 2^53 and the value is m / 10^f with f <= 15, one correctly
// rounded IEEE division of two exact doubles (Clinger's fast path), so the bits are strtod's. False (nothing read)
// for anything else, which fast_float then handles.
inline bool ParseShortDecimal(const char*& p, const char* end, double& v) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const char* s = p;
  const bool neg = s < end && *s == '-';
  if (neg) ++s;
  uint64_t m = 0;
  int digits = 0, frac = 0;
  while (s < end && static_cast<unsigned>(*s - '0') < 10) {
    m = m * 10 + static_cast<unsigned>(*s - '0');
    ++s;
    ++digits;
  }
  if (s < end && *s == '.') {
    const char* f = ++s;
    while (s < end && static_cast<unsigned>(*s - '0') < 10 && s - f < 16) {
      m = m * 10 + static_cast<unsigned>(*s - '0');
      ++s;
    }
    frac = static_cast<int>(s - f);
    digits += frac;
  }
  if (digits == 0 || digits > 15 || (s < end && (*s == 'e' || *s == 'E' || static_cast<unsigned>(*s - '0') < 10))) return false;
  const double r = static_cast<double>(m) / kPow10[frac];
  v = neg ? -r : r;
  p = s;
  return true;
}

// A cell's text for a message: quoted, cut at 40 bytes, control characters escaped.
std::string Show(const char* b, const char* e) {
  std::string out = "\"";
  // Cut after 40 characters (code points, as the TS reader counts them), never inside one.
  const size_t n = static_cast<size_t>(e - b);
  size_t chars = 0, i = 0;
  for (; i < n; i++) {
    const unsigned char c = static_cast<unsigned char>(b[i]);
    if ((c & 0xc0) != 0x80 && chars++ == 40) break;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static const char* hex = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < n) out += "…";
  return out + "\"";
}

bool ValidUtf8Bytes(const std::string& s);

// Valid UTF-8 without U+FFFD: the replacement character is what an invalid byte becomes once decoded (the TS reader
// sees only decoded text), so it counts as a sign of a wrong encoding in both readers.
bool ValidUtf8(const std::string& s) { return ValidUtf8Bytes(s) && s.find("\xEF\xBF\xBD") == std::string::npos; }

bool ValidUtf8Bytes(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* e = p + s.size();
  while (p < e) {
    const unsigned char c = *p;
    int n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (n < 0 || e - p <= n) return n == 0;
    for (int k = 1; k <= n; k++)
      if ((p[k] >> 6) != 2) return false;
    if ((n == 1 && c < 0xc2) || (n == 2 && c == 0xe0 && p[1] < 0xa0) || (n == 3 && (c > 0xf4 || (c == 0xf0 && p[1] < 0x90))))
      return false;
    p += n + 1;
  }
  return true;
}

// Record splitting (RFC 4180): a quote opens a quoted field only at a field's start (after optional spaces);
// inside one, "" is a quote and a lone quote closes it; a quote inside an unquoted field is a literal character.
// A newline ends the record unless it is inside a quoted field. `delim` 0 (the header, before sniffing) counts
// every candidate delimiter.
enum ScanState : uint8_t { kFieldStart = 0, kUnquoted = 1, kQuoted = 2, kQuoteInQuoted = 3 };

struct Scanner {
  char q, delim;
  bool IsDelim(char c) const { return delim != 0 ? c == delim : (c == ',' || c == ';' || c == '\t' || c == '|'); }
  // Advances `s` over `c`; true when `c` ends a record (then `s` is back at a field start).
  bool Step(uint8_t& s, char c) const {
    switch (s) {
      case kFieldStart:
        if (c == q) s = kQuoted;
        else if (c == '\n') return true;
        else if (!(IsDelim(c) || c == ' ' || c == '\t')) s = kUnquoted;
        return false;
      case kUnquoted:
        if (c == '\n') {
          s = kFieldStart;
          return true;
        }
        if (IsDelim(c)) s = kFieldStart;
        return false;
      case kQuoted:
        if (c == q) s = kQuoteInQuoted;
        return false;
      default:  // kQuoteInQuoted: "" continues the field; anything else follows the closing quote
        if (c == q) s = kQuoted;
        else if (c == '\n') {
          s = kFieldStart;
          return true;
        } else if (IsDelim(c)) s = kFieldStart;
        else s = kUnquoted;  // text after a closing quote: ForEachCell reports it
        return false;
    }
  }
};

// One cell of a record: its text [b, e) (inside the quotes for a quoted cell) and whether it holds "" escapes.
struct Cell {
  const char* b;
  const char* e;
  bool quoted, escaped;
};

// Splits the record [p, end) into cells and calls f(j, cell) for each (f returns false to stop). Returns the number
// of cells, or -1 (with *bad at the offending character) for text after a closing quote or an unclosed quote.
template <typename F>
int64_t ForEachCell(const char* p, const char* end, char delim, char quote, F&& f, const char** bad) {
  int64_t j = 0;
  for (;;) {
    const char* s = p;
    while (s < end && IsSpace(*s) && *s != delim) ++s;
    Cell c;
    if (s < end && *s == quote) {
      const char* q = s + 1;
      bool escaped = false;
      for (;;) {
        if (q >= end) {
          *bad = s;
          return -1;
        }
        if (*q == quote) {
          if (q + 1 < end && q[1] == quote) {
            escaped = true;
            q += 2;
            continue;
          }
          break;
        }
        ++q;
      }
      c = {s + 1, q, true, escaped};
      p = q + 1;
      while (p < end && IsSpace(*p) && *p != delim) ++p;
      if (p < end && *p != delim) {
        *bad = p;
        return -1;
      }
    } else {
      const char* d = p < end ? static_cast<const char*>(std::memchr(p, delim, static_cast<size_t>(end - p))) : nullptr;
      const char* ce = d ? d : end;
      c = {p, ce, false, false};
      p = ce;
    }
    if (!f(j, c)) return j + 1;
    ++j;
    if (p >= end) return j;
    ++p;  // the delimiter
    if (p == end) {
      // A record ending with a delimiter has an empty last cell.
      c = {p, p, false, false};
      if (!f(j, c)) return j + 1;
      return j + 1;
    }
  }
}

// The text of a cell, with "" unescaped (into `scratch` when needed).
inline void CellText(const Cell& c, char quote, std::string& scratch, const char*& b, const char*& e) {
  b = c.b;
  e = c.e;
  if (c.escaped) {
    scratch.clear();
    for (const char* q = c.b; q < c.e; ++q) {
      scratch += *q;
      if (*q == quote) ++q;  // the second quote of ""
    }
    b = scratch.data();
    e = b + scratch.size();
  }
  if (!c.quoted) Trim(b, e);
}

}  // namespace

CsvParser::CsvParser(CsvOptions o) : o_(std::move(o)), delim_(o_.delimiter) {
  // A missing-value text that could read as a number must be looked up before parsing: no fast path then.
  for (const auto& na : o_.naValues)
    if (!na.empty() && ((na[0] >= '0' && na[0] <= '9') || na[0] == '-' || na[0] == '.')) fastNa_ = false;
  X_ = std::make_shared<NativeBuffer>();
  y_ = std::make_shared<NativeBuffer>();
}

bool CsvParser::Fail(uint64_t row, uint64_t line, const std::string& column, const std::string& message) {
  if (!err_.set) err_ = {true, row, line, column, message};
  return false;
}

uint64_t CsvParser::LineOf(const char* data, size_t offset) const {
  uint64_t line = line_;
  for (const char* p = data; (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(data + offset - p)))) != nullptr; ++p) ++line;
  return line;
}

bool CsvParser::ParseHeader(const char* b, const char* e, uint64_t line) {
  if (delim_ == 0) {
    // Sniff: the candidate that occurs most often outside quotes in the header line (',' on a tie or none).
    const char cand[] = {',', ';', '\t', '|'};
    size_t best = 0, bestCount = 0;
    for (size_t k = 0; k < 4; k++) {
      size_t count = 0;
      bool inq = false;
      for (const char* p = b; p < e; ++p) {
        if (*p == o_.quote) inq = !inq;
        else if (!inq && *p == cand[k]) ++count;
      }
      if (count > bestCount) {
        best = k;
        bestCount = count;
      }
    }
    delim_ = cand[best];
  }
  std::string scratch;
  const char* bad = nullptr;
  const int64_t n = ForEachCell(b, e, delim_, o_.quote, [&](int64_t, const Cell& c) {
    const char* tb;
    const char* te;
    CellText(c, o_.quote, scratch, tb, te);
    names_.emplace_back(tb, te);
    return true;
  }, &bad);
  if (n < 0) return Fail(kNoRow, line, "", "malformed quoting in the header row");
  for (size_t j = 0; j < names_.size(); j++)
    if (!ValidUtf8(names_[j])) return Fail(kNoRow, line, "", "the header row is not valid UTF-8 (column " + std::to_string(j + 1) + ")");
  std::unordered_map<std::string, size_t> where;  // name -> column (linear in the number of columns)
  where.reserve(names_.size());
  for (size_t j = 0; j < names_.size(); j++) {
    const auto [it, fresh] = where.emplace(names_[j], j);
    if (!fresh)
      return Fail(kNoRow, line, "", "the header names column \"" + names_[j] + "\" twice (columns " + std::to_string(it->second + 1) + " and " + std::to_string(j + 1) + ")");
  }
  const auto index = [&](const std::string& name) -> int64_t {
    const auto it = where.find(name);
    return it == where.end() ? -1 : static_cast<int64_t>(it->second);
  };
  // The columns, for messages: the first 50 (a wide file's list would run to megabytes).
  std::string listed;
  for (size_t j = 0; j < names_.size() && j < 50; j++) listed += (j ? ", " : "") + names_[j];
  if (names_.size() > 50) listed += ", … (" + std::to_string(names_.size()) + " columns)";
  roles_.assign(names_.size(), kIgnore);
  int64_t t = -1;
  if (o_.hasTarget) {
    targetName_ = o_.target.empty() ? names_.back() : o_.target;
    t = index(targetName_);
    if (t < 0) return Fail(kNoRow, line, "target", "target column \"" + targetName_ + "\" not found; columns are: " + listed);
    roles_[static_cast<size_t>(t)] = kTarget;
  }
  const std::unordered_set<std::string> ignored(o_.ignore.begin(), o_.ignore.end());
  for (const auto& name : o_.ignore) {
    const int64_t j = index(name);
    if (j < 0) return Fail(kNoRow, line, "ignore", "column \"" + name + "\" (in ignore) not found; columns are: " + listed);
    if (j == t) return Fail(kNoRow, line, "ignore", "column \"" + name + "\" is the target and cannot be ignored");
  }
  if (o_.columnsGiven) {
    for (const auto& name : o_.columns) {
      const int64_t j = index(name);
      if (j < 0) return Fail(kNoRow, line, "features", "column \"" + name + "\" not found; columns are: " + listed);
      if (j == t) return Fail(kNoRow, line, "features", "column \"" + name + "\" is the target and cannot also be a feature");
      if (roles_[static_cast<size_t>(j)] >= 0) return Fail(kNoRow, line, "features", "column \"" + name + "\" is listed twice");
      if (ignored.count(name) != 0)
        return Fail(kNoRow, line, "ignore", "column \"" + name + "\" is in both features and ignore");
      roles_[static_cast<size_t>(j)] = static_cast<int32_t>(featureNames_.size());
      featureNames_.push_back(name);
    }
  } else {
    for (size_t j = 0; j < names_.size(); j++) {
      if (static_cast<int64_t>(j) == t || ignored.count(names_[j]) != 0) continue;
      roles_[j] = static_cast<int32_t>(featureNames_.size());
      featureNames_.push_back(names_[j]);
    }
  }
  if (featureNames_.empty()) return Fail(kNoRow, line, "features", "no feature columns (the target is the only column, or every other column is ignored)");
  headerDone_ = true;
  return true;
}

// Records end at a newline outside quotes (a quote character toggles "inside", so "" inside a quoted field toggles
// twice); a trailing \r is dropped; empty lines and comment lines are skipped.
bool CsvParser::Scan(const char* data, size_t n, bool final, std::vector<Span>& recs) {
  const char q = o_.quote;
  size_t start = 0;
  uint8_t state = kFieldStart;
  const auto emit = [&](size_t b, size_t e) {
    if (e > b && data[e - 1] == '\r') --e;
    if (e == b) return;                                   // an empty line
    if (o_.comment != 0 && data[b] == o_.comment) return;  // a comment line
    recs.push_back({b, e});
  };
  unquoted_ = std::memchr(data, q, n) == nullptr;
  // Newlines in [0, start) and in all of the chunk: the line count advances by the part consumed.
  uint64_t nlStart = 0, nlAll = 0;
  if (unquoted_) {
    // No quote character at all: records are the lines.
    const char* p = data;
    const char* end = data + n;
    while (const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) {
      emit(static_cast<size_t>(p - data), static_cast<size_t>(nl - data));
      p = nl + 1;
      ++nlStart;
    }
    nlAll = nlStart;
    start = static_cast<size_t>(p - data);
  } else {
    const Scanner sc{q, delim_};
    for (size_t i = 0; i < n; i++) {
      const char c = data[i];
      if (c == '\n') ++nlAll;
      if (sc.Step(state, c)) {
        emit(start, i);
        start = i + 1;
        nlStart = nlAll;
      }
    }
  }
  scanNewlines_ = nlAll;
  if (start < n) {
    if (final) {
      if (state == kQuoted) return Fail(totalRows_ + recs.size(), LineOf(data, start), "", "a quoted field is not closed before the end of the file (truncated?)");
      emit(start, n);
    } else {
      carry_.assign(data + start, n - start);
      carryState_ = state;
      scanNewlines_ = nlStart;
    }
  }
  return true;
}

bool CsvParser::Grow(size_t rows) {
  const size_t sz = o_.float64 ? sizeof(double) : sizeof(float);
  const size_t total = rows_ + rows;
  return X_->Resize(total * cols() * sz) && (!o_.hasTarget || y_->Resize(total * sizeof(double)));
}

bool CsvParser::ParseRecords(const char* data, const std::vector<Span>& recs, uint64_t firstLine) {
  (void)firstLine;
  const size_t nrec = recs.size();
  if (nrec == 0) return true;
  if (!Grow(nrec)) return Fail(totalRows_, LineOf(data, recs[0].begin), "", "out of memory for the parsed rows");
  const size_t d = cols(), ncols = names_.size(), base = rows_;
  const bool f64 = o_.float64;
  char* X = static_cast<char*>(X_->data());
  double* y = o_.hasTarget ? static_cast<double*>(y_->data()) + base : nullptr;
  // Where each row's target cell is, for encoding string labels afterwards (offsets into the chunk).
  struct TargetRef {
    size_t b, e;
    bool escaped;
  };
  const bool keepTargets = o_.hasTarget && labelMode_ != kNumbers && o_.stringLabels;
  std::vector<TargetRef> targets(keepTargets ? nrec : 0);
  std::atomic<bool> sawText{false}, sawNumber{false};
  std::atomic<size_t> firstText{SIZE_MAX};  // the first row whose target is text (undecided mode)
  std::mutex mu;
  struct Bad {
    size_t rec = SIZE_MAX;
    size_t at = 0;  // offset of the fault, for its line
    std::string column, message;
  } bad;
  std::atomic<size_t> badRec{SIZE_MAX};
  const auto fail = [&](size_t r, size_t at, std::string column, std::string message) {
    std::lock_guard<std::mutex> g(mu);
    if (r < bad.rec) bad = {r, at, std::move(column), std::move(message)};
    size_t cur = badRec.load();
    while (r < cur && !badRec.compare_exchange_weak(cur, r)) {
    }
  };
  const LabelMode mode = labelMode_;
  // The fast path: records without quotes whose cells are plain numbers (no spaces, no '+', finite) are read with
  // one fast_float call per cell, which stops at the delimiter. Anything else — and every error — goes through the
  // general path below, which re-reads the record from its start.
  const bool fastOk = unquoted_ && fastNa_ && !(keepTargets && mode == kUndecided);
  const auto fastRecord = [&](const char* p, const char* re, char* row, size_t r) -> bool {
    for (size_t j = 0; j < ncols; j++) {
      const int32_t role = roles_[j];
      if (role == kIgnore || (role == kTarget && mode == kStrings)) {
        const char* cb = p;
        const char* dl = p < re ? static_cast<const char*>(std::memchr(p, delim_, static_cast<size_t>(re - p))) : nullptr;
        p = dl ? dl : re;
        if (role == kTarget) {
          const char* tb = cb;
          const char* te = p;
          Trim(tb, te);
          if (tb == te || !o_.naValues.empty()) return false;  // missing-value checks: the general path
          targets[r] = {static_cast<size_t>(cb - data), static_cast<size_t>(p - data), false};
        }
      } else {
        if (p == re) return false;
        const char c = *p;
        if (!((c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
        double v;
        if (!ParseShortDecimal(p, re, v)) {
          const auto res = fast_float::from_chars(p, re, v);
          if (res.ec != std::errc() || !std::isfinite(v)) return false;
          p = res.ptr;
        }
        if (p != re && *p != delim_) return false;
        if (role == kTarget) {
          y[r] = v;
        } else if (f64) {
          reinterpret_cast<double*>(row)[role] = v;
        } else {
          const float fv = static_cast<float>(v);
          if (std::isinf(fv)) return false;
          reinterpret_cast<float*>(row)[role] = fv;
        }
      }
      if (j + 1 < ncols) {
        if (p == re) return false;  // too few cells
        ++p;                        // the delimiter
      } else if (p != re) {
        return false;  // too many cells
      }
    }
    return true;
  };
  parallel::For(nrec, 2048, [&](size_t from, size_t to) {
    std::string scratch;
    for (size_t r = from; r < to; r++) {
      if (r > badRec.load(std::memory_order_relaxed)) return;  // an earlier row already failed
      const char* rb = data + recs[r].begin;
      const char* re = data + recs[r].end;
      char* row = X + (base + r) * d * (f64 ? sizeof(double) : sizeof(float));
      if (fastOk && fastRecord(rb, re, row, r)) continue;
      bool ok = true;
      const char* badAt = nullptr;
      const int64_t cells = ForEachCell(rb, re, delim_, o_.quote, [&](int64_t j, const Cell& c) {
        if (static_cast<size_t>(j) >= ncols) return false;  // ragged: reported below
        const int32_t role = roles_[static_cast<size_t>(j)];
        if (role == kIgnore) return true;
        const char* tb;
        const char* te;
        CellText(c, o_.quote, scratch, tb, te);
        const std::string& name = names_[static_cast<size_t>(j)];
        if (role == kTarget) {
          double v;
          if (keepTargets) targets[r] = {static_cast<size_t>(c.b - data), static_cast<size_t>(c.e - data), c.escaped};
          Trim(tb, te);  // a number may have spaces around it, inside quotes too
          if (tb == te || (!o_.naValues.empty() && std::find(o_.naValues.begin(), o_.naValues.end(), std::string(tb, te)) != o_.naValues.end())) {
            fail(r, static_cast<size_t>(c.b - data), name, std::string("missing target value") + (tb == te ? "" : " " + Show(tb, te)) + " (a row without a target cannot train: drop it)");
            ok = false;
            return false;
          }
          if (mode == kStrings) return true;
          if (ParseNumber(tb, te, v)) {
            if (!std::isfinite(v)) {
              fail(r, static_cast<size_t>(c.b - data), name, "target " + Show(tb, te) + " is not a finite number");
              ok = false;
              return false;
            }
            y[r] = v;
            if (mode == kUndecided) sawNumber.store(true, std::memory_order_relaxed);
            return true;
          }
          if (mode == kUndecided && o_.stringLabels) {
            sawText.store(true, std::memory_order_relaxed);
            size_t cur = firstText.load();
            while (r < cur && !firstText.compare_exchange_weak(cur, r)) {
            }
            return true;
          }
          fail(r, static_cast<size_t>(c.b - data), name, "target " + Show(tb, te) + " is not a number" +
                   (mode == kNumbers && o_.stringLabels ? " (the column's first rows held numbers: it is numeric)" : ""));
          ok = false;
          return false;
        }
        double v;
        Trim(tb, te);
        const bool missing = !o_.naValues.empty() && std::find(o_.naValues.begin(), o_.naValues.end(), std::string(tb, te)) != o_.naValues.end();
        if (missing) {
          if (!o_.fill) {
            fail(r, static_cast<size_t>(c.b - data), name, "missing value " + Show(tb, te) + " (give fillValue to fill missing values)");
            ok = false;
            return false;
          }
          v = o_.fillValue;
        } else if (tb == te) {
          fail(r, static_cast<size_t>(c.b - data), name, "empty cell (a missing value: give naValues [\"\"] and fillValue to fill missing values)");
          ok = false;
          return false;
        } else if (!ParseNumber(tb, te, v)) {
          fail(r, static_cast<size_t>(c.b - data), name, "non-numeric cell " + Show(tb, te));
          ok = false;
          return false;
        } else if (!std::isfinite(v) && !o_.allowNonFinite) {
          fail(r, static_cast<size_t>(c.b - data), name, "cell " + Show(tb, te) + " is not a finite number" + (std::isinf(v) && std::isdigit(static_cast<unsigned char>(te[-1])) ? " (it overflows double)" : ""));
          ok = false;
          return false;
        }
        if (f64) {
          reinterpret_cast<double*>(row)[role] = v;
        } else {
          const float fv = static_cast<float>(v);
          if (std::isinf(fv) && std::isfinite(v)) {
            fail(r, static_cast<size_t>(c.b - data), name, "cell " + Show(tb, te) + " overflows float32; use dtype 'float64'");
            ok = false;
            return false;
          }
          reinterpret_cast<float*>(row)[role] = fv;
        }
        return true;
      }, &badAt);
      if (!ok) continue;
      if (cells < 0) {
        fail(r, static_cast<size_t>(badAt - data), "", "malformed quoting (text after a closing quote, or an unclosed quote)");
      } else if (static_cast<size_t>(cells) != ncols) {
        fail(r, recs[r].begin, "", "expected " + std::to_string(ncols) + " fields but found " + (static_cast<size_t>(cells) > ncols ? "more" : std::to_string(cells)));
      }
    }
  });
  if (bad.rec != SIZE_MAX) return Fail(totalRows_ + bad.rec, LineOf(data, bad.at), bad.column, bad.message);
  if (o_.hasTarget && labelMode_ == kUndecided) {
    // Text labels only when no target of the first chunk is a number: a numeric column with a stray word ("NA",
    // a typo) is an error at that cell, never silently re-read as class names.
    if (sawText.load() && sawNumber.load()) {
      const size_t r = firstText.load();
      const TargetRef& t = targets[r];
      std::string scratch;
      const char* tb;
      const char* te;
      CellText({data + t.b, data + t.e, false, t.escaped}, o_.quote, scratch, tb, te);
      return Fail(totalRows_ + r, LineOf(data, t.b), targetName_, "target " + Show(tb, te) + " is not a number (the column holds numbers too; text labels need a column without numbers, or naValues for missing ones)");
    }
    labelMode_ = sawText.load() ? kStrings : kNumbers;
  }
  if (labelMode_ == kStrings && o_.hasTarget) {
    // String labels: class indices in order of first appearance (SortLabels reorders them for a whole file).
    std::string scratch;
    for (size_t r = 0; r < nrec; r++) {
      const TargetRef& t = targets[r];
      const char* tb;
      const char* te;
      CellText({data + t.b, data + t.e, false, t.escaped}, o_.quote, scratch, tb, te);
      if (tb == te) return Fail(totalRows_ + r, LineOf(data, t.b), targetName_, "missing target value");
      std::string key(tb, te);
      if (!ValidUtf8(key)) return Fail(totalRows_ + r, LineOf(data, t.b), targetName_, "the label is not valid UTF-8 (or holds U+FFFD)");
      auto it = labelIds_.find(key);
      if (it == labelIds_.end()) {
        if (labels_.size() >= (size_t(1) << 24)) return Fail(totalRows_ + r, LineOf(data, t.b), targetName_, "more than 16777216 distinct labels");
        it = labelIds_.emplace(key, static_cast<int32_t>(labels_.size())).first;
        labels_.push_back(std::move(key));
      }
      y[r] = it->second;
    }
  }
  rows_ += nrec;
  totalRows_ += nrec;
  return true;
}

bool CsvParser::Feed(const char* data, size_t n, bool final) {
  if (err_.set) return false;
  if (!bomChecked_) {
    // The first three bytes may arrive in several feeds: they wait in the carry until there are three.
    if (!final && carry_.size() + n < 3) {
      carry_.append(data, n);
      return true;
    }
    bomChecked_ = true;
    const auto at = [&](size_t i) { return static_cast<unsigned char>(i < carry_.size() ? carry_[i] : data[i - carry_.size()]); };
    if (carry_.size() + n >= 3 && at(0) == 0xef && at(1) == 0xbb && at(2) == 0xbf) {
      const size_t fromCarry = std::min<size_t>(3, carry_.size());
      carry_.erase(0, fromCarry);
      data += 3 - fromCarry;
      n -= 3 - fromCarry;
    }
    if (!carry_.empty()) {
      // Bytes held back for the BOM check are the start of the file: parse them with this feed.
      std::string head = std::move(carry_);
      carry_.clear();
      carryState_ = kFieldStart;
      head.append(data, n);
      return Feed(head.data(), head.size(), final);
    }
  }
  std::string joined;
  if (!carry_.empty()) {
    // Complete the record the previous chunk cut: find its end in this chunk, continuing the quote state.
    const Scanner sc{o_.quote, delim_};
    uint8_t state = carryState_;
    size_t k = 0;
    while (k < n && !sc.Step(state, data[k])) ++k;
    if (k == n && !final) {
      carry_.append(data, n);
      carryState_ = state;
      return true;
    }
    joined = std::move(carry_);
    carry_.clear();
    carryState_ = kFieldStart;
    const size_t take = k < n ? k + 1 : n;
    joined.append(data, take);
    data += take;
    n -= take;
    if (!ParseChunk(joined.data(), joined.size(), final && n == 0)) return false;
    if (!carry_.empty()) {
      // The joined text ended inside a record (only when this chunk ended too): keep it as the carry.
      return true;
    }
  }
  if (n == 0 && !final) return true;
  if (!ParseChunk(data, n, final)) return false;
  return true;
}

bool CsvParser::ParseChunk(const char* data, size_t n, bool final) {
  size_t off = 0;
  if (!headerDone_) {
    // The header: the first record that is not empty and not a comment.
    std::vector<Span> first;
    const Scanner sc{o_.quote, delim_};
    uint8_t state = kFieldStart;
    size_t start = 0, i = 0;
    uint64_t line = line_;
    for (; i < n; i++) {
      if (sc.Step(state, data[i])) {
        size_t e = i;
        if (e > start && data[e - 1] == '\r') --e;
        ++line;
        if (e > start && !(o_.comment != 0 && data[start] == o_.comment)) {
          first.push_back({start, e});
          break;
        }
        start = i + 1;
      }
    }
    if (first.empty()) {
      if (!final) {
        // Only the incomplete line waits for the next feed: the empty and comment lines before it are done with.
        line_ = LineOf(data, start);
        carry_.assign(data + start, n - start);
        carryState_ = state;
        return true;
      }
      size_t e = n;
      if (e > start && data[e - 1] == '\r') --e;
      if (e == start || (o_.comment != 0 && data[start] == o_.comment)) return Fail(kNoRow, line_, "", "the file is empty (no header row)");
      if (state == kQuoted) return Fail(kNoRow, line_, "", "a quoted field in the header row is not closed");
      first.push_back({start, e});
      i = n;
    }
    if (!ParseHeader(data + first[0].begin, data + first[0].end, LineOf(data, first[0].begin))) return false;
    off = i < n ? i + 1 : n;
    line_ = LineOf(data, off);
    data += off;
    n -= off;
  }
  std::vector<Span> recs;
  if (!Scan(data, n, final, recs)) return false;
  if (!ParseRecords(data, recs, line_)) return false;
  line_ += scanNewlines_;
  return true;
}

void CsvParser::SortLabels() {
  if (labelMode_ != kStrings || labels_.empty()) return;
  std::vector<int32_t> order(labels_.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = static_cast<int32_t>(i);
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return labels_[static_cast<size_t>(a)] < labels_[static_cast<size_t>(b)]; });
  std::vector<double> remap(labels_.size());
  std::vector<std::string> sorted(labels_.size());
  for (size_t rank = 0; rank < order.size(); rank++) {
    remap[static_cast<size_t>(order[rank])] = static_cast<double>(rank);
    sorted[rank] = labels_[static_cast<size_t>(order[rank])];
  }
  double* y = static_cast<double*>(y_->data());
  for (size_t r = 0; r < rows_; r++) y[r] = remap[static_cast<size_t>(y[r])];
  labels_ = std::move(sorted);
  labelIds_.clear();
  for (size_t i = 0; i < labels_.size(); i++) labelIds_.emplace(labels_[i], static_cast<int32_t>(i));
}

CsvParser::Taken CsvParser::Take(size_t multipleOf, bool all) {
  Taken t;
  const size_t m = multipleOf == 0 ? 1 : multipleOf;
  const size_t rows = all ? rows_ : rows_ / m * m;
  if (rows == 0) {
    t.X = std::make_shared<NativeBuffer>();
    t.y = std::make_shared<NativeBuffer>();
    return t;
  }
  const size_t sz = o_.float64 ? sizeof(double) : sizeof(float);
  const size_t rowBytes = cols() * sz, rest = rows_ - rows;
  auto X = std::make_shared<NativeBuffer>();
  auto y = std::make_shared<NativeBuffer>();
  // The rows that stay start the next buffers (fewer than multipleOf of them: a small copy).
  if (rest > 0) {
    if (!X->Resize(rest * rowBytes) || (o_.hasTarget && !y->Resize(rest * sizeof(double)))) throw std::bad_alloc();
    std::memcpy(X->data(), static_cast<char*>(X_->data()) + rows * rowBytes, rest * rowBytes);
    if (o_.hasTarget) std::memcpy(y->data(), static_cast<char*>(y_->data()) + rows * sizeof(double), rest * sizeof(double));
  }
  X_->Resize(rows * rowBytes);
  X_->Shrink();
  if (o_.hasTarget) {
    y_->Resize(rows * sizeof(double));
    y_->Shrink();
  }
  t.X = std::move(X_);
  t.y = std::move(y_);
  t.rows = rows;
  X_ = std::move(X);
  y_ = std::move(y);
  rows_ = rest;
  return t;
}

}  // namespace descent::io
