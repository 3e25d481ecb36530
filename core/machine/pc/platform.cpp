// The platform device family (see core/machine/device_context.h).
#include "core/machine/device_context.h"

namespace svm {

Result<void> add_platform_devices(DeviceContext& /*ctx*/, PcDevices& /*out*/) { return {}; }

}  // namespace svm
