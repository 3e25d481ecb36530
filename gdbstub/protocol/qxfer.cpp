#include "gdbstub/protocol/qxfer.h"

#include <algorithm>

#include "gdbstub/protocol/hex.h"

namespace svm::gdb::protocol {

std::optional<QxferRequest> parse_qxfer_read(std::string_view args) {
    QxferRequest request;
    auto object = split_once(args, ':');
    if (!object) return std::nullopt;
    request.object = object->first;
    auto op = split_once(object->second, ':');
    if (!op || op->first != "read") return std::nullopt;
    auto annex = split_once(op->second, ':');
    if (!annex) return std::nullopt;
    request.annex = annex->first;
    auto range = split_once(annex->second, ',');
    if (!range) return std::nullopt;
    auto offset = parse_hex(range->first);
    auto length = parse_hex(range->second);
    if (!offset || !length) return std::nullopt;
    request.offset = *offset;
    request.length = *length;
    return request;
}

std::string qxfer_slice(std::string_view document, uint64_t offset, uint64_t length,
                        uint64_t max_length) {
    if (offset >= document.size()) return "l";
    uint64_t n = std::min({length, max_length, uint64_t(document.size() - offset)});
    bool last = offset + n >= document.size();
    return (last ? "l" : "m") + std::string(document.substr(offset, n));
}

std::string xml_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace svm::gdb::protocol
