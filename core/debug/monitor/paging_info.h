// `monitor info mem`, `monitor info tlb` and `monitor gva2gpa`, in the shape QEMU's HMP prints
// them (QEMU target/i386/monitor.c), over a vCPU's page tables in guest RAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/guest_memory.h"
#include "core/x86_64/page_walker.h"

namespace svm {

// The most lines `info mem` and `info tlb` print before "... (N more lines)".
constexpr size_t kMonitorMaxLines = 10000;

// QEMU's `info mem`: runs of guest-virtual addresses mapped with equal user/write rights, one line
// each, "START-END SIZE urw" (16 hex digits, END exclusive; u or -, always r, w or -), the rights
// accumulated over every paging level (SDM Vol. 3A, 4.6). As QEMU, XD is not shown and does not
// split runs. Paging off: "PG disabled". After `max_lines` lines the rest is counted.
std::string format_info_mem(const GuestMemory& mem, const PagingRegs& regs,
                            size_t max_lines = kMonitorMaxLines);

// QEMU's `info tlb`: one line per mapped page or large page, "LINEAR: PHYSICAL XGPDACTUW", the
// letters from the leaf entry (SDM Vol. 3A, Table 4-19/4-20: XD, G, PS, D, A, PCD, PWT, U/S,
// R/W; '-' when clear; P only for large pages). Paging off: "PG disabled".
std::string format_info_tlb(const GuestMemory& mem, const PagingRegs& regs,
                            size_t max_lines = kMonitorMaxLines);

// QEMU's `gva2gpa ADDR`: "gpa: 0x..." for a mapped guest-virtual address (identity with paging
// off), "Unmapped" otherwise.
std::string format_gva2gpa(const GuestMemory& mem, const PagingRegs& regs, uint64_t gva);

}  // namespace svm
