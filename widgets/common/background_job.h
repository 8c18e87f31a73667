// BackgroundJob: one piece of long work at a time on its own thread, its result handed back on
// the GUI thread. The work never touches a widget: it returns a closure that the GUI thread runs
// (posted to `context`), which may. Destroying the job asks the work to stop (the flag it is
// given) and waits for it, so no result arrives at a half-destroyed panel.
//
//   job_.start([name](const std::atomic<bool>& cancel) -> std::function<void()> {
//     auto data = load(name);                           // worker thread
//     return [this, data] { show(data); };              // GUI thread
//   });
#pragma once
#include <QMetaObject>
#include <QObject>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace gs {

class BackgroundJob {
 public:
  using Work = std::function<std::function<void()>(const std::atomic<bool>& cancel)>;
  explicit BackgroundJob(QObject* context) : context_(context) {}
  ~BackgroundJob() {
    cancel_ = true;
    if (thread_.joinable()) thread_.join();
  }
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  bool busy() const { return busy_; }
  // Starts `work` unless a job is running (then returns false: the caller queues or refuses).
  bool start(Work work) {
    if (busy_) return false;
    if (thread_.joinable()) thread_.join();  // the last one has finished: its result was delivered
    busy_ = true;
    cancel_ = false;
    thread_ = std::thread([this, work = std::move(work)] {
      std::function<void()> deliver = work(cancel_);
      QMetaObject::invokeMethod(
          context_,
          [this, deliver] {
            busy_ = false;
            if (deliver) deliver();
          },
          Qt::QueuedConnection);
    });
    return true;
  }
  void cancel() { cancel_ = true; }

 private:
  QObject* context_;
  std::thread thread_;
  std::atomic<bool> cancel_{false};
  bool busy_ = false;  // GUI thread only
};

}  // namespace gs
