#include "core/kvm/host_kind.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

TEST(HostKind, KvmPvmModuleMeansPvm) {
    EXPECT_EQ(classify_host_kvm(true, "flags\t\t: fpu vme vmx\n"), HostKvm::Pvm);
}

TEST(HostKind, VmxOrSvmFlagMeansHardware) {
    EXPECT_EQ(classify_host_kvm(false, "processor\t: 0\nflags\t\t: fpu vme vmx sse\n"),
              HostKvm::Hardware);
    EXPECT_EQ(classify_host_kvm(false, "flags\t\t: fpu svm\n"), HostKvm::Hardware);
}

TEST(HostKind, FlagsMustBeWholeWords) {
    EXPECT_EQ(classify_host_kvm(false, "flags\t\t: fpu vmxe svm_lock\n"), HostKvm::Unknown);
    EXPECT_EQ(classify_host_kvm(false, "model name\t: vmx svm\n"), HostKvm::Unknown);
    EXPECT_EQ(classify_host_kvm(false, ""), HostKvm::Unknown);
}

}  // namespace
}  // namespace svm
