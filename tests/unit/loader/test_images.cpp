#include "test_images.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <fstream>

namespace svm::test {

static void align_to(Bytes& bytes, size_t alignment) {
    bytes.resize((bytes.size() + alignment - 1) / alignment * alignment, 0);
}

template <typename T>
static size_t append(Bytes& bytes, const T& value) {
    size_t offset = bytes.size();
    bytes.resize(offset + sizeof(T));
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
    return offset;
}

static size_t append_bytes(Bytes& bytes, const Bytes& more) {
    size_t offset = bytes.size();
    bytes.insert(bytes.end(), more.begin(), more.end());
    return offset;
}

Bytes test_strtab() {
    return Bytes{0, 'm', 'a', 'i', 'n', 0};
}

template <typename Ehdr, typename Phdr, typename Shdr, typename Sym>
static Bytes make_elf(const std::vector<TestSegment>& segments, uint64_t entry, bool with_symtab,
                      unsigned char elf_class, uint16_t machine) {
    Bytes image(sizeof(Ehdr) + segments.size() * sizeof(Phdr), 0);
    std::vector<uint64_t> offsets;
    for (const auto& segment : segments) {
        align_to(image, 16);
        offsets.push_back(append_bytes(image, segment.data));
    }
    Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = elf_class;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry;
    eh.e_phoff = sizeof(Ehdr);
    eh.e_ehsize = sizeof(Ehdr);
    eh.e_phentsize = sizeof(Phdr);
    eh.e_phnum = static_cast<uint16_t>(segments.size());
    for (size_t i = 0; i < segments.size(); ++i) {
        Phdr ph{};
        ph.p_type = PT_LOAD;
        ph.p_flags = PF_R | PF_W | PF_X;
        ph.p_offset = offsets[i];
        ph.p_vaddr = segments[i].vaddr;
        ph.p_paddr = segments[i].paddr;
        ph.p_filesz = segments[i].data.size();
        ph.p_memsz = segments[i].memsz;
        ph.p_align = 16;
        std::memcpy(image.data() + sizeof(Ehdr) + i * sizeof(Phdr), &ph, sizeof(ph));
    }
    if (with_symtab) {
        align_to(image, 8);
        Sym symbols[2]{};
        symbols[1].st_name = 1;  // "main"
        symbols[1].st_value = static_cast<decltype(symbols[1].st_value)>(entry);
        size_t symtab = image.size();
        append(image, symbols);
        size_t strtab = append_bytes(image, test_strtab());
        const char names[] = "\0.symtab\0.strtab\0.shstrtab";
        size_t shstrtab = append_bytes(image, Bytes(names, names + sizeof(names)));
        align_to(image, 8);
        eh.e_shoff = image.size();
        eh.e_shentsize = sizeof(Shdr);
        eh.e_shnum = 4;
        eh.e_shstrndx = 3;
        Shdr shdrs[4]{};
        auto section = [&](Shdr& shdr, uint32_t name, uint32_t type, size_t offset, size_t size) {
            shdr.sh_name = name;
            shdr.sh_type = type;
            shdr.sh_offset = static_cast<decltype(shdr.sh_offset)>(offset);
            shdr.sh_size = static_cast<decltype(shdr.sh_size)>(size);
            shdr.sh_addralign = 1;
        };
        section(shdrs[1], 1, SHT_SYMTAB, symtab, sizeof(symbols));
        shdrs[1].sh_link = 2;
        shdrs[1].sh_info = 1;
        shdrs[1].sh_entsize = sizeof(Sym);
        section(shdrs[2], 9, SHT_STRTAB, strtab, test_strtab().size());
        section(shdrs[3], 17, SHT_STRTAB, shstrtab, sizeof(names));
        append(image, shdrs);
    }
    std::memcpy(image.data(), &eh, sizeof(eh));
    return image;
}

Bytes make_elf64(const std::vector<TestSegment>& segments, uint64_t entry, bool with_symtab) {
    return make_elf<Elf64_Ehdr, Elf64_Phdr, Elf64_Shdr, Elf64_Sym>(segments, entry, with_symtab,
                                                                   ELFCLASS64, EM_X86_64);
}

Bytes make_elf32(const std::vector<TestSegment>& segments, uint64_t entry, bool with_symtab) {
    return make_elf<Elf32_Ehdr, Elf32_Phdr, Elf32_Shdr, Elf32_Sym>(segments, entry, with_symtab,
                                                                   ELFCLASS32, EM_386);
}

uint64_t phdr_offset(bool is64, unsigned index) {
    return is64 ? sizeof(Elf64_Ehdr) + index * sizeof(Elf64_Phdr)
                : sizeof(Elf32_Ehdr) + index * sizeof(Elf32_Phdr);
}

uint64_t segment_data_offset(bool is64, const std::vector<TestSegment>& segments, unsigned index) {
    uint64_t offset = phdr_offset(is64, static_cast<unsigned>(segments.size()));
    for (unsigned i = 0;; ++i) {
        offset = (offset + 15) / 16 * 16;
        if (i == index) return offset;
        offset += segments[i].data.size();
    }
}

Bytes mb1_header(uint32_t flags, uint32_t header_addr, uint32_t load_addr, uint32_t load_end_addr,
                 uint32_t bss_end_addr, uint32_t entry_addr) {
    Bytes header;
    append(header, uint32_t{0x1BADB002});
    append(header, flags);
    append(header, uint32_t(0u - 0x1BADB002u - flags));
    if (flags & (1u << 16)) {
        for (uint32_t field : {header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr})
            append(header, field);
    }
    return header;
}

Mb2Header& Mb2Header::tag(uint16_t type, uint16_t flags, const std::vector<uint32_t>& payload) {
    align_to(tags_, 8);
    append(tags_, type);
    append(tags_, flags);
    append(tags_, uint32_t(8 + 4 * payload.size()));
    for (uint32_t word : payload) append(tags_, word);
    return *this;
}

Bytes Mb2Header::bytes() const {
    Bytes tags = tags_;
    align_to(tags, 8);
    append(tags, uint16_t{0});
    append(tags, uint16_t{0});
    append(tags, uint32_t{8});
    uint32_t length = static_cast<uint32_t>(16 + tags.size());
    Bytes header;
    append(header, uint32_t{0xE85250D6});
    append(header, uint32_t{0});
    append(header, length);
    append(header, uint32_t(0u - 0xE85250D6u - length));
    append_bytes(header, tags);
    return header;
}

Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

Bytes pattern(size_t size, uint8_t seed) {
    Bytes bytes(size);
    for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(seed + i * 7) | 1;
    return bytes;
}

GuestMemory garbage_memory() {
    auto memory = GuestMemory::create(64 << 20).value();
    memory.fill(0, 0xCC, memory.size()).value();
    return memory;
}

Bytes peek_bytes(const GuestMemory& memory, uint64_t gpa, size_t size) {
    Bytes bytes(size);
    memory.read(gpa, bytes).value();
    return bytes;
}

std::string peek_string(const GuestMemory& memory, uint64_t gpa) {
    std::string text;
    for (char c; (c = static_cast<char>(peek<uint8_t>(memory, gpa))) != 0; ++gpa) text += c;
    return text;
}

std::string write_temp_file(const std::string& name, const Bytes& contents) {
    std::string path = ::testing::TempDir() + "svm_loader_test_" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(contents.data()), std::streamsize(contents.size()));
    return path;
}

}  // namespace svm::test
