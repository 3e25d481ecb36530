#include "core/machine/acpi_fixed.h"

#include "core/machine/acpi_builder.h"
#include "core/machine/pc/pc_layout.h"

namespace svm::acpi {

std::vector<uint8_t> build_fadt(uint64_t facs, uint64_t dsdt) {
    // Field offsets: ACPI 6.5, 5.2.9 table 5.9.
    Table t;
    sdt_header(t, "FACP", 6);
    t.le<uint32_t>(static_cast<uint32_t>(facs));  // 36 FIRMWARE_CTRL
    t.le<uint32_t>(static_cast<uint32_t>(dsdt));  // 40 DSDT
    t.le<uint8_t>(0);                             // 44 reserved (ACPI 1.0 INT_MODEL)
    t.le<uint8_t>(0);                             // 45 Preferred_PM_Profile: unspecified
    t.le<uint16_t>(pc::kIrqSci);                  // 46 SCI_INT
    t.le<uint32_t>(0);  // 48 SMI_CMD: 0 = no SMI port, ACPI mode is always on (5.2.9)
    t.le<uint8_t>(0);   // 52 ACPI_ENABLE
    t.le<uint8_t>(0);   // 53 ACPI_DISABLE
    t.le<uint8_t>(0);   // 54 S4BIOS_REQ
    t.le<uint8_t>(0);   // 55 PSTATE_CNT
    t.le<uint32_t>(pc::kAcpiPm1aEvent);    // 56 PM1a_EVT_BLK
    t.le<uint32_t>(0);                     // 60 PM1b_EVT_BLK
    t.le<uint32_t>(pc::kAcpiPm1aControl);  // 64 PM1a_CNT_BLK
    t.le<uint32_t>(0);                     // 68 PM1b_CNT_BLK
    t.le<uint32_t>(0);                     // 72 PM2_CNT_BLK
    t.le<uint32_t>(pc::kAcpiPmTimer);      // 76 PM_TMR_BLK
    t.le<uint32_t>(0);                     // 80 GPE0_BLK
    t.le<uint32_t>(0);                     // 84 GPE1_BLK
    t.le<uint8_t>(4);                      // 88 PM1_EVT_LEN: PM1_STS + PM1_EN
    t.le<uint8_t>(2);                      // 89 PM1_CNT_LEN
    t.le<uint8_t>(0);                      // 90 PM2_CNT_LEN
    t.le<uint8_t>(4);                      // 91 PM_TMR_LEN
    t.le<uint8_t>(0);                      // 92 GPE0_BLK_LEN
    t.le<uint8_t>(0);                      // 93 GPE1_BLK_LEN
    t.le<uint8_t>(0);                      // 94 GPE1_BASE
    t.le<uint8_t>(0);                      // 95 CST_CNT
    t.le<uint16_t>(101);                   // 96 P_LVL2_LAT > 100: no C2
    t.le<uint16_t>(1001);                  // 98 P_LVL3_LAT > 1000: no C3
    t.le<uint16_t>(0);                     // 100 FLUSH_SIZE
    t.le<uint16_t>(0);                     // 102 FLUSH_STRIDE
    t.le<uint8_t>(0);                      // 104 DUTY_OFFSET
    t.le<uint8_t>(0);                      // 105 DUTY_WIDTH
    t.le<uint8_t>(0);                      // 106 DAY_ALRM
    t.le<uint8_t>(0);                      // 107 MON_ALRM
    t.le<uint8_t>(pc::kCmosCentury);       // 108 CENTURY
    // 109 IAPC_BOOT_ARCH (5.2.9.3): LEGACY_DEVICES (bit 0) and 8042 (bit 1).
    t.le<uint16_t>(0x3);
    t.le<uint8_t>(0);  // 111 reserved
    // 112 Flags (table 5.10): WBINVD (0), PROC_C1 (2), PWR_BUTTON (4) and SLP_BUTTON (5) set =
    // no fixed-feature buttons, RESET_REG_SUP (10). TMR_VAL_EXT (8) clear: a 24-bit PM timer.
    t.le<uint32_t>((1u << 0) | (1u << 2) | (1u << 4) | (1u << 5) | (1u << 10));
    gas(t, kSpaceIo, 8, 1, pc::kResetControl);  // 116 RESET_REG
    t.le<uint8_t>(0x06);                        // 128 RESET_VALUE: full reset (0xCF9 bits 1, 2)
    t.le<uint16_t>(0);                          // 129 ARM_BOOT_ARCH
    t.le<uint8_t>(5);                           // 131 FADT minor version (6.5)
    t.le<uint64_t>(0);     // 132 X_FIRMWARE_CTRL: 0 because FIRMWARE_CTRL is set
    t.le<uint64_t>(dsdt);  // 140 X_DSDT (the same table as DSDT)
    gas(t, kSpaceIo, 32, 2, pc::kAcpiPm1aEvent);    // 148 X_PM1a_EVT_BLK
    gas(t, 0, 0, 0, 0);                             // 160 X_PM1b_EVT_BLK
    gas(t, kSpaceIo, 16, 2, pc::kAcpiPm1aControl);  // 172 X_PM1a_CNT_BLK
    gas(t, 0, 0, 0, 0);                             // 184 X_PM1b_CNT_BLK
    gas(t, 0, 0, 0, 0);                             // 196 X_PM2_CNT_BLK
    gas(t, kSpaceIo, 32, 3, pc::kAcpiPmTimer);      // 208 X_PM_TMR_BLK
    gas(t, 0, 0, 0, 0);                             // 220 X_GPE0_BLK
    gas(t, 0, 0, 0, 0);                             // 232 X_GPE1_BLK
    gas(t, 0, 0, 0, 0);                             // 244 SLEEP_CONTROL_REG
    gas(t, 0, 0, 0, 0);                             // 256 SLEEP_STATUS_REG
    t.bytes("SVM     ");                            // 268 hypervisor vendor identity
    finish_sdt(t);
    return t.data();
}

std::vector<uint8_t> build_facs() {
    // ACPI 6.5, 5.2.10 table 5.14.
    Table t;
    t.bytes("FACS");
    t.le<uint32_t>(64);  // length
    t.le<uint32_t>(0);   // hardware signature
    t.le<uint32_t>(0);   // firmware waking vector
    t.le<uint32_t>(0);   // global lock
    t.le<uint32_t>(0);   // flags
    t.le<uint64_t>(0);   // X firmware waking vector
    t.le<uint8_t>(2);    // version
    while (t.size() < 64) t.le<uint8_t>(0);
    return t.data();
}

namespace {

// An AML integer constant (20.2.3): ZeroOp, OneOp or BytePrefix + byte.
void aml_byte_const(std::vector<uint8_t>& out, uint8_t value) {
    if (value == 0) {
        out.push_back(0x00);
    } else if (value == 1) {
        out.push_back(0x01);
    } else {
        out.push_back(0x0A);
        out.push_back(value);
    }
}

}  // namespace

std::vector<uint8_t> s5_aml(uint8_t slp_typ) {
    std::vector<uint8_t> elements;
    aml_byte_const(elements, slp_typ);  // SLP_TYPa
    aml_byte_const(elements, slp_typ);  // SLP_TYPb
    aml_byte_const(elements, 0);        // reserved
    aml_byte_const(elements, 0);
    // PkgLength (20.2.4): one byte when the package (this byte included) is below 64 bytes.
    std::vector<uint8_t> out = {0x08, '\\', '_', 'S', '5', '_', 0x12};  // NameOp \_S5_ PackageOp
    out.push_back(static_cast<uint8_t>(1 + 1 + elements.size()));       // PkgLength
    out.push_back(4);                                                   // NumElements
    out.insert(out.end(), elements.begin(), elements.end());
    return out;
}

namespace {

// PkgLength (20.2.4) of a package whose contents (after the PkgLength) are `body` bytes: one byte
// up to 63 bytes in all, otherwise a lead byte (count of following bytes in bits 6-7, the low 4
// bits of the length) and 1-3 more bytes.
std::vector<uint8_t> aml_pkg_length(size_t body) {
    for (size_t extra = 0; extra <= 3; ++extra) {
        const size_t total = body + 1 + extra;
        if (extra == 0 && total <= 63) return {static_cast<uint8_t>(total)};
        if (extra > 0 && total < (size_t{1} << (4 + 8 * extra))) {
            std::vector<uint8_t> out = {static_cast<uint8_t>((extra << 6) | (total & 0x0f))};
            for (size_t i = 0; i < extra; ++i)
                out.push_back(static_cast<uint8_t>(total >> (4 + 8 * i)));
            return out;
        }
    }
    return {};  // beyond 2^28 bytes: never for svm's tables
}

// `op` (one or two bytes), PkgLength, `body`.
std::vector<uint8_t> aml_package(std::vector<uint8_t> op, const std::vector<uint8_t>& body) {
    auto length = aml_pkg_length(body.size());
    op.insert(op.end(), length.begin(), length.end());
    op.insert(op.end(), body.begin(), body.end());
    return op;
}

// Name (seg, <object>): NameOp, a 4-character NameSeg, the object's encoding.
void aml_name(std::vector<uint8_t>& out, const char (&seg)[5], const std::vector<uint8_t>& object) {
    out.push_back(0x08);
    out.insert(out.end(), seg, seg + 4);
    out.insert(out.end(), object.begin(), object.end());
}

std::vector<uint8_t> aml_string(std::string_view text) {
    std::vector<uint8_t> out = {0x0D};  // StringPrefix
    out.insert(out.end(), text.begin(), text.end());
    out.push_back(0);
    return out;
}

template <typename T>
void put_le(std::vector<uint8_t>& out, T value) {
    for (size_t i = 0; i < sizeof(T); ++i)
        out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i)));
}

// Device (VRnn) for one virtio-mmio transport.
std::vector<uint8_t> virtio_mmio_device(size_t index, const MmioDevice& device) {
    // The resource template (6.4): Memory32Fixed (6.4.3.4), Extended Interrupt (6.4.3.6), End Tag.
    std::vector<uint8_t> resources;
    resources.push_back(0x86);  // Memory32Fixed, large item
    put_le<uint16_t>(resources, 9);
    resources.push_back(1);  // read/write
    put_le<uint32_t>(resources, static_cast<uint32_t>(device.base));
    put_le<uint32_t>(resources, device.size);
    resources.push_back(0x89);  // Extended Interrupt
    put_le<uint16_t>(resources, 6);
    resources.push_back(0x01);  // consumer, level-triggered, active-high, exclusive
    resources.push_back(1);     // one interrupt
    put_le<uint32_t>(resources, device.irq);
    resources.push_back(0x79);  // End Tag, checksum 0 ("treat as summed")
    resources.push_back(0x00);

    std::vector<uint8_t> buffer_body;  // BufferSize, then the bytes
    aml_byte_const(buffer_body, static_cast<uint8_t>(resources.size()));
    buffer_body.insert(buffer_body.end(), resources.begin(), resources.end());

    std::vector<uint8_t> body;
    const char name[5] = {'V', 'R', static_cast<char>('0' + index / 10),
                          static_cast<char>('0' + index % 10), 0};
    body.insert(body.end(), name, name + 4);
    aml_name(body, "_HID", aml_string("LNRO0005"));
    std::vector<uint8_t> uid;
    aml_byte_const(uid, static_cast<uint8_t>(index));
    aml_name(body, "_UID", uid);
    aml_name(body, "_CCA", {0x01});  // cache-coherent DMA
    aml_name(body, "_CRS", aml_package({0x11}, buffer_body));  // BufferOp
    return aml_package({0x5B, 0x82}, body);                    // DeviceOp
}

}  // namespace

std::vector<uint8_t> build_dsdt(std::span<const MmioDevice> virtio_mmio) {
    Table t;
    sdt_header(t, "DSDT", 2);  // revision 2: 64-bit AML integers
    t.raw(s5_aml(pc::kAcpiSlpTypS5));
    if (!virtio_mmio.empty()) {
        std::vector<uint8_t> scope = {'\\', '_', 'S', 'B', '_'};
        for (size_t i = 0; i < virtio_mmio.size(); ++i) {
            auto device = virtio_mmio_device(i, virtio_mmio[i]);
            scope.insert(scope.end(), device.begin(), device.end());
        }
        t.raw(aml_package({0x10}, scope));  // ScopeOp
    }
    finish_sdt(t);
    return t.data();
}

uint32_t hpet_event_timer_block_id() {
    return (0x8086u << 16) | (1u << 15) | (1u << 13) |
           (static_cast<uint32_t>(pc::kHpetTimers - 1) << 8) | 0x01;
}

std::vector<uint8_t> build_hpet_table() {
    Table t;
    sdt_header(t, "HPET", 1);
    t.le<uint32_t>(hpet_event_timer_block_id());  // 36 event timer block id
    gas(t, kSpaceMemory, 64, 0, pc::kHpetBase);   // 40 base address
    t.le<uint8_t>(0);                             // 52 HPET number
    t.le<uint16_t>(0x80);  // 53 minimum clock ticks in periodic mode without lost interrupts
    t.le<uint8_t>(0);      // 55 page protection: none
    finish_sdt(t);
    return t.data();
}

}  // namespace svm::acpi
