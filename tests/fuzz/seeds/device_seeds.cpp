// Seeds for the device targets: what drivers do first (Linux's 8250 probe, an i8042 and PS/2
// initialisation, a PCI scan, RTC and HPET timer set-up, fw_cfg over ports and DMA, a VGA text
// console, the compat ABIs), in each target's operation format.
#include <svm/hypercall.h>

#include <cstdint>
#include <string>

#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/seeds/seeds.h"

namespace svm::fuzz::seeds {

namespace {

// uart16550's operations (see uart16550_fuzzer.cpp).
class UartOps {
public:
    UartOps& in(uint8_t offset, uint8_t size_code = 0) {
        w_.u8(0).u8(offset).u8(size_code);
        return *this;
    }
    UartOps& out(uint8_t offset, uint64_t value, uint8_t size_code = 0) {
        w_.u8(1).u8(offset).u8(size_code).u64(value);
        return *this;
    }
    UartOps& receive(std::string_view text) {
        w_.u8(2).sized_string(text);
        return *this;
    }
    UartOps& take() {
        w_.u8(3);
        return *this;
    }
    UartOps& flood(uint16_t count) {
        w_.u8(4).u16(count);
        return *this;
    }
    UartOps& check_irq() {
        w_.u8(5);
        return *this;
    }
    const std::vector<uint8_t>& data() const { return w_.data(); }

private:
    FuzzWriter w_;
};

void uart_seeds(const Sink& sink) {
    // Linux's 8250 set-up: 115200 8N1, FIFOs, OUT2, then interrupts and some traffic.
    UartOps init;
    init.out(3, 0x80).out(0, 0x01).out(1, 0x00).out(3, 0x03).out(2, 0xc7).out(4, 0x0b);
    init.out(1, 0x03).check_irq().in(2).check_irq();
    sink("uart16550", "linux-init",
         UartOps(init)
             .out(0, 'o')
             .out(0, 'k')
             .receive("typed")
             .in(5)
             .in(0)
             .in(0)
             .take()
             .in(5)
             .check_irq()
             .in(6)
             .data());
    // The loopback self-test drivers run, and the modem-status deltas it produces.
    sink("uart16550", "loopback",
         UartOps(init)
             .out(4, 0x1f)
             .in(6)
             .out(0, 0x55)
             .in(5)
             .in(0)
             .out(4, 0x0b)
             .in(6)
             .check_irq()
             .data());
    // Overrun: more input than the buffer holds, with line-status interrupts on.
    sink("uart16550", "overrun",
         UartOps(init)
             .out(1, 0x05)
             .flood(4160)
             .check_irq()
             .in(5)
             .check_irq()
             .in(0, 3)
             .take()
             .out(2, 0x07)
             .in(5)
             .data());
    // Wide accesses across the register file and past it.
    sink("uart16550", "wide",
         UartOps().in(0, 3).out(4, 0x0102030405060708ull, 3).in(6, 2).in(7, 1).in(9, 0).data());
}

// bus' operations (see bus_fuzzer.cpp).
class BusOps {
public:
    BusOps& add_small(uint16_t base, uint16_t length, uint8_t device = 0) {
        w_.u8(0).u8(1).u16(base).u8(1).u16(length).u8(device);
        return *this;
    }
    BusOps& add_raw(uint64_t base, uint64_t length) {
        w_.u8(0).u8(0).u64(base).u8(0).u64(length).u8(0);
        return *this;
    }
    BusOps& access(bool write, uint16_t addr, uint8_t size_code) {
        w_.u8(write ? 2 : 1).u8(1).u16(addr).u8(size_code);
        if (write) w_.u64(0x1122334455667788ull);
        return *this;
    }
    BusOps& near(bool write, uint8_t range, int8_t delta, uint8_t size_code) {
        w_.u8(write ? 2 : 1).u8(3).u8(range).u8(static_cast<uint8_t>(delta)).u8(size_code);
        if (write) w_.u64(0x55);
        return *this;
    }
    BusOps& top(bool write, uint16_t below, uint8_t size_code) {
        w_.u8(write ? 2 : 1).u8(2).u16(below).u8(size_code);
        if (write) w_.u64(1);
        return *this;
    }
    BusOps& check() {
        w_.u8(3);
        return *this;
    }
    const std::vector<uint8_t>& data() const { return w_.data(); }

private:
    FuzzWriter w_;
};

void bus_seeds(const Sink& sink) {
    // svm's port map: COM1, the 0xE9 console, the exit port; a refused overlap; accesses inside,
    // across the ends and beside them.
    sink("bus", "ports",
         BusOps()
             .add_small(0x3f8, 8)
             .add_small(0xe9, 1)
             .add_small(0xf4, 4)
             .add_small(0x3fc, 8)
             .add_small(0x400, 0)
             .access(false, 0x3fd, 0)
             .access(true, 0x3f8, 2)
             .access(false, 0x3fe, 2)
             .access(false, 0x3ff, 3)
             .access(true, 0xe9, 0)
             .access(false, 0xea, 0)
             .near(false, 2, 3, 0)
             .near(true, 2, 4, 0)
             .access(false, 0x80, 0)
             .access(false, 0x80, 0)
             .check()
             .data());
    // MMIO: the HPET and a range at the very top of the address space (which overflows).
    sink("bus", "mmio",
         BusOps()
             .add_raw(0xfed00000, 0x400)
             .add_raw(0xfffffffffffff000ull, 0x1000)
             .add_raw(0xffffffffffff0000ull, 0x1000)
             .near(false, 0, 0, 3)
             .near(false, 0, -1, 3)
             .top(false, 0, 0)
             .top(true, 3, 2)
             .top(false, 0x10, 3)
             .check()
             .data());
    // More unclaimed addresses than the bus keeps counters for.
    BusOps many;
    for (uint16_t a = 0; a < 70; ++a) many.access(a % 2, static_cast<uint16_t>(0x1000 + a * 3), 0);
    sink("bus", "unclaimed-overflow", many.check().data());
}

// port_storm's operations (see port_storm_fuzzer.cpp). Ports are given raw (device byte 0xFF).
class Storm {
public:
    explicit Storm(uint8_t config = 0) { w_.u8(config).u32(1718452800); }  // 2024-06-15 12:00
    Storm& in(uint16_t port, uint8_t size_code = 0) {
        w_.u8(0);
        port_(port);
        w_.u8(size_code);
        return *this;
    }
    Storm& out(uint16_t port, uint32_t value, uint8_t size_code = 0) {
        w_.u8(1);
        port_(port);
        w_.u8(size_code).u32(value);
        return *this;
    }
    Storm& outs(uint16_t port, std::initializer_list<uint8_t> values) {
        for (uint8_t v : values) out(port, v);
        return *this;
    }
    Storm& mmio_read(uint16_t hpet_offset, uint8_t size_code = 3) {
        w_.u8(2).u8(0).u16(hpet_offset).u8(size_code);
        return *this;
    }
    Storm& mmio_write(uint16_t hpet_offset, uint64_t value, uint8_t size_code = 3) {
        w_.u8(3).u8(0).u16(hpet_offset).u8(size_code).u64(value);
        return *this;
    }
    Storm& window_read(uint16_t offset) {
        w_.u8(2).u8(1).u16(offset).u8(2);
        return *this;
    }
    Storm& advance(uint8_t shift, uint16_t count) {
        w_.u8(4).u8(shift).u16(count);
        return *this;
    }
    Storm& next_deadline() {
        w_.u8(5);
        return *this;
    }
    Storm& type(std::string_view text) {
        w_.u8(6).sized_string(text);
        return *this;
    }
    Storm& mouse(int8_t dx, int8_t dy, uint8_t buttons, int8_t dz = 0) {
        w_.u8(7).u8(static_cast<uint8_t>(dx)).u8(static_cast<uint8_t>(dy)).u8(buttons);
        w_.u8(static_cast<uint8_t>(dz));
        return *this;
    }
    Storm& com1(std::string_view text) {
        w_.u8(8).sized_string(text);
        return *this;
    }
    Storm& poke(uint32_t gpa, std::string_view bytes) {
        w_.u8(9).u32(gpa).sized_string(bytes);
        return *this;
    }
    Storm& dma(uint32_t gpa, uint32_t control, uint32_t length, uint32_t buffer, bool wide) {
        w_.u8(10).u32(gpa).u32(control).u32(length).u32(buffer).u8(wide);
        return *this;
    }
    Storm& render() {
        w_.u8(11);
        return *this;
    }
    Storm& bl(uint8_t value) {
        w_.u8(12).u8(value);
        return *this;
    }
    const std::vector<uint8_t>& data() const { return w_.data(); }

private:
    void port_(uint16_t port) {
        w_.u8(0xff).u8(static_cast<uint8_t>(port)).u8(static_cast<uint8_t>(port >> 8));
    }
    FuzzWriter w_;
};

constexpr uint8_t kByte = 0, kWord = 1, kDword = 2;

void storm_seeds(const Sink& sink) {
    // A PCI scan of bus 0 and a reset through 0xCF9.
    Storm pci;
    for (uint32_t dev = 0; dev < 4; ++dev)
        pci.out(0xcf8, 0x80000000u | dev << 11, kDword).in(0xcfc, kDword).in(0xcfe, kWord);
    pci.out(0xcf8, 0x80000004u, kDword).out(0xcfc, 0xffffffff, kDword).in(0xcfc, kDword);
    pci.out(0xcf8, 0x80000010u, kDword).in(0xcfd, kByte).in(0xcf9).out(0xcf9, 0x06);
    sink("port_storm", "pci-scan", pci.data());

    // i8042: disable, flush, configuration, self-tests, keyboard reset and scan set, the mouse
    // with the IntelliMouse knock, typing and movement.
    Storm ps2;
    ps2.outs(0x64, {0xad, 0xa7}).in(0x60).in(0x64).out(0x64, 0x20).in(0x60);
    ps2.out(0x64, 0x60).out(0x60, 0x47).out(0x64, 0xaa).in(0x60).out(0x64, 0xab).in(0x60);
    ps2.outs(0x64, {0xae, 0xa8}).out(0x60, 0xff).in(0x60).in(0x60).out(0x60, 0xf0).out(0x60, 0x02);
    ps2.in(0x60).in(0x60).out(0x60, 0xf4).in(0x60);
    for (uint8_t rate : {200, 100, 80})
        ps2.out(0x64, 0xd4).out(0x60, 0xf3).out(0x64, 0xd4).out(0x60, rate);
    ps2.out(0x64, 0xd4).out(0x60, 0xf2).in(0x60).in(0x60).out(0x64, 0xd4).out(0x60, 0xf4).in(0x60);
    ps2.type("Hi!\n\x1b[A").mouse(5, -3, 1, 1);
    for (int i = 0; i < 12; ++i) ps2.in(0x64).in(0x60);
    ps2.out(0x64, 0xd1).out(0x60, 0xdf).out(0x64, 0xfe);
    sink("port_storm", "ps2", ps2.data());

    // CMOS and RTC: read the time, periodic interrupt at 1024 Hz, the alarm, setting the time.
    Storm rtc;
    for (uint8_t reg : {0x0a, 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32, 0x0b, 0x10, 0x15})
        rtc.out(0x70, reg).in(0x71);
    rtc.out(0x70, 0x8b).out(0x71, 0x42).out(0x70, 0x0a).out(0x71, 0x26);
    rtc.out(0x70, 0x01).out(0x71, 0xff).out(0x70, 0x03).out(0x71, 0xff).out(0x70, 0x05);
    rtc.out(0x71, 0xff).out(0x70, 0x0b).out(0x71, 0x72);
    for (int i = 0; i < 4; ++i) rtc.next_deadline().out(0x70, 0x0c).in(0x71);
    rtc.advance(21, 1000).out(0x70, 0x0c).in(0x71);  // 2.1 s
    rtc.out(0x70, 0x0b).out(0x71, 0x86).out(0x70, 0x09).out(0x71, 0x99).out(0x70, 0x32);
    rtc.out(0x71, 0x19).out(0x70, 0x04).out(0x71, 0x23).out(0x70, 0x0b).out(0x71, 0x02);
    rtc.out(0x70, 0x00).in(0x71).in(0x70, kWord);
    sink("port_storm", "rtc", rtc.data());

    // The RTC before 1970 (negative time): periodic interrupts must stay on their boundaries.
    Storm rtc1950;
    rtc1950.advance(20, 300).out(0x70, 0x0a).out(0x71, 0x2f).out(0x70, 0x32).out(0x71, 0x19);
    rtc1950.out(0x70, 0x09).out(0x71, 0x50).out(0x70, 0x0c).in(0x71).out(0x70, 0x0b);
    rtc1950.out(0x71, 0x52);
    for (int i = 0; i < 4; ++i) rtc1950.next_deadline().out(0x70, 0x0c).in(0x71);
    sink("port_storm", "rtc-1950", rtc1950.data());

    // HPET: capabilities, a periodic timer 0 and a one-shot 32-bit timer 1 in legacy mode.
    Storm hpet;
    hpet.mmio_read(0x000).mmio_read(0x004, kDword).mmio_write(0x010, 0);
    hpet.mmio_write(0x100, 0x4c).mmio_write(0x108, 100000).mmio_write(0x108, 100000);
    hpet.mmio_write(0x120, 0x104).mmio_write(0x128, 50000, kDword).mmio_write(0x0f0, 5);
    hpet.mmio_write(0x010, 3);
    for (int i = 0; i < 6; ++i) hpet.next_deadline().mmio_read(0x020).mmio_write(0x020, 3);
    hpet.mmio_read(0x0f0).mmio_read(0x100).mmio_read(0x110).advance(20, 100).mmio_write(0x010, 0);
    hpet.mmio_write(0x0f0, 0xfffffff0ull).mmio_write(0x010, 1).advance(10, 1).mmio_read(0x0f4, 2);
    sink("port_storm", "hpet", hpet.data());

    // fw_cfg: the signature over the data port, the file directory, and DMA reads.
    constexpr uint32_t kSelect = 1u << 3, kRead = 1u << 1, kSkip = 1u << 2, kWrite = 1u << 4;
    Storm fw;
    fw.out(0x510, 0x0000, kWord).in(0x511).in(0x511).in(0x511, kWord).in(0x514, kDword);
    fw.out(0x510, 0x0001, kWord).in(0x511, kDword).out(0x510, 0x0019, kWord).in(0x511, kDword);
    fw.dma(0x1000, (0x19u << 16) | kSelect | kRead, 64, 0x2000, false);
    fw.dma(0x1000, (0x20u << 16) | kSelect | kSkip, 4, 0, true);
    fw.dma(0x1000, kRead, 40, 0x3000, true).dma(0x1000, kWrite, 4, 0x3000, false);
    fw.dma(0x1000, (0x03u << 16) | kSelect | kRead, 8, 0x1ffffc, false);
    sink("port_storm", "fw-cfg", fw.data());

    // A VGA text console: text and attributes, the cursor, the attribute controller, the DAC.
    Storm vga;
    vga.poke(0xb8000, "H\x07i\x1f!\x4f \x07\xdb\x0e").poke(0xb8000 + 160, "line two\x07");
    vga.out(0x3d4, 0x0e).out(0x3d5, 0x00).out(0x3d4, 0x0f).out(0x3d5, 0x52);
    vga.out(0x3d4, 0x0a).out(0x3d5, 0x0d).out(0x3d4, 0x0b).out(0x3d5, 0x0e).render();
    vga.in(0x3da).out(0x3c0, 0x10).out(0x3c0, 0x00).in(0x3c1).out(0x3c0, 0x20).render();
    vga.out(0x3d4, 0x0c).out(0x3d5, 0x3f).out(0x3d4, 0x0d).out(0x3d5, 0xff).render();
    vga.out(0x3c8, 0x01).outs(0x3c9, {0x3f, 0x00, 0x10}).out(0x3c7, 0x01).in(0x3c9).in(0x3c9);
    vga.out(0x3c4, 0x01).in(0x3c5).out(0x3ce, 0x06).in(0x3cf).out(0x3c2, 0x66).in(0x3da);
    vga.out(0x3d4, 0x0a, kWord).out(0x3d4, 0x200a, kWord).render().in(0x3cc);
    sink("port_storm", "vga", vga.data());

    // COM1 and the other console ports, ACPI power management, ports 0x80 and 0x92.
    Storm misc;
    misc.outs(0x3fb, {0x80}).out(0x3f8, 0x01).outs(0x3fb, {0x03}).out(0x3fc, 0x0b).out(0x3f9, 0x01);
    misc.out(0x3f8, 'o').com1("in").in(0x3fd).in(0x3f8).in(0x3fa).out(0xe9, 'A').in(0xe9);
    misc.in(0x608, kDword).advance(20, 7).in(0x608, kDword).in(0x600, kWord).out(0x600, 1, kWord);
    misc.out(0x602, 0x0121, kWord).in(0x602, kWord).in(0x604, kWord).out(0x80, 0x42).in(0x80);
    misc.in(0x92).out(0x92, 0x02).out(0x604, 0x2000, kWord).out(0xb004, 0x2000, kWord);
    misc.out(0x4004, 0x3400, kWord).in(0x4004, kWord).out(0x92, 0x03).out(0xf4, 0x10, kDword);
    sink("port_storm", "console-power", misc.data());

    // --compat mini-kvm: PUTCHAR, GETCHAR with and without input, an unknown function, EXIT.
    Storm mini(1);
    mini.bl('A').out(SVM_HYPERCALL_PORT, 1).com1("x").out(SVM_HYPERCALL_PORT, 2);
    mini.in(SVM_HYPERCALL_PORT).out(SVM_HYPERCALL_PORT, 2).in(SVM_HYPERCALL_PORT);
    mini.in(SVM_HYPERCALL_PORT).out(SVM_HYPERCALL_PORT, 7).out(SVM_HYPERCALL_PORT, 0, kDword);
    sink("port_storm", "compat-mini-kvm", mini.data());

    // --compat symphony: every port, a string in RAM, the published exit counts.
    Storm sym(2);
    sym.poke(0x3000, std::string("hello, symphony\0", 16)).out(0xe9, 'h').in(0xe9);
    sym.out(0xea, 0x3000, kDword).out(0xeb, 1234, kDword).in(0xec, kDword).in(0xed, kDword);
    sym.window_read(0).window_read(4).out(0xee, 0x2000, kDword).in(0xef, kDword);
    sym.out(0xee, 0x2001, kDword).in(0xef, kDword).out(0xea, 0x1ffff0, kDword).in(0xf0);
    sink("port_storm", "compat-symphony", sym.data());
}

}  // namespace

void device_seeds(const Sink& sink) {
    uart_seeds(sink);
    bus_seeds(sink);
    storm_seeds(sink);
}

}  // namespace svm::fuzz::seeds
