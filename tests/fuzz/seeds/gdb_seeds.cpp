// The gdb_session seed: the conversation gdb 13 had with svm (tests/unit/gdbstub/data/
// gdb13_session.txt, one packet payload per line), framed as "$payload#checksum" packets.
#include <fstream>
#include <string>

#include "tests/fuzz/seeds/seeds.h"

namespace svm::fuzz::seeds {

void gdb_seeds(const Sink& sink, const std::string& source_root) {
    std::ifstream in(source_root + "/tests/unit/gdbstub/data/gdb13_session.txt");
    std::vector<uint8_t> framed;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        uint8_t sum = 0;
        for (char c : line) sum = static_cast<uint8_t>(sum + static_cast<uint8_t>(c));
        const char* hex = "0123456789abcdef";
        std::string packet = "$" + line + "#" + hex[sum >> 4] + hex[sum & 15];
        framed.insert(framed.end(), packet.begin(), packet.end());
    }
    if (!framed.empty()) sink("gdb_session", "gdb13", framed);
}

}  // namespace svm::fuzz::seeds
