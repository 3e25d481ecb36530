// Machine: the VGA text screen and its CRTC registers.
#include "core/machine/machine.h"

namespace svm {

Result<void> Machine::create_display() { return {}; }

}  // namespace svm
