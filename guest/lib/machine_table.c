#include "lib/machine_table.h"

#include "lib/check.h"
#include "lib/format.h"
#include "lib/mem.h"

uint8_t machine_table_sum(const void* p, size_t n) {
    const uint8_t* b = p;
    uint8_t sum = 0;
    while (n--) sum = (uint8_t)(sum + *b++);
    return sum;
}

/* Returns whether count entries of size bytes at offset lie inside [header_size, total). */
static int array_fits(const struct svm_machine* m, uint32_t count, uint32_t offset, size_t size) {
    if (count == 0) return 1;
    uint64_t end = (uint64_t)offset + (uint64_t)count * size;
    return offset >= m->header_size && end <= m->total_size;
}

const char* machine_table_validate(const struct svm_machine* m) {
    if (!m) return "null table";
    if (memcmp(m->signature, SVM_MACHINE_SIGNATURE, sizeof(m->signature)) != 0) {
        return "bad signature";
    }
    if (m->version != SVM_MACHINE_VERSION) return "bad version";
    if (m->header_size < sizeof(struct svm_machine)) return "bad header size";
    if (m->total_size < m->header_size || m->total_size > SVM_MACHINE_TABLE_MAX) {
        return "bad total size";
    }
    if (machine_table_sum(m, m->total_size) != 0) return "bad checksum";
    if (!array_fits(m, m->mem_count, m->mem_offset, sizeof(struct svm_mem_range))) {
        return "memory ranges outside the table";
    }
    if (!array_fits(m, m->dev_count, m->dev_offset, sizeof(struct svm_device))) {
        return "devices outside the table";
    }
    if (!array_fits(m, m->cpu_count, m->cpu_offset, sizeof(struct svm_cpu))) {
        return "cpus outside the table";
    }
    return NULL;
}

const struct svm_mem_range* machine_mem(const struct svm_machine* m, uint32_t i) {
    return (const struct svm_mem_range*)((const char*)m + m->mem_offset) + i;
}

const struct svm_device* machine_device(const struct svm_machine* m, uint32_t i) {
    return (const struct svm_device*)((const char*)m + m->dev_offset) + i;
}

const struct svm_cpu* machine_cpu(const struct svm_machine* m, uint32_t i) {
    return (const struct svm_cpu*)((const char*)m + m->cpu_offset) + i;
}

const struct svm_device* machine_find_device(const struct svm_machine* m, uint32_t type,
                                             uint16_t io_base) {
    for (uint32_t i = 0; i < m->dev_count; i++) {
        const struct svm_device* d = machine_device(m, i);
        if (d->type == type && (io_base == 0 || d->io_base == io_base)) return d;
    }
    return NULL;
}

const char* machine_mem_type_name(uint32_t type) {
    switch (type) {
        case SVM_MEM_RAM:
            return "RAM";
        case SVM_MEM_RESERVED:
            return "reserved";
        case SVM_MEM_KERNEL:
            return "kernel";
        case SVM_MEM_MODULE:
            return "module";
        default:
            return "unknown";
    }
}

const char* machine_device_type_name(uint32_t type) {
    switch (type) {
        case SVM_DEV_UART16550:
            return "16550A UART";
        case SVM_DEV_DEBUGCON:
            return "debug console";
        case SVM_DEV_EXIT:
            return "debug exit";
        case SVM_DEV_HYPERCALL:
            return "hypercall port";
        case SVM_DEV_LAPIC:
            return "local APIC";
        case SVM_DEV_IOAPIC:
            return "I/O APIC";
        case SVM_DEV_PIT:
            return "8254 PIT";
        case SVM_DEV_PIC:
            return "8259 PIC";
        case SVM_DEV_VGA_TEXT:
            return "VGA text screen";
        case SVM_DEV_PCI_HOST:
            return "PCI host bridge";
        case SVM_DEV_FW_CFG:
            return "fw_cfg";
        case SVM_DEV_ACPI_PM:
            return "ACPI PM (PM1a, PM timer)";
        case SVM_DEV_HPET:
            return "HPET";
        case SVM_DEV_RESET:
            return "reset control (0xCF9)";
        case SVM_DEV_I8042:
            return "i8042 PS/2 controller";
        case SVM_DEV_RTC:
            return "CMOS/RTC";
        default:
            return "unknown";
    }
}

int machine_table_check_all(const struct svm_machine* m, const char* prefix) {
    char name[64];
    unsigned before = check_failures();
    const char* problem = machine_table_validate(m);
    format(name, sizeof(name), "%s table valid", prefix);
    if (!check_that(name, problem == NULL, problem ? problem : "", "valid")) return 0;
    format(name, sizeof(name), "%s ram size", prefix);
    check_that(name, m->ram_size > 0, "0", "> 0");
    format(name, sizeof(name), "%s com1", prefix);
    check_that(name, machine_find_device(m, SVM_DEV_UART16550, 0x3F8) != NULL, "none",
               "16550A at 0x3f8");
    format(name, sizeof(name), "%s cpu count", prefix);
    check_that(name, m->cpu_count >= 1, "0", ">= 1");
    if (m->cpu_count >= 1) {
        format(name, sizeof(name), "%s cpu0 bsp", prefix);
        check_eq(name, machine_cpu(m, 0)->flags & SVM_CPU_BSP, SVM_CPU_BSP);
    }
    return check_failures() == before;
}
