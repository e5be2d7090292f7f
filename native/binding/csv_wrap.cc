#include "csv_wrap.h"

#include <new>

#include "args.h"
#include "buffers.h"
#include "trainer_wrap.h"

namespace descent::binding {
namespace {

constexpr int64_t kMaxChunk = int64_t(1) << 30;

char OneChar(Napi::Env env, const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return 0;
  if (!v.IsString() || v.As<Napi::String>().Utf8Value().size() != 1)
    Expected(env, ErrKind::kOption, std::string("options.") + key, "a single ASCII character", v);
  const char c = v.As<Napi::String>().Utf8Value()[0];
  if (c == 0 || c == '\n' || c == '\r' || c == '"' || static_cast<unsigned char>(c) >= 0x80)
    Expected(env, ErrKind::kOption, std::string("options.") + key, "a single ASCII character other than NUL, a quote or a line break", v);
  return c;
}

std::vector<std::string> Strings(Napi::Env env, const Napi::Object& o, const char* key, bool* given = nullptr) {
  Napi::Value v = o.Get(key);
  std::vector<std::string> out;
  if (given) *given = !v.IsUndefined();
  if (v.IsUndefined()) return out;
  if (!v.IsArray()) Expected(env, ErrKind::kOption, std::string("options.") + key, "an array of strings", v);
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value s = a.Get(i);
    if (!s.IsString()) Expected(env, ErrKind::kOption, std::string("options.") + key + "[" + std::to_string(i) + "]", "a string", s);
    out.push_back(s.As<Napi::String>().Utf8Value());
  }
  return out;
}

io::CsvOptions ParseOptions(Napi::Env env, const Napi::Value& v) {
  Napi::Object o = RequireObject(env, v, "options");
  io::CsvOptions c;
  c.delimiter = OneChar(env, o, "delimiter");
  c.comment = OneChar(env, o, "comment");
  if (c.delimiter != 0 && c.delimiter == c.comment) Expected(env, ErrKind::kOption, "options.comment", "a character other than the delimiter", o.Get("comment"));
  c.float64 = ParseDtype(env, o.Get("dtype"), "options.dtype") == Dtype::kFloat64;
  c.hasTarget = RequireBool(env, o.Get("hasTarget"), "options.hasTarget");
  Napi::Value t = o.Get("target");
  if (!t.IsUndefined()) {
    if (!t.IsString()) Expected(env, ErrKind::kOption, "options.target", "a column name", t);
    c.target = t.As<Napi::String>().Utf8Value();
  }
  c.columns = Strings(env, o, "columns", &c.columnsGiven);
  c.ignore = Strings(env, o, "ignore");
  c.naValues = Strings(env, o, "naValues");
  Napi::Value fill = o.Get("fillValue");
  c.fill = !fill.IsUndefined();
  if (c.fill) c.fillValue = RequireNumber(env, fill, "options.fillValue", -1.7976931348623157e308, 1.7976931348623157e308);
  c.allowNonFinite = RequireBool(env, o.Get("allowNonFinite"), "options.allowNonFinite");
  c.stringLabels = RequireBool(env, o.Get("stringLabels"), "options.stringLabels");
  return c;
}

Napi::Array ToArray(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array a = Napi::Array::New(env, v.size());
  for (uint32_t i = 0; i < v.size(); i++) a.Set(i, v[i]);
  return a;
}

// Parses one fed buffer on a libuv worker: the parser and the buffer are native memory it shares, nothing of JS.
class FeedWorker : public Napi::AsyncWorker {
 public:
  FeedWorker(Napi::Env env, CsvReaderWrap* wrap, Napi::Object self, std::shared_ptr<io::CsvParser> parser, io::BufferPtr buf,
             size_t length, bool final)
      : Napi::AsyncWorker(env, "descent:csvFeed"), deferred_(Napi::Promise::Deferred::New(env)), wrap_(wrap),
        parser_(std::move(parser)), buf_(std::move(buf)), length_(length), final_(final) {
    self_ = Napi::Persistent(self);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      parser_->Feed(static_cast<const char*>(buf_->data()), length_, final_);
    } catch (const std::bad_alloc&) {
      SetError("out of memory while parsing");
    }
  }
  void OnOK() override {
    wrap_->SetBusy(false);
    try {
      deferred_.Resolve(ErrorValue(Env(), parser_->error()));
    } catch (...) {
    }
  }
  void OnError(const Napi::Error& e) override {
    wrap_->SetBusy(false);
    try {
      deferred_.Reject(e.Value());
    } catch (...) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference self_;  // keeps the wrapper (and its buffers) alive until the promise settles
  CsvReaderWrap* wrap_;
  std::shared_ptr<io::CsvParser> parser_;
  io::BufferPtr buf_;
  size_t length_;
  bool final_;
};

}  // namespace

Napi::Value ErrorValue(Napi::Env env, const io::CsvError& e) {
  if (!e.set) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  o.Set("message", e.message);
  o.Set("row", e.row == io::kNoRow ? -1.0 : static_cast<double>(e.row));
  o.Set("line", static_cast<double>(e.line));
  o.Set("column", e.column);
  return o;
}

Napi::Value AllocBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t bytes = RequireInt(env, info[0], "bytes", 0, int64_t(1) << 50);
  RequireMemory(env, static_cast<uint64_t>(bytes), "bytes", "A native array");
  io::BufferPtr b = io::Allocate(static_cast<size_t>(bytes));
  if (!b) Throw(env, ErrKind::kShape, "bytes", "out of memory for a native array of " + std::to_string(bytes) + " bytes");
  return ToArrayBuffer(env, b);
}

Napi::Function CsvReaderWrap::Define(Napi::Env env) {
  return DefineClass(env, "CsvReader",
                     {InstanceMethod<&CsvReaderWrap::Buffer>("buffer"), InstanceMethod<&CsvReaderWrap::Feed>("feed"),
                      InstanceMethod<&CsvReaderWrap::FeedSync>("feedSync"), InstanceMethod<&CsvReaderWrap::Header>("header"),
                      InstanceMethod<&CsvReaderWrap::Take>("take"), InstanceMethod<&CsvReaderWrap::Labels>("labels"),
                      InstanceMethod<&CsvReaderWrap::SortLabels>("sortLabels"),
                      InstanceMethod<&CsvReaderWrap::Pending>("pending")});
}

CsvReaderWrap::CsvReaderWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CsvReaderWrap>(info) {
  Napi::Env env = info.Env();
  io::CsvOptions o = ParseOptions(env, info[0]);
  const int64_t chunk = RequireInt(env, info[1], "chunkBytes", 1, kMaxChunk);
  RequireMemory(env, 2 * static_cast<uint64_t>(chunk), "chunkBytes", "The reader's two read buffers");
  parser_ = std::make_shared<io::CsvParser>(std::move(o));
  for (auto& b : bufs_) {
    b = io::Allocate(static_cast<size_t>(chunk));
    if (!b) Throw(env, ErrKind::kShape, "chunkBytes", "out of memory for the reader's read buffers");
  }
}

void CsvReaderWrap::RequireIdle(Napi::Env env, const char* method) {
  if (busy_) Throw(env, ErrKind::kState, method, std::string("Cannot call ") + method + " while the reader parses: await feed() first");
}

size_t CsvReaderWrap::BufferIndex(Napi::Env env, const Napi::Value& v, int64_t length) {
  const int64_t i = RequireInt(env, v, "buffer", 0, 1);
  if (length > static_cast<int64_t>(bufs_[static_cast<size_t>(i)]->size()))
    Throw(env, ErrKind::kShape, "length", "length " + std::to_string(length) + " exceeds the read buffer's " + std::to_string(bufs_[static_cast<size_t>(i)]->size()) + " bytes");
  return static_cast<size_t>(i);
}

Napi::Value CsvReaderWrap::Buffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto i = static_cast<size_t>(RequireInt(env, info[0], "buffer", 0, 1));
  if (views_[i].IsEmpty()) views_[i] = Napi::Persistent(ToArrayBuffer(env, bufs_[i]));
  return views_[i].Value();
}

Napi::Value CsvReaderWrap::Feed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "feed");
  const int64_t length = RequireInt(env, info[1], "length", 0, kMaxChunk);
  const size_t i = BufferIndex(env, info[0], length);
  const bool final = RequireBool(env, info[2], "final");
  auto* w = new FeedWorker(env, this, Value(), parser_, bufs_[i], static_cast<size_t>(length), final);
  busy_ = true;
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

Napi::Value CsvReaderWrap::FeedSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "feedSync");
  const int64_t length = RequireInt(env, info[1], "length", 0, kMaxChunk);
  const size_t i = BufferIndex(env, info[0], length);
  const bool final = RequireBool(env, info[2], "final");
  try {
    parser_->Feed(static_cast<const char*>(bufs_[i]->data()), static_cast<size_t>(length), final);
  } catch (const std::bad_alloc&) {
    Throw(env, ErrKind::kShape, "length", "out of memory while parsing");
  }
  return ErrorValue(env, parser_->error());
}

Napi::Value CsvReaderWrap::Header(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "header");
  if (!parser_->headerDone()) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("names", ToArray(env, parser_->names()));
  o.Set("features", ToArray(env, parser_->featureNames()));
  o.Set("target", parser_->targetName());
  o.Set("delimiter", std::string(1, parser_->delimiter()));
  return o;
}

Napi::Value CsvReaderWrap::Take(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "take");
  const int64_t m = RequireInt(env, info[0], "multipleOf", 1, int64_t(1) << 31);
  const bool all = RequireBool(env, info[1], "all");
  io::CsvParser::Taken t;
  try {
    t = parser_->Take(static_cast<size_t>(m), all);
  } catch (const std::bad_alloc&) {
    Throw(env, ErrKind::kShape, "multipleOf", "out of memory while handing over the parsed rows");
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("rows", static_cast<double>(t.rows));
  o.Set("X", ToArrayBuffer(env, t.X));
  o.Set("y", ToArrayBuffer(env, t.y));
  return o;
}

Napi::Value CsvReaderWrap::Labels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "labels");
  return parser_->stringLabels() ? Napi::Value(ToArray(env, parser_->labels())) : env.Null();
}

Napi::Value CsvReaderWrap::Pending(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "pending");
  return Napi::Number::New(env, static_cast<double>(parser_->pendingRows()));
}

Napi::Value CsvReaderWrap::SortLabels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireIdle(env, "sortLabels");
  parser_->SortLabels();
  return env.Undefined();
}

}  // namespace descent::binding
