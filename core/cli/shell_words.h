// Splits the text of `--vm 'ARGS'` into words the way a POSIX shell splits a command line
// (POSIX.1-2017, Shell Command Language, section 2.2 "Quoting" and 2.3 "Token Recognition"),
// without any of the shell's expansions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace svm::cli {

// Splits `text` into words. Blanks (space, tab, newline) separate words; a backslash outside
// quotes takes the next character literally (backslash-newline is removed); single quotes keep
// everything up to the next single quote; double quotes keep everything up to the next unescaped
// double quote, where a backslash escapes only $ ` " \ and newline (section 2.2.3). Quotes may
// join parts of one word (a'b'"c" is abc) and "" is an empty word. Nothing is expanded: $, `, *,
// ~ and # are ordinary characters. Returns a one-line error (exit code 64) for an unterminated
// quote or a backslash at the very end.
Result<std::vector<std::string>> split_words(std::string_view text);

}  // namespace svm::cli
