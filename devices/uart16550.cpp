// Register-level model of the 16550A. Section and table numbers cite the National Semiconductor
// PC16550D datasheet (June 1995): Table II "Summary of Registers", Table IV "Interrupt Control
// Functions", section 8 "Registers".
#include "devices/uart16550.h"

#include <utility>

namespace svm {
namespace {

// Register offsets (Table I/II). DLAB = LCR bit 7 switches offsets 0 and 1 to the divisor latch.
constexpr uint64_t kRbrThrDll = 0;
constexpr uint64_t kIerDlm = 1;
constexpr uint64_t kIirFcr = 2;
constexpr uint64_t kLcr = 3;
constexpr uint64_t kMcr = 4;
constexpr uint64_t kLsr = 5;
constexpr uint64_t kMsr = 6;
constexpr uint64_t kScr = 7;

constexpr uint8_t kIerErbfi = 0x01;  // received data available
constexpr uint8_t kIerEtbei = 0x02;  // transmitter holding register empty
constexpr uint8_t kIerElsi = 0x04;   // receiver line status
constexpr uint8_t kIerEdssi = 0x08;  // modem status
constexpr uint8_t kIerMask = 0x0f;   // bits 7:4 always read 0 (section 8.5)

// IIR bits 3:0 (Table IV), highest priority first. Bit 0 = 1 means nothing pending.
constexpr uint8_t kIirLineStatus = 0x06;
constexpr uint8_t kIirReceivedData = 0x04;
constexpr uint8_t kIirThrEmpty = 0x02;
constexpr uint8_t kIirModemStatus = 0x00;
constexpr uint8_t kIirNone = 0x01;
constexpr uint8_t kIirFifosEnabled = 0xc0;  // bits 7:6 are set when FCR0 = 1

constexpr uint8_t kFcrEnable = 0x01;
constexpr uint8_t kFcrClearReceive = 0x02;

constexpr uint8_t kLcrDlab = 0x80;

constexpr uint8_t kMcrDtr = 0x01;
constexpr uint8_t kMcrRts = 0x02;
constexpr uint8_t kMcrOut1 = 0x04;
constexpr uint8_t kMcrOut2 = 0x08;
constexpr uint8_t kMcrLoop = 0x10;
constexpr uint8_t kMcrMask = 0x1f;  // bits 7:5 always read 0 (section 8.7)

constexpr uint8_t kLsrDr = 0x01;
constexpr uint8_t kLsrOe = 0x02;
constexpr uint8_t kLsrThre = 0x20;
constexpr uint8_t kLsrTemt = 0x40;

constexpr uint8_t kMsrDcts = 0x01;
constexpr uint8_t kMsrDdsr = 0x02;
constexpr uint8_t kMsrTeri = 0x04;
constexpr uint8_t kMsrDdcd = 0x08;
constexpr uint8_t kMsrCts = 0x10;
constexpr uint8_t kMsrDsr = 0x20;
constexpr uint8_t kMsrRi = 0x40;
constexpr uint8_t kMsrDcd = 0x80;

}  // namespace

Uart16550::Uart16550(OutputSink output, IrqLine irq)
    : output_(std::move(output)), irq_(std::move(irq)) {}

void Uart16550::read(uint64_t offset, std::span<uint8_t> data) {
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i) {
            // Checked without adding first so a huge offset cannot wrap around into 0-7.
            bool in_range = offset < kRegisterCount && i < kRegisterCount - offset;
            data[i] = in_range ? read_register_locked(offset + i) : 0xff;
        }
    }
    // Reading RBR, IIR, LSR or MSR can clear an interrupt.
    sync_irq();
}

void Uart16550::write(uint64_t offset, std::span<const uint8_t> data) {
    // At most one byte per access reaches THR (offset 0 appears once), so one slot suffices.
    std::optional<uint8_t> transmitted;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i) {
            if (offset >= kRegisterCount || i >= kRegisterCount - offset) break;
            write_register_locked(offset + i, data[i], transmitted);
        }
    }
    if (transmitted && output_) output_(std::span<const uint8_t>(&*transmitted, 1));
    sync_irq();
}

size_t Uart16550::receive(std::span<const uint8_t> bytes) {
    size_t accepted = 0;
    {
        std::lock_guard lock(mutex_);
        for (uint8_t byte : bytes) {
            if (!push_received_locked(byte)) break;
            ++accepted;
        }
    }
    sync_irq();
    return accepted;
}

std::optional<uint8_t> Uart16550::take_received_byte() {
    std::optional<uint8_t> byte;
    {
        std::lock_guard lock(mutex_);
        byte = pop_received_locked();
    }
    sync_irq();
    return byte;
}

uint8_t Uart16550::read_register_locked(uint64_t offset) {
    bool dlab = (lcr_ & kLcrDlab) != 0;
    switch (offset) {
        case kRbrThrDll:
            if (dlab) return dll_;
            if (auto byte = pop_received_locked()) rbr_ = *byte;
            return rbr_;
        case kIerDlm:
            return dlab ? dlm_ : ier_;
        case kIirFcr: {
            // FCR is write-only; this offset reads IIR whatever DLAB says. Reading IIR while it
            // names the THR-empty source clears that source (Table IV, "Interrupt Reset Control").
            uint8_t id = pending_interrupt_locked();
            if (id == kIirThrEmpty) thre_pending_ = false;
            return static_cast<uint8_t>(id | (fifo_enabled_ ? kIirFifosEnabled : 0));
        }
        case kLcr:
            return lcr_;
        case kMcr:
            return mcr_;
        case kLsr: {
            // Transmission is instantaneous, so THR and the shift register are always empty.
            // Reading LSR clears OE (section 8.6) and with it the receiver-line-status interrupt.
            uint8_t lsr = kLsrThre | kLsrTemt;
            if (rx_count_ > 0) lsr |= kLsrDr;
            if (overrun_) lsr |= kLsrOe;
            overrun_ = false;
            return lsr;
        }
        case kMsr: {
            uint8_t msr = static_cast<uint8_t>(modem_lines(mcr_) | msr_deltas_);
            msr_deltas_ = 0;  // reading MSR clears the deltas and the modem status interrupt
            return msr;
        }
        case kScr:
            return scr_;
    }
    return 0xff;
}

void Uart16550::write_register_locked(uint64_t offset, uint8_t value,
                                      std::optional<uint8_t>& transmitted) {
    bool dlab = (lcr_ & kLcrDlab) != 0;
    switch (offset) {
        case kRbrThrDll:
            if (dlab) {
                dll_ = value;
            } else {
                write_thr_locked(value, transmitted);
            }
            return;
        case kIerDlm:
            if (dlab) {
                dlm_ = value;
            } else {
                write_ier_locked(value);
            }
            return;
        case kIirFcr:
            write_fcr_locked(value);
            return;
        case kLcr:
            lcr_ = value;
            return;
        case kMcr:
            write_mcr_locked(value);
            return;
        case kLsr:
        case kMsr:
            // LSR and MSR are status registers; the datasheet leaves writes to them for factory
            // testing only, so a driver's write is ignored (as QEMU does).
            return;
        case kScr:
            scr_ = value;
            return;
    }
}

void Uart16550::write_thr_locked(uint8_t value, std::optional<uint8_t>& transmitted) {
    // In loopback the transmitter output is wired to the receiver input (section 8.7, MCR4).
    if (mcr_ & kMcrLoop) {
        push_received_locked(value);
    } else {
        transmitted = value;
    }
    // Writing THR clears the THR-empty interrupt; the byte leaves at once, so THR is empty again
    // and the interrupt is pending anew.
    thre_pending_ = true;
}

void Uart16550::write_ier_locked(uint8_t value) {
    uint8_t old = ier_;
    ier_ = value & kIerMask;
    // Enabling ETBEI while THR is empty raises the THR-empty interrupt (Linux relies on this in
    // its start_tx path and in its UART_BUG_THRE probe).
    if (!(old & kIerEtbei) && (ier_ & kIerEtbei)) thre_pending_ = true;
}

void Uart16550::write_fcr_locked(uint8_t value) {
    bool enable = (value & kFcrEnable) != 0;
    // Changing between FIFO and 16450 mode clears both FIFOs (section 8.4, FCR0). The clear bits
    // act whatever FCR0 says, as in QEMU, so a driver writing 0x06 alone still flushes.
    bool clear_receive = (value & kFcrClearReceive) || enable != fifo_enabled_;
    fifo_enabled_ = enable;
    if (clear_receive) {
        rx_head_ = 0;
        rx_count_ = 0;
    }
    // FCR2 (clear transmit FIFO) has nothing to do: transmission is instantaneous, so the
    // transmit FIFO is always empty.
}

void Uart16550::write_mcr_locked(uint8_t value) {
    uint8_t old_lines = modem_lines(mcr_);
    mcr_ = value & kMcrMask;
    uint8_t new_lines = modem_lines(mcr_);
    // Delta bits record changes of the modem inputs since MSR was last read (section 8.8). Only
    // loopback changes them here: outside it the lines are constant (a connected terminal).
    uint8_t changed = old_lines ^ new_lines;
    if (changed & kMsrCts) msr_deltas_ |= kMsrDcts;
    if (changed & kMsrDsr) msr_deltas_ |= kMsrDdsr;
    if (changed & kMsrDcd) msr_deltas_ |= kMsrDdcd;
    if ((old_lines & kMsrRi) && !(new_lines & kMsrRi)) msr_deltas_ |= kMsrTeri;  // trailing edge
}

bool Uart16550::push_received_locked(uint8_t byte) {
    if (rx_count_ == kReceiveCapacity) {
        overrun_ = true;
        return false;
    }
    rx_[(rx_head_ + rx_count_) % kReceiveCapacity] = byte;
    ++rx_count_;
    return true;
}

std::optional<uint8_t> Uart16550::pop_received_locked() {
    if (rx_count_ == 0) return std::nullopt;
    uint8_t byte = rx_[rx_head_];
    rx_head_ = (rx_head_ + 1) % kReceiveCapacity;
    --rx_count_;
    return byte;
}

uint8_t Uart16550::modem_lines(uint8_t mcr) {
    // Outside loopback: a connected terminal asserts DCD, DSR and CTS; RI stays off.
    if (!(mcr & kMcrLoop)) return kMsrDcd | kMsrDsr | kMsrCts;
    // In loopback the four modem control outputs drive the four inputs (section 8.7, MCR4).
    uint8_t lines = 0;
    if (mcr & kMcrRts) lines |= kMsrCts;
    if (mcr & kMcrDtr) lines |= kMsrDsr;
    if (mcr & kMcrOut1) lines |= kMsrRi;
    if (mcr & kMcrOut2) lines |= kMsrDcd;
    return lines;
}

uint8_t Uart16550::pending_interrupt_locked() const {
    // Table IV priorities: line status > received data > THR empty > modem status. The only line
    // status condition modelled is overrun (no break, framing or parity errors).
    if ((ier_ & kIerElsi) && overrun_) return kIirLineStatus;
    if ((ier_ & kIerErbfi) && rx_count_ > 0) return kIirReceivedData;
    if ((ier_ & kIerEtbei) && thre_pending_) return kIirThrEmpty;
    if ((ier_ & kIerEdssi) && msr_deltas_ != 0) return kIirModemStatus;
    return kIirNone;
}

bool Uart16550::irq_level_locked() const {
    // On the PC the UART's INTR pin reaches the PIC through a gate driven by OUT2 (IBM PC/AT
    // Technical Reference, asynchronous communications adapter), so drivers set OUT2 to get IRQs.
    return pending_interrupt_locked() != kIirNone && (mcr_ & kMcrOut2);
}

void Uart16550::sync_irq() {
    if (!irq_) return;
    // One thread at a time delivers; a thread that finds another delivering marks the state dirty
    // and leaves, and the delivering thread loops until it has seen the latest state. So the
    // IrqLine sees edges in order, is called only on changes, its last call always matches the
    // device, and no lock is held while it runs (it may re-enter this UART).
    {
        std::lock_guard lock(mutex_);
        irq_dirty_ = true;
        if (irq_delivering_) return;
        irq_delivering_ = true;
    }
    for (;;) {
        bool level;
        {
            std::lock_guard lock(mutex_);
            if (!irq_dirty_) {
                irq_delivering_ = false;
                return;
            }
            irq_dirty_ = false;
            level = irq_level_locked();
            if (level == irq_level_) continue;
            irq_level_ = level;
        }
        irq_(level);
    }
}

}  // namespace svm
