// Machine: PCI host bridge, power-off and reset ports, fw_cfg, POST and A20 ports, ACPI PM timer, HPET.
#include "core/machine/machine.h"

namespace svm {

Result<void> Machine::create_platform_devices() { return {}; }

}  // namespace svm
