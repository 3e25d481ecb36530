// The compat device family (see core/machine/device_context.h).
#include "core/machine/device_context.h"

namespace svm {

Result<void> add_compat_devices(DeviceContext& /*ctx*/, PcDevices& /*out*/) { return {}; }

}  // namespace svm
