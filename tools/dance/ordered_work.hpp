// Runs one function over a stream of items on several threads and hands
// the results back in the order the items came in.
//
// At most `window` items are held at once, done or not, so memory stays
// flat however long the stream is. With no worker threads every item is
// worked on the calling thread as it is submitted. Only the calling thread
// may submit and take.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace dance::cli {

template <typename Item, typename Output>
class OrderedWork {
public:
    using Work = std::function<Output(const Item&)>;

    // Starts up to `threads` workers. When a thread cannot be started,
    // the work goes on with the workers started so far, or with none.
    OrderedWork(Work work, std::size_t threads, std::size_t window)
        : work_(std::move(work)), window_(window < 1 ? 1 : window) {
        try {
            for (std::size_t i = 0; i < threads; ++i)
                threads_.emplace_back([this] { serve(); });
        } catch (const std::system_error&) {
        }
    }

    // Stops the workers once their current items finish. Items not yet
    // started are dropped.
    ~OrderedWork() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        work_ready_.notify_all();
        for (std::thread& thread : threads_)
            thread.join();
    }

    OrderedWork(const OrderedWork&) = delete;
    OrderedWork& operator=(const OrderedWork&) = delete;

    bool empty() const { return slots_.empty(); }
    bool full() const { return slots_.size() >= window_; }
    std::size_t size() const { return slots_.size(); }

    // Waits until the item at `position` (0 the oldest) is done. Waiting
    // for one half into the window, rather than for the oldest, lets the
    // caller write many items per wake-up.
    void await(std::size_t position) {
        Slot& slot = slots_.at(position);
        std::unique_lock lock(mutex_);
        awaited_ = &slot;
        slot_done_.wait(lock, [&] { return slot.done; });
        awaited_ = nullptr;
    }

    // Whether the oldest item is done, so take() will not wait.
    bool ready() {
        std::lock_guard lock(mutex_);
        return !slots_.empty() && slots_.front().done;
    }

    // Queues an item. With `on_caller` the work runs now on the calling
    // thread, for work that must happen in submission order, such as
    // reading standard input. Call only when not full().
    void submit(Item item, bool on_caller = false) {
        Slot& slot = slots_.emplace_back();
        slot.item = std::move(item);
        if (on_caller || threads_.empty()) {
            run(slot);
            slot.done = true;
            return;
        }
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(&slot);
        }
        work_ready_.notify_one();
    }

    // Waits for the oldest item and returns it with its output, rethrowing
    // what the work threw for it. Call only when not empty().
    std::pair<Item, Output> take() {
        await(0);
        Slot& slot = slots_.front();
        if (slot.failure)
            std::rethrow_exception(slot.failure);
        std::pair<Item, Output> result{std::move(slot.item),
                                       std::move(*slot.output)};
        slots_.pop_front();
        return result;
    }

private:
    // A std::deque keeps its elements in place as it grows and shrinks at
    // the ends, so workers may hold pointers to slots.
    struct Slot {
        Item item;
        std::optional<Output> output;
        std::exception_ptr failure;
        bool done = false; // read and written under mutex_ once queued
    };

    void run(Slot& slot) {
        try {
            slot.output.emplace(work_(slot.item));
        } catch (...) {
            slot.failure = std::current_exception();
        }
    }

    void serve() {
        for (;;) {
            Slot* slot = nullptr;
            {
                std::unique_lock lock(mutex_);
                work_ready_.wait(lock,
                                 [&] { return stopping_ || !queue_.empty(); });
                if (stopping_)
                    return;
                slot = queue_.front();
                queue_.pop_front();
            }
            run(*slot);
            bool awaited = false;
            {
                std::lock_guard lock(mutex_);
                slot->done = true;
                awaited = slot == awaited_;
            }
            // Wake the caller only for the slot it waits for, because a
            // wake-up for any other slot costs a context switch for nothing.
            if (awaited)
                slot_done_.notify_one();
        }
    }

    Work work_;
    std::size_t window_;
    std::deque<Slot> slots_; // oldest first, used by the caller only
    std::deque<Slot*> queue_;
    Slot* awaited_ = nullptr; // the slot await() waits for
    std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable slot_done_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

} // namespace dance::cli
