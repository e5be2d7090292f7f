// The delimited-text reader: RFC 4180 quoting, a header row, CRLF, a UTF-8 BOM, delimiter sniffing (, ; \t |),
// comment lines, column selection and an NA policy. Fed the bytes of a file in chunks (any split: a record cut by a
// chunk boundary is carried to the next feed), it parses every complete record straight into a row-major
// float32/float64 block with the target column split out — numbers with fast_float, exactly as strtod rounds them —
// splitting the records of a chunk across the thread pool. No N-API here (native/binding/csv_wrap.cc exposes it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "buffer.h"

namespace descent::io {

struct CsvOptions {
  char delimiter = 0;  // 0: sniffed from the header line among , ; \t |
  char quote = '"';
  char comment = 0;  // 0: none; else lines starting with it are skipped
  bool float64 = false;
  bool hasTarget = true;  // false: every selected column is a feature (prediction input)
  std::string target;     // target column; empty: the last column
  bool columnsGiven = false;
  std::vector<std::string> columns;  // feature columns in this order (when columnsGiven)
  std::vector<std::string> ignore;   // columns to skip
  std::vector<std::string> naValues;  // cell texts (after trimming spaces) that mean "missing"
  bool fill = false;                  // missing features take fillValue (else a missing cell is an error)
  double fillValue = 0;
  bool allowNonFinite = false;  // inf / nan spellings accepted as feature values
  bool stringLabels = true;     // a non-numeric target column is encoded to class indices (else an error)
};

struct CsvError {
  bool set = false;
  uint64_t row = 0;     // 0-based data row (not counting the header); kNoRow for the header or the whole file
  uint64_t line = 0;    // 1-based line of the file where the record starts
  std::string column;   // the column at fault, or "" (then the file is)
  std::string message;  // without the file name (the caller adds it)
};

constexpr uint64_t kNoRow = UINT64_MAX;

class CsvParser {
 public:
  explicit CsvParser(CsvOptions o);

  // Parses the complete records of the next `n` bytes; when `final`, the rest is the last record. Returns false
  // (nothing more is parsed) with error() set on the first problem in file order.
  bool Feed(const char* data, size_t n, bool final);
  const CsvError& error() const { return err_; }

  bool headerDone() const { return headerDone_; }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<std::string>& featureNames() const { return featureNames_; }
  const std::string& targetName() const { return targetName_; }
  char delimiter() const { return delim_; }
  size_t cols() const { return featureNames_.size(); }
  size_t pendingRows() const { return rows_; }  // parsed, not yet taken
  uint64_t totalRows() const { return totalRows_; }
  bool stringLabels() const { return labelMode_ == kStrings; }
  const std::vector<std::string>& labels() const { return labels_; }

  // Classes in sorted order (scikit-learn's LabelEncoder): remaps the labels of the rows not yet taken. For a whole
  // file read at once (loadCsv), before the one Take.
  void SortLabels();

  struct Taken {
    BufferPtr X, y;  // X [rows, cols] (float or double), y [rows] double (empty without a target)
    size_t rows = 0;
  };
  // The parsed rows, as a multiple of `multipleOf` rows unless `all` (the rest stays for the next Take).
  Taken Take(size_t multipleOf, bool all);

 private:
  struct Span {
    size_t begin, end;  // offsets into the chunk being parsed
  };
  enum LabelMode { kUndecided, kNumbers, kStrings };

  bool Fail(uint64_t row, uint64_t line, const std::string& column, const std::string& message);
  bool ParseHeader(const char* b, const char* e, uint64_t line);
  // Parses a chunk that starts at a record boundary (the header first, if not read yet).
  bool ParseChunk(const char* data, size_t n, bool final);
  // Splits [data, data+n) into records; the incomplete tail (unless final) is left in carry_.
  bool Scan(const char* data, size_t n, bool final, std::vector<Span>& recs);
  bool ParseRecords(const char* data, const std::vector<Span>& recs, uint64_t firstLine);
  bool Grow(size_t rows);
  uint64_t LineOf(const char* data, size_t offset) const;

  CsvOptions o_;
  CsvError err_;
  char delim_ = 0;
  bool bomChecked_ = false, headerDone_ = false;
  bool unquoted_ = false;
  uint64_t scanNewlines_ = 0;  // newlines Scan consumed (the carried tail excluded)  // the chunk being parsed holds no quote character
  bool fastNa_ = true;     // no naValues text that the fast path could misread as a number
  std::string carry_;       // an incomplete record from the previous feed
  uint8_t carryState_ = 0;  // the record scanner's state at its end (csv.cc ScanState)
  uint64_t line_ = 1;       // line number at the start of the current chunk (carry included)
  std::vector<std::string> names_, featureNames_;
  std::string targetName_;
  std::vector<int32_t> roles_;  // per header column: feature index >= 0, kTarget, kIgnore
  static constexpr int32_t kTarget = -1, kIgnore = -2;
  BufferPtr X_, y_;
  size_t rows_ = 0;
  uint64_t totalRows_ = 0;
  LabelMode labelMode_ = kUndecided;
  std::unordered_map<std::string, int32_t> labelIds_;
  std::vector<std::string> labels_;
};

}  // namespace descent::io
