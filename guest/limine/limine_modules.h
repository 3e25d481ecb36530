/*
 * The two module files the Limine guests expect with "modules" on their command line, shared
 * with tests/kvm/limine_test.cpp, which writes them and passes them as
 * `--module DIR/NAME,STRING` in this order. Plain C, no guest headers.
 */
#ifndef GUEST_LIMINE_LIMINE_MODULES_H
#define GUEST_LIMINE_LIMINE_MODULES_H

#define LIMINE_MODULE_COUNT 2
#define LIMINE_MODULE0_NAME "limine_module_a.txt"
#define LIMINE_MODULE0_CONTENTS "svm limine module A\n"
#define LIMINE_MODULE0_STRING "alpha"
#define LIMINE_MODULE1_NAME "limine_module_b.bin"
#define LIMINE_MODULE1_CONTENTS "module B: 0123456789abcdef, second file\n"
#define LIMINE_MODULE1_STRING "beta string with spaces"

#endif
