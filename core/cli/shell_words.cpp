#include "core/cli/shell_words.h"

#include "core/machine/run_outcome.h"

namespace svm::cli {

namespace {

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n';
}

std::unexpected<Error> usage(std::string message) {
    return with_exit_code(Error{std::move(message)}, exit_code::kUsage);
}

}  // namespace

Result<std::vector<std::string>> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;  // a word has begun (it may still be empty: "")
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (is_blank(c)) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\\') {
            if (i + 1 == text.size()) return usage("the text ends in a lone backslash");
            ++i;
            if (text[i] == '\n') continue;  // a line continuation: nothing is added
            word += text[i];
            in_word = true;
        } else if (c == '\'') {
            const size_t close = text.find('\'', i + 1);
            if (close == std::string_view::npos)
                return usage("unterminated single quote (the ' at character " +
                             std::to_string(i + 1) + ")");
            word.append(text.substr(i + 1, close - i - 1));
            i = close;
            in_word = true;
        } else if (c == '"') {
            const size_t open = i;
            for (++i;; ++i) {
                if (i == text.size())
                    return usage("unterminated double quote (the \" at character " +
                                 std::to_string(open + 1) + ")");
                if (text[i] == '"') break;
                if (text[i] == '\\' && i + 1 < text.size()) {
                    const char next = text[i + 1];
                    if (next == '\n') {
                        ++i;
                        continue;
                    }
                    if (next == '$' || next == '`' || next == '"' || next == '\\') {
                        word += next;
                        ++i;
                        continue;
                    }
                }
                word += text[i];
            }
            in_word = true;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

}  // namespace svm::cli
