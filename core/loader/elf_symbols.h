// The symbol table (.symtab, SHT_SYMTAB, with its linked string table) of an ELF kernel, for
// naming code addresses in debugger output (`monitor idt`: "<isr_page_fault+0x12>").
// Format: System V gABI chapter 4, "Sections" and "Symbol Table".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace svm {

class ElfSymbols {
public:
    struct Symbol {
        uint64_t value = 0;  // st_value: the symbol's (virtual) address
        uint64_t size = 0;   // st_size; 0 for many assembly labels
        std::string name;
    };
    struct Match {
        const Symbol* symbol = nullptr;
        uint64_t offset = 0;  // address - symbol->value
    };

    // Reads the SHT_SYMTAB section of the ELF32 or ELF64 image `file` (ElfFile::parse rules: an
    // x86 executable). Keeps defined function, object and untyped symbols with a name; drops
    // section, file and undefined symbols. Returns an error for a file that is not such an ELF
    // image; an image without a symbol table (stripped) gives an empty table, not an error.
    // Every offset and size the file gives is checked against it.
    static Result<ElfSymbols> parse(std::span<const uint8_t> file);

    // The symbol that holds guest-virtual `address`: the highest symbol at or below it, if its
    // size covers the address or it has no size (an assembly label: the nearest label before the
    // address names it). nullopt if none does.
    std::optional<Match> lookup(uint64_t address) const;

    // "<name+0x12>", "<name>" at offset 0, or "" if lookup() finds nothing.
    std::string describe(uint64_t address) const;

    size_t size() const { return symbols_.size(); }
    bool empty() const { return symbols_.empty(); }

private:
    std::vector<Symbol> symbols_;  // sorted by value
};

}  // namespace svm
