// The seed corpora, one function per family of targets (see make_seeds.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace svm::fuzz::seeds {

// Writes seed `name` of `target`.
using Sink = std::function<void(const std::string& target, const std::string& name,
                                const std::vector<uint8_t>& bytes)>;

void loader_seeds(const Sink& sink);  // kernel_loader
void limine_seeds(const Sink& sink);  // kernel_loader: Limine executables
void table_seeds(const Sink& sink);   // boot_tables, page_walker
void device_seeds(const Sink& sink);  // uart16550, bus, port_storm
void virtio_seeds(const Sink& sink);  // virtqueue
void virtio_device_seeds(const Sink& sink);  // virtio_device
// gdb_session: the recorded gdb 13 conversation (tests/unit/gdbstub/data) as framed packets.
void gdb_seeds(const Sink& sink, const std::string& source_root);

}  // namespace svm::fuzz::seeds
