// Machine: --compat (the seed hypervisors' port ABIs) and --load-file.
#include "core/machine/machine.h"

namespace svm {

Result<void> Machine::create_compat_devices() { return {}; }

}  // namespace svm
