// IoThread (core/machine/io_thread.h): handlers run on the thread when their eventfd is
// signalled, and doorbells rung before stop() are still served.
#include "core/machine/io_thread.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace svm {
namespace {

void ring(int fd) {
    const uint64_t one = 1;
    ASSERT_EQ(::write(fd, &one, sizeof one), static_cast<ssize_t>(sizeof one));
}

template <typename F>
bool eventually(F done) {
    for (int i = 0; i < 500 && !done(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return done();
}

TEST(IoThread, RunsTheHandlerOfASignalledEventfdOnItsOwnThread) {
    auto io = IoThread::create("test-io").value();
    std::atomic<int> a{0}, b{0};
    std::atomic<std::thread::id> ran_on{};
    const int fa = io->add_eventfd([&] {
                         ran_on = std::this_thread::get_id();
                         ++a;
                     }).value();
    const int fb = io->add_eventfd([&] { ++b; }).value();
    ASSERT_TRUE(io->start());
    ring(fa);
    ASSERT_TRUE(eventually([&] { return a == 1; }));
    EXPECT_EQ(b, 0);
    EXPECT_NE(ran_on.load(), std::this_thread::get_id());
    ring(fb);
    ASSERT_TRUE(eventually([&] { return b == 1; }));
    io->stop();
}

TEST(IoThread, SeveralRingsBeforeItWakesRunTheHandlerAtLeastOnce) {
    auto io = IoThread::create("test-io").value();
    std::atomic<int> calls{0};
    const int fd = io->add_eventfd([&] { ++calls; }).value();
    for (int i = 0; i < 5; ++i) ring(fd);
    ASSERT_TRUE(io->start());
    ASSERT_TRUE(eventually([&] { return calls >= 1; }));
    // The counter was reset: no further calls without a new ring.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(calls, 1);
}

TEST(IoThread, StopServesDoorbellsRungBeforeIt) {
    auto io = IoThread::create("test-io").value();
    std::atomic<int> first{0}, second{0};
    std::atomic<bool> release{false};
    // The first handler is busy when the second doorbell and the stop arrive.
    const int f1 = io->add_eventfd([&] {
                         while (!release) std::this_thread::yield();
                         ++first;
                     }).value();
    const int f2 = io->add_eventfd([&] { ++second; }).value();
    ASSERT_TRUE(io->start());
    ring(f1);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ring(f2);
    std::thread stopper([&] { io->stop(); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release = true;
    stopper.join();
    EXPECT_EQ(first, 1);
    EXPECT_EQ(second, 1);
}

TEST(IoThread, StartTwiceIsAnErrorAndStopIsIdempotent) {
    auto io = IoThread::create("test-io").value();
    ASSERT_TRUE(io->start());
    EXPECT_FALSE(io->start());
    io->stop();
    io->stop();
    EXPECT_FALSE(io->start());
}

}  // namespace
}  // namespace svm
