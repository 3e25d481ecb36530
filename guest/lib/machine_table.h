/*
 * Reading the svm machine table (<svm/machine.h>) safely: validate it once, then use the
 * accessors, which rely on the bounds that machine_table_validate() checked.
 */
#ifndef GUEST_LIB_MACHINE_TABLE_H
#define GUEST_LIB_MACHINE_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <svm/machine.h>

/* Returns the 8-bit sum of n bytes at p (a valid table sums to 0). */
uint8_t machine_table_sum(const void* p, size_t n);

/* Returns NULL if m is a valid table: signature, version, header size, total size within
 * SVM_MACHINE_TABLE_MAX, checksum, and every array inside total_size. Otherwise returns a short
 * description of the first problem ("bad signature", "bad checksum", ...). */
const char* machine_table_validate(const struct svm_machine* m);

/* Returns entry i of the table's arrays; i must be below the matching count. */
const struct svm_mem_range* machine_mem(const struct svm_machine* m, uint32_t i);
const struct svm_device* machine_device(const struct svm_machine* m, uint32_t i);
const struct svm_cpu* machine_cpu(const struct svm_machine* m, uint32_t i);

/* Returns the first device of the given type (and io_base, unless io_base is 0), or NULL. */
const struct svm_device* machine_find_device(const struct svm_machine* m, uint32_t type,
                                             uint16_t io_base);

/* Returns a readable name for an SVM_MEM_* / SVM_DEV_* value ("RAM", "16550A UART", ...). */
const char* machine_mem_type_name(uint32_t type);
const char* machine_device_type_name(uint32_t type);

/* Runs the standard checks on a table (valid, RAM > 0, COM1 at 0x3F8, at least one CPU, CPU 0 is
 * the BSP) and reports each through lib/check.h, with names prefixed by prefix ("machine").
 * Returns whether all passed. */
int machine_table_check_all(const struct svm_machine* m, const char* prefix);

#endif /* GUEST_LIB_MACHINE_TABLE_H */
