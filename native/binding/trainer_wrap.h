#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "../engine/trainer.h"
#include "../io/buffer.h"

namespace descent::binding {

// Parse and validate the objects of lib/engine/spec.ts (EngineSpec, KernelConfig, Dtype): names are looked up in
// the spec.def lists, every other field type- and range-checked, before anything is allocated.
NetworkSpec ParseSpec(Napi::Env env, const Napi::Value& v);
OptConfig ParseOptimizer(Napi::Env env, const Napi::Value& v, const std::string& name);
Dtype ParseDtype(Napi::Env env, const Napi::Value& v, const std::string& name);

class TrainerWrap : public Napi::ObjectWrap<TrainerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TrainerWrap(const Napi::CallbackInfo& info);

  std::shared_ptr<TrainerBase> trainer() { return trainer_; }
  void SetBusy(bool b) { busy_ = b; }
  void Finalize(Napi::Env env) override;

 private:
  void RequireIdle(Napi::Env env, const char* method);
  void Account(Napi::Env env, int64_t delta);
  void ReleaseData(Napi::Env env);
  Napi::Value Initialize(const Napi::CallbackInfo& info);
  Napi::Value SetData(const Napi::CallbackInfo& info);
  Napi::Value SetDataCsr(const Napi::CallbackInfo& info);
  Napi::Value PredictCsr(const Napi::CallbackInfo& info);
  Napi::Value ClearData(const Napi::CallbackInfo& info);
  Napi::Value Shuffle(const Napi::CallbackInfo& info);
  Napi::Value RunBatches(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Gradients(const Napi::CallbackInfo& info);
  Napi::Value GetParams(const Napi::CallbackInfo& info);
  Napi::Value SetParams(const Napi::CallbackInfo& info);
  Napi::Value GetAverage(const Napi::CallbackInfo& info);
  Napi::Value SetAverage(const Napi::CallbackInfo& info);
  Napi::Value GetSlot(const Napi::CallbackInfo& info);
  Napi::Value SetSlot(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value SetState(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsBusy(const Napi::CallbackInfo& info);

  std::shared_ptr<TrainerBase> trainer_;  // shared with a running worker, which may outlive this wrapper
  // Training data setData took over. X is never copied whole:
  // - in a native buffer descent allocated (loadCsv's rows), it is read in place by the worker, `xOwner` keeping
  //   the buffer alive;
  // - in JS memory (which JS can detach, transfer, shrink or free while a worker runs), the rows of each
  //   runBatches chunk are gathered on the JS thread — in the epoch's order, i.e. the shuffle is applied here —
  //   into a native stage the worker reads; the next chunk is gathered into the second stage while the worker
  //   trains on the first (prefetch). The caller's array is referenced by xRef_ and re-checked before each gather.
  // y, weights and the row order are small and copied at setData.
  struct Stage {
    std::vector<unsigned char> X, Y, W;
    size_t first = 0, count = 0, rows = 0;
    uint64_t version = 0;  // Data::version when gathered
    bool shuffled = false, valid = false;
  };
  struct Data {
    std::vector<unsigned char> Y, W;
    io::BufferPtr xOwner;
    const unsigned char* x = nullptr;  // in place (xOwner); null when staged
    std::vector<uint32_t> order;       // the epoch's permutation (shuffle() permutes the identity)
    // CSR rows (setDataCsr): copied whole (validated once), read in place by the worker.
    bool csr = false;
    std::vector<int32_t> indptr, indices;
    std::vector<unsigned char> values;
    size_t n = 0, xRow = 0, yRow = 0, wRow = 0;  // rows and bytes per row
    bool weighted = false;
    int64_t bytes = 0;  // reported to V8 as external memory
    uint64_t version = 0;  // bumped by shuffle(): a stage gathered under another order is stale
    Stage stage[2];
    int cur = 0;  // the stage the last run read
  };
  // Gathers the rows of batches [first, first + count) into `st` from the caller's X; false (with *why) when X was
  // detached or shrank since setData.
  bool Gather(Napi::Env env, Stage& st, bool shuffled, size_t batchSize, size_t first, size_t count, std::string* why);
  std::shared_ptr<Data> data_;
  Napi::ObjectReference xRef_;  // the caller's X (JS memory), staged per chunk
  bool busy_ = false;
  int64_t reported_ = 0;  // bytes currently reported with napi_adjust_external_memory
};

}  // namespace descent::binding
