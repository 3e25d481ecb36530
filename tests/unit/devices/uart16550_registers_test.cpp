// Register-level behaviour of the 16550A model (PC16550D datasheet, section 8).
#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "tests/unit/devices/uart_harness.h"

namespace svm::test {
namespace {

TEST(Uart16550Registers, ResetValuesMatchDatasheet) {
    UartHarness h;
    EXPECT_EQ(h.in(kIer), 0x00);
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_EQ(h.in(kLcr), 0x00);
    EXPECT_EQ(h.in(kMcr), 0x00);
    EXPECT_EQ(h.in(kLsr), 0x60);
    EXPECT_EQ(h.in(kMsr), 0xb0);  // DCD | DSR | CTS: a connected terminal
    EXPECT_EQ(h.in(kScr), 0x00);
    EXPECT_TRUE(h.edges().empty());
}

TEST(Uart16550Registers, ThrWriteGoesToSinkOneBytePerCall) {
    UartHarness h;
    h.out(kThr, 'h');
    h.out(kThr, 'i');
    h.out(kThr, '\n');
    EXPECT_EQ(h.output_text(), "hi\n");
    EXPECT_EQ(h.output_calls, 3u);
    // Transmission is instantaneous: THRE and TEMT stay set, DR stays clear.
    EXPECT_EQ(h.in(kLsr), 0x60);
}

TEST(Uart16550Registers, DlabSwitchesOffsetsZeroAndOneToDivisorLatch) {
    UartHarness h;
    h.out(kIer, 0x05);
    h.out(kLcr, 0x83);  // DLAB | 8 data bits
    h.out(kDll, 0x01);  // 115200 baud
    h.out(kDlm, 0x02);
    EXPECT_EQ(h.in(kDll), 0x01);
    EXPECT_EQ(h.in(kDlm), 0x02);
    EXPECT_EQ(h.output_text(), "");  // a DLL write is not a THR write
    h.out(kLcr, 0x03);
    EXPECT_EQ(h.in(kLcr), 0x03);
    EXPECT_EQ(h.in(kIer), 0x05);  // DLM write did not touch IER
    ASSERT_EQ(h.receive("z"), 1u);
    EXPECT_EQ(h.in(kRbr), 'z');
    h.out(kThr, 'k');
    EXPECT_EQ(h.output_text(), "k");
    // The divisor survives the DLAB round trip.
    h.out(kLcr, 0x80);
    EXPECT_EQ(h.in(kDll), 0x01);
    EXPECT_EQ(h.in(kDlm), 0x02);
}

TEST(Uart16550Registers, IerAndMcrKeepOnlyDefinedBits) {
    UartHarness h;
    h.out(kIer, 0xff);
    EXPECT_EQ(h.in(kIer), 0x0f);
    h.out(kMcr, 0xff);
    EXPECT_EQ(h.in(kMcr), 0x1f);
}

TEST(Uart16550Registers, ScratchAndLineControlReadBack) {
    UartHarness h;
    for (uint8_t v : {0x00, 0x55, 0xaa, 0xff}) {
        h.out(kScr, v);
        EXPECT_EQ(h.in(kScr), v);
    }
    h.out(kLcr, 0x1b);  // 8 data bits, even parity
    EXPECT_EQ(h.in(kLcr), 0x1b);
}

TEST(Uart16550Registers, StatusRegisterWritesAreIgnored) {
    UartHarness h;
    h.out(kLsr, 0x00);
    h.out(kMsr, 0x00);
    EXPECT_EQ(h.in(kLsr), 0x60);
    EXPECT_EQ(h.in(kMsr), 0xb0);
}

TEST(Uart16550Registers, FcrEnablesFifosAndIsWriteOnly) {
    UartHarness h;
    EXPECT_EQ(h.in(kIir), 0x01);
    h.out(kFcr, 0x01);
    EXPECT_EQ(h.in(kIir), 0xc1);  // reading offset 2 gives IIR, with FIFO bits 7:6 = 11
    h.out(kFcr, 0xc7);            // 14-byte trigger, clear both FIFOs
    EXPECT_EQ(h.in(kIir), 0xc1);
    h.out(kFcr, 0x00);
    EXPECT_EQ(h.in(kIir), 0x01);
}

TEST(Uart16550Registers, FcrClearsReceiveFifo) {
    UartHarness h;
    h.out(kFcr, 0x01);
    ASSERT_EQ(h.receive("abc"), 3u);
    h.out(kFcr, 0x05);  // clear transmit only: received bytes stay
    EXPECT_EQ(h.in(kLsr), 0x61);
    h.out(kFcr, 0x03);  // clear receive
    EXPECT_EQ(h.in(kLsr), 0x60);
    EXPECT_EQ(h.uart.take_received_byte(), std::nullopt);
}

TEST(Uart16550Registers, FifoModeChangeClearsReceiveFifo) {
    UartHarness h;
    h.out(kFcr, 0x01);
    ASSERT_EQ(h.receive("abc"), 3u);
    h.out(kFcr, 0x01);  // no change of mode: nothing cleared
    EXPECT_EQ(h.in(kLsr), 0x61);
    h.out(kFcr, 0x00);  // FIFO -> 16450 mode clears (datasheet section 8.4, FCR0)
    EXPECT_EQ(h.in(kLsr), 0x60);
}

TEST(Uart16550Registers, ReceivedBytesReadThroughRbrWithDataReady) {
    UartHarness h;
    EXPECT_EQ(h.receive("xy"), 2u);
    EXPECT_EQ(h.in(kLsr), 0x61);
    EXPECT_EQ(h.in(kRbr), 'x');
    EXPECT_EQ(h.in(kLsr), 0x61);
    EXPECT_EQ(h.in(kRbr), 'y');
    EXPECT_EQ(h.in(kLsr), 0x60);
    EXPECT_EQ(h.in(kRbr), 'y');  // RBR keeps the last character when nothing new arrived
    EXPECT_EQ(h.in(kLsr), 0x60);
}

TEST(Uart16550Registers, OverrunSetsOeOnceAndReadingLsrClearsIt) {
    UartHarness h;
    std::vector<uint8_t> fill(Uart16550::kReceiveCapacity);
    for (size_t i = 0; i < fill.size(); ++i) fill[i] = static_cast<uint8_t>(i * 7);
    EXPECT_EQ(h.uart.receive(fill), Uart16550::kReceiveCapacity);
    EXPECT_EQ(h.in(kLsr), 0x61);  // full, but nothing lost yet
    EXPECT_EQ(h.receive("lost"), 0u);
    EXPECT_EQ(h.receive("more"), 0u);
    EXPECT_EQ(h.in(kLsr), 0x63);  // OE
    EXPECT_EQ(h.in(kLsr), 0x61);  // cleared by the read
    // The buffered bytes are intact and in order; the dropped ones never appear.
    for (size_t i = 0; i < fill.size(); ++i) ASSERT_EQ(h.in(kRbr), fill[i]) << "byte " << i;
    EXPECT_EQ(h.in(kLsr), 0x60);
}

TEST(Uart16550Registers, ReceiveAcceptsWhatFitsAndReportsCount) {
    UartHarness h;
    std::vector<uint8_t> fill(Uart16550::kReceiveCapacity - 2, 'a');
    EXPECT_EQ(h.uart.receive(fill), fill.size());
    EXPECT_EQ(h.receive("bcde"), 2u);
    EXPECT_EQ(h.in(kLsr), 0x63);
    for (size_t i = 0; i < fill.size(); ++i) h.in(kRbr);
    EXPECT_EQ(h.in(kRbr), 'b');
    EXPECT_EQ(h.in(kRbr), 'c');
    EXPECT_EQ(h.in(kLsr), 0x60);
}

TEST(Uart16550Registers, TakeReceivedByteBypassesRbr) {
    UartHarness h;
    EXPECT_EQ(h.uart.take_received_byte(), std::nullopt);
    ASSERT_EQ(h.receive("ab"), 2u);
    EXPECT_EQ(h.uart.take_received_byte(), std::optional<uint8_t>('a'));
    EXPECT_EQ(h.in(kLsr), 0x61);
    EXPECT_EQ(h.in(kRbr), 'b');
    EXPECT_EQ(h.uart.take_received_byte(), std::nullopt);
    EXPECT_EQ(h.in(kLsr), 0x60);
}

TEST(Uart16550Registers, LoopbackEchoesThrIntoRbr) {
    UartHarness h;
    h.out(kMcr, 0x10);
    h.out(kThr, 'Q');
    h.out(kThr, 'R');
    EXPECT_EQ(h.output_text(), "");  // nothing leaves the UART
    EXPECT_EQ(h.in(kLsr), 0x61);
    EXPECT_EQ(h.in(kRbr), 'Q');
    EXPECT_EQ(h.in(kRbr), 'R');
    EXPECT_EQ(h.in(kLsr), 0x60);
    h.out(kMcr, 0x00);
    h.out(kThr, 'S');
    EXPECT_EQ(h.output_text(), "S");
    EXPECT_EQ(h.in(kLsr), 0x60);
}

TEST(Uart16550Registers, LoopbackMapsModemControlToModemStatus) {
    UartHarness h;
    EXPECT_EQ(h.in(kMsr), 0xb0);
    // Entering loopback with all outputs off drops DCD, DSR and CTS: three deltas.
    h.out(kMcr, 0x10);
    EXPECT_EQ(h.in(kMsr), 0x0b);  // DDCD | DDSR | DCTS
    EXPECT_EQ(h.in(kMsr), 0x00);  // deltas cleared by the read
    h.out(kMcr, 0x11);            // DTR -> DSR
    EXPECT_EQ(h.in(kMsr), 0x22);
    h.out(kMcr, 0x13);  // RTS -> CTS
    EXPECT_EQ(h.in(kMsr), 0x31);
    h.out(kMcr, 0x1b);  // OUT2 -> DCD
    EXPECT_EQ(h.in(kMsr), 0xb8);
    h.out(kMcr, 0x1f);  // OUT1 -> RI: leading edge sets no delta
    EXPECT_EQ(h.in(kMsr), 0xf0);
    h.out(kMcr, 0x1b);  // RI trailing edge sets TERI
    EXPECT_EQ(h.in(kMsr), 0xb4);
    EXPECT_EQ(h.in(kMsr), 0xb0);
    // Linux's 8250 probe: MCR = LOOP | OUT2 | RTS must read back DCD | CTS in MSR 7:4.
    h.out(kMcr, 0x1a);
    EXPECT_EQ(h.in(kMsr)&0xf0, 0x90);
    // Leaving loopback returns to the connected terminal.
    h.out(kMcr, 0x00);
    EXPECT_EQ(h.in(kMsr)&0xf0, 0xb0);
}

TEST(Uart16550Registers, WideAccessesAreHandledBytewise) {
    UartHarness h;
    // outw to LCR writes LCR and MCR.
    std::array<uint8_t, 2> lcr_mcr = {0x83, 0x0b};
    h.uart.write(kLcr, lcr_mcr);
    EXPECT_EQ(h.in(kLcr), 0x83);
    EXPECT_EQ(h.in(kMcr), 0x0b);
    // outw to offset 0 with DLAB set loads the whole divisor.
    std::array<uint8_t, 2> divisor = {0x0c, 0x01};
    h.uart.write(kDll, divisor);
    std::array<uint8_t, 2> read_divisor{};
    h.uart.read(kDll, read_divisor);
    EXPECT_EQ(read_divisor, divisor);
    h.out(kLcr, 0x03);
    // A 2-byte read at 0 reads RBR and IER.
    h.out(kIer, 0x01);
    ASSERT_EQ(h.receive("r"), 1u);
    std::array<uint8_t, 2> rbr_ier{};
    h.uart.read(kRbr, rbr_ier);
    EXPECT_EQ(rbr_ier, (std::array<uint8_t, 2>{'r', 0x01}));
    // A 4-byte write at 4 writes MCR, (LSR ignored), (MSR ignored), SCR.
    std::array<uint8_t, 4> four = {0x03, 0x00, 0x00, 0x5a};
    h.uart.write(kMcr, four);
    EXPECT_EQ(h.in(kMcr), 0x03);
    EXPECT_EQ(h.in(kScr), 0x5a);
    // A 4-byte read at 4 reads MCR, LSR, MSR, SCR.
    std::array<uint8_t, 4> status{};
    h.uart.read(kMcr, status);
    EXPECT_EQ(status, (std::array<uint8_t, 4>{0x03, 0x60, 0xb0, 0x5a}));
}

TEST(Uart16550Registers, OffsetsBeyondSevenAreIgnored) {
    UartHarness h;
    h.out(kScr, 0x11);
    // A 4-byte access at 6 stops after SCR: only MSR and SCR are touched.
    std::array<uint8_t, 4> write = {0x00, 0x22, 0x33, 0x44};
    h.uart.write(kMsr, write);
    EXPECT_EQ(h.in(kScr), 0x22);
    std::array<uint8_t, 4> read{};
    h.uart.read(kMsr, read);
    EXPECT_EQ(read, (std::array<uint8_t, 4>{0xb0, 0x22, 0xff, 0xff}));
    // Entirely out of range, including an offset that would wrap around when added to.
    h.out(8, 'x');
    h.out(UINT64_MAX, 'y');
    std::array<uint8_t, 2> wrap = {'z', 0x99};
    h.uart.write(UINT64_MAX, wrap);
    EXPECT_EQ(h.in(8), 0xff);
    EXPECT_EQ(h.in(UINT64_MAX), 0xff);
    h.uart.read(UINT64_MAX, read);
    EXPECT_EQ(read, (std::array<uint8_t, 4>{0xff, 0xff, 0xff, 0xff}));
    EXPECT_EQ(h.output_text(), "");
    EXPECT_EQ(h.in(kIer), 0x00);
    EXPECT_EQ(h.in(kScr), 0x22);
}

}  // namespace
}  // namespace svm::test
