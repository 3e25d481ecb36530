// The input device family (see core/machine/device_context.h).
#include "core/machine/device_context.h"

namespace svm {

Result<void> add_input_devices(DeviceContext& /*ctx*/, PcDevices& /*out*/) { return {}; }

}  // namespace svm
