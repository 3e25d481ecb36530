// Packet argument parsers on raw text: hex, thread ids, vCont, qXfer.
#include <gtest/gtest.h>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/qxfer.h"
#include "gdbstub/protocol/thread_id.h"
#include "gdbstub/protocol/vcont.h"

namespace svm::gdb::protocol {
namespace {

TEST(Hex, ParsesNumbersAndBytes) {
    EXPECT_EQ(parse_hex("0"), 0u);
    EXPECT_EQ(parse_hex("DeadBeef"), 0xdeadbeefu);
    EXPECT_EQ(parse_hex("ffffffffffffffff"), ~uint64_t{0});
    EXPECT_FALSE(parse_hex(""));
    EXPECT_FALSE(parse_hex("1ffffffffffffffff"));
    EXPECT_FALSE(parse_hex("12g"));
    EXPECT_FALSE(parse_hex("-1"));
    EXPECT_EQ(decode_hex("00ff7f"), (std::vector<uint8_t>{0, 0xff, 0x7f}));
    EXPECT_FALSE(decode_hex("abc"));
    EXPECT_FALSE(decode_hex("zz"));
    EXPECT_EQ(encode_hex("OK\n"), "4f4b0a");
}

TEST(ThreadId, ParsesEveryForm) {
    auto one = parse_thread_id("p1.2");
    ASSERT_TRUE(one);
    EXPECT_EQ(one->kind, ThreadSelector::Kind::One);
    EXPECT_EQ(one->thread, 2);
    EXPECT_EQ(parse_thread_id("a")->thread, 10);
    EXPECT_EQ(parse_thread_id("-1")->kind, ThreadSelector::Kind::All);
    EXPECT_EQ(parse_thread_id("p1.-1")->kind, ThreadSelector::Kind::All);
    EXPECT_EQ(parse_thread_id("p-1.-1")->kind, ThreadSelector::Kind::All);
    EXPECT_EQ(parse_thread_id("p1")->kind, ThreadSelector::Kind::All);
    EXPECT_EQ(parse_thread_id("0")->kind, ThreadSelector::Kind::Any);
    EXPECT_EQ(parse_thread_id("p0.0")->kind, ThreadSelector::Kind::Any);
    EXPECT_FALSE(parse_thread_id("p2.1"));
    EXPECT_FALSE(parse_thread_id("p1."));
    EXPECT_FALSE(parse_thread_id(""));
    EXPECT_FALSE(parse_thread_id("p"));
    EXPECT_FALSE(parse_thread_id("-2"));
    EXPECT_FALSE(parse_thread_id("100000000"));
    EXPECT_EQ(format_thread_id(2, true), "p1.2");
    EXPECT_EQ(format_thread_id(12, false), "c");
}

TEST(VCont, ParsesActions) {
    auto actions = parse_vcont("s:p1.1;c");
    ASSERT_TRUE(actions);
    ASSERT_EQ(actions->size(), 2u);
    EXPECT_EQ((*actions)[0].kind, ResumeAction::Kind::Step);
    EXPECT_EQ((*actions)[0].thread, 1);
    EXPECT_EQ((*actions)[1].kind, ResumeAction::Kind::Continue);
    EXPECT_EQ((*actions)[1].thread, -1);
    actions = parse_vcont("C0b:2;S05:p1.1;t:p1.-1");
    ASSERT_TRUE(actions);
    EXPECT_EQ((*actions)[0].signal, 11);
    EXPECT_EQ((*actions)[0].thread, 2);
    EXPECT_EQ((*actions)[1].kind, ResumeAction::Kind::Step);
    EXPECT_EQ((*actions)[1].signal, 5);
    EXPECT_EQ((*actions)[2].kind, ResumeAction::Kind::Stop);
    EXPECT_EQ((*actions)[2].thread, -1);
    for (const char* bad :
         {"", "x", "c;", "cc", "C", "C0", "Cxx", "c:", "c:0", "c:p2.1", "r1000", ";c"}) {
        EXPECT_FALSE(parse_vcont(bad)) << bad;
    }
}

TEST(Qxfer, ParsesAndSlices) {
    auto r = parse_qxfer_read("features:read:target.xml:10,200");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->object, "features");
    EXPECT_EQ(r->annex, "target.xml");
    EXPECT_EQ(r->offset, 0x10u);
    EXPECT_EQ(r->length, 0x200u);
    EXPECT_TRUE(parse_qxfer_read("threads:read::0,1000"));
    EXPECT_FALSE(parse_qxfer_read("features:write:target.xml:0,10"));
    EXPECT_FALSE(parse_qxfer_read("features:read:target.xml:0"));
    EXPECT_FALSE(parse_qxfer_read("features"));
    EXPECT_EQ(qxfer_slice("abcdef", 0, 4, 100), "mabcd");
    EXPECT_EQ(qxfer_slice("abcdef", 4, 4, 100), "lef");
    EXPECT_EQ(qxfer_slice("abcdef", 0, 100, 3), "mabc");
    EXPECT_EQ(qxfer_slice("abcdef", 6, 4, 100), "l");
    EXPECT_EQ(qxfer_slice("abcdef", ~uint64_t{0}, ~uint64_t{0}, 100), "l");
    EXPECT_EQ(xml_escape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
}

}  // namespace
}  // namespace svm::gdb::protocol
