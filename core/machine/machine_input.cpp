// Machine: the i8042 PS/2 controller (keyboard, mouse) and the CMOS/RTC.
#include "core/machine/machine.h"

namespace svm {

Result<void> Machine::create_input_devices() { return {}; }

}  // namespace svm
