// A 16550A UART (COM1 on the PC), modelled after the National/TI PC16550D datasheet for everything
// an OS driver touches: the eight registers, DLAB, FIFO control, loopback, the interrupt sources
// and their priorities. Not modelled: baud-rate timing (transmit is instantaneous), break, framing
// and parity errors, the FIFO trigger level and the character-timeout interrupt (IIR 1100).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class Uart16550 final : public BusDevice {
public:
    // Host-side receive buffer size. It is this large in both FIFO and 16450 (non-FIFO) mode, so a
    // user's typing is not lost to a slow guest; bytes beyond it are dropped and set LSR.OE.
    static constexpr size_t kReceiveCapacity = 4096;
    // The UART decodes offsets 0-7 (register it at base 0x3F8, length 8, for COM1).
    static constexpr uint64_t kRegisterCount = 8;

    // `output` receives every transmitted byte, one byte per call. `irq` may be empty (no interrupt
    // wiring); otherwise it is driven to (an interrupt is pending && MCR.OUT2) and called only when
    // that level changes. Both must be thread-safe; either may call back into this UART.
    Uart16550(OutputSink output, IrqLine irq);

    // ^BusDevice
    // Reads registers byte by byte from `offset` (a 2-byte read at 0 reads offsets 0 and 1). Bytes
    // for offsets past 7 read as 0xFF, as an unclaimed port would.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    // Writes registers byte by byte from `offset`. Bytes for offsets past 7 are ignored.
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Host side: queues bytes typed by the user for the guest. Thread-safe. Bytes that do not fit
    // in the kReceiveCapacity-byte buffer are dropped and set LSR.OE, as a real overrun would.
    // Returns how many bytes were accepted (the first ones of `bytes`).
    size_t receive(std::span<const uint8_t> bytes);

    // Takes the next received byte without going through RBR (svm's GETCHAR hypercall). Returns
    // std::nullopt when the receive buffer is empty.
    std::optional<uint8_t> take_received_byte();

private:
    // Register accessors; mutex_ must be held. A THR write that leaves the UART (not loopback)
    // stores the byte in `transmitted` for the caller to send once the lock is released.
    uint8_t read_register_locked(uint64_t offset);
    void write_register_locked(uint64_t offset, uint8_t value, std::optional<uint8_t>& transmitted);
    void write_thr_locked(uint8_t value, std::optional<uint8_t>& transmitted);
    void write_ier_locked(uint8_t value);
    void write_fcr_locked(uint8_t value);
    void write_mcr_locked(uint8_t value);

    // Receive buffer (a ring); mutex_ must be held. push returns false when full.
    bool push_received_locked(uint8_t byte);
    std::optional<uint8_t> pop_received_locked();

    // The modem input lines (MSR bits 7:4) as the UART sees them for the given MCR value.
    static uint8_t modem_lines(uint8_t mcr);
    // The IIR interrupt-identification bits 3:0 of the highest-priority pending interrupt, or 0x01
    // when none is pending. mutex_ must be held.
    uint8_t pending_interrupt_locked() const;
    bool irq_level_locked() const;

    // Brings the IrqLine up to date. Called without mutex_ held, after every change that may move
    // the line. Calls are serialised by irq_delivering_ so edges reach the IrqLine in order and its
    // last call always matches the current state, even with several threads (see the .cpp).
    void sync_irq();

    const OutputSink output_;
    const IrqLine irq_;

    // Lock order: mutex_ is a leaf. It guards every field below and is never held while calling
    // output_ or irq_, so a sink or IRQ line may take its own locks or re-enter this UART.
    mutable std::mutex mutex_;

    std::array<uint8_t, kReceiveCapacity> rx_{};
    size_t rx_head_ = 0;   // index of the oldest byte
    size_t rx_count_ = 0;  // bytes waiting
    uint8_t rbr_ = 0;      // last byte read through RBR (RBR keeps it when the buffer is empty)

    uint8_t ier_ = 0;
    uint8_t lcr_ = 0;
    uint8_t mcr_ = 0;
    uint8_t scr_ = 0;
    uint8_t dll_ = 0x0c;  // divisor latch: reset value undefined in the datasheet; 9600 baud here
    uint8_t dlm_ = 0;
    bool fifo_enabled_ = false;
    bool overrun_ = false;       // LSR.OE
    bool thre_pending_ = false;  // THR-empty interrupt condition (before masking with IER.ETBEI)
    uint8_t msr_deltas_ = 0;     // MSR bits 3:0

    bool irq_level_ = false;       // level last passed to irq_
    bool irq_dirty_ = false;       // state changed since sync_irq last looked
    bool irq_delivering_ = false;  // a thread is inside sync_irq's delivery loop
};

}  // namespace svm
