#include "core/size_parser.h"

#include <charconv>

namespace svm {

namespace {

Result<uint64_t> parse_number(std::string_view text, std::string_view original) {
    int base = 10;
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
        base = 16;
    }
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
        return error("'{}' is not a number", original);
    if (ec == std::errc::result_out_of_range) return error("'{}' is too large", original);
    return value;
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
    std::string_view number = text;
    uint64_t shift = 0;
    for (auto [suffix, s] : {std::pair{"KiB", 10},
                             {"MiB", 20},
                             {"GiB", 30},
                             {"K", 10},
                             {"M", 20},
                             {"G", 30},
                             {"k", 10},
                             {"m", 20},
                             {"g", 30},
                             {"B", 0}}) {
        if (number.ends_with(suffix)) {
            number.remove_suffix(std::string_view(suffix).size());
            shift = static_cast<uint64_t>(s);
            break;
        }
    }
    uint64_t value = TRY(parse_number(number, text));
    if (shift && value > (~0ull >> shift)) return error("'{}' is too large", text);
    return value << shift;
}

Result<uint64_t> parse_address(std::string_view text) {
    return parse_number(text, text);
}

}  // namespace svm
