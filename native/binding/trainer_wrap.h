#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "../engine/trainer.h"

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
  Napi::Value ClearData(const Napi::CallbackInfo& info);
  Napi::Value Shuffle(const Napi::CallbackInfo& info);
  Napi::Value RunBatches(const Napi::CallbackInfo& info);
  Napi::Value Predict(const Napi::CallbackInfo& info);
  Napi::Value Gradients(const Napi::CallbackInfo& info);
  Napi::Value GetParams(const Napi::CallbackInfo& info);
  Napi::Value SetParams(const Napi::CallbackInfo& info);
  Napi::Value GetSlot(const Napi::CallbackInfo& info);
  Napi::Value SetSlot(const Napi::CallbackInfo& info);
  Napi::Value GetState(const Napi::CallbackInfo& info);
  Napi::Value SetState(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value IsBusy(const Napi::CallbackInfo& info);

  std::shared_ptr<TrainerBase> trainer_;  // shared with a running worker, which may outlive this wrapper
  // Training data copied out of JS by setData: a worker thread never reads memory JS can detach or free.
  struct Data {
    std::vector<unsigned char> X, Y, W;
    std::vector<uint32_t> order;  // the epoch's permutation (shuffle() permutes the identity)
    size_t n = 0;
    bool weighted = false;
    int64_t bytes = 0;  // reported to V8 as external memory
  };
  std::shared_ptr<Data> data_;
  bool busy_ = false;
  int64_t reported_ = 0;  // bytes currently reported with napi_adjust_external_memory
};

}  // namespace descent::binding
