// Seeds for boot_tables (layouts) and page_walker (paging structures in every mode).
#include <svm/hypercall.h>

#include <cstdint>
#include <string>

#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/seeds/seeds.h"

namespace svm::fuzz::seeds {

namespace {

// boot_tables' input (see boot_tables_fuzzer.cpp).
struct Range {
    uint32_t base, size;
    bool is_module;
};
struct Mapping {
    uint8_t kind;
    uint64_t vaddr, paddr;
    uint32_t size;
};
struct Device {
    uint8_t type;
    uint16_t io_base, io_size;
    uint8_t irq;
    uint64_t mmio_base;
    std::string name;
};
struct Layout {
    uint8_t ram = 4;  // 2 MiB
    uint8_t cpus = 1;
    bool long_mode = false;
    uint64_t entry = 0x100000;
    std::vector<Range> ranges;
    std::vector<Mapping> mappings;
    std::vector<Device> devices;
    std::string cmdline;
};

std::vector<uint8_t> encode(const Layout& l) {
    FuzzWriter w;
    w.u8(l.ram).u8(static_cast<uint8_t>(l.cpus - 1)).u8(l.long_mode ? 1 : 0).u64(l.entry);
    w.u8(static_cast<uint8_t>(l.ranges.size()));
    for (const Range& r : l.ranges) w.u32(r.base).u32(r.size).u8(r.is_module);
    w.u8(static_cast<uint8_t>(l.mappings.size()));
    for (const Mapping& m : l.mappings) w.u8(m.kind).u64(m.vaddr).u64(m.paddr).u32(m.size);
    w.u8(static_cast<uint8_t>(l.devices.size()));
    for (const Device& d : l.devices)
        w.u8(d.type).u16(d.io_base).u16(d.io_size).u8(d.irq).u64(d.mmio_base).sized_string(d.name);
    w.sized_string(l.cmdline);
    return w.data();
}

// The devices svm's PC lists in its machine table.
std::vector<Device> pc_devices() {
    return {{1, 0x3f8, 8, 4, 0, "com1"},         {2, 0xe9, 1, 0xff, 0, "debugcon"},
            {3, 0xf4, 4, 0xff, 0, "debug-exit"}, {5, 0, 0, 0xff, 0xfee00000, "lapic"},
            {6, 0, 0, 0, 0xfec00000, "ioapic"},  {10, 0xcf8, 8, 0xff, 0, "pci"},
            {11, 0x510, 12, 0xff, 0, "fw_cfg"},  {13, 0, 0, 0xff, 0xfed00000, "hpet"},
            {15, 0x60, 5, 1, 0, "i8042"},        {16, 0x70, 2, 8, 0, "rtc"}};
}

void boot_table_seeds(const Sink& sink) {
    auto seed = [&](const std::string& name, const Layout& l) {
        sink("boot_tables", name, encode(l));
    };
    seed("kernel-at-1m", Layout{.ranges = {{0x100000, 0x4000, false}},
                                .devices = pc_devices(),
                                .cmdline = "console=ttyS0"});
    seed("higher-half", Layout{.ram = 5,
                               .cpus = 4,
                               .long_mode = true,
                               .entry = 0xFFFFFFFF80100000ull,
                               .ranges = {{0x100000, 0x10000, false}, {0x200000, 0x1000, true}},
                               .mappings = {{1, 0x100000, 0x100000, 0x10000}}});
    seed("low-memory-full", Layout{.ram = 6,
                                   .cpus = 2,
                                   .long_mode = true,
                                   .ranges = {{0x500, 0x9F000 - 0x500, false},
                                              {0x100000, 0x20000, false},
                                              {0xC0000, 0x40000, true}},
                                   .devices = pc_devices()});
    seed("bios-area-taken", Layout{.ranges = {{0xE0000, 0x20000, false}, {0x0, 0x600, false}}});
    seed("many-cpus-long-cmdline",
         Layout{.ram = 7, .cpus = 64, .devices = pc_devices(), .cmdline = std::string(200, 'x')});
    seed("tiny-ram", Layout{.ram = 0, .ranges = {{0x1000, 0x800, false}}});
    seed("640k", Layout{.ram = 1, .ranges = {{0x10000, 0x1000, false}}});
    seed("raw-mappings", Layout{.ram = 4,
                                .long_mode = true,
                                .ranges = {{0x100000, 0x3000, false}},
                                .mappings = {{0, 0xFFFF800000000000ull, 0x100000, 0x3000},
                                             {0, 0x0000700000000123ull, 0x200123, 0x201000},
                                             {0, 0xFFFFFFFFFFFFF000ull, 0x1000, 0x2000}}});
}

// page_walker's operations (see page_walker_fuzzer.cpp).
class Walk {
public:
    Walk(uint8_t control, uint16_t cr3_page) { w_.u8(control).u16(cr3_page).u8(0); }
    Walk& link(uint16_t table, uint16_t index, uint16_t target, uint8_t flags, uint8_t high = 0) {
        w_.u8(1).u16(table).u16(index).u16(target).u8(flags).u8(high);
        return *this;
    }
    Walk& raw(uint32_t gpa, uint64_t value) {
        w_.u8(0).u32(gpa).u64(value);
        return *this;
    }
    Walk& translate(std::initializer_list<uint16_t> indices, uint16_t offset) {
        w_.u8(2);
        return linear(indices, offset);
    }
    Walk& read(std::initializer_list<uint16_t> indices, uint16_t offset, uint16_t length) {
        w_.u8(3);
        linear(indices, offset);
        w_.u16(length);
        return *this;
    }
    Walk& write(std::initializer_list<uint16_t> indices, uint16_t offset, std::string_view bytes) {
        w_.u8(4);
        linear(indices, offset);
        w_.sized_string(bytes);
        return *this;
    }
    Walk& hypercall(uint8_t function, uint64_t rbx, uint64_t rcx = 0, uint64_t rsi = 0) {
        w_.u8(5).u8(function).u64(rbx).u64(rcx).u64(rsi).u64(0).u8('k');
        return *this;
    }
    const std::vector<uint8_t>& data() const { return w_.data(); }

private:
    // Indices for levels 5..1 (missing ones are 0) and the page offset.
    Walk& linear(std::initializer_list<uint16_t> indices, uint16_t offset) {
        w_.u8(0);
        std::vector<uint16_t> all(indices);
        all.resize(5, 0);
        for (uint16_t i : all) w_.u16(i);
        w_.u16(offset);
        return *this;
    }
    FuzzWriter w_;
};

constexpr uint8_t kPg = 1, kPae = 2, kLma = 4, kLa57 = 8, kPse = 16, kNxe = 32, kCsL = 64;
constexpr uint8_t kP = 1, kRw = 2, kUs = 4, kPs = 0x80;

void page_walker_seeds(const Sink& sink) {
    // 4-level: PML4 page 1 -> PDPT 2 -> PD 3 -> PT 4 -> page 5; a 2 MiB page at PD[1].
    sink("page_walker", "level4",
         Walk(kPg | kPae | kLma | kNxe | kCsL, 1)
             .link(1, 0, 2, kP | kRw | kUs)
             .link(2, 0, 3, kP | kRw | kUs)
             .link(3, 0, 4, kP | kRw | kUs)
             .link(4, 0, 5, kP | kRw | kUs)
             .link(3, 1, 0, kP | kRw | kPs, 0x80)
             .raw(0x5010, 0x6f6c6c6568)  // "hello"
             .translate({0, 0, 0, 0, 0}, 0x10)
             .translate({0, 0, 0, 1, 7}, 0x123)
             .read({0, 0, 0, 0, 0}, 0xff0, 0x40)
             .write({0, 0, 0, 0, 0}, 0x20, "written")
             .hypercall(SVM_HC_WRITE, 0x10, 5)
             .hypercall(SVM_HC_TRANSLATE, 0x10)
             .hypercall(SVM_HC_PRINT_U64, 0x1234, 0, SVM_FMT_DEC)
             .hypercall(SVM_HC_PUTCHAR, 'A')
             .hypercall(SVM_HC_GETCHAR, 0)
             .data());
    // 5-level, with a 1 GiB page at the PDPT.
    sink("page_walker", "level5",
         Walk(kPg | kPae | kLma | kLa57 | kCsL, 1)
             .link(1, 0, 2, kP | kRw)
             .link(2, 0, 3, kP | kRw)
             .link(3, 0, 4, kP | kRw)
             .link(4, 0, 5, kP | kRw)
             .link(5, 0, 6, kP | kRw)
             .link(3, 3, 0, kP | kPs)
             .translate({0, 0, 0, 0, 0}, 0x8)
             .translate({0, 0, 3, 0, 0}, 0x8)
             .read({0, 0, 0, 0, 0}, 0, 0x2000)
             .data());
    // PAE: four PDPTEs at CR3, then a PD and a PT; a 2 MiB page.
    sink("page_walker", "pae",
         Walk(kPg | kPae, 1)
             .link(1, 0, 2, kP)
             .link(2, 0, 3, kP | kRw | kUs)
             .link(3, 2, 7, kP | kRw)
             .link(2, 1, 0, kP | kPs)
             .translate({0, 0, 0, 0, 2}, 0x44)
             .translate({0, 0, 0, 1, 0}, 0x44)
             .hypercall(SVM_HC_WRITE, 0x2044, 3)
             .data());
    // 32-bit paging with PSE: 4-byte entries, a 4 MiB page.
    sink("page_walker", "bits32",
         Walk(kPg | kPse, 1)
             .link(1, 0, 2, kP | kRw | kUs)
             .link(2, 5, 9, kP | kRw)
             .link(1, 3, 0, kP | kPs)
             .translate({0, 0, 0, 0, 5}, 0x10)
             .translate({0, 0, 0, 6, 0}, 0x10)
             .write({0, 0, 0, 0, 5}, 0xffe, "spans two pages")
             .data());
    // Paging off, in real and protected mode.
    sink("page_walker", "paging-off",
         Walk(0, 0).translate({0, 0, 0, 0, 0x100}, 0).hypercall(SVM_HC_WRITE, 0x100000, 4).data());
}

}  // namespace

void table_seeds(const Sink& sink) {
    boot_table_seeds(sink);
    page_walker_seeds(sink);
}

}  // namespace svm::fuzz::seeds
