// KVM ioctl numbers whose <linux/kvm.h> definitions are wrong in C++.
//
// <linux/kvm.h> declares variable-length structures such as kvm_cpuid2 with a zero-length trailing
// array; GCC 12 in C++ mode gives such a struct a different size than in C (12 instead of 8 for
// kvm_cpuid2), and the _IOWR() numbers encode that size, so KVM rejects them with EINVAL. These
// use the C layout: the fixed header only, entries following at its end.
#pragma once

#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>

namespace svm::kvm_ioctl {

struct Cpuid2Header {
    uint32_t nent;
    uint32_t padding;
};
static_assert(sizeof(Cpuid2Header) == 8);

struct MsrsHeader {
    uint32_t nmsrs;
    uint32_t pad;
};
static_assert(sizeof(MsrsHeader) == 8);

constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);
constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, Cpuid2Header);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, Cpuid2Header);

}  // namespace svm::kvm_ioctl
