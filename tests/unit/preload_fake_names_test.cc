// The fake-address table behind remote (4a) names: addresses, normalisation, sharing across
// fork and threads, and what happens when it is full.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "socks4/fake_names.h"

namespace socks4 {
namespace {

TEST(FakeNames, AddressesAreInTheBenchmarkingRangeAndSkipZeroAnd255) {
  EXPECT_EQ(fake_address_of_index(0), 0xC6120001u);    // 198.18.0.1
  EXPECT_EQ(fake_address_of_index(253), 0xC61200FEu);  // 198.18.0.254
  EXPECT_EQ(fake_address_of_index(254), 0xC6120101u);  // 198.18.1.1
  const size_t last = fake_range_capacity() - 1;
  EXPECT_EQ(fake_address_of_index(last), 0xC613FFFEu);  // 198.19.255.254
  for (size_t i : {size_t{0}, size_t{253}, size_t{254}, size_t{1000}, last}) {
    uint32_t ip = fake_address_of_index(i);
    EXPECT_TRUE(is_fake_address(ip));
    EXPECT_NE(ip & 0xff, 0u);
    EXPECT_NE(ip & 0xff, 0xffu);
    EXPECT_EQ(fake_index_of_address(ip), i);
  }
  EXPECT_FALSE(fake_index_of_address(0xC6120100u));  // 198.18.1.0
  EXPECT_FALSE(fake_index_of_address(0xC61200FFu));  // 198.18.0.255
  EXPECT_FALSE(fake_index_of_address(0xC6140001u));  // 198.20.0.1: outside
  EXPECT_FALSE(is_fake_address(0x7F000001u));
}

TEST(FakeNames, SameNameSameAddressAndBack) {
  auto table = FakeNames::create(16);
  ASSERT_TRUE(table);
  std::optional<uint32_t> a = table->assign("www.wan.test");
  std::optional<uint32_t> b = table->assign("other.test");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(table->assign("WWW.Wan.Test."), a);  // case and one trailing dot do not matter
  EXPECT_EQ(table->find("www.wan.test"), a);
  EXPECT_EQ(table->name_of(*a), "www.wan.test");
  EXPECT_EQ(table->name_of(*b), "other.test");
  EXPECT_FALSE(table->find("unknown.test"));
  EXPECT_FALSE(table->name_of(fake_address_of_index(5)));  // not handed out yet
  EXPECT_EQ(table->size(), 2u);
}

TEST(FakeNames, RejectsNamesA4aRequestCannotCarry) {
  auto table = FakeNames::create(16);
  ASSERT_TRUE(table);
  EXPECT_FALSE(table->assign(""));
  EXPECT_FALSE(table->assign("."));
  EXPECT_FALSE(table->assign("has space.test"));
  EXPECT_FALSE(table->assign(std::string("nul\0byte", 8)));
  EXPECT_FALSE(table->assign(std::string(256, 'a')));
  EXPECT_TRUE(table->assign(std::string(255, 'a')));
  EXPECT_EQ(table->size(), 1u);
}

TEST(FakeNames, FullTableRefusesNewNamesButKeepsOldOnes) {
  auto table = FakeNames::create(3);
  ASSERT_TRUE(table);
  auto a = table->assign("a.test");
  auto b = table->assign("b.test");
  auto c = table->assign("c.test");
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(table->assign("d.test"));
  EXPECT_FALSE(table->assign("e.test"));
  EXPECT_EQ(table->size(), 3u);
  EXPECT_EQ(table->assign("b.test"), b);  // known names still resolve
  EXPECT_EQ(table->name_of(*a), "a.test");
  EXPECT_EQ(table->name_of(*c), "c.test");
}

TEST(FakeNames, CapacityIsBoundedByTheRange) {
  auto table = FakeNames::create(size_t{1} << 30);
  ASSERT_TRUE(table);
  EXPECT_EQ(table->capacity(), fake_range_capacity());
}

// A child's names are visible to the parent and the other way round: one mapping for the
// whole process tree.
TEST(FakeNames, SharedAcrossFork) {
  auto table = FakeNames::create(64);
  ASSERT_TRUE(table);
  auto before = table->assign("parent-before.test");
  ASSERT_TRUE(before);
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    bool ok = table->name_of(*before) == std::string("parent-before.test") &&
              table->assign("child.test").has_value();
    char byte = ok ? '1' : '0';
    ssize_t ignored = write(ready[1], &byte, 1);
    (void)ignored;
    _exit(ok ? 0 : 1);
  }
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  close(ready[1]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child could not use the table";
  std::optional<uint32_t> from_child = table->find("child.test");
  ASSERT_TRUE(from_child) << "the child's name is not visible in the parent";
  EXPECT_EQ(table->name_of(*from_child), "child.test");
  EXPECT_NE(*from_child, *before);
}

// Many threads and a forked process assigning overlapping names at once: every name ends with
// exactly one address, every address maps back to its name, and no two names share one.
TEST(FakeNames, ConcurrentAssignmentFromThreadsAndProcesses) {
  constexpr int kThreads = 8;
  constexpr int kNames = 200;
  auto table = FakeNames::create(4096);
  ASSERT_TRUE(table);
  auto work = [&](int salt) {
    bool ok = true;
    for (int i = 0; i < kNames; ++i) {
      std::string name = "host" + std::to_string((i * 7 + salt) % kNames) + ".test";
      std::optional<uint32_t> ip = table->assign(name);
      ok = ok && ip && table->name_of(*ip) == name;
    }
    return ok;
  };
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(work(99) ? 0 : 1);
  std::vector<std::thread> threads;
  std::vector<int> results(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { results[t] = work(t) ? 1 : 0; });
  }
  for (std::thread& t : threads) t.join();
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(results[t], 1) << "thread " << t;
  std::set<uint32_t> addresses;
  for (int i = 0; i < kNames; ++i) {
    std::string name = "host" + std::to_string(i) + ".test";
    std::optional<uint32_t> ip = table->find(name);
    ASSERT_TRUE(ip) << name;
    EXPECT_EQ(table->name_of(*ip), name);
    EXPECT_EQ(table->assign(name), ip) << "a name got two addresses";
    addresses.insert(*ip);
  }
  EXPECT_EQ(addresses.size(), static_cast<size_t>(kNames));
  // Races may waste a slot now and then (see fake_names.cc), never many.
  EXPECT_LE(table->size(), static_cast<size_t>(kNames) * 2);
}

}  // namespace
}  // namespace socks4
