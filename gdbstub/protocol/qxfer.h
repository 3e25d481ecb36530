// qXfer reads (GDB manual E.4 "General Query Packets", qXfer:object:read:annex:offset,length):
// the reply is 'm' + data if more follows, 'l' + data if this is the last part.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace svm::gdb::protocol {

struct QxferRequest {
    std::string_view object;  // "features", "threads", "exec-file"
    std::string_view annex;   // "target.xml", "", a pid
    uint64_t offset = 0;
    uint64_t length = 0;
};

// Parses the text after "qXfer:" ("features:read:target.xml:0,ffb"); std::nullopt if malformed
// or not a read.
std::optional<QxferRequest> parse_qxfer_read(std::string_view args);

// Returns the reply for reading [offset, offset + length) of `document`, at most `max_length`
// bytes: "l" alone at or past the end.
std::string qxfer_slice(std::string_view document, uint64_t offset, uint64_t length,
                        uint64_t max_length);

// Returns `text` with &, <, >, " and ' replaced by XML entities.
std::string xml_escape(std::string_view text);

}  // namespace svm::gdb::protocol
