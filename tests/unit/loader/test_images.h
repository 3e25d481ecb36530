// Builders for the kernel images the loader tests feed to load_kernel(): ELF32/ELF64 executables
// made from <elf.h> structs, and Multiboot 1 / Multiboot 2 headers as byte vectors.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/guest_memory.h"

namespace svm::test {

using Bytes = std::vector<uint8_t>;

struct TestSegment {
    uint64_t vaddr;
    uint64_t paddr;
    Bytes data;
    uint64_t memsz;
};

// An ET_EXEC image: header, program headers, then each segment's data 16-byte aligned. With
// `with_symtab`, adds .symtab/.strtab (not SHF_ALLOC) and .shstrtab sections and a section header
// table (e_shstrndx 3). Offsets of the structures: see phdr_offset().
Bytes make_elf64(const std::vector<TestSegment>& segments, uint64_t entry,
                 bool with_symtab = false);
Bytes make_elf32(const std::vector<TestSegment>& segments, uint64_t entry,
                 bool with_symtab = false);
// The file offset of program header `index` in a make_elf64/make_elf32 image.
uint64_t phdr_offset(bool is64, unsigned index);
// The file offset of segment `index`'s data in a make_elf* image with these segments.
uint64_t segment_data_offset(bool is64, const std::vector<TestSegment>& segments, unsigned index);
// The bytes of .strtab in a with_symtab image.
Bytes test_strtab();

// A Multiboot 1 header: magic, flags, checksum, and with flags bit 16 the five address fields.
Bytes mb1_header(uint32_t flags, uint32_t header_addr = 0, uint32_t load_addr = 0,
                 uint32_t load_end_addr = 0, uint32_t bss_end_addr = 0, uint32_t entry_addr = 0);

// A Multiboot 2 header under construction: add tags, then bytes() appends the end tag and sets
// header_length and the checksum.
class Mb2Header {
public:
    Mb2Header& tag(uint16_t type, uint16_t flags, const std::vector<uint32_t>& payload);
    Bytes bytes() const;

private:
    Bytes tags_;
};

// Writes `value` at `offset` of `bytes` (which must be large enough).
template <typename T>
void poke(Bytes& bytes, uint64_t offset, const T& value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

Bytes concat(Bytes a, const Bytes& b);
Bytes pattern(size_t size, uint8_t seed);  // distinguishable, non-zero contents

// 64 MiB of guest RAM filled with 0xCC, so unzeroed BSS shows.
GuestMemory garbage_memory();
template <typename T>
T peek(const GuestMemory& memory, uint64_t gpa) {
    return memory.read_obj<T>(gpa).value();
}
Bytes peek_bytes(const GuestMemory& memory, uint64_t gpa, size_t size);
std::string peek_string(const GuestMemory& memory, uint64_t gpa);

// Writes `contents` to a new file under the test temp directory and returns its path.
std::string write_temp_file(const std::string& name, const Bytes& contents);

}  // namespace svm::test
