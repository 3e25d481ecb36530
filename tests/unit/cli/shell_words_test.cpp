// The word splitter of `--vm 'ARGS'` (core/cli/shell_words.h): POSIX shell quoting, no expansion.
#include "core/cli/shell_words.h"

#include <gtest/gtest.h>

namespace svm::cli {
namespace {

using Words = std::vector<std::string>;

Words split(std::string_view text) {
    auto words = split_words(text);
    EXPECT_TRUE(words) << text << ": " << (words ? "" : words.error().message);
    return words ? *words : Words{};
}

TEST(ShellWords, BlanksSeparateWords) {
    EXPECT_EQ(split("--memory 64M  k.elf"), (Words{"--memory", "64M", "k.elf"}));
    EXPECT_EQ(split(" \t--cpus\n2 \n"), (Words{"--cpus", "2"}));
    EXPECT_EQ(split(""), Words{});
    EXPECT_EQ(split("   "), Words{});
}

TEST(ShellWords, SingleQuotesKeepEverything) {
    EXPECT_EQ(split("--cmdline 'a  b \"c\" \\n $HOME'"),
              (Words{"--cmdline", "a  b \"c\" \\n $HOME"}));
}

TEST(ShellWords, DoubleQuotesEscapeOnlyFiveCharacters) {
    EXPECT_EQ(split(R"("a \"b\" \\ \$ \` \n")"), (Words{R"(a "b" \ $ ` \n)"}));
    EXPECT_EQ(split("\"line\\\ncontinued\""), (Words{"linecontinued"}));
}

TEST(ShellWords, BackslashOutsideQuotes) {
    EXPECT_EQ(split(R"(a\ b c\'d \\)"), (Words{"a b", "c'd", "\\"}));
    EXPECT_EQ(split("a\\\nb"), (Words{"ab"}));
}

TEST(ShellWords, QuotesJoinPartsOfOneWordAndMayBeEmpty) {
    EXPECT_EQ(split(R"(a'b'"c"d)"), (Words{"abcd"}));
    EXPECT_EQ(split(R"(--cmdline "" k)"), (Words{"--cmdline", "", "k"}));
    EXPECT_EQ(split("''"), (Words{""}));
}

TEST(ShellWords, NothingIsExpanded) {
    EXPECT_EQ(split("$HOME ~/k.elf *.img #x `id`"),
              (Words{"$HOME", "~/k.elf", "*.img", "#x", "`id`"}));
}

TEST(ShellWords, UnterminatedQuotesAndATrailingBackslashAreUsageErrors) {
    auto single = split_words("--cmdline 'abc");
    ASSERT_FALSE(single);
    EXPECT_EQ(single.error().exit_code, 64);
    EXPECT_EQ(single.error().message, "unterminated single quote (the ' at character 11)");
    auto dbl = split_words("a \"b\\\"");
    ASSERT_FALSE(dbl);
    EXPECT_EQ(dbl.error().message, "unterminated double quote (the \" at character 3)");
    auto backslash = split_words("k.elf \\");
    ASSERT_FALSE(backslash);
    EXPECT_EQ(backslash.error().message, "the text ends in a lone backslash");
}

}  // namespace
}  // namespace svm::cli
