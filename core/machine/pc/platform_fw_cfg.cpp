// svm's fw_cfg contents (QEMU docs/specs/fw_cfg.rst).
#include "core/machine/pc/platform_fw_cfg.h"

namespace svm {
namespace {

void put_le(std::vector<uint8_t>& out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint32_t e820_type(uint32_t svm_type) {
    switch (svm_type) {
        case SVM_MEM_RAM:
        case SVM_MEM_KERNEL:
        case SVM_MEM_MODULE:
            return kE820Ram;
        default:
            return kE820Reserved;
    }
}

}  // namespace

std::vector<uint8_t> encode_e820(std::span<const svm_mem_range> map) {
    struct Entry {
        uint64_t base, length;
        uint32_t type;
    };
    std::vector<Entry> entries;
    for (const svm_mem_range& r : map) {
        if (r.length == 0) continue;
        uint32_t type = e820_type(r.type);
        if (!entries.empty() && entries.back().type == type &&
            entries.back().base + entries.back().length == r.base) {
            entries.back().length += r.length;
        } else {
            entries.push_back({r.base, r.length, type});
        }
    }
    std::vector<uint8_t> out;
    for (const Entry& e : entries) {
        put_le(out, e.base, 8);
        put_le(out, e.length, 8);
        put_le(out, e.type, 4);
    }
    return out;
}

std::shared_ptr<FwCfg> make_fw_cfg(DeviceContext& ctx) {
    GuestMemory* memory = &ctx.memory;  // outlives the device (owned by the machine)
    FwCfg::Memory dma{
        [memory](uint64_t gpa, std::span<uint8_t> out) {
            return memory->read(gpa, out).has_value();
        },
        [memory](uint64_t gpa, std::span<const uint8_t> in) {
            return memory->write(gpa, in).has_value();
        },
    };
    auto fw_cfg = std::make_shared<FwCfg>(std::move(dma));
    uint64_t ram = ctx.config.memory_size;
    auto cpus = static_cast<uint16_t>(ctx.cpus);
    fw_cfg->add_item(FwCfg::kRamSize, [ram] {
        std::vector<uint8_t> v;
        put_le(v, ram, 8);
        return v;
    });
    auto cpu_count = [cpus] {
        std::vector<uint8_t> v;
        put_le(v, cpus, 2);
        return v;
    };
    fw_cfg->add_item(FwCfg::kNbCpus, cpu_count);
    fw_cfg->add_item(FwCfg::kMaxCpus, cpu_count);
    // The memory map is only complete once the machine is built: read it when the guest asks.
    fw_cfg->add_file("etc/e820", [map = ctx.memory_map] {
        std::vector<svm_mem_range> ranges = map ? map() : std::vector<svm_mem_range>{};
        return encode_e820(ranges);
    });
    return fw_cfg;
}

}  // namespace svm
