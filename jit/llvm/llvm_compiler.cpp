#include "jit/llvm/llvm_compiler.h"

#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/DeadStoreElimination.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>

namespace rwd::jit::llvm_tier {

namespace {

std::once_flag native_target_once;

llvm::OptimizationLevel pipeline_for(int level) {
  switch (level) {
    case 0: return llvm::OptimizationLevel::O0;
    case 1: return llvm::OptimizationLevel::O1;
    case 3: return llvm::OptimizationLevel::O3;
    default: return llvm::OptimizationLevel::O2;
  }
}

llvm::CodeGenOptLevel codegen_for(int level) {
  switch (level) {
    case 0: return llvm::CodeGenOptLevel::None;
    case 1: return llvm::CodeGenOptLevel::None;
    case 3: return llvm::CodeGenOptLevel::Aggressive;
    default: return llvm::CodeGenOptLevel::Default;
  }
}

// Records the size of every function JITLink places, so a profile can name the code
// (CompileResult::code_bytes, the perf map). Linking runs on the compile thread only.
class FunctionSizes : public llvm::orc::ObjectLinkingLayer::Plugin {
 public:
  void modifyPassConfig(llvm::orc::MaterializationResponsibility&, llvm::jitlink::LinkGraph&,
                        llvm::jitlink::PassConfiguration& config) override {
    config.PostFixupPasses.push_back([this](llvm::jitlink::LinkGraph& graph) {
      for (llvm::jitlink::Symbol* symbol : graph.defined_symbols()) {
        if (symbol->hasName() && symbol->isCallable())
          sizes_[symbol->getName().str()] = symbol->getSize();
      }
      return llvm::Error::success();
    });
  }
  llvm::Error notifyFailed(llvm::orc::MaterializationResponsibility&) override {
    return llvm::Error::success();
  }
  llvm::Error notifyRemovingResources(llvm::orc::JITDylib&, llvm::orc::ResourceKey) override {
    return llvm::Error::success();
  }
  void notifyTransferringResources(llvm::orc::JITDylib&, llvm::orc::ResourceKey,
                                   llvm::orc::ResourceKey) override {}

  // The size of a function linked since the last call, and forgets it.
  size_t take(const std::string& name) {
    auto it = sizes_.find(name);
    if (it == sizes_.end()) return 0;
    const size_t size = it->second;
    sizes_.erase(it);
    return size;
  }

 private:
  std::map<std::string, size_t> sizes_;
};

}  // namespace

struct LlvmCompiler::Impl {
  int opt_level = 2;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> target;  // for the optimiser's cost model
  std::shared_ptr<FunctionSizes> sizes = std::make_shared<FunctionSizes>();
  struct ModuleCode;
  std::map<uint64_t, std::shared_ptr<ModuleCode>> modules;  // job -> the module holding its code

  explicit Impl(int level) : opt_level(level) {
    std::call_once(native_target_once, [] {
      llvm::InitializeNativeTarget();
      llvm::InitializeNativeTargetAsmPrinter();
    });
    auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!builder) throw std::runtime_error("LLVM: " + llvm::toString(builder.takeError()));
    builder->setCodeGenOptLevel(codegen_for(level));
    auto tm = builder->createTargetMachine();
    if (!tm) throw std::runtime_error("LLVM: " + llvm::toString(tm.takeError()));
    target = std::move(*tm);
    auto created =
        llvm::orc::LLJITBuilder()
            .setJITTargetMachineBuilder(std::move(*builder))
            .setObjectLinkingLayerCreator(
                [this](llvm::orc::ExecutionSession& session, const llvm::Triple&) {
                  auto layer = std::make_unique<llvm::orc::ObjectLinkingLayer>(session);
                  layer->addPlugin(sizes);
                  return llvm::Expected<std::unique_ptr<llvm::orc::ObjectLayer>>(std::move(layer));
                })
            .create();
    if (!created) throw std::runtime_error("LLVM: " + llvm::toString(created.takeError()));
    jit = std::move(*created);
  }

  void optimise(llvm::Module& module) {
    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder passes(target.get());
    passes.registerModuleAnalyses(mam);
    passes.registerCGSCCAnalyses(cgam);
    passes.registerFunctionAnalyses(fam);
    passes.registerLoopAnalyses(lam);
    passes.crossRegisterProxies(lam, fam, cgam, mam);
    if (opt_level >= 3) {
      llvm::ModulePassManager mpm = passes.buildPerModuleDefaultPipeline(pipeline_for(opt_level));
      mpm.run(module, mam);
      return;
    }
    // A block is one function with no calls to inline and few loops: the few passes that pay
    // off here cost a fraction of the -O1 pipeline. Registers and locals start as allocas,
    // which SROA turns into SSA values.
    llvm::FunctionPassManager fpm;
    if (opt_level >= 1) {
      fpm.addPass(llvm::SROAPass(llvm::SROAOptions::ModifyCFG));
      fpm.addPass(llvm::EarlyCSEPass(true));
      fpm.addPass(llvm::InstCombinePass());
      fpm.addPass(llvm::SimplifyCFGPass());
    }
    if (opt_level >= 2) {
      fpm.addPass(llvm::GVNPass());
      fpm.addPass(llvm::DSEPass());
      fpm.addPass(llvm::InstCombinePass());
      fpm.addPass(llvm::SimplifyCFGPass());
    }
    llvm::ModulePassManager mpm;
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
    mpm.run(module, mam);
  }

  // Frees the module's code when the last of its functions is released.
  struct ModuleCode {
    llvm::orc::ResourceTrackerSP tracker;
    ~ModuleCode() {
      if (tracker) llvm::consumeError(tracker->remove());
    }
  };

  // Compiles the jobs as one module: code generation and linking have a fixed cost per module
  // that is larger than a small block's own, so a batch shares it.
  std::vector<CompileResult> compile(std::vector<CompileJob>& jobs) {
    const auto started = std::chrono::steady_clock::now();
    std::vector<CompileResult> results(jobs.size());
    auto context = std::make_unique<llvm::LLVMContext>();
    auto module = std::make_unique<llvm::Module>("rewind_regions", *context);
    module->setDataLayout(jit->getDataLayout());
    module->setTargetTriple(jit->getTargetTriple().str());
    std::vector<std::string> names(jobs.size());
    bool any = false;
    for (size_t i = 0; i < jobs.size(); ++i) {
      results[i].id = jobs[i].id;
      names[i] = "rewind_region_" + std::to_string(jobs[i].id);
      std::vector<const ir::Block*> region;
      for (const ir::Block& b : jobs[i].blocks) region.push_back(&b);
      if (lower_region_into(region, jobs[i].env, *module, names[i], &results[i].error)) {
        any = true;
      } else {
        names[i].clear();
      }
    }
    if (any) {
      optimise(*module);
      auto tracker = jit->getMainJITDylib().createResourceTracker();
      llvm::Error added = jit->addIRModule(
          tracker, llvm::orc::ThreadSafeModule(std::move(module), std::move(context)));
      if (added) {
        const std::string error = llvm::toString(std::move(added));
        for (size_t i = 0; i < jobs.size(); ++i) {
          if (!names[i].empty()) results[i].error = error;
        }
      } else {
        auto code = std::make_shared<ModuleCode>();
        code->tracker = tracker;
        for (size_t i = 0; i < jobs.size(); ++i) {
          if (names[i].empty()) continue;
          if (auto symbol = jit->lookup(names[i])) {
            results[i].code = symbol->toPtr<void*>();
            results[i].code_bytes = sizes->take(names[i]);
            modules[jobs[i].id] = code;
          } else {
            results[i].error = llvm::toString(symbol.takeError());
          }
        }
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (CompileResult& r : results) r.seconds = seconds / double(results.size());
    return results;
  }

  void release(uint64_t id) { modules.erase(id); }
};

LlvmCompiler::LlvmCompiler(int opt_level, double compile_share)
    : impl_(std::make_unique<Impl>(opt_level)),
      compile_share_(compile_share > 0 && compile_share < 1 ? compile_share : 1.0) {
  thread_ = std::thread([this] { worker(); });
}

LlvmCompiler::~LlvmCompiler() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void LlvmCompiler::submit(CompileJob job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
    in_flight_++;
  }
  wake_.notify_all();
}

CompileResult LlvmCompiler::compile_now(CompileJob job) {
  std::unique_lock lock(mutex_);
  urgent_ = std::make_unique<CompileJob>(std::move(job));
  wake_.notify_all();
  urgent_done_.wait(lock, [this] { return urgent_result_ != nullptr; });
  CompileResult result = std::move(*urgent_result_);
  urgent_result_.reset();
  return result;
}

std::vector<CompileResult> LlvmCompiler::take_finished() {
  std::lock_guard lock(mutex_);
  std::vector<CompileResult> done;
  done.swap(finished_);
  finished_ready_.store(false, std::memory_order_release);
  in_flight_ -= done.size();
  return done;
}

void LlvmCompiler::release(uint64_t id) {
  {
    std::lock_guard lock(mutex_);
    to_release_.push_back(id);
  }
  wake_.notify_all();
}

bool LlvmCompiler::batch_due() const {
  std::lock_guard lock(mutex_);
  return std::chrono::steady_clock::now() >= budget_allows();
}

size_t LlvmCompiler::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

CompilerStats LlvmCompiler::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void LlvmCompiler::set_paused(bool paused) {
  {
    std::lock_guard lock(mutex_);
    paused_ = paused;
  }
  wake_.notify_all();
}

std::chrono::steady_clock::time_point LlvmCompiler::budget_allows() const {
  // A batch may start once the time since the start, times the share, covers what has been
  // compiled so far plus kBatchReserveSeconds for the batch itself. A busy compile thread
  // slows the guest's thread measurably (docs/PERFORMANCE.md), so the share bounds what LLVM
  // may cost a run it cannot speed up, and a run shorter than kBatchReserveSeconds / share
  // (one second at the default 10%) compiles nothing: its code would not be ready in time.
  if (compile_share_ >= 1.0) return started_;
  const double seconds = (stats_.seconds + kBatchReserveSeconds) / compile_share_;
  return started_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(seconds));
}

void LlvmCompiler::worker() {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto ready = [this] {
      return stop_ || urgent_ || !to_release_.empty() || (!paused_ && !queue_.empty());
    };
    wake_.wait(lock, ready);
    if (stop_) return;
    // Queued jobs wait for the budget; an urgent job and releases do not.
    const auto allowed = budget_allows();
    const bool within_budget = std::chrono::steady_clock::now() >= allowed;
    if (!within_budget && !urgent_ && to_release_.empty()) {
      wake_.wait_until(lock, allowed, [this] { return stop_ || urgent_ || !to_release_.empty(); });
      continue;
    }
    std::vector<uint64_t> releases;
    releases.swap(to_release_);
    std::vector<CompileJob> jobs;
    const bool is_urgent = urgent_ != nullptr;
    if (is_urgent) {
      jobs.push_back(std::move(*urgent_));
      urgent_.reset();
    } else if (!paused_ && within_budget) {
      while (!queue_.empty() && jobs.size() < kMaxBatch) {
        jobs.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    lock.unlock();
    for (uint64_t id : releases) impl_->release(id);
    std::vector<CompileResult> results;
    if (!jobs.empty()) results = impl_->compile(jobs);
    lock.lock();
    stats_.released += releases.size();
    for (CompileResult& result : results) {
      (result.code ? stats_.compiled : stats_.failed)++;
      stats_.seconds += result.seconds;
      stats_.max_seconds = std::max(stats_.max_seconds, result.seconds * double(results.size()));
      if (is_urgent) {
        urgent_result_ = std::make_unique<CompileResult>(std::move(result));
        urgent_done_.notify_all();
      } else {
        finished_.push_back(std::move(result));
        finished_ready_.store(true, std::memory_order_release);
      }
    }
  }
}

}  // namespace rwd::jit::llvm_tier
