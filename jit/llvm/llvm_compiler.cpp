#include "jit/llvm/llvm_compiler.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/DeadStoreElimination.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/GVN.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>

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

}  // namespace

struct LlvmCompiler::Impl {
  int opt_level = 2;
  std::unique_ptr<llvm::orc::LLJIT> jit;
  std::unique_ptr<llvm::TargetMachine> target;  // for the optimiser's cost model
  std::map<uint64_t, llvm::orc::ResourceTrackerSP> trackers;

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
    auto created = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*builder)).create();
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

  CompileResult compile(const CompileJob& job) {
    const auto started = std::chrono::steady_clock::now();
    CompileResult result;
    result.id = job.id;
    const std::string name = "rewind_region_" + std::to_string(job.id);
    auto context = std::make_unique<llvm::LLVMContext>();
    std::unique_ptr<llvm::Module> module =
        lower_block(job.block, job.env, *context, name, &result.error);
    if (module) {
      module->setDataLayout(jit->getDataLayout());
      module->setTargetTriple(jit->getTargetTriple().str());
      optimise(*module);
      auto tracker = jit->getMainJITDylib().createResourceTracker();
      llvm::Error added = jit->addIRModule(
          tracker, llvm::orc::ThreadSafeModule(std::move(module), std::move(context)));
      if (added) {
        result.error = llvm::toString(std::move(added));
      } else if (auto symbol = jit->lookup(name)) {
        result.code = symbol->toPtr<void*>();
        trackers[job.id] = tracker;
      } else {
        result.error = llvm::toString(symbol.takeError());
        llvm::consumeError(tracker->remove());
      }
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  }

  void release(uint64_t id) {
    auto it = trackers.find(id);
    if (it == trackers.end()) return;
    llvm::consumeError(it->second->remove());
    trackers.erase(it);
  }
};

LlvmCompiler::LlvmCompiler(int opt_level) : impl_(std::make_unique<Impl>(opt_level)) {
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

void LlvmCompiler::worker() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] {
      return stop_ || urgent_ || !to_release_.empty() || (!paused_ && !queue_.empty());
    });
    if (stop_) return;
    std::vector<uint64_t> releases;
    releases.swap(to_release_);
    std::unique_ptr<CompileJob> job = std::move(urgent_);
    const bool is_urgent = job != nullptr;
    if (!job && !paused_ && !queue_.empty()) {
      job = std::make_unique<CompileJob>(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    for (uint64_t id : releases) impl_->release(id);
    CompileResult result;
    if (job) result = impl_->compile(*job);
    lock.lock();
    stats_.released += releases.size();
    if (!job) continue;
    (result.code ? stats_.compiled : stats_.failed)++;
    stats_.seconds += result.seconds;
    stats_.max_seconds = std::max(stats_.max_seconds, result.seconds);
    if (is_urgent) {
      urgent_result_ = std::make_unique<CompileResult>(std::move(result));
      urgent_done_.notify_all();
    } else {
      finished_.push_back(std::move(result));
      finished_ready_.store(true, std::memory_order_release);
    }
  }
}

}  // namespace rwd::jit::llvm_tier
