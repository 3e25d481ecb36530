// bios_call(): routes a trapped BIOS interrupt to its service; bios_function_name(): names it.
#include "core/bios/bios_call.h"

#include <fmt/format.h>

#include "core/bios/bios_registers.h"
#include "core/bios/bios_services.h"

namespace svm {

BiosOutcome bios_call(uint8_t vector, CpuState& regs, BiosContext& ctx) {
    switch (vector) {
        case 0x08:
            return bios_timer_irq(regs, ctx);
        case 0x09:
            return bios_keyboard_irq(regs, ctx);
        case 0x10:
            return bios_video(regs, ctx);
        case 0x11:
            return bios_equipment(regs, ctx);
        case 0x12:
            return bios_memory_size(regs, ctx);
        case 0x13:
            return bios_disk(regs, ctx);
        case 0x15:
            return bios_system(regs, ctx);
        case 0x16:
            return bios_keyboard(regs, ctx);
        case 0x19:
            return BiosOutcome::Reboot;
        case 0x1a:
            return bios_time(regs, ctx);
        default:
            bios::fail(regs, 0x86);
            return BiosOutcome::Unsupported;
    }
}

namespace {

// What each function is called in Ralf Brown's Interrupt List (shortened). nullptr: unnamed.
const char* function_title(uint8_t vector, uint8_t ah) {
    switch (vector) {
        case 0x08:
            return "timer interrupt";
        case 0x09:
            return "keyboard interrupt";
        case 0x11:
            return "equipment list";
        case 0x12:
            return "base memory size";
        case 0x19:
            return "bootstrap loader";
        case 0x10:
            switch (ah) {
                case 0x00:
                    return "set video mode";
                case 0x01:
                    return "set cursor shape";
                case 0x02:
                    return "set cursor position";
                case 0x03:
                    return "get cursor position";
                case 0x05:
                    return "select page";
                case 0x06:
                    return "scroll up";
                case 0x07:
                    return "scroll down";
                case 0x08:
                    return "read character and attribute";
                case 0x09:
                    return "write character and attribute";
                case 0x0a:
                    return "write character";
                case 0x0b:
                    return "set palette";
                case 0x0c:
                    return "write pixel";
                case 0x0d:
                    return "read pixel";
                case 0x0e:
                    return "teletype output";
                case 0x0f:
                    return "get video mode";
                case 0x10:
                    return "palette registers";
                case 0x11:
                    return "character generator";
                case 0x12:
                    return "alternate select";
                case 0x13:
                    return "write string";
                case 0x1a:
                    return "display combination";
                case 0x1b:
                    return "functionality state";
                case 0x4f:
                    return "VESA";
            }
            return nullptr;
        case 0x13:
            switch (ah) {
                case 0x00:
                    return "reset";
                case 0x01:
                    return "last status";
                case 0x02:
                    return "read sectors";
                case 0x03:
                    return "write sectors";
                case 0x04:
                    return "verify sectors";
                case 0x05:
                    return "format track";
                case 0x08:
                    return "get drive parameters";
                case 0x0c:
                    return "seek";
                case 0x0d:
                    return "alternate reset";
                case 0x10:
                    return "test ready";
                case 0x11:
                    return "recalibrate";
                case 0x15:
                    return "get disk type";
                case 0x16:
                    return "change line status";
                case 0x41:
                    return "extensions check";
                case 0x42:
                    return "extended read";
                case 0x43:
                    return "extended write";
                case 0x44:
                    return "extended verify";
                case 0x47:
                    return "extended seek";
                case 0x48:
                    return "extended parameters";
                case 0x4b:
                    return "El Torito";
            }
            return nullptr;
        case 0x15:
            switch (ah) {
                case 0x24:
                    return "A20 gate";
                case 0x4f:
                    return "keyboard intercept";
                case 0x53:
                    return "APM";
                case 0x86:
                    return "wait";
                case 0x87:
                    return "copy extended memory";
                case 0x88:
                    return "extended memory size";
                case 0x89:
                    return "switch to protected mode";
                case 0x90:
                    return "device busy";
                case 0x91:
                    return "interrupt complete";
                case 0xc0:
                    return "system configuration";
                case 0xc2:
                    return "PS/2 mouse";
                case 0xe8:
                    return "memory map (E820/E801)";
                case 0xec:
                    return "CPU operating mode";
            }
            return nullptr;
        case 0x16:
            switch (ah) {
                case 0x00:
                    return "read key";
                case 0x01:
                    return "check key";
                case 0x02:
                    return "shift flags";
                case 0x03:
                    return "typematic rate";
                case 0x05:
                    return "store key";
                case 0x10:
                    return "read extended key";
                case 0x11:
                    return "check extended key";
                case 0x12:
                    return "extended shift flags";
            }
            return nullptr;
        case 0x1a:
            switch (ah) {
                case 0x00:
                    return "get tick count";
                case 0x01:
                    return "set tick count";
                case 0x02:
                    return "get RTC time";
                case 0x03:
                    return "set RTC time";
                case 0x04:
                    return "get RTC date";
                case 0x05:
                    return "set RTC date";
                case 0x06:
                    return "set RTC alarm";
                case 0xb1:
                    return "PCI BIOS";
            }
            return nullptr;
    }
    return nullptr;
}

// Vectors whose function is not chosen by AH.
bool takes_function(uint8_t vector) {
    return vector == 0x10 || vector == 0x13 || vector == 0x15 || vector == 0x16 || vector == 0x1a;
}

}  // namespace

std::string bios_function_name(uint8_t vector, uint8_t ah) {
    const char* title = function_title(vector, ah);
    if (!takes_function(vector))
        return title ? fmt::format("int {:#04x} ({})", vector, title)
                     : fmt::format("int {:#04x}", vector);
    if (title) return fmt::format("int {:#04x} AH={:#04x} ({})", vector, ah, title);
    return fmt::format("int {:#04x} AH={:#04x}", vector, ah);
}

}  // namespace svm
