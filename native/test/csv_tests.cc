// C++ unit tests of the delimited-text reader (native/io/csv.*), run by ctest (also under ASan/UBSan): any split of
// the input into feeds parses the same, numbers equal strtod's bits, every malformed input is an error naming its
// line, and the thread pool's split gives the same rows as one thread.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../io/csv.h"
#include "../kernels/parallel.h"

namespace {
int passed = 0, failed = 0;
#define CHECK(cond, ...)                                      \
  do {                                                        \
    if (cond) {                                               \
      passed++;                                               \
    } else {                                                  \
      failed++;                                               \
      std::printf("FAIL %s:%d: ", __FILE__, __LINE__);        \
      std::printf(__VA_ARGS__);                               \
      std::printf("\n");                                      \
    }                                                         \
  } while (0)

using namespace descent::io;

struct Parsed {
  bool ok = false;
  CsvError err;
  std::vector<std::string> features;
  std::vector<double> X, y;
  std::vector<std::string> labels;
  size_t rows = 0, cols = 0;
};

// Parses `text` fed in pieces of `step` bytes (0: one feed).
Parsed Parse(const std::string& text, CsvOptions o, size_t step = 0, bool sortLabels = false) {
  CsvParser p(o);
  Parsed out;
  bool ok = true;
  if (step == 0) {
    ok = p.Feed(text.data(), text.size(), true);
  } else {
    for (size_t i = 0; ok && i < text.size(); i += step) {
      const size_t n = std::min(step, text.size() - i);
      ok = p.Feed(text.data() + i, n, i + n == text.size());
    }
    if (ok && text.empty()) ok = p.Feed(text.data(), 0, true);
  }
  out.ok = ok;
  out.err = p.error();
  if (!ok) return out;
  if (sortLabels) p.SortLabels();
  const auto t = p.Take(1, true);
  out.rows = t.rows;
  out.cols = p.cols();
  out.features = p.featureNames();
  out.labels = p.labels();
  for (size_t i = 0; i < t.rows * out.cols; i++)
    out.X.push_back(o.float64 ? static_cast<const double*>(t.X->data())[i] : static_cast<const float*>(t.X->data())[i]);
  if (o.hasTarget)
    for (size_t i = 0; i < t.rows; i++) out.y.push_back(static_cast<const double*>(t.y->data())[i]);
  return out;
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void TestQuotingAndEveryFeedSplit() {
  // BOM, CRLF, a comment line, empty lines, quoted fields with embedded delimiters, newlines and "", spaces around
  // numbers, a quoted number, a trailing line without a newline.
  const std::string text =
      "\xEF\xBB\xBF" "a,\"b, the second\",label\r\n"
      "# a comment line\r\n"
      "1.5,\" 2 \",\"x,\"\"y\"\"\r\nz\"\r\n"
      "\r\n"
      "  -3 , +4e1 ,plain\n"
      "\n"
      "5,6,\"x,\"\"y\"\"\r\nz\"";
  CsvOptions o;
  o.comment = '#';
  o.float64 = true;
  const Parsed one = Parse(text, o, 0, true);
  CHECK(one.ok, "one feed failed: line %llu: %s", static_cast<unsigned long long>(one.err.line), one.err.message.c_str());
  CHECK(one.rows == 3 && one.cols == 2, "rows %zu cols %zu", one.rows, one.cols);
  CHECK(one.features.size() == 2 && one.features[0] == "a" && one.features[1] == "b, the second", "features (the BOM dropped)");
  const std::vector<double> wantX = {1.5, 2, -3, 40, 5, 6};
  CHECK(one.X == wantX, "X differs");
  CHECK(one.labels.size() == 2 && one.labels[0] == "plain" && one.labels[1] == "x,\"y\"\r\nz", "labels sorted, unescaped");
  CHECK(one.y == (std::vector<double>{1, 0, 1}), "labels encoded");
  for (size_t step = 1; step <= text.size(); step++) {
    const Parsed p = Parse(text, o, step, true);
    if (!(p.ok && p.X == one.X && p.y == one.y && p.labels == one.labels && p.features == one.features)) {
      CHECK(false, "feeding %zu bytes at a time differs (ok=%d, %s)", step, p.ok, p.err.message.c_str());
      return;
    }
  }
  CHECK(true, "every split");
}

void TestNumbersEqualStrtod() {
  const char* cells[] = {
      "0", "-0", "+0", "1", "-1", "+1", "1.", ".5", "-.5", "+.5", "1e0", "1E+3", "1e-3", "-2.5e-10", "1.7976931348623157e308",
      "2.2250738585072014e-308", "4.9406564584124654e-324", "2.4703282292062328e-324", "1e-320", "0.1", "0.2", "0.30000000000000004",
      "123456789012345678901234567890", "9007199254740993", "1.00000000000000011102230246251565404236316680908203125",
      "3.14159265358979323846264338327950288", "  42  ", "6.02214076e23", "-1.602176634e-19", "0000.000100", "1e+0", "7e-45",
      "3.4028234663852886e38", "3.4028235677973366e38", "1.1754943508222875e-38", "1.401298464324817e-45"};
  for (const bool f64 : {true, false}) {
    // Quoted and unquoted; in float32 the cells that overflow it are left out (an error, tested below).
    std::vector<const char*> used;
    std::string text = "x,y\n";
    for (const char* c : cells) {
      if (!f64 && std::isinf(static_cast<float>(std::strtod(c, nullptr)))) continue;
      used.push_back(c);
      text += (used.size() % 2 ? std::string("\"") + c + "\"" : std::string(c)) + ",0\n";
    }
    CsvOptions o;
    o.float64 = f64;
    const Parsed p = Parse(text, o);
    CHECK(p.ok, "parse failed: %s", p.err.message.c_str());
    if (!p.ok) return;
    for (size_t i = 0; i < used.size(); i++) {
      const double want = std::strtod(used[i], nullptr);
      const double expect = f64 ? want : static_cast<double>(static_cast<float>(want));
      CHECK(SameBits(p.X[i], expect), "%s: %s parsed %.17g, strtod %.17g", f64 ? "float64" : "float32", used[i], p.X[i], expect);
    }
  }
}

void TestErrorsNameLineAndColumn() {
  struct Case {
    const char* text;
    uint64_t line;
    const char* column;
    const char* message;  // a substring
  };
  const Case cases[] = {
      {"a,b\n1,2\n3\n", 3, "", "expected 2 fields but found 1"},
      {"a,b\n1,2\n3,4,5\n", 3, "", "expected 2 fields but found more"},
      {"a,b\n1,\"2\n", 2, "", "not closed"},
      {"", 1, "", "empty"},
      {"\n\n", 1, "", "empty"},
      {"a,\xff\xfe\n1,2\n", 1, "", "not valid UTF-8"},
      {"a,b\n1,2\nx,3\n", 3, "a", "non-numeric cell \"x\""},
      {"a,b\n1,2\n,3\n", 3, "a", "empty cell (a missing value"},
      {"a,b\n1,2\ninf,3\n", 3, "a", "not a finite number"},
      {"a,b\n1,2\nnan,3\n", 3, "a", "not a finite number"},
      {"a,b\n1e999,2\n", 2, "a", "overflows double"},
      {"a,b\n1,2\n\"3\"x,4\n", 3, "", "malformed quoting"},
      {"a,b\n1,\n", 2, "b", "missing target value"},
      {"a,b\n0x10,1\n", 2, "a", "non-numeric"},
  };
  for (const auto& c : cases) {
    CsvOptions o;
    o.float64 = true;
    const Parsed p = Parse(c.text, o);
    CHECK(!p.ok && p.err.line == c.line && p.err.column == c.column && p.err.message.find(c.message) != std::string::npos,
          "%s: ok=%d line %llu column '%s' message '%s'", c.text, p.ok, static_cast<unsigned long long>(p.err.line), p.err.column.c_str(), p.err.message.c_str());
  }
  CsvOptions f32;
  const Parsed over = Parse("a,b\n1e39,1\n", f32);
  CHECK(!over.ok && over.err.message.find("overflows float32") != std::string::npos, "float32 overflow: %s", over.err.message.c_str());
  CsvOptions na;
  na.naValues = {"", "NA"};
  na.fill = true;
  na.fillValue = -1;
  na.float64 = true;
  const Parsed filled = Parse("a,b,y\nNA,2,0\n3,,1\n", na);
  CHECK(filled.ok && filled.X == (std::vector<double>{-1, 2, 3, -1}), "naValues + fillValue");
  na.fill = false;
  const Parsed missing = Parse("a,b,y\n1,2,0\n3,NA,1\n", na);
  CHECK(!missing.ok && missing.err.line == 3 && missing.err.column == "b" && missing.err.message.find("missing value") != std::string::npos, "missing: %s", missing.err.message.c_str());
  CsvOptions num;
  const Parsed strings = Parse("a,y\n1,dog\n2,\"cat\"\n3, emu \n4,cat\n", num, 0, true);
  CHECK(strings.ok && strings.labels == (std::vector<std::string>{"cat", "dog", "emu"}) && strings.y == (std::vector<double>{1, 0, 2, 0}),
        "a column of text labels becomes sorted class indices");
  const Parsed mixed = Parse("a,y\n1,0\n2,1\n3,NA\n", num);
  CHECK(!mixed.ok && mixed.err.line == 4 && mixed.err.column == "y" && mixed.err.message.find("holds numbers too") != std::string::npos,
        "a numeric target with a stray word is an error at that cell: %s", mixed.err.message.c_str());
  const Parsed late = Parse("a,y\n1,0\n2,1\n3,cat\n", num, 4);
  CHECK(!late.ok && late.err.line == 4 && late.err.message.find("is numeric") != std::string::npos, "a string label after numeric chunks: %s", late.err.message.c_str());
  na.fill = true;
  const Parsed naTarget = Parse("a,y\n1,0\n2,NA\n", na);
  CHECK(!naTarget.ok && naTarget.err.line == 3 && naTarget.err.message.find("missing target value \"NA\"") != std::string::npos, "naValues in the target: %s", naTarget.err.message.c_str());
  const Parsed dup = Parse("a,a,y\n1,2,3\n", num);
  CHECK(!dup.ok && dup.err.row == kNoRow && dup.err.message.find("twice (columns 1 and 2)") != std::string::npos, "duplicate header names: %s", dup.err.message.c_str());
  const Parsed literal = Parse("a,y\n2\"3,1\n", num);
  CHECK(!literal.ok && literal.err.line == 2 && literal.err.message.find("non-numeric cell \"2\\\"3\"") != std::string::npos, "a quote inside an unquoted field is literal: %s", literal.err.message.c_str());
  CsvOptions labelsOff;
  labelsOff.stringLabels = false;
  const Parsed refused = Parse("a,y\n1,cat\n", labelsOff);
  CHECK(!refused.ok && refused.err.column == "y", "string labels refused when not allowed");
}

void TestSelectionSniffingAndTake() {
  CsvOptions o;
  o.float64 = true;
  o.columnsGiven = true;
  o.columns = {"c", "a"};
  o.target = "b";
  const Parsed p = Parse("a;b;c;d\n1;2;3;4\n5;6;7;8\n", o);
  CHECK(p.ok && p.X == (std::vector<double>{3, 1, 7, 5}) && p.y == (std::vector<double>{2, 6}), "columns, target and ';' sniffed");
  CsvOptions tab;
  tab.float64 = true;
  tab.ignore = {"b"};
  tab.hasTarget = false;
  const Parsed t = Parse("a\tb\tc\n1\tx\t3\n", tab);
  CHECK(t.ok && t.X == (std::vector<double>{1, 3}) && t.features.size() == 2, "tab sniffed, ignore, no target");
  CsvOptions bad;
  bad.target = "nope";
  const Parsed nt = Parse("a,b\n1,2\n", bad);
  CHECK(!nt.ok && nt.err.column == "target" && nt.err.message.find("columns are: a, b") != std::string::npos, "missing target column");
  // Take in multiples of 4 rows: the rest stays.
  CsvParser parser(CsvOptions{});
  std::string text = "x,y\n";
  for (int i = 0; i < 10; i++) text += std::to_string(i) + "," + std::to_string(i % 2) + "\n";
  CHECK(parser.Feed(text.data(), text.size(), true), "feed");
  const auto a = parser.Take(4, false);
  CHECK(a.rows == 8 && parser.pendingRows() == 2, "take 8 of 10 rows");
  const auto b = parser.Take(4, true);
  CHECK(b.rows == 2 && static_cast<const float*>(b.X->data())[0] == 8.0f && static_cast<const double*>(b.y->data())[1] == 1.0, "the rest");
}

void TestThreadsGiveTheSameRows() {
  std::string text = "a,b,c,\"quoted, label\"\n";
  unsigned s = 12345;
  for (int i = 0; i < 60000; i++) {
    s = s * 1103515245u + 12345u;
    text += std::to_string((s >> 8) % 100000 / 997.0) + "," + std::to_string(-static_cast<int>(s % 1000)) + ",\"" + std::to_string(i % 7) + "\"," + std::to_string(i % 3) + "\n";
  }
  CsvOptions o;
  descent::parallel::SetThreads(1);
  const Parsed one = Parse(text, o, 1 << 16);
  descent::parallel::SetThreads(3);
  const Parsed three = Parse(text, o, 1 << 20);
  descent::parallel::SetThreads(1);
  CHECK(one.ok && three.ok && one.rows == 60000 && one.X == three.X && one.y == three.y, "1 vs 3 threads");
  // An error deep in a big chunk is reported at its own row, not a later one another thread saw first.
  std::string bad = text;
  const size_t at = bad.find("\n", bad.size() / 3) + 1;
  bad.insert(at, "oops,1,2,0\n");
  descent::parallel::SetThreads(3);
  const Parsed b3 = Parse(bad + "x,1,2,0\n", o);
  descent::parallel::SetThreads(1);
  CHECK(!b3.ok && b3.err.message.find("\"oops\"") != std::string::npos, "the first error in row order: %s", b3.err.message.c_str());
}

}  // namespace

int main() {
  TestQuotingAndEveryFeedSplit();
  TestNumbersEqualStrtod();
  TestErrorsNameLineAndColumn();
  TestSelectionSniffingAndTake();
  TestThreadsGiveTheSameRows();
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
