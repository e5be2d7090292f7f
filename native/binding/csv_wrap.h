#pragma once
#include <napi.h>

#include <array>
#include <memory>

#include "../io/csv.h"

namespace descent::binding {

// new CsvReader(options, chunkBytes): the native delimited-text reader (native/io/csv.*). JS reads the file into the
// reader's two native buffers (buffer(i)) and feeds them (feed(i, length, final) parses on a worker thread, the
// records split across the thread pool); take(multipleOf, all) hands the parsed rows over as external ArrayBuffers.
class CsvReaderWrap : public Napi::ObjectWrap<CsvReaderWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit CsvReaderWrap(const Napi::CallbackInfo& info);
  void SetBusy(bool b) { busy_ = b; }

 private:
  void RequireIdle(Napi::Env env, const char* method);
  size_t BufferIndex(Napi::Env env, const Napi::Value& v, int64_t length);
  Napi::Value Buffer(const Napi::CallbackInfo& info);
  Napi::Value Feed(const Napi::CallbackInfo& info);
  Napi::Value FeedSync(const Napi::CallbackInfo& info);
  Napi::Value Header(const Napi::CallbackInfo& info);
  Napi::Value Take(const Napi::CallbackInfo& info);
  Napi::Value Labels(const Napi::CallbackInfo& info);
  Napi::Value SortLabels(const Napi::CallbackInfo& info);
  Napi::Value Pending(const Napi::CallbackInfo& info);

  std::shared_ptr<io::CsvParser> parser_;
  std::array<io::BufferPtr, 2> bufs_;
  std::array<Napi::Reference<Napi::ArrayBuffer>, 2> views_;
  bool busy_ = false;
};

// The parse result as JS sees it: undefined, or { message, row, line, column } for the first error.
Napi::Value ErrorValue(Napi::Env env, const io::CsvError& e);

}  // namespace descent::binding
